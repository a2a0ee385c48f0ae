"""The participant's profile: asked once, one question at a time, at the first registration.

Pressing Register without a profile turns the card into the first question, under the
privacy notice: what is stored, who uses it, that answering agrees to it, and a button to
decline. Every step has a way back and /cancel leaves. Nothing is stored until the last
answer; then the profile is saved and the registration goes through, confirmed in one
message with the calendar file. A question answered with a button becomes the next
question in place; a typed answer gets the next question below it. A first sign-up from a
deep link thus costs 8 messages of Telegram's budget (card, six questions, confirmation).
/profile shows the profile and changes one answer at a time.
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
from bot.services import profiles
from bot.services.timezones import is_known_zone
from handlers.buttons import (
    EditProfile,
    ProfileCountry,
    ProfileField,
    ProfileStep,
    ProfileZone,
    Register,
)
from handlers.context import BotContext, refresh_viewer
from handlers.html import bold, plain, user_text
from handlers.presses import on_press
from handlers.registration import sign_up
from handlers.session import clear_state, get_state, set_state
from handlers.ui import Button, answer, edit, no_longer_active, send
from handlers.wizards import GROUP_GENERAL, GROUP_PROFILE, build_wizard

ANSWERING = 1
END = ConversationHandler.END
STEPS = ("full_name", "country", "city", "organization", "role", "email", "timezone")
LABELS: dict[ProfileField, str] = {
    "full_name": N_("Name"),
    "country": N_("Country"),
    "city": N_("City"),
    "organization": N_("Organization"),
    "role": N_("Role"),
    "email": N_("Email"),
}
MAX_ZONE_BUTTONS = 8


@dataclass
class ProfileFlow:
    """The questions in progress: the one open now and the answers so far (by step). `code`
    is the event whose Register button started them; `edit` marks one change from /profile."""

    step: str
    code: str | None = None
    edit: bool = False
    answers: dict[str, str] = dataclasses.field(default_factory=dict)


def privacy_notice(t: Translator) -> str:
    return t._(
        "To register you I need a few details, asked only once: your name, country, city, "
        "organization, role and email. I keep them with your language and time zone; the "
        "programme’s organizers use them to run the sessions, send you reminders and "
        "materials, and report anonymous statistics to partners. Nobody else sees them. "
        "By answering you agree to this; /profile shows them and /forgetme deletes them "
        "at any time. Send /cancel to stop."
    )


async def ask(
    context: BotContext,
    flow: ProfileFlow,
    query: CallbackQuery | None = None,
    preface: str | None = None,
) -> int:
    """Put the current step's question, with its buttons and a way back: in place of the
    pressed message when a button answered the last one, else as a new message."""
    t = context.viewer.t
    step = flow.step
    rows: list[list[Button]] = []
    if step == "full_name":
        text = t._("What is your full name?")
        telegram_name = clean_user_text(context.viewer.user.display_name).strip()
        if telegram_name:
            rows.append([(t._("Use “{name}”", name=telegram_name[:40]), ProfileStep("tg"))])
        if not flow.edit:
            rows.append([(t._("I do not agree"), ProfileStep("no"))])
    elif step == "country":
        text = t._("In which country do you work? Type its name.")
    elif step == "city":
        text = t._("In which city?")
    elif step == "organization":
        text = t._("Which organization do you work for? (optional)")
    elif step == "role":
        text = t._("What is your role or position? (optional)")
    elif step == "email":
        text = t._("What is your email address, for materials and certificates? (optional)")
    else:
        zones = context.services.timezones.zones_of_country(flow.answers["country"])
        now = context.now()
        text = t._("Which time zone are you in? Choose, or type the name of your city.")
        rows += [[(t.timezone_label(z, now), ProfileZone(z))] for z in zones[:MAX_ZONE_BUTTONS]]
    if step in profiles.OPTIONAL:
        rows.append([(t._("Skip"), ProfileStep("skip"))])
    if flow.edit or step != STEPS[0]:
        rows.append([(t._("◀ Back"), ProfileStep("back"))])
    if preface:
        text = f"{preface}\n\n{text}"
    if query is not None and query.message is not None:
        await edit(query, context, text, rows)
    else:
        await send(context, text, rows)
    return ANSWERING


def known_zone(context: BotContext, flow: ProfileFlow) -> str | None:
    """The time zone, when nothing needs asking: the country has one, the participant chose
    theirs with /timezone already, or the city they typed names one of the country's."""
    zones = context.services.timezones.zones_of_country(flow.answers["country"])
    if len(zones) == 1:
        return zones[0]
    chosen = context.viewer.user.timezone
    if chosen and is_known_zone(chosen):
        return chosen
    city = flow.answers.get("city", "")
    of_city = [z for z in context.services.timezones.find(city) if z in zones] if city else []
    return of_city[0] if len(of_city) == 1 else None


