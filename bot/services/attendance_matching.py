"""Who in a report is which registrant, and who counts as present: the rules, as plain data.

Emails are not verified when people register, so an email is trusted only when exactly one
registrant gave it and the report shows it for one person; a username likewise. A name is
never trusted on its own (namesakes, nicknames, a colleague's laptop): a name match, or an
email that several registrants gave or several people in the report used, goes to the
organizer to review, with the candidates. A person counts as present when the report shows
them in the session for at least the event's minimum time, their rejoins added up; someone
matched on the waitlist attended without a seat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from bot.db.attendance import Registrant
from bot.services.attendance_reports import (
    ReportPerson,
    name_variants,
    normalize_email,
    normalize_username,
)


class Verdict(Enum):
    PRESENT = "present"
    TOO_SHORT = "too-short"
    WITHOUT_SEAT = "without-seat"  # matched to someone on the waitlist
    TO_REVIEW = "to-review"
    NOT_REGISTERED = "not-registered"


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str


@dataclass(frozen=True)
class Decision:
    person: ReportPerson
    verdict: Verdict
    user_id: int | None = None  # the registrant, when matched
    candidates: tuple[Candidate, ...] = ()  # to review

    @property
    def shown_as(self) -> str:
        """How the report shows the person: their name, else their email or username."""
        person = self.person
        return person.name or person.email or (f"@{person.username}" if person.username else "")


def _compatible(a: str, b: str) -> bool:
    return not a or not b or bool(name_variants(a) & name_variants(b))


def merge_rejoins(people: Sequence[ReportPerson]) -> list[list[ReportPerson]]:
    """People of the report grouped by email into one person each when their names agree
    ("José Núñez" and "Jose Nunez (iPhone)"); an email used under names that do not agree
    stays apart, one group per name (someone typed a colleague's address)."""
    groups: list[list[ReportPerson]] = []
    by_email: dict[str, list[list[ReportPerson]]] = defaultdict(list)
    for person in people:
        if not person.email:
            groups.append([person])
            continue
        for group in by_email[person.email]:
            if all(_compatible(person.name, other.name) for other in group):
                group.append(person)
                break
        else:
            group = [person]
            by_email[person.email].append(group)
            groups.append(group)
    return groups


def _merged(group: Sequence[ReportPerson]) -> ReportPerson:
    first = group[0]
    if len(group) == 1:
        return first
    times = [p.minutes for p in group if p.minutes is not None]
    return replace(
        first,
        name=next((p.name for p in group if p.name), ""),
        minutes=sum(times) if times else None,
        rows=sum(p.rows for p in group),
    )


class _Registrants:
    """Registrants by the keys a report may name them by."""

    def __init__(self, registrants: Iterable[Registrant]) -> None:
        self.by_id: dict[int, Registrant] = {}
        self.by_email: dict[str, set[int]] = defaultdict(set)
        self.by_username: dict[str, set[int]] = defaultdict(set)
        self._by_name: dict[str, set[int]] | None = None  # built when first asked for
        for registrant in registrants:
            self.by_id[registrant.user_id] = registrant
            email = normalize_email(registrant.email)
            if email:
                self.by_email[email].add(registrant.user_id)
            username = normalize_username(registrant.username)
            if username:
                self.by_username[username].add(registrant.user_id)

    def named(self, name: str) -> set[int]:
        if self._by_name is None:  # most reports match by email: names are rarely needed
            self._by_name = defaultdict(set)
            for registrant in self.by_id.values():
                for known in (registrant.full_name, registrant.telegram_name):
                    for variant in name_variants(known):
                        self._by_name[variant].add(registrant.user_id)
        found: set[int] = set()
        for variant in name_variants(name):
            found |= self._by_name.get(variant, set())
        return found

    def candidates(self, user_ids: Iterable[int]) -> tuple[Candidate, ...]:
        people = [self.by_id[user_id] for user_id in user_ids]
        people.sort(key=lambda r: (r.full_name or r.telegram_name).casefold())
        return tuple(Candidate(r.user_id, r.full_name or r.telegram_name) for r in people)


def decide(
    people: Sequence[ReportPerson], registrants: Iterable[Registrant], required_minutes: int
) -> list[Decision]:
    """One decision per person of the report (rejoins merged); people matched to the same
    registrant by two rows (an email and a username) have their times added up."""
    known = _Registrants(registrants)
    groups = merge_rejoins(people)
    email_groups: dict[str, int] = defaultdict(int)
    for group in groups:
        if group[0].email:
            email_groups[group[0].email] += 1
    matched: dict[int, ReportPerson] = {}
    decisions: list[Decision] = []
    for group in groups:
        person = _merged(group)
        user_id, review = _match(person, known, shared=email_groups.get(person.email, 0) > 1)
        if user_id is None and review and _too_short(person, required_minutes):
            # not worth a review: whoever it is, they were not there long enough
            decisions.append(Decision(person, Verdict.TOO_SHORT))
            continue
        if user_id is not None:
            earlier = matched.get(user_id)
            if earlier is not None:
                person = _merged([earlier, person])
            matched[user_id] = person
        elif review:
            decisions.append(
                Decision(person, Verdict.TO_REVIEW, candidates=known.candidates(review))
            )
        else:
            decisions.append(Decision(person, Verdict.NOT_REGISTERED))
    for user_id, person in matched.items():
        decisions.append(
            Decision(person, _verdict(person, known.by_id[user_id], required_minutes), user_id)
        )
    return decisions


def _match(
    person: ReportPerson, known: _Registrants, *, shared: bool
) -> tuple[int | None, set[int]]:
    """The registrant the person surely is, or the candidates to review (maybe none)."""
    if person.email:
        by_email = known.by_email.get(person.email, set())
        if len(by_email) == 1 and not shared:
            return next(iter(by_email)), set()
        if by_email:
            return None, by_email | known.named(person.name)
    if person.username:
        by_username = known.by_username.get(person.username, set())
        if len(by_username) == 1:
            return next(iter(by_username)), set()
    return None, known.named(person.name) if person.name else set()


def _too_short(person: ReportPerson, required_minutes: int) -> bool:
    return person.minutes is not None and person.minutes < required_minutes


def _verdict(person: ReportPerson, registrant: Registrant, required_minutes: int) -> Verdict:
    if _too_short(person, required_minutes):
        return Verdict.TOO_SHORT
    return Verdict.PRESENT if registrant.confirmed else Verdict.WITHOUT_SEAT
