"""What site furniture and article structure look like: the patterns and line tests of cleaning.

:data:`LINE_PATTERNS` are whole lines of furniture, :data:`PROMPT_PATTERNS`
the prompts a site puts around an article (sign up, subscribe, share,
related links, comments, advertising and affiliate notices, rights and
photo credits, sign-offs) in the languages of the news most read, matched in
short lines only (:func:`is_prompt`), and :data:`INLINE_PATTERNS` passages
cut out of a paragraph.  :func:`find_anchor` recognises the lines that may
start an article (a relative time, a date).  The line tests
(:func:`headline_like`, :func:`outlet_like`, :func:`is_short`) help find an
article's header; a line is never furniture for being short.  Sentence ends
count in every script (``. ! ? …`` and ``。！？``, ``؟``, ``।``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ALNUM",
    "BULLET",
    "INLINE_PATTERNS",
    "INLINE_TRIGGERS",
    "LINE_PATTERNS",
    "PROMPT_MAX_WORDS",
    "PROMPT_PATTERNS",
    "REPEAT_MAX_WORDS",
    "Anchor",
    "find_anchor",
    "headline_like",
    "heading_text",
    "is_prompt",
    "is_short",
    "line_key",
    "outlet_like",
    "squash_ws",
    "word_count",
]

#: Whole-line furniture (matched case-insensitively against the whitespace-normalised line).
LINE_PATTERNS: tuple[str, ...] = (
    r"(?:no |view |show |load )?(?:\d+ )?comments?(?: \(\d+\))?(?: yet)?\W*",
    r"(?:related|recommended|trending|popular|more|latest|top) "
    r"(?:articles?|stories|news|content|videos?|reads?|posts?)\W*",
    r"(?=.{0,300}$).*\b(?:download|get|install)\b.{0,60}\bapps?\b.*",
    r"(?:app[- ]?store|google[- ]?play|play[- ]?store)[\w -]*",
    r"(?:\w+ )?(?:logo|icon|background|image|photo|thumbnail)",
    r"(?:try|explore|discover) (?:our|what) (?=(?:\S+ ){0,8}\S+$).*",
    r"(?:share|share this|share on \w+|follow us.*|subscribe\W*.{0,40}|sign (?:in|up)\W*|log ?in|advertisement|"
    r"skip to (?:main )?content|accept (?:all )?cookies|cookie (?:settings|policy)|read more|print|email)\W*",
    r"\d{1,2}:\d{2}(?::\d{2})?",
)

#: A short line holding one of these is a site's prompt, not article text (see :func:`is_prompt`).  Each
#: pattern names one kind of furniture; they are matched case-insensitively.
PROMPT_PATTERNS: tuple[str, ...] = (
    # subscribing, signing up, logging in
    r"^(?:please |click (?:here )?to |tap to )?subscri|\bsubscribe (?:now|today|to|for|here)\b|\bnewsletters?\b",
    r"\b(?:our|your|a free|free|digital) subscriptions?\b|\bsubscribers? (?:only|exclusive|get|receive|also)\b",
    r"^(?:please )?(?:sign(?:ing)?[- ]?(?:up|in)|log[- ]?in)\b|\blogin\b",
    r"\babonn(?:ieren|ement|ez)|\banmelden\b|\beingeloggt\b|\bregistrier|\bsuscr[ií]b|\binscri(?:vez|ption|bete)",
    # sharing and following
    r"^(?:share|teilen|partager|compartir|condividi)\b|\bshare (?:this|on|via)\b|\bteilen mit\b",
    r"\bfollow (?:us|me|@)|\bfolge[nt]? (?:uns|mir)\b|\bsíguenos\b|\bsuivez[- ]nous\b|\bseguici\b",
    # related links and more of the site
    r"^(?:related|recommended|trending|popular|latest|more|top) (?:articles?|stories|news|content|videos?|reads?|posts?|topics?)\b",
    r"^(?:related|recommended|trending)\W*$",
    r"^(?:read|see|watch|listen) (?:more|also|next|now)\W*$|\bmore (?:on|from|about) (?:this|the|our) (?:story|topic|site)\b",
    r"\bmehr (?:zum thema|zu(?:m)? |themen|infos?\b|artikel)|^weitere (?:infos?|informationen|artikel|themen|beiträge|tipps|nachrichten)",
    r"\bauch interessant\b|\blesen sie (?:auch|mehr)\b|\bkönnte (?:sie|dich|euch) (?:auch )?interessieren\b|\btop[- ]themen\b",
    r"^(?:vorschau|empfohlene|ähnliche (?:beiträge|artikel))\b",
    r"^m[aá]s (?:sobre|noticias|información)\b|\blee (?:también|más)\b|\b(?:notas|noticias|art[ií]culos) relacionad[oa]s\b",
    r"\b(?:à )?lire aussi\b",
    r"\bczytaj (?:też|także|więcej)\b|\bleggi anche\b|\bveja também\b|^auch auf\b",
    # paywalls
    r"\b(?:to (?:continue|keep) reading|read the full (?:story|article)|view the full story|already a subscriber)\b",
    r"\b(?:um weiterzulesen|pour lire la suite|accéder en illimité|para (?:seguir|continuar) leyendo)\b",
    # comments and reader prompts
    r"^(?:no |keine |view |show |load |\d+ )?(?:comments?|kommentare?|commentaires?|comentarios?)\b",
    r"\bleave a (?:comment|reply)\b|\b(?:post|write|add) a comment\b|\bkommentar(?:e|en)? (?:zu )?(?:schreiben|verfassen)\b",
    r"\bin den kommentaren\b|\bif you (?:enjoyed|liked) (?:this|reading)\b",
    # advertising, sponsoring, affiliate links
    r"\badvertisement\b|^advertis|\bwerbung\b|\banzeige\b|\baffiliate\b|\bsponsored\b|\bpublicidad\b|\bpublicité\b",
    r"\b(?:may )?(?:earn|receive) (?:a )?(?:small )?(?:commission|compensation)\b",
    # cookies, rights, legal pages
    r"\bcookies?\b|\ball rights reserved\b|\balle rechte vorbehalten\b|\btodos los derechos\b|\bcopyright\b|^©",
    r"\bimpressum\b|\bdatenschutz|\bprivacy (?:policy|settings|notice)\b|\bterms of (?:use|service)\b",
    # apps and downloads
    r"\bdownload (?:the|our)\b|\bapp store\b|\bgoogle play\b",
    # photo credits and captions
    r"\b(?:foto|photo|bild|image|picture|credit|crédits? photos?|fuente|quelle)s?\s*:|^fot\.|\bgetty images\b|\bimago\b",
    # sign-offs
    r"\bcontributed (?:to )?(?:this )?(?:report|story)\b|\bfollow (?:ap|reuters|afp)['’]?s?\b|\bfull coverage\b",
)
#: :data:`PROMPT_PATTERNS` only match lines of up to this many words: a longer line is written text.
PROMPT_MAX_WORDS = 20

_TEASER_LABEL = r"(?:MORE|READ MORE|RELATED|WATCH|LISTEN|SEE ALSO)"
_TEASER_MAX = 200

#: In-body furniture (searched inside paragraphs and cut out).
INLINE_PATTERNS: tuple[str, ...] = (
    r"(?i:(?:To view this video,? )?please enable JavaScript.{0,200}?(?:HTML5 video|\.)\.?)",
    r"\b(?:More Trending|Trending Now|Most Read|Most Popular|Read More|READ MORE)\b:?",
    r"(?i:Get in touch with our (?:news )?team\b.{0,120}?(?:@\S*|\.)(?=\s|$))",
    r"(?i:For more (?:stories|news|articles) like this,? (?:check|visit|see) our [\w ]{1,30}?page\.?)",
    # A teaser ("WATCH: Aerial footage of the flood.") up to its end: sentence punctuation, the next
    # teaser or the end of the line, within _TEASER_MAX characters; the text after it is never cut.
    # When no end is that close, only the label goes.
    rf"\b{_TEASER_LABEL}:[ \t]+(?:[^\n]{{0,{_TEASER_MAX}}}?"
    rf"(?:[.!?…]+[\"'”’)\]]*(?=\s|$)|(?=\s+{_TEASER_LABEL}:\s)|$))?",
    r"(?i:Sign up (?:to|for)\b.{0,300}?after newsletter promotion)",
    r"(?i:\bafter newsletter promotion\b)",
    r"(?<=[.!?'\"”’)])\s*\b\d{1,2}:\d{2}(?::\d{2})?\b(?=\s+[A-Z‘'\"“])",
    r"^\d{1,2}:\d{2}(?::\d{2})?(?=\s+[A-Z‘'\"“])",
    r"\bADVERTISEMENT\b",
)

# Cheap substring tests, one per INLINE_PATTERNS entry: a pattern only runs on a
# line whose lower-cased text contains one of its triggers.
INLINE_TRIGGERS: tuple[tuple[str, ...], ...] = (
    ("javascript",),
    ("trending", "most read", "most popular", "read more"),
    ("get in touch",),
    ("for more",),
    ("more:", "related:", "watch:", "listen:", "see also:"),
    ("newsletter promotion",),
    ("newsletter promotion",),
    (":",),
    (":",),
    ("advertisement",),
)

SHORT_WORDS = 10  # a line with fewer words and no sentence punctuation is "short"
REPEAT_MAX_WORDS = 12  # only lines up to this many words can be "repeated furniture"

_REL = (
    r"(?:(?:an?|one|a few|few|\d{1,3})\s*(?:secs?|seconds?|mins?|minutes?|hrs?|hours?|days?|weeks?|months?|years?)"
    r"\s+ago|just now|yesterday)"
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_CLOCK = r"(?:,?\s*(?:at\s*)?\d{1,2}[:.]\d{2}\s*(?:am|pm)?(?:\s*[a-z]{2,4})?)?"
_DATE = (
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    r"\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?z?)?|\d{1,2}/\d{1,2}/\d{2,4})" + _CLOCK
)
_LABEL = r"(?:time|clock|updated|published|posted|date|last updated|icon)"
_SEPS = " \t·•|,-–—:"
_REL_LINE = re.compile(rf"(?P<prefix>.{{0,60}}?)(?P<time>{_REL})\.?", re.IGNORECASE)
_DATE_LINE = re.compile(rf"(?P<prefix>.{{0,60}}?)(?P<time>{_DATE})\.?", re.IGNORECASE)
_LABEL_RE = re.compile(rf"^(?:{_LABEL}\b\s*:?\s*)+|(?:\s*\b{_LABEL}\s*:?)+$", re.IGNORECASE)
_SEPARATOR = re.compile(r"(?:[-*_=~#•·]\s*){3,}")
BULLET = re.compile(r"[-•·–—|*>]\s*(?P<name>\S.{0,60})")
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")
ALNUM = re.compile(r"[^\W_]")
#: Sentence ends of every script: Latin, CJK (。！？), Arabic and Urdu (؟ ۔), Devanagari (। ॥), Ethiopic (።), Armenian (։).
SENTENCE_END = ".!?…。！？｡؟۔।॥።։"
_CLOSERS = "\"'”’)\\]」』）"
_TERMINAL = re.compile(rf"[{re.escape(SENTENCE_END)}][{_CLOSERS}]*$")
_HEADLINE_END = re.compile(rf"[.:;,。：；，][{_CLOSERS}]*$")
_PROMPT = re.compile("|".join(f"(?:{p})" for p in PROMPT_PATTERNS), re.IGNORECASE)


def squash_ws(text: str) -> str:
    return " ".join(text.split())


def heading_text(text: str) -> str:
    """A headline line as text: whitespace normalised, Markdown ``#`` marks dropped."""
    return squash_ws(text).lstrip("#").strip()