async def advance(
    context: BotContext, flow: ProfileFlow, query: CallbackQuery | None = None
) -> int:
    """Go to the next question, or finish when the last one is answered."""
    if flow.edit:
        return await save_one(context, flow)
    index = STEPS.index(flow.step) + 1
    if index < len(STEPS) and STEPS[index] == "timezone":
        zone = known_zone(context, flow)
        if zone is not None:  # nothing to ask
            flow.answers["timezone"] = zone
            index += 1
    if index == len(STEPS):
        return await finish(context, flow)
    flow.step = STEPS[index]
    return await ask(context, flow, query)


async def on_register(update: Update, context: BotContext, data: Register) -> int:
    """Register pressed: straight through with a profile, otherwise the questions first,
    the first one in place of the card."""
    query = update.callback_query
    assert query is not None
    code = data.code
    await answer(query)
    if (
        context.viewer.user.profile is not None
        or await context.services.registrations.closed_reason(code) is not None
    ):
        await sign_up(context, code, query)  # signs up, or says why nobody can
        return END
    flow = ProfileFlow(STEPS[0], code=code)
    set_state(context, flow)
    return await ask(context, flow, query, preface=privacy_notice(context.viewer.t))


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
        await send(context, plain(problem.problem.render(t)))
        return ANSWERING
    flow.answers[step] = value
    return await advance(context, flow)


async def on_country_text(context: BotContext, flow: ProfileFlow, text: str) -> int:
    t = context.viewer.t
    try:
        text = profiles.parse_text("country", text)
    except InputProblem as problem:
        await send(context, plain(problem.problem.render(t)))
        return ANSWERING
    found = context.services.countries.match(text)
    if found.exact:
        flow.answers["country"] = found.exact
        return await advance(context, flow)
    if not found.candidates:
        await send(
            context,
            t._(
                "I do not know the country “{name}”. Please type its name in "
                "English or in one of my languages.",
                name=user_text(text[:60]),
            ),
        )
        return ANSWERING
    rows: list[list[Button]] = [
        [(context.services.countries.name(code, t.language), ProfileCountry(code))]
        for code in found.candidates
    ]
    await send(context, t._("Which one do you mean?"), rows)
    return ANSWERING


async def on_zone_text(context: BotContext, flow: ProfileFlow, text: str) -> int:
    t = context.viewer.t
    zones = context.services.timezones.find(text)
    if len(zones) == 1:
        flow.answers["timezone"] = zones[0]
        return await advance(context, flow)
    if not zones:
        await send(
            context,
            t._(
                "I could not find a time zone for “{place}”. Try a large city "
                "near you or your country, or send /cancel.",
                place=user_text(text[:64]),
            ),
        )
        return ANSWERING
    now = context.now()
    rows: list[list[Button]] = [
        [(t.timezone_label(z, now), ProfileZone(z))] for z in zones[:MAX_ZONE_BUTTONS]
    ]
    await send(context, t._("Which of these is your time zone?"), rows)
    return ANSWERING


