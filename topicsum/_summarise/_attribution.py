"""Who said it, and did they say yes or no: the checks that keep a generated sentence honest.

A small model rewriting news loses the speaker ("He said the Russian side
insisted..." becomes "The Russian side insisted..."), turns a quoted claim
into a fact, flips a negation, fuses two sources under one name or changes a
unit.  :func:`attribution_problems` compares a generated sentence with the
source sentence it rests on and says what went wrong, if anything:

* ``drops the speaker`` -- the source reports what someone said; the
  sentence states it as a fact;
* ``changes the speaker`` -- the sentence names someone else as the speaker
  (a pronoun speaker is resolved to the last person the article quoted);
* ``facts from another speaker`` -- a number or name it attributes to its
  speaker comes only from what somebody else said;
* ``flips the polarity`` -- a negation, or a word such as "denied" for
  "confirmed", is on one side only;
* ``changes a unit`` -- the same number with another unit or currency.

The rules read words, not meaning: they are strict on purpose (a rejected
sentence is replaced by a quoted one, so a false alarm costs little).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ._standalone import speaker_name, straight_quotes

__all__ = ["Attribution", "attribution", "attribution_problems", "resolve_speaker"]

_REPORT = (
    r"said|says|say|saying|told|tells|tell|added|adding|adds|insisted|insisting|insists|claimed|claiming|claims|"
    r"denied|denying|denies|confirmed|confirming|confirms|warned|warning|warns|argued|arguing|argues|stated|states|"
    r"announced|announces|accused|accusing|accuses|alleged|alleging|alleges|admitted|admits|explained|explains|"
    r"wrote|writes|tweeted|noted|notes|stressed|stresses|suggested|suggests|acknowledged|acknowledges|asserted|"
    r"maintained|maintains|believes|believed|thinks|thought|estimate|estimated|estimates|predicted|predicts|vowed|vows|"
    r"pledged|promised|promises|urged|urges|called|calls|described|describes|labelled|labeled|dismissed|reported|"
    r"heard|found|revealed|reveals|showed|shows|testified|quoted"
)
_REPORT_RE = re.compile(rf"\b(?:{_REPORT})\b|\baccording to\b", re.I)
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
_SKIP = frozenset(
    "a an the of in on at to for from by with and or but that this these those his her their its our has have had "
    "was were is are be been also then later earlier statement interview news conference".split()
)
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n['’]t\b", re.I)
_OPPOSITES = (
    ("denied", "confirmed"), ("denies", "confirms"), ("deny", "confirm"), ("rejected", "accepted"),
    ("rejected", "approved"), ("won", "lost"), ("rose", "fell"), ("increased", "decreased"), ("raised", "lowered"),
    ("guilty", "innocent"), ("convicted", "acquitted"), ("allowed", "banned"), ("allowed", "blocked"),
    ("opened", "closed"), ("before", "after"), ("above", "below"), ("more", "fewer"), ("more", "less"),
)  # fmt: skip
_NUMBER = r"\d+(?:[.,]\d+)*"
_UNIT_AFTER = re.compile(
    rf"({_NUMBER})\s*(%|percent|per cent|km|kilometres?|kilometers?|miles?|metres?|meters?|feet|foot|ft|kg|"
    r"kilograms?|pounds|lbs?|tonnes?|tons?|dollars|euros|pence|cents|million|billion|trillion|thousand|hours?|"
    r"minutes?|days?|weeks?|months?|years?|people|soldiers|bodies)\b",
    re.I,
)
_UNIT_BEFORE = re.compile(rf"([$£€¥])\s?({_NUMBER})")
_UNIT_SAME = {"%": "percent", "per cent": "percent", "kilometre": "km", "kilometres": "km", "kilometer": "km",
              "kilometers": "km", "mile": "miles", "metre": "m", "metres": "m", "meter": "m", "meters": "m",
              "foot": "feet", "ft": "feet", "kilogram": "kg", "kilograms": "kg", "lb": "pounds", "lbs": "pounds",
              "tonne": "tonnes", "ton": "tonnes", "tons": "tonnes", "hour": "hours", "minute": "minutes",
              "day": "days", "week": "weeks", "month": "months", "year": "years", "$": "dollars", "£": "pounds-sterling",
              "€": "euros", "¥": "yen"}  # fmt: skip


def _stem(word: str) -> str:
    return re.sub(r"(?:['’]s|s)$", "", word.lower())[:6]


def _outside_quotes(text: str) -> str:
    """The text with quoted passages blanked (single or double quotes; an unclosed quote runs to the end)."""
    t = straight_quotes(text).replace("‘", "'").replace("’", "'")
    t = re.sub(r"\"[^\"]*(?:\"|$)", lambda m: " " * len(m.group(0)), t)
    return re.sub(r"(?:(?<=\s)|^)'(?:[^']|'(?=[A-Za-z]))*?(?:'(?=[\s,.;:!?]|$)|$)", lambda m: " " * len(m.group(0)), t)


@dataclass(frozen=True)
class Attribution:
    """The outer speaker of a sentence: the words that name them, and whether it is a pronoun."""

    words: frozenset[str]
    pronoun: bool = False

    def matches(self, other: Attribution) -> bool:
        """Whether two attributions can name the same speaker."""
        return bool(self.words & other.words) or (self.pronoun and other.pronoun)


def attribution(sentence: str) -> Attribution | None:
    """The outer speaker of ``sentence`` (the subject of its first reporting verb), or ``None`` if it reports none.

    Examples
    --------
    >>> attribution("He said the Russian side insisted the dead were all Ukrainians.")
    Attribution(words=frozenset({'he'}), pronoun=True)
    >>> sorted(attribution("The Russian side insisted the dead were all Ukrainians.").words)
    ['russia', 'side']
    >>> attribution("Rain fell on Monday.") is None
    True
    """
    bare = _outside_quotes(sentence)
    m = _REPORT_RE.search(bare)
    if m is None:
        return _quote_only(sentence)
    pieces = [p for p in re.split(r"[,;:(]|\bthat\b|\bwhile\b|\bas\b", bare[: m.start()]) if p.strip()]
    while len(pieces) > 1 and re.match(r"\s*(?:who|which|whose|whom)\b", pieces[-1], re.I):
        pieces.pop()  # "X, who considered a run himself, says": the speaker is X
    before = pieces[-1] if pieces and not bare[: m.start()].rstrip().endswith((".", "!", "?")) else ""
    after = bare[m.end() :]
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", before)][-6:]
    if m.group(0).lower() == "according to" or not words:
        words = re.findall(r"[A-Za-z][A-Za-z'’-]*", re.split(r"[,;:.]", after)[0])[:6]
    names = {_stem(w) for w in words if w.lower() not in _SKIP}
    pronoun = any(w.lower() in _PRONOUNS for w in words) and not {n for n in names if n not in _PRONOUNS}
    return Attribution(frozenset(names), pronoun) if names else _quote_only(sentence)


def _quote_only(sentence: str) -> Attribution | None:
    """A sentence that is mostly a quotation reports speech even without a named speaker."""
    quoted = len(straight_quotes(sentence)) - len(_outside_quotes(sentence).strip())
    return Attribution(frozenset(), False) if quoted > 0.6 * len(sentence.strip()) else None


def resolve_speaker(sentence: str, before: Sequence[str]) -> Attribution | None:
    """:func:`attribution`, with a pronoun speaker resolved to the last person quoted in ``before``."""
    found = attribution(sentence)
    if found is None or not found.pronoun:
        return found
    for earlier in reversed(before):
        name = speaker_name(earlier)
        if name:
            return Attribution(found.words | {_stem(w) for w in name.split() if w.lower() not in _SKIP}, True)
    return found


def _words_of(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", text)}


def _units(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for num, unit in _UNIT_AFTER.findall(text):
        out.setdefault(num.replace(",", ""), set()).add(_UNIT_SAME.get(unit.lower(), unit.lower()))
    for cur, num in _UNIT_BEFORE.findall(text):
        out.setdefault(num.replace(",", ""), set()).add(_UNIT_SAME[cur])
    return out


def _polarity(generated: str, source: str) -> str | None:
    if bool(_NEGATION.search(generated)) != bool(_NEGATION.search(source)):
        return "flips the polarity (a negation on one side only)"
    g, s = generated.lower(), source.lower()
    for a, b in _OPPOSITES:
        for x, y in ((a, b), (b, a)):
            if re.search(rf"\b{x}\b", g) and re.search(rf"\b{y}\b", s) and not re.search(rf"\b{x}\b", s):
                return f"flips the polarity ({x!r} where the source says {y!r})"
    return None


def attribution_problems(
    generated: str, source: str, *, before: Sequence[str] = (), others: Sequence[tuple[str, Sequence[str]]] = ()
) -> list[str]:
    """What a generated sentence gets wrong about who said what, compared with the ``source`` it rests on.

    Parameters
    ----------
    generated : str
        The model's sentence.
    source : str
        The source sentence it is closest to (its main support).
    before : sequence of str
        The sentences before ``source`` in its article (to resolve "he said").
    others : sequence of (str, sequence of str)
        The other supporting sentences, each with the sentences before it.

    Examples
    --------
    >>> attribution_problems("The Russian side insisted the dead were all Ukrainians.",
    ...                      "He said the Russian side insisted the dead were all Ukrainians.",
    ...                      before=["Volodymyr Zelensky said that an Israeli citizen was among the dead."])
    ['changes the speaker']
    >>> attribution_problems("The talks will not resume.", "Officials said the talks would resume on Monday.")
    ['drops the speaker', 'flips the polarity (a negation on one side only)']
    """
    problems: list[str] = []
    said = resolve_speaker(source, before)
    says = attribution(generated)
    if said is not None and says is None:
        problems.append("drops the speaker")
    elif said is not None and says is not None and said.words and says.words and not says.matches(said):
        problems.append("changes the speaker")
    elif says is not None and says.words and not said and not says.words <= _words_of(source):
        related = [resolve_speaker(s, b) for s, b in others]
        if not any(r is not None and says.matches(r) for r in related):
            problems.append("facts from another speaker")
    polarity = _polarity(generated, source)
    if polarity:
        problems.append(polarity)
    src_units = _units(" ".join([source, *(s for s, _ in others)]))
    for num, units in _units(generated).items():
        if num in src_units and not units & src_units[num]:
            problems.append(f"changes a unit ({num} {'/'.join(sorted(units))})")
    return problems
