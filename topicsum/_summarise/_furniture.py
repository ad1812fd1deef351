"""Page furniture and datelines: the text around an article that is not the article.

Boilerplate (archive notices, cookie and newsletter prompts, media-player
text, CAPTCHA prompts), photo captions and credits, bylines and author bios,
promotional asides, and the dateline or agency tag a sentence opens with.
The summarise stage drops furniture from digests (:mod:`._standalone`) and
the label stage from names; both strip datelines with :func:`strip_dateline`.
"""

from __future__ import annotations

import re

__all__ = ["BOILERPLATE", "BYLINE", "CAPTION", "DATELINE", "JUNK", "PARA_JUNK", "PROMO", "furniture", "strip_dateline"]

_Q_OPEN = "\"“"

#: web furniture, archive notices, social widgets, paywalls
BOILERPLATE = re.compile(
    r"\b(?:internet archive|wayback machine|web (?:crawl|capture)s?|crawl(?:s| data)|archive pages|archive-it|no more 404"
    r"|tweet (?:with a location|location)|your tweets?|add location|javascript|cookies?|your browser"
    r"|all rights reserved|copyright|©|this material may not be published|terms of (?:use|service)"
    r"|privacy policy|advertisement|story continued below|continue reading|please try again"
    r"|(?:error|problem) (?:has )?occurred|invalid email|newsletters?|subscrib\w*|sign(?:ing)? up"
    r"|click here|read more|learn more|share this|like us on|follow us|more stories|related coverage"
    r"|full coverage|most popular|trending now|watch video|video player|rented|interactive transcript"
    r"|delivered (?:weekday|daily|every)|news (?:emails|alerts)|stories that matter"
    r"|this feature is not available|add interest|as an interest|stay up to date|breaking news (?:emails|alerts)"
    r"|get breaking news|download the app|view (?:all|comments)|comments? (?:are|is) closed"
    r"|media playback|unsupported on your device|enter the (?:characters|code)|captcha|not a robot)\b",
    re.I,
)
#: photo captions and credits
CAPTION = re.compile(
    r"^(?:file(?: photo)?\s*[-–—:]|photo(?:graph)?s?\s*(?:[:|]|by\b)|image(?:s)?\s*(?:[:|]|copyright|caption)"
    r"|pictured\s*:|caption\s*:|hide caption|enlarge (?:image|photo|this)|\d+\s+of\s+\d+\b|this (?:undated )?(?:photo|image)"
    r"|in this (?:\w+ ){0,6}(?:photo|image)|story highlights\s*$)"
    r"|\((?:[^()]*\b(?:photo|photographer|photograph|getty|images?|afp|ap photo|reuters|credit|courtesy|file)\b[^()]*)\)\s*$"
    r"|\b(?:ap photo|getty images|afp/getty|/afp\b|/ap\b|staff photographer|photo credit|photo illustration"
    r"|(?:file )?photo (?:released|provided|taken|shows)|in this (?:\w+ ){0,6}(?:file )?photo|(?-i:FILE)\s*[-–—])"
    r"|\b(?:is|are) (?:seen|pictured|shown)\b(?=.*\b(?:19|20)\d\d\b)|\|\s*getty\b"
    r"|,\s(?:mon|tues|wednes|thurs|fri|satur|sun)day,\s[A-Z][a-z]{2,8}\.?\s\d{1,2},\s(?:19|20)\d\d\.?$"
    r"|^(?:[\w.'’-]+\s){1,8}(?:waves|poses|gestures|looks on|walks past|speaks during|stands|reacts|smiles|"
    r"holds|arrives|attends|listens|sits)\b.*\b(?:19|20)\d\d\.?$",
    re.I,
)
#: a paragraph with one of these is a caption or an embedded social post as a whole
PARA_JUNK = re.compile(r"pic\.twitter\.com|—\s*[^—]{2,60}\(@\w+\)|\bphoto\s*:|\(photo|\bphotographer\)", re.I)
#: bylines, contributor lines, author bios
BYLINE = re.compile(
    r"^(?:(?-i:By\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*(?:$|,|and\b|\|))|--+\s*[A-Z]|—\s*[A-Z]"
    r"|(?:reporting|writing|editing|additional reporting) by\b|follow\s+\w+\s+on\b)"
    r"|\bcontributed to this (?:report|story)\b|\bthe author is\b|\bopinions expressed\b"
    r"|\bis an? (?:staff )?(?:reporter|writer|correspondent|columnist|editor) (?:for|at|with)\b"
    r"|@\w{2,}|\bemail\b.*@|^(?:twitter|facebook|instagram)\s*:|\b(?:twitter|facebook|instagram)\s*@",
    re.I,
)
#: promotional / editorial asides addressed to the reader
PROMO = re.compile(
    r"\b(?:we'?ll have more|we will have more|stay tuned|check back|more on (?:this|that) (?:later|soon)|"
    r"keep (?:it )?(?:here|locked)|for (?:more|the latest) (?:news|information|coverage|updates)|"
    r"this (?:story|article|post|report|page) (?:has been|was|will be|is being) updated|developing story|"
    r"hands-on (?:look|preview|review|with)|don't miss|be sure to|you can (?:watch|read|see|find|follow)|see (?:the )?(?:photos|video|gallery)|"
    r"^\W*(?:watch|listen|read|related|more|photos?|videos?|see also)\s*:|live (?:blog|updates)|"
    r"(?:in|to|of|for|about) this (?:story|article|post|report|page)\b)|^(?:watch|listen|see|click|tap|read)\b"
    r"|^\(?also (?:on|read|see|from)\b|(?-i:\bMORE\b)",
    re.I,
)
#: datelines and agency tags at the start: "LOS ANGELES (Reuters) - ", "(CNN) ", "DETROIT, MI -- ",
#: and press-wire ones with their date: "CHICAGO, Nov. 30, 2018 /PRNewswire/ -- "
_WIRE_DATE = r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4})?\s*(?:/[A-Za-z -]{2,30}/)?"
DATELINE = re.compile(
    r"^(?:\((?:CNN|AP|Reuters|AFP|UPI|CBS|NBC|ABC)[^)]{0,20}\)\s*[-–—:]*\s*"
    r"|[A-Z][A-Z.'’ -]{2,40}(?:,\s*[A-Z][A-Za-z.'’ ]{1,25})?\s*\([A-Za-z0-9.&'’ /-]{1,30}\)\s*[-–—:|]+\s*"
    r"|[A-Z][A-Z.'’ -]{2,40}(?:,\s*[A-Z][A-Za-z.'’ ]{1,25})?" + _WIRE_DATE + r"\s*(?:--|[–—|])\s*)"
)
#: a place in capitals and a single hyphen, then the sentence: "SCHERTZ, Texas - The Bexar County Sheriff ..."
_DATELINE_HYPHEN = re.compile(r"^[A-Z][A-Z.'’ ]{2,40}(?:,\s*[A-Z][A-Za-z.'’ ]{1,25})?\s+-\s+(?=[A-Z\"“])")
#: drop reasons that mark page furniture rather than a sentence that needs context
JUNK = frozenset({"boilerplate", "caption", "byline", "promo", "junk_document"})


