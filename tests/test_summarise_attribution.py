"""Who said what: a generated sentence that drops or changes a speaker, flips a negation, fuses two sources
or changes a unit is not kept (the issue's two seed cases, and constructed ones)."""

from __future__ import annotations

import pytest

from topicsum._summarise._attribution import attribution, attribution_problems
from topicsum._summarise._digest import insertions
from topicsum._summarise._standalone import straight_quotes

# The seeds, theme "Ukraine, bodies of Russian soldiers": the model turned Zelensky's account into Russia's.
ZELENSKY_BEFORE = [
    "Volodymyr Zelensky said that an Israeli citizen was among the dead Ukraine had received in recent exchanges.",
    "'They threw the corpses of their citizens at us. This is their attitude toward war, toward their soldiers. "
    "And this is already documented. Sometimes these bodies even have Russian passports,' he said.",
]
ZELENSKY_SOURCE = "He said the Russian side insisted the dead were all Ukrainians."
ZELENSKY_GENERATED = (
    "The Russian side insisted the dead were all Ukrainians, adding that sometimes these bodies have Russian passports."
)
# The seeds, theme "WhatsApp and Telegram": Meta's statement kept as a plain fact.
META_SOURCE = (
    "In a statement, WhatsApp's owner, Meta Platforms, said: 'WhatsApp is private, end-to-end encrypted, and defies "
    "government attempts to violate people's right to secure communication, which is why Russia is trying to block "
    "it from over 100 million Russian people."
)
META_GENERATED = (
    "WhatsApp is private, end-to-end encrypted, and defies government attempts to violate people's right to secure "
    "communication."
)


def test_seed_case_russia_takes_zelenskys_words() -> None:
    assert "changes the speaker" in attribution_problems(ZELENSKY_GENERATED, ZELENSKY_SOURCE, before=ZELENSKY_BEFORE)


def test_seed_case_metas_statement_becomes_a_fact() -> None:
    assert attribution_problems(META_GENERATED, META_SOURCE) == ["drops the speaker"]
    # with its speaker, the same claim passes
    assert attribution_problems("Meta said WhatsApp is private and end-to-end encrypted.", META_SOURCE) == []


def test_pronoun_speakers_resolve_to_the_last_person_quoted() -> None:
    assert attribution_problems(
        "Zelensky said the Russian side insisted the dead were all Ukrainians.", ZELENSKY_SOURCE, before=ZELENSKY_BEFORE
    ) == []


@pytest.mark.parametrize(
    ("generated", "source", "problem"),
    [
        # negation dropped or added
        ("The ceasefire will hold, officials said.", "The ceasefire will not hold, officials said.", "flips the polarity"),
        ("Police said no one was hurt in the fire.", "Police said one person was hurt in the fire.", "flips the polarity"),
        # opposite verbs
        ("The ministry denied the report on Monday.", "The ministry confirmed the report on Monday.", "flips the polarity"),
        # another speaker
        ("Putin said 20 bodies were returned.", "Zelensky said 20 bodies were returned.", "changes the speaker"),
        # a speaker the source never names (the worked example's "officials said" leaking in)
        ("The bridge will close for repairs, officials said.", "The bridge will close for repairs in March.",
         "facts from another speaker"),
        # units and currencies
        ("Each worker sent $1,000 a month to Pyongyang.", "Each worker was required to send about £1,000 per month.",
         "changes a unit"),
        ("The storm moved 40 miles inland.", "The storm moved 40 km inland overnight.", "changes a unit"),
    ],
)
def test_constructed_cases(generated: str, source: str, problem: str) -> None:
    assert any(p.startswith(problem) for p in attribution_problems(generated, source)), attribution_problems(
        generated, source
    )


def test_facts_fused_from_two_sources_under_the_wrong_name() -> None:
    # 20 bodies came from Zelensky; the generated sentence puts them in Peskov's mouth
    others = [("Kremlin spokesman Dmitry Peskov said the talks would continue.", [])]
    problems = attribution_problems(
        "Peskov said the bodies of 20 Russian soldiers had been received.",
        "Zelensky said the bodies of 20 Russian soldiers had been received.",
        others=others,
    )
    assert problems == ["changes the speaker"]


def test_faithful_sentences_pass() -> None:
    for generated, source in [
        ("A boat carrying migrants capsized off Lampedusa, killing at least 26 people.",
         "At least 26 people were killed after a boat carrying nearly 100 migrants capsized off Lampedusa."),
        ("Zelensky said the bodies of 20 Russian soldiers had been received.",
         "Zelensky said the bodies of 20 Russian soldiers had been received on Friday."),
        ("Russia restricted calls on WhatsApp and Telegram, accusing them of failing to share data.",
         "Russia has announced restrictions on the WhatsApp and Telegram messenger apps, accusing the foreign-owned "
         "platforms of failing to share information with law enforcement."),
    ]:  # fmt: skip
        assert attribution_problems(generated, source) == [], generated


def test_attribution_reads_british_single_quotes() -> None:
    assert attribution("'No other restrictions have been imposed,' the regulator said.").words == {"regula"}
    assert straight_quotes("'We will fight on,' he said.") == '"We will fight on," he said.'


def test_openings_may_only_leave_words_out() -> None:
    source = "The LAPD early Monday declared an unlawful assembly and ordered protesters to disperse or face arrest."
    assert insertions("The LAPD declared an unlawful assembly and ordered protesters to disperse.", source) == []
    assert insertions("Police declared the protest unlawful on Monday.", source) != []
