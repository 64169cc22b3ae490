"""The "Uitkomsten" summary: draft, quotes, review, publish; and the raw export of a round.

Every operation checks, here and not in a handler, that the person may take the step:
facilitators of the meeting's group edit; another facilitator or the group's chair (never the
author) approves and publishes. A published summary is frozen: its composed input is kept in
``fields["published_input"]``, and a correction starts a new version.

The draft's progress (which field is shown, whether quotes are done, what typed text the bot
waits for) is in the summary's row, so any process can take the facilitator's next update.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import summary as composer
from bot.domain.pseudonyms import display_name_for_facilitator
from bot.domain.summary import (
    AnswerInput,
    Flag,
    Kind,
    QuestionInput,
    QuoteInput,
    SummaryDocument,
    SummaryInput,
)
from bot.errors import SummaryError
from scheduler import planner
from storage.models import (
    AnswerState,
    AuditEvent,
    Group,
    Meeting,
    Person,
    Question,
    QuestionKind,
    QuoteDecision,
    Role,
    Round,
    Summary,
    SummaryStatus,
)
from storage.repositories import groups, outbox, people, rounds
from storage.repositories import summaries as repo

# The fields a facilitator goes through in chat, in this order.
FIELDS = ("themes", "input_use", "term", "follow_up")
STAGE_FIELDS = "fields"
STAGE_QUOTES = "quotes"
STAGE_READY = "ready"
# The outbox purpose of a published summary's delivery: ``summary:{summary_id}:{person_id}``.
SUMMARY_PURPOSE = "summary:"


@dataclass(frozen=True, slots=True)
class MeetingChoice:
    meeting_id: int
    day: date
    group_name: str
    status: SummaryStatus | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    summary_id: int
    day: date
    group_name: str
    version: int


@dataclass(frozen=True, slots=True)
class Overview:
    """What ``/uitkomsten`` offers this person."""

    meetings: tuple[MeetingChoice, ...]
    to_review: tuple[ReviewItem, ...]


@dataclass(frozen=True, slots=True)
class FieldView:
    summary_id: int
    key: str
    number: int
    total: int
    value: str


@dataclass(frozen=True, slots=True)
class QuoteView:
    summary_id: int
    answer_id: int
    question_number: int
    question_text: str
    text: str
    flags: tuple[Flag, ...]
    remaining: int


@dataclass(frozen=True, slots=True)
class Ready:
    """The draft is complete: its documents can be sent and it can go to review."""

    summary_id: int
    status: SummaryStatus


Step = FieldView | QuoteView | Ready


@dataclass(frozen=True, slots=True)
class Recipient:
    telegram_id: int
    language: str
    discreet: bool


@dataclass(frozen=True, slots=True)
class Published:
    """A published summary; ``recipients`` are the members its delivery was queued for."""

    summary_id: int
    document: SummaryDocument
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True, slots=True)
class Submitted:
    summary_id: int
    reviewers: tuple[Recipient, ...]


# -- who may do what -------------------------------------------------------------------------


async def _person(session: AsyncSession, telegram_id: int) -> Person:
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        raise SummaryError("not_facilitator")
    return person


def _facilitator_of(person: Person, group_id: int) -> bool:
    return any(m.group_id == group_id and m.role is Role.FACILITATOR for m in person.memberships)


def _reviewer_of(person: Person, group_id: int) -> bool:
    return any(
        m.group_id == group_id and (m.role is Role.FACILITATOR or m.is_chair)
        for m in person.memberships
    )


async def _meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise SummaryError("not_found")
    return meeting


async def _load_summary(
    session: AsyncSession, telegram_id: int, summary_id: int
) -> tuple[Person, Summary, Meeting]:
    """Load the person, a summary and its meeting; an unknown summary is refused."""
    person = await _person(session, telegram_id)
    summary = await repo.summary_by_id(session, summary_id)
    if summary is None:
        raise SummaryError("not_found")
    return person, summary, await _meeting(session, summary.meeting_id)


async def _editable(
    session: AsyncSession, telegram_id: int, summary_id: int
) -> tuple[Person, Summary, Meeting]:
    """Load a draft the person may edit, or refuse."""
    person, summary, meeting = await _load_summary(session, telegram_id, summary_id)
    if not _facilitator_of(person, meeting.group_id):
        raise SummaryError("not_facilitator")
    if summary.status is SummaryStatus.PUBLISHED:
        raise SummaryError("published")
    if summary.status is not SummaryStatus.DRAFT:
        raise SummaryError("wrong_status")
    return person, summary, meeting


def _audit(session: AsyncSession, person: Person, action: str, summary: Summary) -> None:
    session.add(
        AuditEvent(
            actor_person_id=person.id,
            action=action,
            details={"summary_id": summary.id, "meeting_id": summary.meeting_id},
        )
    )


# -- choosing ----------------------------------------------------------------------------------


async def overview(session: AsyncSession, telegram_id: int, zone: ZoneInfo) -> Overview:
    """List the meetings a facilitator can write about and the summaries awaiting review."""
    person = await _person(session, telegram_id)
    facilitated = [m.group_id for m in person.memberships if m.role is Role.FACILITATOR]
    reviewable = [
        m.group_id for m in person.memberships if m.role is Role.FACILITATOR or m.is_chair
    ]
    if not reviewable:
        raise SummaryError("not_facilitator")
    names = {m.group_id: m.group.name for m in person.memberships}
    meetings = await repo.meetings_of_groups(session, sorted(set(reviewable)))
    summaries = await repo.summaries_of_meetings(session, [m.id for m in meetings])
    latest: dict[int, Summary] = {}
    for summary in summaries:
        if summary.meeting_id not in latest or summary.version > latest[summary.meeting_id].version:
            latest[summary.meeting_id] = summary
    choices = tuple(
        MeetingChoice(
            meeting.id,
            meeting.starts_at.astimezone(zone).date(),
            names.get(meeting.group_id, ""),
            latest[meeting.id].status if meeting.id in latest else None,
        )
        for meeting in meetings
        if meeting.group_id in facilitated
    )
    by_id = {meeting.id: meeting for meeting in meetings}
    review = tuple(
        ReviewItem(
            summary.id,
            by_id[summary.meeting_id].starts_at.astimezone(zone).date(),
            names.get(by_id[summary.meeting_id].group_id, ""),
            summary.version,
        )
        for summary in latest.values()
        if summary.status is SummaryStatus.IN_REVIEW and summary.author_person_id != person.id
    )
    return Overview(meetings=choices[:10], to_review=review)


async def open_summary(
    session: AsyncSession, telegram_id: int, meeting_id: int, now: datetime
) -> Step:
    """Start (or resume) the draft of a meeting's summary; a published one gets a new version."""
    person = await _person(session, telegram_id)
    meeting = await _meeting(session, meeting_id)
    if not _facilitator_of(person, meeting.group_id):
        raise SummaryError("not_facilitator")
    summary = await repo.latest_summary(session, meeting.id)
    if summary is not None and summary.status is SummaryStatus.IN_REVIEW:
        raise SummaryError("wrong_status")
    if summary is None or summary.status is SummaryStatus.PUBLISHED:
        round_ = await repo.round_for_meeting(session, meeting.id)
        fields: dict[str, object] = {"cursor": 0, "stage": STAGE_FIELDS}
        if summary is not None:  # a correction starts from what was published
            fields.update({key: summary.fields.get(key, "") for key in FIELDS})
        else:
            fields["follow_up"] = composer.DEFAULT_RHYTHM
        summary = await repo.add_summary(
            session,
            Summary(
                meeting_id=meeting.id,
                round_id=round_.id if round_ else None,
                version=(summary.version + 1) if summary else 1,
                author_person_id=person.id,
                fields=fields,
                created_at=now,
            ),
        )
        _audit(session, person, "summary.create", summary)
    else:
        summary.fields = {**summary.fields, "cursor": 0, "stage": STAGE_FIELDS}
    await repo.clear_awaiting(session, person.id)
    return await _step(session, summary)


