"""The participant's profile: asked once, one question at a time, at the first registration.

Pressing Register without a profile turns the card into the first question, under the
privacy notice: what is stored, who uses it, that answering agrees to it, and a button to
decline. Each question says where the participant is ("Question 3 of 7", counting only the
questions they will be asked: no time-zone question when their zone is already set or their
country or city decides it). Every step has a way back, and every error comes with the
question again and its buttons, in one message. /cancel asks before stopping the
registration, saying that nothing would be kept. Nothing is stored until the last answer;
then the profile is saved and the registration goes through, confirmed in one message with
the calendar file. A question answered with a button becomes the next question in place; a
typed answer gets the next question below it. A first sign-up from a deep link thus costs
8 messages of Telegram's budget (card, six questions, confirmation), and each mistake one.

Another command between two questions pauses them (`handlers.wizards`): the answer typed
after it is still taken, and pressing Register again goes on where the participant stopped.

/profile shows the profile and changes one answer at a time. A new country changes what the
city and time zone mean: the participant is told, asked for the city again (or keeps it),
and for the zone when the new country has several and the city does not decide it; the
three are saved together at the end.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass

from telegram import CallbackQuery, Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import N_, Translator, clean_user_text
from bot.models import Profile
from bot.problems import InputProblem
from bot.services import profile_form, profiles
from bot.services.profile_form import ZoneChoice
from bot.services.timezones import is_known_zone
from handlers.buttons import (
    EditProfile,
    KeepProfileAnswer,
    ProfileCountry,
    ProfileField,
    ProfileStep,
    ProfileZone,
    Register,
    RegisterCourse,
    StopSignUp,
)
from handlers.context import BotContext, refresh_viewer
from handlers.courses import sign_up_course
from handlers.events import remember_form_card
from handlers.html import bold, plain, user_text
from handlers.presses import on_press
from handlers.registration import sign_up
from handlers.session import clear_state, get_state, set_state
from handlers.ui import Button, OpenMiniApp, answer, edit, no_longer_active, send, show_screen
from handlers.wizards import GROUP_GENERAL, GROUP_PROFILE, build_wizard

ANSWERING = 1
END = ConversationHandler.END
STEPS = ("full_name", "country", "city", "organization", "role", "email", "timezone")
# A new country from /profile: then the city and the time zone that go with it.
MOVE_STEPS = ("country", "city", "timezone")
LABELS: dict[ProfileField, str] = {
    "full_name": N_("Name"),
    "country": N_("Country"),
    "city": N_("City"),
    "organization": N_("Organization"),
    "role": N_("Role"),
    "email": N_("Email"),
}
MAX_ZONE_BUTTONS = 8
ButtonRows = list[list[Button]]


@dataclass
class ProfileFlow:
    """The questions in progress: the one open now, the answers so far (by step) and the
    questions of this flow in order. `code` is the event whose Register button started
    them (`course`: the course whose "Register for the whole course" did), on the message
    `card` (the card, then the first question); `edit` marks a change from /profile (one
    answer, or a new country and what goes with it)."""

    step: str
    code: str | None = None
    edit: bool = False
    answers: dict[str, str] = dataclasses.field(default_factory=dict)
    steps: tuple[str, ...] = STEPS
    card: int | None = None
    course: bool = False


def zone_choice(context: BotContext, country: str, place: str = "") -> ZoneChoice:
    """The time zone for `place` in `country`, by the rules the Mini App's form follows too."""
    return profile_form.zone_choice(context.services.timezones, country, place)


def country_answer(context: BotContext, text: str) -> tuple[str | None, list[str]]:
    """The country a typed answer names without a doubt (a name, a code, an alias, or the
    only country that fits), taken without asking; or else the candidates to offer as
    buttons ("Do you mean …?", "Which one do you mean?")."""
    found = context.services.countries.match(text)
    return found.country, list(found.candidates)


def privacy_notice(t: Translator) -> str:
    return t._(
        "To register you I need a few details, asked only once: your name, country, city, "
        "organization, role and email. I keep them with your language and time zone; the "
        "programme’s organizers use them to run the sessions, send you reminders and "
        "materials, and report anonymous statistics to partners. Nobody else sees them. "
        "By answering you agree to this; /profile shows them and /forgetme deletes them "
        "at any time. Send /cancel to stop."
    )


