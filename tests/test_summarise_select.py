"""Digest sentences: which can stand alone, and which the news-aware selection picks (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from topicsum._summarise._select import (
    Weights,
    _is_quote,
    features,
    score_sentences,
    select_sentences,
)
from topicsum._summarise._sentences import SegmentInfo, SourceSentence, merge_time_splits, theme_sentences
from topicsum._summarise._standalone import annotate_standalone, detect_headline, standalone


def _s(text: str, article: int, para: int) -> SourceSentence:
    return SourceSentence(text, f"s{article}-{para}-{len(text)}", position=para, article=article, para=para)


def test_theme_sentences_count_positions_from_the_articles_lead() -> None:
    segments = {
        "b": SegmentInfo("Later came the storm. Roads closed.", "a1", 100),
        "a": SegmentInfo("A storm hit the coast on Monday. Three people died.", "a1", 0),
        "c": SegmentInfo("Officials said power was back on Friday.", "a2", 0),
    }
    sents = theme_sentences(["c", "b", "a"], segments)
    assert [(s.text[:9], s.article, s.position) for s in sents] == [
        ("Officials", 0, 0), ("A storm h", 1, 0), ("Three peo", 1, 1), ("Later cam", 1, 2), ("Roads clo", 1, 3)
    ]


# ---------------------------------------------------------------- standalone
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # the held-out failures quoted in the brief
        ("We'll have more on Samsung's flagship soon, including a hands-on look at the device.", "promo"),
        ("That could bring investigators closer to determining what happened aboard the plane, experts said.",
         "dangling"),
        # openers that need something before them
        ("He said the search would continue through the weekend in the southern Indian Ocean.", "dangling"),
        ("This is the first time the company has admitted the flaw in its software update.", "dangling"),
        ("They arrested the suspect at his home in the suburbs early on Tuesday morning.", "dangling"),
        # promotional / first person / reader-directed
        ("Sign up for our daily newsletter to get the latest headlines in your inbox.", "boilerplate"),
        ("Click here to see more photos of the launch event in Barcelona.", "boilerplate"),
        ("I think the new phone is a solid upgrade over last year's model overall.", "first_person"),
        # questions, captions, bylines, fragments
        ("What happened to the plane after it vanished from radar over the Gulf of Thailand?", "question"),
        ("FILE - In this March 8, 2014 file photo, relatives of passengers wait at the airport in Beijing.",
         "caption"),
        ("President Obama speaks during a news conference at the White House. (AP Photo/Evan Vucci)", "caption"),
        ("By Jane Smith", "byline"),
        ("Lindley Estes contributed to this report.", "byline"),
        ("Samsung unveils Galaxy S5 with fingerprint scanner", "fragment"),
        ("Police said it was over.", "short"),
    ],
)
def test_dropped(text: str, reason: str) -> None:
    ok, repaired, why = standalone(text, "")
    assert (ok, repaired, why) == (False, None, reason)


@pytest.mark.parametrize(
    ("text", "repaired", "reason"),
    [
        ("PARIS (Reuters) - Gunmen and suicide bombers attacked restaurants, a concert hall and a stadium "
         "in Paris on Friday, killing at least 120 people.",
         "Gunmen and suicide bombers attacked restaurants, a concert hall and a stadium in Paris on Friday, "
         "killing at least 120 people.", "dateline"),
        ("KUALA LUMPUR, Malaysia (AP) — The search for the missing jet expanded on Sunday to the Andaman Sea.",
         "The search for the missing jet expanded on Sunday to the Andaman Sea.", "dateline"),
        ("(CNN) -- Samsung on Monday unveiled the Galaxy S5, its new flagship smartphone, in Barcelona.",
         "Samsung on Monday unveiled the Galaxy S5, its new flagship smartphone, in Barcelona.", "dateline"),
        ("CHICAGO, Nov. 30, 2018 /PRNewswire/ -- United Airlines today announced it has reached an agreement "
         "with Copa, Avianca and Taca.",
         "United Airlines today announced it has reached an agreement with Copa, Avianca and Taca.", "dateline"),
        ("But investigators still do not know why the plane turned back over the Malay peninsula.",
         "Investigators still do not know why the plane turned back over the Malay peninsula.", "connective"),
        ("However, the company said the phone would go on sale in 150 countries on April 11.",
         "The company said the phone would go on sale in 150 countries on April 11.", "connective"),
        ("Update: Police say a third suspect has been arrested in connection with the attacks.",
         "Police say a third suspect has been arrested in connection with the attacks.", "prefix"),
    ],
)
def test_repaired(text: str, repaired: str, reason: str) -> None:
    assert standalone(text, "") == (True, repaired, reason)


def test_kept_as_is() -> None:
    for text in [
        "Malaysia Airlines Flight 370 disappeared on March 8 with 239 people on board.",
        "It was not immediately clear whether the suspects had links to the group.",
        '"We are doing everything we can to find the plane," Transport Minister Hishammuddin Hussein said.',
        "This week, the company said sales of the phone had passed 10 million units worldwide.",
        "So far, more than 4,000 permits have been issued for the trail this year.",
    ]:
        assert standalone(text, "") == (True, None, "ok"), text


def test_quote_speaker_attached_from_neighbour() -> None:
    prev = '"We are expecting people to pack up and leave," said Mark McDonald, spokesman for Mayor Nutter.'
    text = '"I am not going to speculate about what the city might do at any time down the road."'
    ok, repaired, reason = standalone(text, prev)
    assert ok and reason == "speaker"
    assert repaired == ('"I am not going to speculate about what the city might do at any time down the road,"'
                        " Mark McDonald said.")
    # the same quotation with nobody named nearby is dropped
    assert standalone(text, "Protesters chanted slogans in the square for about 90 minutes.") == (
        False, None, "unattributed_quote")
    # and kept out when speaker repair is turned off
    assert standalone(text, prev, attach_speakers=False)[2] == "unattributed_quote"


def test_pronoun_speaker_resolved_in_context() -> None:
    sents = [
        _s("Police Chief Charlie Beck said officers would not enter the park on Monday.", 0, 0),
        _s('"Right now, we have no plans to go into the encampment," he said.', 0, 1),
    ]
    assert annotate_standalone(sents)[1].reason == "ok"  # off by default: the quote stays with "he said"
    v = annotate_standalone(sents, resolve_pronouns=True)
    assert v[1].ok and v[1].reason == "pronoun_speaker"
    assert v[1].text == '"Right now, we have no plans to go into the encampment," Chief Charlie Beck said.'


def test_multi_sentence_quote() -> None:
    sents = [
        _s('"We look forward to working with Occupy Philadelphia.', 0, 0),
        _s("Confrontation is never good for anyone involved in a protest like this one.", 0, 0),
        _s('Anyone who is being fair would have to say that there is a big difference," Sullivan said.', 0, 0),
    ]
    v = annotate_standalone(sents)
    assert v[1].reason == "quote_fragment" and not v[1].ok  # inside the quotation: not the writer's words
    assert v[2].ok and v[2].text.startswith('"Anyone')  # the closing part, reopened
    assert v[0].ok and v[0].text.endswith('," Sullivan said.')  # the opening part gets its speaker


def test_caption_paragraph_dropped_as_a_whole() -> None:
    sents = [
        _s("Members of Occupy Philadelphia remain on site at City Hall into the evening of Nov. 28.", 0, 0),
        _s("(David M Warren / Staff Photographer)", 0, 0),
        _s("About 100 protesters sat down on the cold concrete of Dilworth Plaza at 5 p.m. Sunday.", 0, 1),
    ]
    assert [v.reason for v in annotate_standalone(sents)] == ["caption", "caption", "ok"]


def test_detect_headline() -> None:
    assert detect_headline("Jamaica decriminalises possession of small amounts of marijuana")
    for line in ["LATEST HEADLINES", "Tweet with a location", "By Fred Kiva", "Published on Aug 11, 2016",
                 "Police said on Monday that the road would stay closed.", "Photo by Ray Ault"]:
        assert detect_headline(line) == "", line


# ---------------------------------------------------------------- selection
def _story():
    texts = [
        (0, "Gunmen attacked a concert hall and restaurants in Paris on Friday night, killing at least 120 people."),
        (0, "That could change how France polices large events, experts said on Saturday."),
        (0, '"We will be merciless," President Francois Hollande said in a televised address on Saturday.'),
        (0, "We'll have more on the attacks as the story develops over the weekend."),
        (1, "At least 120 people were killed in a series of attacks across Paris on Friday, officials said."),
        (1, "France declared a state of emergency and closed its borders after the attacks on Friday."),
        (1, "Officials said eight attackers died, seven of them by detonating suicide vests."),
        (2, "Islamic State claimed responsibility for the attacks in Paris on Saturday in a statement online."),
        (2, "The group said the attacks were a response to French air strikes in Syria and Iraq."),
    ]
    sents, k = [], {}
    for d, t in texts:
        sents.append(SourceSentence(t, f"s{len(sents)}", f"o{d}", k.get(d, 0), d, k.get(d, 0)))
        k[d] = k.get(d, 0) + 1
    rng = np.random.default_rng(0)
    topic = rng.normal(size=16)
    emb = np.stack([topic + rng.normal(scale=0.8, size=16) for _ in texts])
    emb[4] = emb[0] + rng.normal(scale=0.2, size=16)  # two outlets report the same fact
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return sents, emb.astype(np.float32)


def test_select_drops_junk_and_opens_with_what_happened() -> None:
    sents, emb = _story()
    picks = select_sentences(sents, emb, k_sentences=5)
    idx = [i for i, _ in picks]
    assert 1 not in idx and 3 not in idx  # "That could ..." and "We'll have more ..."
    assert sents[idx[0]].position == 0  # a lead sentence opens the digest
    assert not any(q in picks[0][1] for q in "\"“")
    quotes = [k for k, (_, t) in enumerate(picks) if '"' in t]
    assert all(k > 0 for k in quotes)  # quotations come after the facts
    assert len(idx) == len(set(idx)) == 5


def test_select_near_duplicates_capped() -> None:
    sents, emb = _story()
    idx = [i for i, _ in select_sentences(sents, emb, k_sentences=4, weights=Weights(redundancy=0.0, dup_cap=0.9))]
    assert not (0 in idx and 4 in idx)  # the same fact from two outlets is said once


def test_select_word_budget() -> None:
    sents, emb = _story()
    picks = select_sentences(sents, emb, k_sentences=None, k_words=40)
    words = sum(len(t.split()) for _, t in picks)
    assert 17 <= words <= 45


def test_single_document_story_reads_in_order() -> None:
    sents, emb = _story()
    one = [s for s in sents if s.article == 1]
    picks = select_sentences(one, emb[4:7], k_sentences=3, weights=Weights(dup_cap=1.01))
    assert [i for i, _ in picks] == [0, 1, 2]


def test_select_empty() -> None:
    assert select_sentences([], np.zeros((0, 16), np.float32), k_sentences=3) == []


def test_scores_are_interpretable() -> None:
    sents, emb = _story()
    verdicts = annotate_standalone(sents)
    eligible = np.array([v.ok for v in verdicts])
    f = features(sents, emb, eligible, [v.text for v in verdicts])
    for name in ("pos", "cent", "sup", "head", "fact"):
        assert f[name].min() >= 0 and f[name].max() <= 1, name
    assert f["sup"][0] > f["sup"][2]  # the fact two outlets share has more support than the quote
    assert f["head"].max() == 0  # no headlines: the feature is off
    s = score_sentences(f, Weights())
    assert s.shape == (len(sents),)


def test_junk_document_gives_empty_digest() -> None:
    texts = [
        "Starting in 1996, Alexa Internet has been donating their crawl data to the Internet Archive.",
        "Flowing in every day, these data are added to the Wayback Machine after an embargo period.",
        "The goal is to fix all broken links on the web across thousands of sites.",
    ]
    sents = [_s(t, 0, k) for k, t in enumerate(texts)]
    v = annotate_standalone(sents)
    assert [x.reason for x in v] == ["boilerplate", "boilerplate", "junk_document"]
    emb = np.eye(3, dtype=np.float32)
    assert select_sentences(sents, emb, k_sentences=3) == []


def test_more_junk_and_repairs() -> None:
    assert standalone("1) At the beginning of the press conference, Trump blasted intelligence leaks.") == (
        True, "At the beginning of the press conference, Trump blasted intelligence leaks.", "list_marker")
    assert standalone("David Veatch talks to the media at the airport in Bellingham, Wash., Monday, July 13, 2015.",
                        "")[2] == "caption"
    assert standalone("(Also on POLITICO: Boehner says senators should get back to work)")[2] == "promo"
    assert standalone("You’d have to be on another planet to think that this is the most pressing business.")[2] == (
        "first_person")
    assert standalone("Scientists say the probe will fly closer to our solar system's star than any before it.")[0]
    # widget text and CAPTCHA prompts that open real pages
    assert standalone("Media playback is unsupported on your device Media caption Kieran, his family and his surgeon, "
                      "before the operation")[2] == "boilerplate"
    assert standalone("You must enter the characters with black color that stand out from the other characters.")[2] == (
        "boilerplate")


def test_time_split_merged() -> None:
    assert merge_time_splits(["About 100 protesters sat down at 5 p.m.", "Sunday and waited to be evicted.",
                                 "It ended at 6 p.m.", "Police left."]) == [
        "About 100 protesters sat down at 5 p.m. Sunday and waited to be evicted.", "It ended at 6 p.m.",
        "Police left."]


def test_quotes_go_last_but_quoted_titles_do_not() -> None:
    assert _is_quote('"We will be merciless," President Hollande said on Saturday.')
    assert not _is_quote("“Saturday Night Live” star Pete Davidson said on Monday he is sober.")
