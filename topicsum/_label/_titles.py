"""Story names that say what happened: the story's most central headline, or lead, condensed.

A reader scans story names first, so a name is written the way an editor
titles a story ("Migrant boat capsizes off Lampedusa, killing 26"), not as a
keyword list.  :func:`story_title` picks the source and :func:`condense_title`
shortens it:

1. **The source.** The headlines of the story's most central articles (the
   articles whose segments lie closest to the story's centre); without a
   headline that tells the story from the others, their leads too: the
   sentences among an article's first three that can stand alone in a digest
   (the summarise stage's rule: no furniture, caption or byline; datelines
   removed).  With an embedder the name is the candidate nearest its own
   story's centre relative to the nearest other story's.
2. **Outlet names go.** A headline's outlet suffix or prefix ("| BBC News",
   "- Reuters", "Reuters: ...") is removed when the part beyond the separator
   is one of the pile's outlets or a news agency, or follows a pipe.
3. **Condensed by leaving words out**, never by adding or moving any, so every
   name is its source with words left out and keeps its names and numbers: a
   parenthesis and a leading time or place phrase ("On Tuesday,", "After
   months of talks,") go, then the sentence is cut at the first clause
   boundary (", which", " - ", ", according to", "; "...) that leaves a main
   clause, then at the last phrase boundary that brings it within
   :data:`MAX_TITLE_WORDS`.  A name is never cut inside a phrase: when no
   boundary fits, the sentence stays longer.  A lead is also cut within
   :data:`LONG_TITLE_WORDS`: when no short name tells the story from its
   neighbours (two leads that open alike), the longer cut that does names it.

The bundled summariser was tried for this step and left out: on Multi-News
leads SmolLM2-135M kept 5 of 30 condensed titles that pass the digest guard,
at about a second each (bench/labels.py has the figures of the rule above).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .._summarise import SPEECH, strip_dateline

__all__ = ["LONG_TITLE_WORDS", "MAX_TITLE_WORDS", "balanced_quotes", "condense_title", "strip_outlet"]

#: A name holds at most this many words when its source has a boundary that allows it.
MAX_TITLE_WORDS = 12
#: A condensed name keeps at least this many words (a main clause, not a fragment).
MIN_TITLE_WORDS = 4
#: When no phrase boundary falls within :data:`MAX_TITLE_WORDS`, the last one within this many words cuts it.
LONG_TITLE_WORDS = 16

#: News agencies and wire services, whose names end or open headlines ("- Reuters", "AP:").
AGENCIES = frozenset(
    {
        "reuters", "ap", "associated press", "afp", "agence france-presse", "upi", "dpa", "ansa", "efe", "pa",
        "press association", "pa media", "bloomberg", "xinhua", "tass", "interfax", "kyodo", "yonhap", "anadolu",
        "bbc", "bbc news", "cnn", "al jazeera", "nbc news", "cbs news", "abc news", "npr", "the associated press",
    }
)  # fmt: skip
_SEPARATORS = re.compile(r"\s+(?:\||[-–—]{1,2}|::|•)\s+")
_PAREN = re.compile(r"\s*[(\[][^()\[\]]{0,80}[)\]]")
#: A leading phrase that sets time or circumstance, up to its comma: "On Tuesday,", "After a week of talks,".
_LEADING = re.compile(
    r"^(?:(?:on|in|at|after|before|when|while|as|since|starting|following|during|despite|although|though|amid|"
    r"earlier|later|last|this|today|yesterday|tonight|now|for|with|under|once|until|by)\b[^,]{0,90}|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)),\s+",
    re.I,
)
#: Where a trailing clause starts (a relative, an aside, a participle with its object: ", arguing it"):
#: the main clause before it says what happened.
_CLAUSE = re.compile(
    r",\s+(?:which|who|whom|whose|where|when|while|as|after|but|and|even as|amid|according to|saying|said|"
    r"in a|in an|despite|although|though|because|a|an|[a-z]+ing(?=\s+[\w\"'“‘$£€]))\b|\s+[-–—]+\s+|;\s+|"
    r":\s+(?=[a-z])",
)
#: Words a trailing phrase may start with: cutting before one drops a phrase, not half of one.
_PHRASE_START = frozenset(
    "in at on for from to after before with by during since because as over into amid against while when "
    "where who which than about under near off across through there but".split()
)
_TIME = re.compile(
    r"\s+(?:on\s+)?(?:(?:early|late)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:\s+(?:morning|afternoon|evening|night))?\b(?!['’])",
    re.I,
)


#: An unnamed source's tag at the end of a sentence: ", one of the officials said.", ", police told reporters."
#: (no capital: a named speaker, ", Putin said", is who said what and stays); the digest's speech verbs
_ATTRIBUTION = re.compile(r",\s+[a-z][^,\"“”A-Z]{0,60}\s(?:" + SPEECH + r"|reported)(?:\s+[a-z ]{1,30})?\.?$")
#: A text that ends inside a list of single words ("a horrific, agonising"): no clause ends there.
_BROKEN_LIST = re.compile(r",\s+\S+$")


def _key(name: str) -> str:
    k = re.sub(r"[^a-z0-9 ]+", " ", name.lower())
    k = re.sub(r"\b(?:the|news|online|com|co uk)\b", " ", k)
    return " ".join(k.split())


def strip_outlet(headline: str, outlets: Sequence[str] = ()) -> str:
    """``headline`` without an outlet's or news agency's name before or after a separator.

    Examples
    --------
    >>> strip_outlet("Migrant boat capsizes off Lampedusa | BBC News")
    'Migrant boat capsizes off Lampedusa'
    >>> strip_outlet("Ceasefire talks resume - Reuters")
    'Ceasefire talks resume'
    >>> strip_outlet("Daily Mirror - Putin sends his own dead soldiers to Ukraine", ["Daily Mirror"])
    'Putin sends his own dead soldiers to Ukraine'
    >>> strip_outlet("Spain - a country on fire")
    'Spain - a country on fire'
    """
    text = " ".join(str(headline).split())
    known = {_key(o) for o in outlets if o} | {_key(a) for a in AGENCIES}
    known.discard("")
    for _ in range(3):  # "Story | Section | Outlet"
        parts = _SEPARATORS.split(text)
        seps = _SEPARATORS.findall(text)
        if len(parts) < 2:
            break
        head, tail = parts[0], parts[-1]
        if _key(tail) in known or (seps[-1].strip() == "|" and len(tail.split()) <= 4 and len(text.split()) > 5):
            text = text[: text.rfind(seps[-1])].strip()
        elif _key(head) in known:
            text = text[text.find(seps[0]) + len(seps[0]) :].strip()
        else:
            break
    return text


def _words(text: str) -> list[str]:
    return text.split()


def _finish(text: str) -> str:
    text = text.strip(" ,;:-–—")
    text = re.sub(r"[.!]+$", "", text).strip()
    return text[:1].upper() + text[1:] if text else text


def _inside_quotes(words: Sequence[str]) -> list[bool]:
    """For each word, whether it is inside a quotation ('disdain for fallen troops'): never cut there."""
    depth, out = 0, []
    for w in words:
        opens = w[:1] in "'\"‘“"
        closes = w.rstrip(".,;:!?")[-1:] in "'\"’”" and (len(w) > 1 or not opens)
        out.append(depth > 0 and not opens)
        depth = max(0, depth + opens - closes)
    return out


def balanced_quotes(text: str) -> bool:
    """Whether every quotation ``text`` opens it also closes: a name never ends inside a quote.

    Examples
    --------
    >>> balanced_quotes('Putin says "the whole of Ukraine is ours"')
    True
    >>> balanced_quotes("“This attempt is further proof that there are constant threats")
    False
    """
    return text.count("“") == text.count("”") and text.count('"') % 2 == 0


def condense_title(sentence: str, max_words: int = MAX_TITLE_WORDS) -> str:
    """A name from a headline or lead sentence: its words, some left out, in order; no cut phrase.

    Examples
    --------
    >>> condense_title("At least 26 people killed as boat carrying migrants capsizes off Italy")
    'At least 26 people killed as boat carrying migrants capsizes off Italy'
    >>> condense_title("On Tuesday, the city council, which met for four hours, voted 7-2 to close the Elm Street "
    ...                "bridge for repairs until March, according to a statement.")
    'The city council voted 7-2 to close the Elm Street bridge'
    >>> condense_title("Putin sends his own dead soldiers to Ukraine in 'disdain for fallen troops'")
    'Putin sends his own dead soldiers to Ukraine'
    >>> condense_title("If Trump sticks to the script at Putin summit there may be a ceasefire in Ukraine")
    'If Trump sticks to the script at Putin summit'
    >>> condense_title("Reince Priebus mocked President Barack Obama's 2008 election slogan on Sunday, arguing it "
    ...                "won't pass the smell test with voters in 2012.")
    "Reince Priebus mocked President Barack Obama's 2008 election slogan"
    >>> condense_title("A ticket buying frenzy could make Tuesday's Mega Millions jackpot the biggest prize in history.")
    "A ticket buying frenzy could make Tuesday's Mega Millions jackpot the biggest prize"
    >>> condense_title("The Federal Bureau of Investigation is looking into the incident, one of the officials said.")
    'The Federal Bureau of Investigation is looking into the incident'
    >>> condense_title("The most famous lion in Kenya died a horrific, agonising -- and many people say senseless -- death.")
    'The most famous lion in Kenya died a horrific, agonising -- and many people say senseless -- death'
    """
    text = " ".join(str(sentence).split())
    if len(_words(text)) <= max_words:
        return _finish(text)
    text = _PAREN.sub("", text)
    text = strip_dateline(text)  # "SAN FRANCISCO (Reuters) - " once the parenthesis is gone
    m = _LEADING.match(text)
    if m and len(_words(text[m.end() :])) >= MIN_TITLE_WORDS:
        text = text[m.end() :]
    # an attribution at the end: ", one of the officials said." goes (the main clause says what happened)
    m = _ATTRIBUTION.search(text)
    if m and len(_words(text[: m.start()])) >= MIN_TITLE_WORDS:
        text = text[: m.start()]
    # non-restrictive clauses in the middle: ", which met for four hours," goes
    text = re.sub(r",\s+(?:which|who|whose)\b[^,]{1,120},", "", text)
    text = _TIME.sub("", text)
    if len(_words(text)) > max_words:
        for c in _CLAUSE.finditer(text):
            head = text[: c.start()]
            if len(_words(head)) >= MIN_TITLE_WORDS + 1:
                # "died a horrific, agonising -- and ...": a boundary inside a list of words ends no clause,
                # and the boundaries after it are inside the aside it opens
                if not _BROKEN_LIST.search(head):
                    text = head
                break
    words = _words(text)
    if len(words) > max_words:
        quoted = _inside_quotes(words)
        cuts = [i for i in range(MIN_TITLE_WORDS + 1, min(len(words), max(max_words, LONG_TITLE_WORDS) + 1))
                if words[i].lower() in _PHRASE_START and not quoted[i]]  # fmt: skip
        short = [i for i in cuts if i <= max_words]
        if short or cuts:
            words = words[: (short or cuts)[-1]]
        text = " ".join(words)
    return _finish(text)