# -- fields ----------------------------------------------------------------------------------


def _field_view(summary: Summary) -> FieldView:
    cursor = int(summary.fields.get("cursor", 0))
    key = FIELDS[cursor]
    return FieldView(summary.id, key, cursor + 1, len(FIELDS), str(summary.fields.get(key, "")))


async def _step(session: AsyncSession, summary: Summary) -> Step:
    stage = summary.fields.get("stage", STAGE_FIELDS)
    if stage == STAGE_FIELDS:
        return _field_view(summary)
    if stage == STAGE_QUOTES:
        quote = await _next_quote(session, summary)
        if quote is not None:
            return quote
        summary.fields = {**summary.fields, "stage": STAGE_READY}
    return Ready(summary.id, summary.status)


async def accept_field(session: AsyncSession, telegram_id: int, summary_id: int) -> Step:
    """ "Goed zo": keep the shown field and go to the next (then to the quotes)."""
    _, summary, _ = await _editable(session, telegram_id, summary_id)
    cursor = int(summary.fields.get("cursor", 0)) + 1
    if cursor >= len(FIELDS):
        summary.fields = {**summary.fields, "cursor": 0, "stage": STAGE_QUOTES}
    else:
        summary.fields = {**summary.fields, "cursor": cursor}
    return await _step(session, summary)


