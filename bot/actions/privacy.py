"""A member's privacy: consent status and withdrawal, an export of their data, erasure, audit.

Each operation runs in the caller's transaction; the chat commands (``/toestemming``,
``/mijngegevens``, ``/vergeetmij``) and the CLI (``samenkracht person erase``,
``samenkracht audit``) call the same functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.ext.asyncio import AsyncSession

import templates
from bot.actions.answering import spec_of
from bot.dates import when
from bot.domain import forms
from bot.domain.consent import CONSENT_VERSION, must_ask_again
from bot.domain.pseudonyms import (
    PseudonymError,
    clean_pseudonym,
    display_name_for_facilitator,
    is_clear_request,
)
from storage.models import AnswerState, AuditEvent, Person
from storage.repositories import people, privacy

TEMPLATES_DIR = Path(templates.__file__).parent
EXPORT_TEMPLATE = "mijn-gegevens.txt.j2"


@dataclass(frozen=True, slots=True)
class ConsentStatus:
    """What a person agreed to, and whether it still counts."""

    version: str
    given_at: datetime
    withdrawn_at: datetime | None

    @property
    def current(self) -> bool:
        return self.withdrawn_at is None and self.version == CONSENT_VERSION


@dataclass(frozen=True, slots=True)
class Erased:
    memberships: int


@dataclass(frozen=True, slots=True)
class Export:
    """A person's data as a readable text and as JSON."""

    text: bytes
    json: bytes


async def needs_consent(session: AsyncSession, person_id: int) -> bool:
    """Tell whether the person must consent again before anything new is stored.

    True when their newest consent is withdrawn or of an older consent version.
    """
    newest = await privacy.newest_consent(session, person_id)
    if newest is None:
        return False
    return must_ask_again(newest.version, newest.withdrawn_at is not None)


async def consent_status(session: AsyncSession, telegram_id: int) -> ConsentStatus | None:
    """Return the newest consent of this Telegram user (None: a stranger or none given)."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return None
    newest = await privacy.newest_consent(session, person.id)
    if newest is None:
        return None
    return ConsentStatus(newest.version, newest.given_at, newest.withdrawn_at)


async def withdraw_consent(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    """Withdraw every consent still in force; False when there was none (or a stranger)."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return False
    withdrawn = False
    for consent in await privacy.consents_of(session, person.id):
        if consent.withdrawn_at is None:
            consent.withdrawn_at = now
            withdrawn = True
    await session.flush()
    return withdrawn


