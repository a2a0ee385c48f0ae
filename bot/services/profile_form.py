"""The whole profile at once, as the Mini App's form sends it: every answer checked by the
same rules as the chat's questions, every problem found reported together (by field), so
the form shows each one next to its field.

The time zone follows the chat's rules too (`zone_choice`): the country or the city decides
it when they can; otherwise the participant chooses among the country's zones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.i18n import N_
from bot.models import Profile
from bot.problems import InputProblem, Problem
from bot.services import profiles
from bot.services.countries import CountryDirectory
from bot.services.timezones import TimezoneDirectory, is_known_zone

FORM_FIELDS = (*profiles.FIELDS, "timezone")
Listing = Callable[[list[str]], str]  # names as a sentence lists them: "A, B or C"
MAX_CHOICES = 12  # zones offered in the form's list


@dataclass(frozen=True)
class ZoneChoice:
    """Which time zone, for a place in a country: `zone` when only one fits (nothing to
    ask), else the zones that may fit, most likely first (empty: the place fits none)."""

    zone: str | None
    offered: tuple[str, ...] = ()


def zone_choice(directory: TimezoneDirectory, country: str, place: str = "") -> ZoneChoice:
    """The time zone for `place` (a city as typed; empty: none) in `country`.

    A country with one zone decides it; so does a city of the country that the city list
    places in one zone. Without a place, every zone of the country is offered (the most
    populous first). A zone from another country is never offered here: the zone question
    offers one only when nothing in the country fits (the participant typed it)."""
    zones = directory.clocks_of_country(country)
    if len(zones) == 1:
        return ZoneChoice(zones[0])
    if not place:
        return ZoneChoice(None, tuple(zones))
    found = directory.zone_for_place(place, country)
    if found.outside_country:
        return ZoneChoice(None, ())
    if found.zone is not None:
        return ZoneChoice(found.zone)
    return ZoneChoice(None, found.candidates)


@dataclass(frozen=True)
class CheckedForm:
    profile: Profile
    timezone: str


class FormProblems(ValueError):
    """What is wrong, by field ("full_name", ..., "timezone", "consent")."""

    def __init__(self, problems: Mapping[str, Problem]) -> None:
        super().__init__(", ".join(problems))
        self.problems = dict(problems)


@dataclass(frozen=True)
class ProfileForm:
    """Checks the form's answers with the reference data the chat uses."""

    countries: CountryDirectory
    timezones: TimezoneDirectory

    def country(self, raw: str, language: str, listing: Listing = ", ".join) -> str:
        """The country a typed (or suggested) name means, or InputProblem saying which ones
        it may mean, named in `language` and listed by `listing` ("A, B or C")."""
        text = profiles.parse_text("country", raw)
        listed = self.countries.named(text, language)
        if listed is not None:
            return listed
        found = self.countries.match(text)
        if found.country is not None:
            return found.country
        names = [self.countries.name(code, language) for code in found.candidates]
        if len(names) == 1:
            raise InputProblem(N_("Do you mean {country}?"), country=names[0])
        if names:
            raise InputProblem(
                N_("Which one do you mean: {countries}?"), countries=listing(names)[:300]
            )
        raise InputProblem(
            N_(
                "I do not know the country “{name}”. Please type its name in "
                "English or in one of my languages."
            ),
            name=text[:60],
        )

    def field(self, name: str, raw: str, language: str, listing: Listing = ", ".join) -> str:
        """One answer checked (InputProblem when it is wrong): what the form checks as the
        participant leaves a field."""
        if name == "country":
            return self.country(raw, language, listing)
        if name == "email":
            return profiles.parse_email(raw) if raw.strip() else ""
        if name not in profiles.FIELDS:
            raise ValueError(name)
        return profiles.parse_text(name, raw)

    def zones(self, country: str, city: str) -> ZoneChoice:
        """The zone the country and city decide, else the zones to choose from."""
        choice = zone_choice(self.timezones, country, city)
        if choice.zone is None and not choice.offered:
            choice = zone_choice(self.timezones, country)
        return ZoneChoice(choice.zone, choice.offered[:MAX_CHOICES])

    def check(
        self,
        raw: Mapping[str, object],
        language: str,
        consent: bool,
        listing: Listing = ", ".join,
    ) -> CheckedForm:
        """Every answer checked; FormProblems with all that is wrong."""
        answers: dict[str, str] = {}
        problems: dict[str, Problem] = {}
        for name in profiles.FIELDS:
            value = raw.get(name, "")
            try:
                if not isinstance(value, str):
                    raise InputProblem(N_("Please type an answer."))
                answers[name] = self.field(name, value, language, listing)
            except InputProblem as problem:
                problems[name] = problem.problem
        zone = self._zone(raw.get("timezone", ""), answers)
        if zone is None and "country" in answers and "city" in answers:
            problems["timezone"] = Problem(N_("Please choose your time zone."))
        if not consent:
            problems["consent"] = Problem(
                N_("Please tick the box to agree, or close the form: nothing is stored.")
            )
        if problems:
            raise FormProblems(problems)
        assert zone is not None
        return CheckedForm(Profile(**{name: answers[name] for name in profiles.FIELDS}), zone)

    def _zone(self, chosen: object, answers: Mapping[str, str]) -> str | None:
        """The zone chosen when it is one of the country's (or the one the place decides),
        else the one the country and city decide; None when it must be chosen."""
        country = answers.get("country")
        if country is None or "city" not in answers:
            return None
        choice = self.zones(country, answers["city"])
        if isinstance(chosen, str) and is_known_zone(chosen):
            if chosen == choice.zone or chosen in self.timezones.zones_of_country(country):
                return chosen
            if chosen in choice.offered:
                return chosen
        return choice.zone