async def on_step_button(update: Update, context: BotContext, data: ProfileStep) -> int:
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
    telegram_name = clean_user_text(context.viewer.user.display_name).strip()[:100]
    if data.action == "tg" and step == "full_name" and telegram_name:
        answers["full_name"] = profiles.parse_text("full_name", telegram_name)
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
        return ANSWERING
    await answer(query)
    return await advance(context, flow, in_place(flow, query))


def in_place(flow: ProfileFlow, query: CallbackQuery) -> CallbackQuery | None:
    """The pressed question, to be replaced by the next one; not the first question of a
    registration, which carries the privacy notice the participant agreed to."""
    return None if flow.step == STEPS[0] and not flow.edit else query


async def on_country_button(update: Update, context: BotContext, data: ProfileCountry) -> int:
    known = context.services.countries.is_country(data.country)
    return await _chosen(update, context, "country", data.country if known else None)


async def on_zone_button(update: Update, context: BotContext, data: ProfileZone) -> int:
    return await _chosen(
        update, context, "timezone", data.zone if is_known_zone(data.zone) else None
    )


async def _chosen(update: Update, context: BotContext, step: str, value: str | None) -> int:
    """A country or zone chosen with a button: the answer, if its question is open now."""
    query = update.callback_query
    assert query is not None
    flow = get_state(context, ProfileFlow)
    if flow is None:
        await no_longer_active(query, context)
        return END
    if value is None or flow.step != step:
        await no_longer_active(query, context)
        return ANSWERING
    flow.answers[step] = value
    await answer(query)
    return await advance(context, flow, in_place(flow, query))


async def go_back(
    context: BotContext, flow: ProfileFlow, query: CallbackQuery | None = None
) -> int:
    if flow.edit:
        clear_state(context, ProfileFlow)
        await show_profile(context)
        return END
    index = max(STEPS.index(flow.step) - 1, 0)
    flow.step = STEPS[index]
    return await ask(context, flow, query)


async def finish(context: BotContext, flow: ProfileFlow) -> int:
    """The last answer given: store the profile, then register for the event that started
    it all, both said in one message."""
    answers = flow.answers
    profile = Profile(**{field: answers.get(field, "") for field in profiles.FIELDS})
    await context.services.profiles.save(context.viewer.user_id, profile, answers["timezone"])
    clear_state(context, ProfileFlow)
    saved = (await refresh_viewer(context)).t._("Thank you, your profile is saved.")
    if flow.code:
        await sign_up(context, flow.code, preface=saved)
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


async def show_profile(context: BotContext, notice: str | None = None) -> None:
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
    buttons: list[Button] = [(t._(label), EditProfile(f)) for f, label in LABELS.items()]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    hint = t._(
        "To change an answer, press its button. /timezone changes the time zone and "
        "/forgetme deletes everything."
    )
    text = profile_text(context) + "\n\n" + hint
    await send(context, f"{notice}\n\n{text}" if notice else text, rows)


async def on_profile_command(update: Update, context: BotContext) -> None:
    await show_profile(context)


async def on_edit_button(update: Update, context: BotContext, data: EditProfile) -> int:
    query = update.callback_query
    assert query is not None
    if context.viewer.user.profile is None:
        await no_longer_active(query, context)
        return END
    await answer(query)
    flow = ProfileFlow(data.field, edit=True)
    set_state(context, flow)
    return await ask(context, flow)


async def cancel(update: Update, context: BotContext) -> int:
    clear_state(context, ProfileFlow)
    await send(context, context.viewer.t._("Stopped. Nothing was saved."))
    return END


def register(app: Application) -> None:  # type: ignore[type-arg]
    wizard = build_wizard(
        "profile",
        entry_points=[
            on_press(Register, on_register),
            on_press(EditProfile, on_edit_button),
        ],
        states={
            ANSWERING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
                on_press(ProfileStep, on_step_button),
                on_press(ProfileCountry, on_country_button),
                on_press(ProfileZone, on_zone_button),
            ]
        },
        on_cancel=cancel,
        state=ProfileFlow,
    )
    app.add_handler(wizard, group=GROUP_PROFILE)
    app.add_handler(CommandHandler("profile", on_profile_command), group=GROUP_GENERAL)
