"""/newevent proposes a readable code made of whole words and lets the organizer type their own."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.container import Services
from bot.services.event_codes import title_slug
from bot.services.event_fields import CODE_PATTERN
from handlers.buttons import NewEventUseCode
from tests.conftest import START, ChatDriver, buttons_of, texts
from tests.programme_files import programme, row
from tests.store import Store

QUESTION = (
    "Every event has a code: it is part of the event’s link and of commands such as "
    "/editevent. Use {code}, or send your own (letters, digits, - or _)."
)


async def answer_up_to_the_code(chat: ChatDriver, title: str, topic: str) -> list[str]:
    """/newevent answered up to the code's question; the bot's last replies."""
    steps = ["/newevent", title, f"press:{topic}", "2027-03-10 10:00", "90"]
    steps += ["press:No limit", "press:English", "press:I will add it later"]
    for step in steps:
        if step.startswith("press:"):
            await chat.press_label(step.removeprefix("press:"))
        else:
            await chat.send(step)
    return texts(await chat.press_label("Skip"))


async def codes(db: Store) -> list[str]:
    return [str(code) for (code,) in await db.fetch_all("SELECT code FROM events ORDER BY code")]


@pytest.mark.parametrize(
    ("title", "topic", "proposed"),
    [
        (
            "Urban flood resilience for coastal cities in West Africa",
            "Disaster risk reduction",
            "urban-flood-resilience-coastal",
        ),
        (
            "Résilience urbaine face aux inondations",
            "Climate change",
            "resilience-urbaine-face-inondations",
        ),
        ("Sécurité alimentaire à Dakar", "Food security", "securite-alimentaire-a-dakar"),
        ("الحد من مخاطر الكوارث في المدن الساحلية", "Disaster risk reduction", "drr-2027-03"),
        ("城市应对洪水的韧性", "Climate change", "climate-2027-03"),
        ("Устойчивость городов", "Public health emergencies", "health-2027-03"),
    ],
    ids=["english", "french", "french-accents", "arabic", "chinese", "russian"],
)
async def test_the_proposed_code_is_made_of_whole_words(
    organizer: ChatDriver, db: Store, title: str, topic: str, proposed: str
) -> None:
    """Whole words of the title, accents dropped; a title without Latin words gets its topic
    and month. "Use <code>" stores it; the preview shows it."""
    await organizer.settle(language="en")
    [question] = await answer_up_to_the_code(organizer, title, topic)
    assert question == QUESTION.format(code=proposed)
    message = organizer.last_message_with_buttons()
    assert [label for label, _ in buttons_of(message)] == [f"Use {proposed}"]
    [preview] = texts(await organizer.press_label(f"Use {proposed}"))
    assert f"\nCode: {proposed}\n" in preview
    [saved] = texts(await organizer.press_label("Save"))
    assert saved.startswith(f"Saved. The event’s code is {proposed} and its link is ")
    assert await codes(db) == [proposed]


async def test_a_code_taken_in_any_case_gets_a_number(
    organizer: ChatDriver, services: Services
) -> None:
    """Another event has the topic's code of that month (in capitals): "-2" is proposed."""
    await services.programme.import_now(
        programme([row("Climate-2027-03", START.replace(year=2027, month=3))]), admin_id=None
    )
    await organizer.settle(language="en")
    [question] = await answer_up_to_the_code(organizer, "城市应对洪水的韧性", "Climate change")
    assert question == QUESTION.format(code="climate-2027-03-2")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("flood-drills-2027", "flood-drills-2027"),
        ("FLOOD_Drills", "flood_drills"),
        ("ＦＬＯＯＤ－２０２７", "flood-2027"),  # a Chinese keyboard's full-width letters
        ("  drr-dakar  ", "drr-dakar"),
    ],
)
async def test_the_organizer_types_their_own_code(
    organizer: ChatDriver, db: Store, typed: str, stored: str
) -> None:
    """A typed code is folded to lower case ASCII, checked, shown in the preview, saved."""
    await organizer.settle(language="en")
    await answer_up_to_the_code(organizer, "Flood drills for schools", "Disaster risk reduction")
    [preview] = texts(await organizer.send(typed))
    assert preview.startswith("Please check the event:")
    assert f"\nCode: {stored}\n" in preview
    await organizer.press_label("Save")
    assert await codes(db) == [stored]