async def ask_text(session: AsyncSession, telegram_id: int, summary_id: int, what: str) -> Step:
    """ "Aanpassen": wait for this facilitator's next text (``field`` or ``quote:<id>``)."""
    person, summary, _ = await _editable(session, telegram_id, summary_id)
    await repo.clear_awaiting(session, person.id)
    if what == "field" and summary.fields.get("stage", STAGE_FIELDS) != STAGE_FIELDS:
        # "Aanpassen" under a finished draft: go through the fields again.
        summary.fields = {**summary.fields, "cursor": 0, "stage": STAGE_FIELDS}
        return await _step(session, summary)
    summary.awaiting_person_id = person.id
    summary.awaiting = what if what.startswith("quote:") else f"field:{_field_view(summary).key}"
    return await _step(session, summary)


async def is_awaiting(session: AsyncSession, telegram_id: int) -> bool:
    """Tell whether the bot waits for this person's typed text for a summary."""
    person = await people.person_by_telegram_id(session, telegram_id)
    return person is not None and await repo.awaiting_summary(session, person.id) is not None


async def receive_text(session: AsyncSession, telegram_id: int, text: str) -> Step | None:
    """Store the awaited text (a field's new value or a quote's edit); None if none awaited."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return None
    summary = await repo.awaiting_summary(session, person.id)
    if summary is None:
        return None
    what = summary.awaiting
    summary.awaiting_person_id = None
    summary.awaiting = ""
    _, summary, _ = await _editable(session, telegram_id, summary.id)
    kind, _, target = what.partition(":")
    if kind == "field" and target in FIELDS:
        summary.fields = {**summary.fields, target: text.strip()}
    elif kind == "quote" and target.isdigit():
        await repo.decide_quote(session, summary.id, int(target), QuoteDecision.QUOTE, text.strip())
    return await _step(session, summary)


async def set_fields(
    session: AsyncSession, telegram_id: int, summary_id: int, values: dict[str, str]
) -> None:
    """Set several fields at once (the CLI and tests)."""
    _, summary, _ = await _editable(session, telegram_id, summary_id)
    unknown = set(values) - set(FIELDS) - {"themes_note", "invitation"}
    if unknown:
        raise SummaryError("not_found")
    summary.fields = {**summary.fields, **values}


# -- quotes ----------------------------------------------------------------------------------


async def _quotable(session: AsyncSession, summary: Summary) -> list[QuoteView]:
    """Open answers of members who allowed quoting, flagged ones first, undecided only."""
    if summary.round_id is None:
        return []
    round_ = await session.get(Round, summary.round_id)
    if round_ is None:
        return []
    questions = {q.id: q for q in await repo.round_questions(session, round_)}
    numbers = {
        qid: n for n, qid in enumerate(sorted(questions, key=lambda i: questions[i].position), 1)
    }
    decided = {q.answer_id for q in await repo.quote_decisions(session, summary.id)}
    found: list[QuoteView] = []
    for row in await repo.round_answers(session, round_):
        question = questions.get(row.question_id)
        if (
            question is None
            or question.kind is not QuestionKind.OPEN_TEXT
            or not row.may_quote
            or row.state is not AnswerState.ANSWERED
            or row.role not in composer.ROLE_SINGULAR
            or row.answer_id in decided
            or not row.value.strip()
        ):
            continue
        found.append(
            QuoteView(
                summary.id,
                row.answer_id,
                numbers[question.id],
                question.text,
                row.value,
                composer.flag_personal_data(row.value),
                0,
            )
        )
    found.sort(key=lambda view: (not view.flags, view.question_number, view.answer_id))
    return found


async def _next_quote(session: AsyncSession, summary: Summary) -> QuoteView | None:
    candidates = await _quotable(session, summary)
    if not candidates:
        return None
    first = candidates[0]
    return QuoteView(
        first.summary_id,
        first.answer_id,
        first.question_number,
        first.question_text,
        first.text,
        first.flags,
        len(candidates),
    )


async def decide_quote(
    session: AsyncSession,
    telegram_id: int,
    summary_id: int,
    answer_id: int,
    quote: bool,
    *,
    confirmed: bool = False,
) -> Step:
    """ "Citeren" / "Niet citeren" on one answer; a flagged answer needs ``confirmed``."""
    _, summary, _ = await _editable(session, telegram_id, summary_id)
    candidate = next(
        (c for c in await _quotable(session, summary) if c.answer_id == answer_id), None
    )
    if candidate is None:
        raise SummaryError("not_found")
    if quote and candidate.flags and not confirmed:
        raise SummaryError("flagged")
    await repo.decide_quote(
        session,
        summary.id,
        answer_id,
        QuoteDecision.QUOTE if quote else QuoteDecision.SKIP,
        candidate.text if quote else "",
    )
    return await _step(session, summary)


async def finish_quotes(session: AsyncSession, telegram_id: int, summary_id: int) -> Step:
    """Stop going through answers: the rest stays unquoted."""
    _, summary, _ = await _editable(session, telegram_id, summary_id)
    summary.fields = {**summary.fields, "stage": STAGE_READY}
    return Ready(summary.id, summary.status)


# -- the document ------------------------------------------------------------------------------


def _kind(kind: QuestionKind) -> Kind:
    return Kind(kind.value)


YES_NO_LABELS = {"yes": "ja", "no": "nee"}


def _option_labels(question: Question) -> dict[str, str]:
    """Map the stored option keys of a question to the labels a reader understands."""
    if question.kind is QuestionKind.YES_NO and not question.options:
        return dict(YES_NO_LABELS)
    labels: dict[str, str] = {}
    for option in question.options:
        if isinstance(option, dict):
            labels[str(option.get("key", ""))] = str(option.get("label", option.get("key", "")))
        else:
            labels[str(option)] = str(option)
    return labels


def _readable(question: Question, value: str) -> str:
    """Write a choice answer with its labels (counts show "ja", not "yes")."""
    if question.kind not in (
        QuestionKind.SINGLE_CHOICE,
        QuestionKind.MULTIPLE_CHOICE,
        QuestionKind.YES_NO,
    ):
        return value
    labels = _option_labels(question)
    chosen = composer.choices_of(_kind(question.kind), value)
    readable = [labels.get(choice, choice) for choice in chosen]
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        return json.dumps(readable, ensure_ascii=False)
    return readable[0] if readable else value


async def _members_input(
    session: AsyncSession, summary: Summary | None, round_: Round | None
) -> tuple[tuple[QuestionInput, ...] | None, tuple[QuoteInput, ...]]:
    if round_ is None:
        return None, ()
    questions = await repo.round_questions(session, round_)
    rows = await repo.round_answers(session, round_)
    by_question: dict[int, list[AnswerInput]] = {q.id: [] for q in questions}
    by_id = {q.id: q for q in questions}
    role_of: dict[int, str] = {}
    for row in rows:
        if row.role is None or row.role not in composer.ROLE_PLURAL:
            continue  # a facilitator's test answer, or someone who left the group
        role_of[row.answer_id] = row.role
        question = by_id.get(row.question_id)
        by_question.setdefault(row.question_id, []).append(
            AnswerInput(
                respondent=row.submission_id,
                role=row.role,
                value=_readable(question, row.value) if question is not None else row.value,
                answered=row.state is AnswerState.ANSWERED,
            )
        )
    position = {q.id: q.position for q in questions}
    question_of = {row.answer_id: row.question_id for row in rows}
    quotes: list[QuoteInput] = []
    if summary is not None:
        for decision in await repo.quote_decisions(session, summary.id):
            if decision.decision is QuoteDecision.QUOTE and decision.answer_id in role_of:
                quotes.append(
                    QuoteInput(
                        position[question_of[decision.answer_id]],
                        role_of[decision.answer_id],
                        decision.text,
                    )
                )
    question_inputs = tuple(
        QuestionInput(
            position=q.position,
            text=q.text,
            kind=_kind(q.kind),
            options=tuple(_option_labels(q).values()),
            scale_min=q.scale_min,
            scale_max=q.scale_max,
            answers=tuple(by_question.get(q.id, ())),
            scale_min_label=q.scale_min_label,
            scale_max_label=q.scale_max_label,
        )
        for q in questions
    )
    return question_inputs, tuple(quotes)


async def _summary_input(
    session: AsyncSession,
    meeting: Meeting,
    summary: Summary | None,
    zone: ZoneInfo,
    min_group: int,
) -> SummaryInput:
    if summary is not None and "published_input" in summary.fields:
        frozen = summary.fields["published_input"]
        thawed = composer.input_from_json(frozen)
        if "edition" not in frozen and summary.published_at is not None:  # frozen before editions
            published_on = summary.published_at.astimezone(zone).date()
            thawed = replace(thawed, edition=composer.Edition(True, summary.version, published_on))
        return thawed
    group = await session.get(Group, meeting.group_id)
    assert group is not None
    fields = summary.fields if summary is not None else {}
    themes, note = composer.themes_from(fields.get("themes", ""))
    following = await _next_meeting(session, meeting)
    round_ = (
        await session.get(Round, summary.round_id)
        if summary is not None and summary.round_id is not None
        else await repo.round_for_meeting(session, meeting.id)
    )
    questions, quotes = await _members_input(session, summary, round_)
    return SummaryInput(
        meeting_date=meeting.starts_at.astimezone(zone).date(),
        topic=group.topic or group.name,
        themes=themes,
        themes_note=str(fields.get("themes_note", "")) or note,
        input_use=str(fields.get("input_use", "")),
        term=str(fields.get("term", "")),
        follow_up=str(fields.get("follow_up", composer.DEFAULT_RHYTHM)),
        next_meeting=following.starts_at.astimezone(zone).date() if following else None,
        invitation=str(fields.get("invitation", "")) or composer.DEFAULT_INVITATION,
        contacts=composer.contacts_of(group.contact),
        questions=questions,
        quotes=quotes,
        min_group=min_group,
        edition=_edition(summary, zone),
    )


def _edition(summary: Summary | None, zone: ZoneInfo) -> composer.Edition:
    """A draft (or one in review) is dated the day its version was made."""
    if summary is None:
        return composer.Edition()
    return composer.Edition(
        published=summary.status is SummaryStatus.PUBLISHED,
        version=summary.version,
        day=summary.created_at.astimezone(zone).date() if summary.created_at else None,
    )


async def _next_meeting(session: AsyncSession, meeting: Meeting) -> Meeting | None:
    return await groups.next_meeting(session, meeting.group_id, meeting.starts_at)


async def summary_document(
    session: AsyncSession,
    telegram_id: int,
    summary_id: int,
    zone: ZoneInfo,
    min_group: int,
) -> SummaryDocument:
    """Compose a summary for someone who may see it (its group's facilitators and chair)."""
    person, summary, meeting = await _load_summary(session, telegram_id, summary_id)
    if not _reviewer_of(person, meeting.group_id):
        raise SummaryError("not_facilitator")
    return composer.compose(await _summary_input(session, meeting, summary, zone, min_group))


async def meeting_document(
    session: AsyncSession, meeting_id: int, zone: ZoneInfo, min_group: int
) -> SummaryDocument:
    """Compose a meeting's summary (its newest version, or a first draft) for the CLI."""
    meeting = await _meeting(session, meeting_id)
    summary = await repo.latest_summary(session, meeting.id)
    return composer.compose(await _summary_input(session, meeting, summary, zone, min_group))


# -- review and publishing ---------------------------------------------------------------------


def _recipient(person: Person) -> Recipient:
    return Recipient(person.telegram_id, person.language, person.discreet_mode)


async def submit_for_review(
    session: AsyncSession, telegram_id: int, summary_id: int, now: datetime
) -> Submitted:
    """Hand a draft to a second pair of eyes; return who may review it."""
    person, summary, meeting = await _editable(session, telegram_id, summary_id)
    summary.status = SummaryStatus.IN_REVIEW
    summary.submitted_at = now
    summary.awaiting_person_id = None
    summary.awaiting = ""
    _audit(session, person, "summary.submit", summary)
    reviewers = tuple(
        _recipient(m.person)
        for m in await repo.group_memberships(session, meeting.group_id)
        if (m.role is Role.FACILITATOR or m.is_chair) and m.person_id != person.id
    )
    return Submitted(summary.id, reviewers)


async def _reviewable(
    session: AsyncSession, telegram_id: int, summary_id: int
) -> tuple[Person, Summary, Meeting]:
    person, summary, meeting = await _load_summary(session, telegram_id, summary_id)
    if not _reviewer_of(person, meeting.group_id):
        raise SummaryError("not_reviewer")
    if summary.status is SummaryStatus.PUBLISHED:
        raise SummaryError("published")
    if summary.status is not SummaryStatus.IN_REVIEW:
        raise SummaryError("wrong_status")
    if summary.author_person_id == person.id:
        raise SummaryError("own_summary")
    return person, summary, meeting


async def send_back(session: AsyncSession, telegram_id: int, summary_id: int) -> None:
    """The reviewer returns the summary to draft."""
    person, summary, _ = await _reviewable(session, telegram_id, summary_id)
    summary.status = SummaryStatus.DRAFT
    _audit(session, person, "summary.send_back", summary)


async def publish(
    session: AsyncSession,
    telegram_id: int,
    summary_id: int,
    now: datetime,
    zone: ZoneInfo,
    min_group: int,
) -> Published:
    """Approve and publish: freeze the document and queue it for every member who gave input.

    One outbox row per member (purpose ``summary:{summary}:{person}``), in this transaction:
    the clock's worker sends them at its own pace, each exactly once, outside quiet hours. A
    second press finds the summary published and is refused; a correction is a new version
    with its own rows.
    """
    person, summary, meeting = await _reviewable(session, telegram_id, summary_id)
    frozen = replace(
        await _summary_input(session, meeting, summary, zone, min_group),
        edition=composer.Edition(True, summary.version, now.astimezone(zone).date()),
    )
    summary.fields = {**summary.fields, "published_input": composer.input_to_json(frozen)}
    summary.status = SummaryStatus.PUBLISHED
    summary.published_at = now
    summary.reviewer_person_id = person.id
    _audit(session, person, "summary.publish", summary)
    recipients = [
        p
        for p in (
            await repo.round_recipients(session, summary.round_id)
            if summary.round_id is not None
            else []
        )
        if p.unreachable_at is None
    ]
    await outbox.add_messages(
        session, [delivery_row(summary.id, frozen.meeting_date, p, now, zone) for p in recipients]
    )
    return Published(summary.id, composer.compose(frozen), tuple(_recipient(p) for p in recipients))


def delivery_row(
    summary_id: int, meeting_date: date, person: Person, now: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    """The outbox row that brings a published summary to one member."""
    facts = planner.PersonFacts(
        id=person.id,
        telegram_id=person.telegram_id,
        quiet_hours_start=person.quiet_hours_start,
        quiet_hours_end=person.quiet_hours_end,
    )
    return {
        "purpose_key": f"{SUMMARY_PURPOSE}{summary_id}:{person.id}",
        "person_id": person.id,
        "chat_id": person.telegram_id,
        "due_at": planner.out_of_quiet_hours(now, facts, zone),
        "not_after": None,
        "payload": {
            "kind": "summary",
            "summary_id": summary_id,
            "meeting_date": meeting_date.isoformat(),
            "language": person.language,
            "discreet": person.discreet_mode,
            "silent": person.silent_delivery,
        },
    }


# -- the raw export ----------------------------------------------------------------------------

EXPORT_HEADER = ("deelnemer", "rol", "vraag", "vraagtekst", "status", "antwoord")


def _cell(value: str) -> str:
    """Keep a spreadsheet from reading an answer as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def export_rows(session: AsyncSession, round_id: int) -> list[tuple[str, ...]]:
    """A round's answers per question, with role and the member's pseudonym or "Deelnemer N"."""
    round_ = await rounds.round_by_id(session, round_id)
    if round_ is None:
        raise SummaryError("not_found")
    questions = {q.id: q for q in await repo.round_questions(session, round_)}
    participants = await people.round_participants(session, round_id)
    rows: list[tuple[str, ...]] = []
    for row in await repo.round_answers(session, round_):
        who = participants.get(row.submission_id, people.Participant(None, None))
        question = questions.get(row.question_id)
        rows.append(
            (
                _cell(display_name_for_facilitator(who.pseudonym, who.number)),
                row.role or "",
                str(question.position if question else ""),
                _cell(question.text if question else ""),
                row.state.value,
                _cell(row.value),
            )
        )
    return rows


def export_csv(rows: list[tuple[str, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(rows: list[tuple[str, ...]]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    sheet = book.create_sheet("antwoorden")
    sheet.append(list(EXPORT_HEADER))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = [
    "FIELDS",
    "FieldView",
    "MeetingChoice",
    "Overview",
    "Published",
    "QuoteView",
    "Ready",
    "Recipient",
    "ReviewItem",
    "Step",
    "Submitted",
]