async def renew_consent(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    """Record consent to the current version for a known person; False for a stranger."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return False
    if await needs_consent(session, person.id) or (
        await privacy.newest_consent(session, person.id) is None
    ):
        await people.add_consent(session, person.id, CONSENT_VERSION, now)
    return True


async def erase_person(session: AsyncSession, telegram_id: int, now: datetime) -> Erased | None:
    """Erase every row tied to this Telegram user; None when nothing is stored about them."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return None
    return Erased(await privacy.erase(session, person, now))


async def forget_chat(session: AsyncSession, telegram_id: int) -> None:
    """Forget message ids recorded in an erased person's chat after the erasure (the reply)."""
    if await people.person_by_telegram_id(session, telegram_id) is None:
        await privacy.forget_chat_messages(session, telegram_id)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _readable(answer_value: str, state: AnswerState, spec: forms.QuestionSpec) -> str:
    if state is AnswerState.SKIPPED:
        return "(overgeslagen)"
    if state is AnswerState.DECLINED:
        return "(zeg ik liever niet)"
    if state is not AnswerState.ANSWERED:
        return f"(nog niet af) {answer_value}"
    if spec.kind is forms.Kind.YES_NO:
        return "ja" if answer_value == forms.YES else "nee"
    return ", ".join(forms.labels(spec, forms.Given(forms.State.ANSWERED, answer_value)))


async def export_data(
    session: AsyncSession, telegram_id: int, zone: tzinfo, now: datetime
) -> Export | None:
    """Collect everything stored about this Telegram user; None for a stranger."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return None
    stored = await privacy.stored_about(session, person)
    data = _as_json(stored)
    data["exported_at"] = now.isoformat()
    text = _as_text(stored, data, zone, now)
    return Export(text.encode("utf-8"), json.dumps(data, ensure_ascii=False, indent=2).encode())


def _as_json(stored: privacy.Stored) -> dict[str, Any]:
    person: Person = stored.person
    by_submission: dict[int, list[dict[str, Any]]] = {}
    for answer, question in stored.answers:
        spec = spec_of(question)
        by_submission.setdefault(answer.submission_id, []).append(
            {
                "question": question.text,
                "question_position": question.position,
                "answer": answer.value,
                "readable": _readable(answer.value, answer.state, spec),
                "state": answer.state.value,
                "answered_at": _iso(answer.answered_at),
                "updated_at": _iso(answer.updated_at),
            }
        )
    return {
        "person": {
            "telegram_id": person.telegram_id,
            "pseudonym": person.pseudonym,
            "language": person.language,
            "discreet_mode": person.discreet_mode,
            "wipe_answers_from_chat": person.wipe_answers_from_chat,
            "show_name_to_facilitators": person.show_name_to_facilitators,
            "created_at": _iso(person.created_at),
        },
        "reminder_settings": {
            "reminders_enabled": person.reminders_enabled,
            "silent_delivery": person.silent_delivery,
            "quiet_hours_start_minutes": person.quiet_hours_start,
            "quiet_hours_end_minutes": person.quiet_hours_end,
            "skipped_meetings": [_iso(meeting.starts_at) for _, meeting in stored.opt_outs],
        },
        "consents": [
            {
                "version": c.version,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in stored.consents
        ],
        "memberships": [
            {
                "group": group.name,
                "role": membership.role.value,
                "is_chair": membership.is_chair,
                "joined_at": _iso(membership.joined_at),
                "shown_to_facilitators_as": display_name_for_facilitator(
                    person.pseudonym, membership.number
                ),
            }
            for membership, group in stored.memberships
        ],
        "submissions": [
            {
                "question_set": question_set.title,
                "status": submission.status.value,
                "started_at": _iso(submission.started_at),
                "submitted_at": _iso(submission.submitted_at),
                "may_quote": submission.may_quote,
                "answers": by_submission.get(submission.id, []),
            }
            for submission, question_set in stored.submissions
        ],
        "rsvps": [
            {"meeting_starts_at": _iso(meeting.starts_at), "response": rsvp.response}
            for rsvp, meeting in stored.rsvps
        ],
        "outbox": [
            {
                "purpose": row.purpose_key,
                "description": describe_message(row.purpose_key),
                "status": row.status.value,
                "due_at": _iso(row.due_at),
                "sent_at": _iso(row.sent_at),
            }
            for row in stored.outbox
        ],
    }


# What each kind of scheduled message is, for a member reading their own data (the purpose
# key, e.g. "reminder:4:7:168h", is how the outbox keeps it apart; it means nothing to them).
MESSAGE_KINDS = {
    "reminder": "Herinnering aan een bijeenkomst",
    "uitkomsten": "Herinnering om de Uitkomsten te schrijven",
    "prompt": "Uitnodiging om vragen te beantwoorden",
    "nudge": "Herinnering om de vragen af te maken",
    "notice": "Bericht over een bijeenkomst die gepland, verplaatst of afgezegd is",
    "summary": "De Uitkomsten van een bijeenkomst",
}
MESSAGE_STATES = {
    "pending": "nog niet verstuurd",
    "claimed": "wordt nu verstuurd",
    "sending": "wordt nu verstuurd",
    "sent": "verstuurd",
    "failed": "kwam niet aan",
    "ambiguous": "misschien aangekomen",
    "expired": "niet verstuurd, want het was te laat",
}


def describe_message(purpose_key: str) -> str:
    """A scheduled message's kind in words ("Herinnering aan een bijeenkomst, 7 dagen ervoor")."""
    kind, *rest = purpose_key.split(":")
    words = MESSAGE_KINDS.get(kind, "Bericht van de bot")
    if kind == "reminder" and rest and rest[-1].endswith("h") and rest[-1][:-1].isdigit():
        hours = int(rest[-1][:-1])
        days = hours // 24
        ahead = f"{hours} uur" if hours % 24 else ("1 dag" if days == 1 else f"{days} dagen")
        words += f", {ahead} ervoor"
    return words


def _as_text(stored: privacy.Stored, data: dict[str, Any], zone: tzinfo, now: datetime) -> str:
    def day(moment: datetime | None) -> str:
        return when(moment, zone, "nl", with_year=True) if moment is not None else ""

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=False,  # noqa: S701 (a plain-text file, never shown as HTML)
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["day"] = day
    environment.filters["message_kind"] = describe_message
    environment.filters["message_state"] = lambda status: MESSAGE_STATES.get(status, status)
    template = environment.get_template(EXPORT_TEMPLATE)
    return template.render(
        data=data,
        stored=stored,
        exported=day(now),
    )


@dataclass(frozen=True, slots=True)
class PseudonymView:
    """A member's pseudonym and, per group, what the facilitators see of them."""

    pseudonym: str | None
    shown_as: tuple[tuple[str, str], ...]  # (group name, display name)


async def _pseudonym_view(session: AsyncSession, person: Person) -> PseudonymView:
    labels = await people.member_labels(session, person.id)
    shown = tuple(
        (label.group_name, display_name_for_facilitator(person.pseudonym, label.number))
        for label in labels
    )
    return PseudonymView(person.pseudonym, shown)


async def pseudonym_view(session: AsyncSession, telegram_id: int) -> PseudonymView | None:
    """The member's pseudonym and how facilitators see them; None for a stranger."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return None
    return await _pseudonym_view(session, person)


async def change_pseudonym(
    session: AsyncSession, telegram_id: int, text: str
) -> PseudonymView | None:
    """``/schuilnaam TEXT``: set the pseudonym (or clear it with "wis"); None for a stranger.

    Raises PseudonymError for text that cannot be a pseudonym, and (reason ``needs_consent``)
    when the member withdrew consent: nothing new they write is stored until they consent again.
    Clearing is always allowed.
    """
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return None
    if is_clear_request(text):
        await people.set_pseudonym(session, person, None)
    else:
        cleaned = clean_pseudonym(text)
        if await needs_consent(session, person.id):
            raise PseudonymError("needs_consent")
        await people.set_pseudonym(session, person, cleaned)
    return await _pseudonym_view(session, person)


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    action: str
    details: dict[str, Any]


async def audit(session: AsyncSession, limit: int) -> list[AuditLine]:
    """Return the newest audit events (ids and counts only, never names or answers)."""
    events: list[AuditEvent] = await privacy.audit_events(session, limit)
    return [AuditLine(e.created_at, e.action, dict(e.details)) for e in events]