async def test_a_bad_or_taken_code_is_explained_and_asked_again(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Spaces or punctuation: the rule, and the question stays open. A code another event
    has (in any case): who has it, and the question again."""
    await services.programme.import_now(programme([row("Flood-101", START)]), admin_id=None)
    await organizer.settle(language="en")
    await answer_up_to_the_code(organizer, "Flood drills for schools", "Disaster risk reduction")
    question = QUESTION.format(code="flood-drills-for-schools")
    assert texts(await organizer.send("flood drills!")) == [
        "“flood drills!” is not a valid code: use 1 to 40 letters, digits, - or _.\n\n" + question
    ]
    use = [("Use flood-drills-for-schools", NewEventUseCode().pack())]
    assert buttons_of(organizer.last_message_with_buttons()) == use
    assert texts(await organizer.send("x" * 41))[0].endswith(question)
    taken = texts(await organizer.send("FLOOD-101"))
    assert taken == [
        "The code flood-101 is already used by “\u2068Session Flood-101\u2069”. Please choose "
        "another one.\n\n" + question
    ]
    [preview] = texts(await organizer.send("flood-102"))
    assert "\nCode: flood-102\n" in preview
    await organizer.press_label("Save")
    assert await codes(db) == ["Flood-101", "flood-102"]


async def test_a_code_taken_while_the_preview_waited_is_asked_again(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Another organizer's import took the code before Save: nothing is saved, the code is
    asked again with a free one proposed, and the event is saved under it."""
    await organizer.settle(language="en")
    await answer_up_to_the_code(organizer, "Flood drills for schools", "Disaster risk reduction")
    await organizer.press_label("Use flood-drills-for-schools")
    await services.programme.import_now(
        programme([row("flood-drills-for-schools", START)]), admin_id=None
    )
    replies = texts(await organizer.press_label("Save"))
    assert replies == [
        "The code flood-drills-for-schools is already used by "
        "“\u2068Session flood-drills-for-schools\u2069”. Please choose another one.",
        QUESTION.format(code="flood-drills-for-schools-2"),
    ]
    await organizer.press_label("Use flood-drills-for-schools-2")
    await organizer.press_label("Save")
    assert await codes(db) == ["flood-drills-for-schools", "flood-drills-for-schools-2"]


# Letters with how a code spells them, written out here rather than computed.
LATIN = [(ch, ch) for ch in "abcdefghijklmnopqrstuvwxyz0123456789"] + [
    ("é", "e"), ("È", "e"), ("ç", "c"), ("ü", "u"), ("Ñ", "n"), ("ß", "ss"), ("ø", "o"),
]  # fmt: skip
LATIN_WORDS = st.lists(st.sampled_from(LATIN), min_size=1, max_size=14).map(
    lambda letters: ("".join(c for c, _ in letters), "".join(f for _, f in letters))
)
OTHER_WORDS = st.sampled_from(["城市", "مدن", "города", "Πόλη", "٢٠٢٧"]).map(lambda w: (w, None))
SEPARATORS = st.sampled_from([" ", " – ", ", ", "'", ": ", "/", "_"])


@given(st.lists(st.tuples(LATIN_WORDS | OTHER_WORDS, SEPARATORS), max_size=12))
def test_a_slug_never_cuts_a_word(words: list[tuple[tuple[str, str | None], str]]) -> None:
    """Any title of Latin words (accented or not) and words of other scripts: the proposed
    code is valid, at most 35 characters, and made of whole Latin words of the title in
    their order, never of a piece of one."""
    title = "".join(word + separator for (word, _), separator in words)
    latin = [folded for (_, folded), _ in words if folded is not None]
    slug = title_slug(title)
    assert slug == "" or (CODE_PATTERN.match(slug) and len(slug) <= 35)
    remaining = iter(latin)
    assert all(part in remaining for part in slug.split("-") if slug), (title, slug)