def line_key(text: str) -> str:
    return heading_text(text).casefold()


def word_count(text: str) -> int:
    return len(text.split())


def is_short(text: str) -> bool:
    """Few words and no sentence punctuation at the end (or no letters at all): a header line, not a paragraph.

    Examples
    --------
    >>> is_short("Tour dates"), is_short("東京で会議が開かれた。")
    (True, False)
    """
    if not _LETTER.search(text):
        return True
    if len(text) > 25 * SHORT_WORDS:
        return False
    return word_count(text) < SHORT_WORDS and not _TERMINAL.search(text)


def is_prompt(text: str) -> bool:
    """A short line (up to :data:`PROMPT_MAX_WORDS` words) that holds a site's prompt (:data:`PROMPT_PATTERNS`).

    Examples
    --------
    >>> is_prompt("Sign up for our daily newsletter"), is_prompt("Teilen mit:")
    (True, True)
    >>> is_prompt("The council signed the contract on Monday.")
    False
    """
    t = squash_ws(text)
    return bool(t) and word_count(t) <= PROMPT_MAX_WORDS and _PROMPT.search(t) is not None


def headline_like(text: str) -> bool:
    t = heading_text(text)
    if not t or len(t) > 250 or word_count(t) > 30 or _HEADLINE_END.search(t):
        return False
    first = t[0]
    caseless = first.isalpha() and not first.isupper() and not first.islower()  # CJK, Arabic, Devanagari...
    return (first.isupper() or first.isdigit() or caseless or first in "‘'\"“") and len(_LETTER.findall(t)) >= 2