def furniture(t: str) -> str:
    """Why ``t`` is page furniture ("boilerplate", "caption", "byline", "promo"), or ""."""
    for reason, pattern in (("boilerplate", BOILERPLATE), ("caption", CAPTION), ("byline", BYLINE), ("promo", PROMO)):
        if pattern.search(t):
            return reason
    return ""


def strip_dateline(text: str) -> str:
    """``text`` without the dateline or agency tag it opens with (the one rule for digests and names).

    Examples
    --------
    >>> strip_dateline("LOS ANGELES (Reuters) - Fire crews contained the blaze.")
    'Fire crews contained the blaze.'
    >>> strip_dateline("SCHERTZ, Texas - The sheriff called it a tragic accident.")
    'The sheriff called it a tragic accident.'
    >>> strip_dateline("CHICAGO, Nov. 30, 2018 /PRNewswire/ -- Acme Corp. named a new chief.")
    'Acme Corp. named a new chief.'
    >>> strip_dateline("NATO allies met in Brussels.")
    'NATO allies met in Brussels.'
    """
    m = DATELINE.match(text) or _DATELINE_HYPHEN.match(text)
    if m and m.end() < len(text) and (text[m.end() :][:1].isalnum() or text[m.end() :][:1] in _Q_OPEN):
        return text[m.end() :].strip()
    return text