def known_zone(context: BotContext, flow: ProfileFlow) -> str | None:
    """The time zone, when nothing needs asking. Signing up: the zone the participant set
    already (with /timezone, or earlier), else the one their country or city decides. A new
    country in /profile: the one the country or city decides, else the current zone if it
    is one of the new country's."""
    user = context.viewer.user
    if not flow.edit and user.timezone and is_known_zone(user.timezone):
        return user.timezone
    country = flow.answers.get("country")
    if not country:
        return None
    decided = zone_choice(context, country, flow.answers.get("city", "")).zone
    if decided is not None or not flow.edit:
        return decided
    current = user.timezone
    return current if current in context.services.timezones.zones_of_country(country) else None


def progress(context: BotContext, flow: ProfileFlow) -> str | None:
    """ "Question 3 of 7" while signing up, counting only the questions this participant is
    asked (the time zone only while it may still be needed)."""
    if flow.edit or flow.step not in STEPS:
        return None
    total = len(STEPS) - (1 if flow.step != "timezone" and known_zone(context, flow) else 0)
    t = context.viewer.t
    return t.ngettext(
        "Question {number} of {count}",
        "Question {number} of {count}",
        total,
        number=t.number(STEPS.index(flow.step) + 1),
    )


def offered_name(context: BotContext, flow: ProfileFlow) -> str:
    """The name the name question offers to take with one press: the one typed before
    (back from the next question), else Telegram's."""
    given = flow.answers.get("full_name")
    return given or clean_user_text(context.viewer.user.display_name).strip()


def question(context: BotContext, flow: ProfileFlow) -> tuple[str, ButtonRows]:
    """The open step's question and the choices that answer it."""
    t = context.viewer.t
    step = flow.step
    rows: ButtonRows = []
    if step == "full_name":
        name = offered_name(context, flow)
        if name:
            rows.append([(t._("Use “{name}”", name=name[:40]), ProfileStep("tg"))])
        return t._("What is your full name?"), rows
    if step == "country":
        return t._("In which country do you work? Type its name."), rows
    if step == "city":
        profile = context.viewer.user.profile
        if flow.steps == MOVE_STEPS and profile is not None and profile.city:
            rows.append([(t._("Keep “{city}”", city=profile.city[:40]), KeepProfileAnswer())])
        return t._("In which city?"), rows
    if step == "organization":
        return t._("Which organization do you work for? (optional)"), rows
    if step == "role":
        return t._("What is your role or position? (optional)"), rows
    if step == "email":
        return t._("What is your email address, for materials and certificates? (optional)"), rows
    country = flow.answers["country"]
    offered = zone_choice(context, country, flow.answers.get("city", "")).offered
    if not offered:
        offered = zone_choice(context, country).offered
    text = t._("Which time zone are you in? Choose, or type the name of your city.")
    return text, zone_rows(context, offered)


def zone_rows(context: BotContext, zones: tuple[str, ...] | list[str]) -> ButtonRows:
    t = context.viewer.t
    now = context.now()
    return [[(t.timezone_label(z, now), ProfileZone(z))] for z in zones[:MAX_ZONE_BUTTONS]]


def step_buttons(context: BotContext, flow: ProfileFlow) -> ButtonRows:
    """The buttons every message of the open step carries: decline (under the first
    question of a sign-up), keep the zone (after a new country), Skip, Back."""
    t = context.viewer.t
    step = flow.step
    rows: ButtonRows = []
    if step == STEPS[0] and not flow.edit:
        rows.append([(t._("I do not agree"), ProfileStep("no"))])
    current = context.viewer.user.timezone
    if step == "timezone" and flow.edit and current and is_known_zone(current):
        label = t._("Keep {zone}", zone=t.timezone_label(current, context.now()))
        rows.append([(label, KeepProfileAnswer())])
    if step in profiles.OPTIONAL:
        rows.append([(t._("Skip"), ProfileStep("skip"))])
    if flow.edit or step != flow.steps[0]:
        rows.append([(t._("◀ Back"), ProfileStep("back"))])
    return rows