def outlet_like(text: str) -> bool:
    t = text.strip()
    if not 0 < len(t) <= 60 or word_count(t) > 6 or _TERMINAL.search(t) or _HEADLINE_END.search(t):
        return False
    return (t[0].isupper() or t[0].isdigit()) and any(c.isalpha() for c in t)


def _strip_outlet(prefix: str) -> str:
    text = prefix.strip(_SEPS)
    previous = None
    while text != previous:
        previous = text
        text = _LABEL_RE.sub("", text).strip(_SEPS)
    if not text or word_count(text) > 6 or not any(ch.isalpha() for ch in text):
        return ""
    return text


@dataclass
class Anchor:
    kind: str  # "time" | "sep"
    outlet: str = ""
    published: str = ""


def find_anchor(line: str) -> Anchor | None:
    t = line.strip()
    if not t or len(t) > 120:
        return None
    if _SEPARATOR.fullmatch(t):
        return Anchor("sep")
    m = _REL_LINE.fullmatch(t)
    if m:
        prefix = m.group("prefix")
        outlet = _strip_outlet(prefix)
        if prefix.strip() and not outlet and _WORD.search(_LABEL_RE.sub("", prefix.strip(_SEPS)) or ""):
            return None  # a sentence ending in "... ago", not a time line
        return Anchor("time", outlet, m.group("time"))
    m = _DATE_LINE.fullmatch(t)
    if m:
        prefix = m.group("prefix")
        raw = prefix.rstrip()
        if raw and not (raw[-1] in _SEPS or re.search(rf"{_LABEL}\s*:?$", raw, re.IGNORECASE)):
            return None  # "The meeting took place on 12 August 2025"
        return Anchor("time", _strip_outlet(prefix), m.group("time"))
    return None