async def ask(
    context: BotContext,
    flow: ProfileFlow,
    query: CallbackQuery | None = None,
    preface: str | None = None,
    offer: tuple[str, ButtonRows] | None = None,
) -> int:
    """Put the open step's question (or `offer`: a question and the choices found for what
    the participant typed) with the step's buttons, after `preface` (a notice, an error):
    one message, in place of the pressed one when a button answered, else a new one."""
    text, choices = offer if offer is not None else question(context, flow)
    counter = progress(context, flow)
    if counter:  # below the question, which is what a notification shows first
        text = f"{text}\n<i>{counter}</i>"
    if preface:
        text = f"{preface}\n\n{text}"
    rows = [*choices, *step_buttons(context, flow)]
    if query is not None and query.message is not None:
        await edit(query, context, text, rows)
    else:
        await send(context, text, rows)
    return ANSWERING


async def repeat(context: BotContext, notice: str) -> int | None:
    """The wizard's "ask again": `notice`, then the open question with its buttons. The
    time zone question of a sign-up is not asked again once the zone is known (set with
    /timezone meanwhile): the sign-up goes on, or ends, without it."""
    flow = get_state(context, ProfileFlow)
    if flow is None:
        await send(context, notice)
        return None
    if flow.step == "timezone" and not flow.edit:
        zone = known_zone(context, flow)
        if zone is not None:
            flow.answers["timezone"] = zone
            return await advance(context, flow)
    return await ask(context, flow, preface=notice)


async def advance(
    context: BotContext, flow: ProfileFlow, query: CallbackQuery | None = None
) -> int:
    """Go to the next question, or finish when the last one is answered."""
    steps = flow.steps
    if flow.edit and len(steps) == 1:
        return await save_one(context, flow)
    index = steps.index(flow.step) + 1
    if index < len(steps) and steps[index] == "timezone":
        zone = known_zone(context, flow)
        if zone is not None:  # nothing to ask
            flow.answers["timezone"] = zone
            index += 1
    if index == len(steps):
        return await (save_move(context, flow) if flow.edit else finish(context, flow))
    flow.step = steps[index]
    return await ask(context, flow, query)


async def on_register(update: Update, context: BotContext, data: Register | RegisterCourse) -> int:
    """Register (for a session, or for a whole course) pressed: straight through with a
    profile, otherwise the questions first, the first one in place of the card; questions
    left earlier go on where they stopped."""
    query = update.callback_query
    assert query is not None
    code, course = data.code, isinstance(data, RegisterCourse)
    await answer(query)
    if context.viewer.user.profile is not None or not await _may_register(context, data):
        # signs up, or says why nobody can
        await (sign_up_course(context, code, query) if course else sign_up(context, code, query))
        return END
    card = query.message.message_id if query.message is not None else None
    flow = get_state(context, ProfileFlow)
    if flow is not None and not flow.edit:  # the participant consented and answered some
        flow.code, flow.course, flow.card = code, course, card
        return await ask(context, flow, query)
    flow = ProfileFlow(STEPS[0], code=code, card=card, course=course)
    set_state(context, flow)
    return await ask(context, flow, query, preface=privacy_notice(context.viewer.t))


async def _may_register(context: BotContext, data: Register | RegisterCourse) -> bool:
    """Whether registering can still go through: asked before the profile questions, so
    nobody answers them in vain."""
    if isinstance(data, RegisterCourse):
        return await context.services.course_registrations.can_join(data.code)
    return await context.services.registrations.closed_reason(data.code) is None


async def on_text(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    flow = get_state(context, ProfileFlow)
    if flow is None:
        return END
    t = context.viewer.t
    step = flow.step
    try:
        if step == "country":
            return await on_country_text(context, flow, message.text)
        if step == "timezone":
            return await on_zone_text(context, flow, message.text)
        value = (
            profiles.parse_email(message.text)
            if step == "email"
            else profiles.parse_text(step, message.text)
        )
    except InputProblem as problem:
        return await ask(context, flow, preface=plain(problem.problem.render(t)))
    flow.answers[step] = value
    return await advance(context, flow)


async def on_country_text(context: BotContext, flow: ProfileFlow, text: str) -> int:
    """A country typed: taken when certain, else its candidates offered (InputProblem for
    an empty or too long answer)."""
    t = context.viewer.t
    text = profiles.parse_text("country", text)
    country, candidates = country_answer(context, text)
    if country is not None:
        return await country_given(context, flow, country)
    if not candidates:
        unknown = t._(
            "I do not know the country “{name}”. Please type its name in "
            "English or in one of my languages.",
            name=user_text(text[:60]),
        )
        return await ask(context, flow, preface=unknown)
    names = [context.services.countries.name(code, t.language) for code in candidates]
    rows: ButtonRows = [
        [(name, ProfileCountry(code))] for name, code in zip(names, candidates, strict=True)
    ]
    if len(names) == 1:
        offer = t._("Do you mean {country}?", country=plain(names[0]))
    else:
        offer = t._("Which one do you mean?")
    return await ask(context, flow, offer=(offer, rows))


async def country_given(
    context: BotContext, flow: ProfileFlow, country: str, query: CallbackQuery | None = None
) -> int:
    """The country answered. In /profile, a new one makes the city and time zone
    questionable: say so, and ask for the city again (keeping it is one press)."""
    profile = context.viewer.user.profile
    if flow.edit and profile is not None and country == profile.country:
        flow.steps = ("country",)  # the country it was: nothing else changes
    elif flow.edit and profile is not None and profile.city:
        t = context.viewer.t
        old = context.services.countries.name(profile.country, t.language)
        flow.answers["country"] = country
        flow.steps = MOVE_STEPS
        flow.step = "city"
        new = context.services.countries.name(country, t.language)
        notice = t._(
            "New country: {country}. Your city and time zone were for {old}.",
            country=plain(new),
            old=plain(old),
        )
        return await ask(context, flow, query, preface=notice)
    if flow.answers.get("country") != country:
        flow.answers.pop("city", None)  # a city of the country answered before
    flow.answers["country"] = country
    return await advance(context, flow, query)


async def on_zone_text(context: BotContext, flow: ProfileFlow, text: str) -> int:
    """A place typed at the time-zone question: the country's zone it names, else the
    country's zones it may mean; a place outside the country only when nothing in it fits
    (the participant typed it, so they asked for it), offered rather than taken."""
    t = context.viewer.t
    choice = zone_choice(context, flow.answers["country"], text)
    if choice.zone is not None:
        flow.answers["timezone"] = choice.zone
        return await advance(context, flow)
    # Nothing in the country fits: what the place names elsewhere, offered, never taken.
    zones = list(choice.offered) or context.services.timezones.zone_for_place(text).zones
    if not zones:
        unknown = t._(
            "I could not find a time zone for “{place}”. Try a large city "
            "near you or your country, or send /cancel.",
            place=user_text(text[:64]),
        )
        return await ask(context, flow, preface=unknown)
    if len(zones) == 1:
        offer = t._("Is this your time zone?")
    else:
        offer = t._("Which of these is your time zone?")
    return await ask(context, flow, offer=(offer, zone_rows(context, zones)))


async def on_step_button(update: Update, context: BotContext, data: ProfileStep) -> int | None:
    """Use the Telegram name, skip, back, agree or disagree: each on its own question."""
    query = update.callback_query
    assert query is not None
    flow = get_state(context, ProfileFlow)
    t = context.viewer.t
    if flow is None:
        await no_longer_active(query, context)
        return END
    step = flow.step
    answers = flow.answers
    if data.action == "back":
        await answer(query)
        return await go_back(context, flow, query)
    offered = offered_name(context, flow)
    if data.action == "tg" and step == "full_name" and offered:
        answers["full_name"] = profiles.parse_text("full_name", offered[:100])
    elif data.action == "skip" and step in profiles.OPTIONAL:
        answers[step] = ""
    elif data.action == "no" and not flow.edit:
        await answer(query)
        clear_state(context, ProfileFlow)
        await edit(
            query,
            context,
            t._(
                "Nothing was stored. Without your consent I cannot register "
                "you, but you can still browse the programme with /events."
            ),
        )
        return END
    else:
        await no_longer_active(query, context)
        return None
    await answer(query)
    return await advance(context, flow, in_place(flow, query))


def in_place(flow: ProfileFlow, query: CallbackQuery) -> CallbackQuery | None:
    """The pressed question, to be replaced by the next one; not the first question of a
    registration, which carries the privacy notice the participant agreed to."""
    return None if flow.step == STEPS[0] and not flow.edit else query


async def on_country_button(
    update: Update, context: BotContext, data: ProfileCountry
) -> int | None:
    query = update.callback_query
    assert query is not None
    flow = get_state(context, ProfileFlow)
    if (
        flow is None
        or flow.step != "country"
        or not context.services.countries.is_country(data.country)
    ):
        return await _refused(query, context, flow)
    await answer(query)
    return await country_given(context, flow, data.country, query)


async def on_zone_button(update: Update, context: BotContext, data: ProfileZone) -> int | None:
    query = update.callback_query
    assert query is not None
    flow = get_state(context, ProfileFlow)
    if flow is None or flow.step != "timezone" or not is_known_zone(data.zone):
        return await _refused(query, context, flow)
    flow.answers["timezone"] = data.zone
    await answer(query)
    return await advance(context, flow, query)


async def on_keep_button(
    update: Update, context: BotContext, data: KeepProfileAnswer
) -> int | None:
    """After a new country in /profile: the city, or the time zone, stays as it is."""
    query = update.callback_query
    assert query is not None
    flow = get_state(context, ProfileFlow)
    viewer = context.viewer
    profile = viewer.user.profile
    step = flow.step if flow is not None else None
    if flow is None or flow.steps != MOVE_STEPS or profile is None or step == "country":
        return await _refused(query, context, flow)
    if step == "city":
        flow.answers["city"] = profile.city
    elif viewer.user.timezone and is_known_zone(viewer.user.timezone):
        flow.answers["timezone"] = viewer.user.timezone
    else:
        return await _refused(query, context, flow)
    await answer(query)
    return await advance(context, flow, query)


async def _refused(
    query: CallbackQuery, context: BotContext, flow: ProfileFlow | None
) -> int | None:
    """A button for another moment: said so; the open question stays open."""
    await no_longer_active(query, context)
    return END if flow is None else None


async def go_back(
    context: BotContext, flow: ProfileFlow, query: CallbackQuery | None = None
) -> int:
    index = flow.steps.index(flow.step)
    if flow.edit and index == 0:
        clear_state(context, ProfileFlow)
        await show_profile(context, query=query)
        return END
    flow.step = flow.steps[max(index - 1, 0)]
    return await ask(context, flow, query)


async def finish(context: BotContext, flow: ProfileFlow) -> int:
    """The last answer given: store the profile, then register for the event that started
    it all, both said in one message."""
    answers = flow.answers
    profile = Profile(**{field: answers.get(field, "") for field in profiles.FIELDS})
    await context.services.profiles.save(context.viewer.user_id, profile, answers["timezone"])
    clear_state(context, ProfileFlow)
    saved = (await refresh_viewer(context)).t._("Thank you, your profile is saved.")
    if flow.code and flow.course:
        await sign_up_course(context, flow.code, preface=saved, card_message=flow.card)
    elif flow.code:
        await sign_up(context, flow.code, preface=saved, card_message=flow.card)
    else:
        await send(context, saved)
    return END


async def save_one(context: BotContext, flow: ProfileFlow) -> int:
    """A change from /profile: the user consented before, so it is saved at once."""
    step = flow.step
    await context.services.profiles.change(context.viewer.user_id, step, flow.answers[step])
    clear_state(context, ProfileFlow)
    await refresh_viewer(context)
    await show_profile(context, context.viewer.t._("Saved."))
    return END


async def save_move(context: BotContext, flow: ProfileFlow) -> int:
    """A new country from /profile, its city and time zone: saved together."""
    answers = flow.answers
    await context.services.profiles.move(
        context.viewer.user_id, answers["country"], answers["city"], answers["timezone"]
    )
    clear_state(context, ProfileFlow)
    await refresh_viewer(context)
    await show_profile(context, context.viewer.t._("Saved."))
    return END


def profile_text(context: BotContext) -> str:
    viewer = context.viewer
    t = viewer.t
    profile = viewer.user.profile
    assert profile is not None
    values = asdict(profile)
    values["country"] = context.services.countries.name(profile.country, t.language)
    lines = [bold(t._("Your profile"))]
    for field, label in LABELS.items():
        value = values[field] or "—"
        # TRANSLATORS: a profile line such as "Name: Amina"; the colon follows the language's
        # typography (French puts a space before it, Chinese uses a full-width colon).
        lines.append(t._("{label}: {value}", label=plain(t._(label)), value=user_text(value)))
    lines.append(t._("Time zone: {zone}", zone=t.timezone_label(viewer.timezone, context.now())))
    return "\n".join(lines)


async def show_profile(
    context: BotContext, notice: str | None = None, query: CallbackQuery | None = None
) -> None:
    """The profile with a button per answer (in place of the pressed message, if any)."""
    t = context.viewer.t
    if context.viewer.user.profile is None:
        await send(
            context,
            t._(
                "You have no profile yet. I ask for it the first time you "
                "register for a session (/events)."
            ),
        )
        return
    text, rows = profile_screen(context, notice)
    shown = await show_screen(context, text, rows, query)
    remember_form_card(context, "profile", "", shown, rows)


def profile_screen(
    context: BotContext, notice: str | None = None
) -> tuple[str, list[list[Button]]]:
    """The profile (it exists) with a button per answer, and the form's when there is one."""
    t = context.viewer.t
    buttons: list[Button] = [(t._(label), EditProfile(f)) for f, label in LABELS.items()]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    web_app = context.services.settings.web_app
    if web_app is not None:
        form = web_app.page("form", lang=t.language)
        rows.insert(0, [(t._("Edit all in a form"), OpenMiniApp(form))])
    hint = t._(
        "To change an answer, press its button. /timezone changes the time zone and "
        "/forgetme deletes everything."
    )
    text = profile_text(context) + "\n\n" + hint
    return (f"{notice}\n\n{text}" if notice else text), rows


async def on_profile_command(update: Update, context: BotContext) -> None:
    await show_profile(context)


async def on_edit_button(update: Update, context: BotContext, data: EditProfile) -> int:
    query = update.callback_query
    assert query is not None
    if context.viewer.user.profile is None:
        await no_longer_active(query, context)
        return END
    await answer(query)
    flow = ProfileFlow(data.field, edit=True, steps=(data.field,))
    set_state(context, flow)
    return await ask(context, flow)


async def cancel(update: Update, context: BotContext) -> int | None:
    """/cancel: a change from /profile stops at once (nothing was saved yet); a sign-up
    asks first, since the answers so far would be lost."""
    t = context.viewer.t
    flow = get_state(context, ProfileFlow)
    if flow is not None and not flow.edit:
        await send(
            context,
            t._(
                "Stop registering? Your answers so far will not be saved, and you will not "
                "be registered."
            ),
            [
                [
                    (t._("Stop registering"), StopSignUp("stop")),
                    (t._("Continue"), StopSignUp("continue")),
                ]
            ],
        )
        return None
    clear_state(context, ProfileFlow)
    await send(context, t._("Stopped. Your profile is unchanged."))
    return END


async def on_stop_button(update: Update, context: BotContext, data: StopSignUp) -> int | None:
    """The answer to /cancel's question: stop (nothing kept), or the open question again,
    in place of the /cancel question."""
    query = update.callback_query
    assert query is not None
    flow = get_state(context, ProfileFlow)
    if flow is None or flow.edit:
        await no_longer_active(query, context)
        return END if flow is None else None
    await answer(query)
    if data.choice == "continue":
        return await ask(context, flow, query)
    clear_state(context, ProfileFlow)
    stopped = context.viewer.t._(
        "Stopped. Your answers were not saved, and you are not registered. You can "
        "register again from /events."
    )
    await edit(query, context, stopped)
    return END


def register(app: Application) -> None:  # type: ignore[type-arg]
    wizard = build_wizard(
        "profile",
        entry_points=[
            on_press(Register, on_register),
            on_press(RegisterCourse, on_register),
            on_press(EditProfile, on_edit_button),
        ],
        states={
            ANSWERING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
                on_press(ProfileStep, on_step_button),
                on_press(ProfileCountry, on_country_button),
                on_press(ProfileZone, on_zone_button),
                on_press(KeepProfileAnswer, on_keep_button),
                on_press(StopSignUp, on_stop_button),
            ]
        },
        on_cancel=cancel,
        state=ProfileFlow,
        repeat=repeat,
    )
    app.add_handler(wizard, group=GROUP_PROFILE)
    app.add_handler(CommandHandler("profile", on_profile_command), group=GROUP_GENERAL)
