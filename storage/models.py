"""The relational model of Samenkracht: groups, people, rounds, answers, the outbox.

Every timestamp is timezone-aware UTC (``UtcDateTime``). Relationships are ``lazy="raise"``:
a query says what it loads. Constraint names follow one naming convention, so Alembic
migrations (and SQLite batch mode) can address them.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    update,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship

from storage.crypto import OWNER_COLUMNS, EncryptedText, encrypt_on_flush, new_row_key

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite stores no zone, so we add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012 (SQLAlchemy API)


# Encrypted columns (people.pseudonym, meetings.notes, answers.value, summary_quotes.text) are
# bound to their row's random ``row_key`` and to its owner columns (``ENCRYPTION_OWNERS`` at the
# end of this module); see storage/crypto.py.
encrypt_on_flush(Base)


class Role(enum.StrEnum):
    ERVARINGSDESKUNDIGE = "ervaringsdeskundige"
    PROFESSIONAL = "professional"
    FACILITATOR = "facilitator"


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"
    HELD = "held"


class QuestionKind(enum.StrEnum):
    OPEN_TEXT = "open_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    YES_NO = "yes_no"


class RoundStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SubmissionStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    REVIEW = "review"
    SUBMITTED = "submitted"


class AnswerState(enum.StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"
    DECLINED = "declined"
    # Not (yet) an answer: a multiple-choice selection in progress, a long text still arriving
    # in parts, or a text kept because it was too long (the member is asked to shorten it).
    DRAFT = "draft"
    TOO_LONG = "too_long"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # reserved by one worker, not yet attempted: reclaimable
    SENDING = "sending"  # the attempt started: never resent blindly
    SENT = "sent"
    FAILED = "failed"
    AMBIGUOUS = "ambiguous"
    EXPIRED = "expired"  # not sent before ``not_after``: too late to make sense


class SummaryStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    """Store an enum by value as a plain string (no native PostgreSQL enum to migrate)."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Group(Base):
    """A klankbordgroep: the members, meetings and rounds of one topic in one region."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(500), default="")
    contact: Mapped[str] = mapped_column(String(500), default="")
    reminder_offsets_hours: Mapped[list[Any]] = mapped_column(default=lambda: [168, 24])
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The last "Deelnemer N" number given out in this group; numbers are never reused.
    member_counter: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Person(Base):
    """Someone who talks to the bot; exists only after consent or as a facilitator."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    row_key: Mapped[str] = mapped_column(String(32), default=new_row_key)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    pseudonym: Mapped[str | None] = mapped_column(EncryptedText)
    language: Mapped[str] = mapped_column(String(8), default="nl")
    discreet_mode: Mapped[bool] = mapped_column(Boolean, default=True)
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    silent_delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    # Quiet hours in minutes after local midnight; None means no quiet hours.
    quiet_hours_start: Mapped[int | None] = mapped_column(Integer, default=21 * 60)
    quiet_hours_end: Mapped[int | None] = mapped_column(Integer, default=8 * 60)
    unreachable_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Delete each answer message from the chat shortly after it is stored.
    wipe_answers_from_chat: Mapped[bool] = mapped_column(Boolean, default=False)
    # Facilitators see the pseudonym or "Deelnemer 7"; the Telegram name only when allowed.
    show_name_to_facilitators: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="person", lazy="raise", passive_deletes=True
    )


class Consent(Base):
    """A person's explicit agreement to one version of the consent text."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Membership(Base):
    """A person's role in a group."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("person_id", "group_id"),
        UniqueConstraint("group_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    # The group's chair (an experience expert) may review summaries, and nothing else.
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # "Deelnemer N" to the group's facilitators: given on insert from the group's counter,
    # stable for the membership and never given again in the group (not after erasure either).
    number: Mapped[int] = mapped_column(Integer)

    person: Mapped[Person] = relationship(back_populates="memberships", lazy="raise")
    group: Mapped[Group] = relationship(lazy="raise")


@event.listens_for(Membership, "before_insert")
def _next_member_number(
    _mapper: Mapper[Membership], connection: Connection, target: Membership
) -> None:
    """Take the group's next number in the inserting transaction (the UPDATE locks the row)."""
    if target.number is not None:
        return
    # No such group: no number, and the insert fails as it should (an IntegrityError).
    target.number = connection.execute(
        update(Group)
        .where(Group.id == target.group_id)
        .values(member_counter=Group.member_counter + 1)
        .returning(Group.member_counter)
    ).scalar_one_or_none()


class Invite(Base):
    """A single-use invitation; only a keyed hash of its code is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )


class Meeting(Base):
    """One (usually quarterly) meeting of a group."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    row_key: Mapped[str] = mapped_column(String(32), default=new_row_key)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    location: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str] = mapped_column(EncryptedText, default="")
    status: Mapped[MeetingStatus] = mapped_column(
        _enum(MeetingStatus), default=MeetingStatus.PLANNED
    )
    # iCalendar SEQUENCE: raised on every move or cancellation, so calendars update.
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class QuestionSet(Base):
    """A versioned, ordered set of questions; frozen once anyone answered it."""

    __tablename__ = "question_sets"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(300))
    intro: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    questions: Mapped[list[Question]] = relationship(
        back_populates="question_set",
        lazy="raise",
        order_by="Question.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Question(Base):
    """One question of a set, in position order."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("question_set_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_set_id: Mapped[int] = mapped_column(
        ForeignKey("question_sets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind), default=QuestionKind.OPEN_TEXT)
    text: Mapped[str] = mapped_column(Text)
    help_text: Mapped[str] = mapped_column(Text, default="")
    content_note: Mapped[str] = mapped_column(Text, default="")
    min_length: Mapped[int] = mapped_column(Integer, default=1)
    max_length: Mapped[int] = mapped_column(Integer, default=4000)
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_decline: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[list[Any]] = mapped_column(default=list)
    scale_min: Mapped[int | None] = mapped_column(Integer)
    scale_max: Mapped[int | None] = mapped_column(Integer)
    scale_min_label: Mapped[str] = mapped_column(String(200), default="")
    scale_max_label: Mapped[str] = mapped_column(String(200), default="")
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    question_set: Mapped[QuestionSet] = relationship(back_populates="questions", lazy="raise")


class Round(Base):
    """A question set opened for one group, tied to a meeting, with a deadline."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    question_set_id: Mapped[int] = mapped_column(
        ForeignKey("question_sets.id", ondelete="RESTRICT"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[RoundStatus] = mapped_column(_enum(RoundStatus), default=RoundStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Submission(Base):
    """One person's answers to one round; ``current_question_id`` is where they are."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        _enum(SubmissionStatus), default=SubmissionStatus.IN_PROGRESS
    )
    current_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Asked once per round: may answers be quoted (without a name) in the summary?
    may_quote: Mapped[bool | None] = mapped_column(Boolean)


class Answer(Base):
    """The answer to one question within one submission (at most one per question)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("submission_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    row_key: Mapped[str] = mapped_column(String(32), default=new_row_key)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
    value: Mapped[str] = mapped_column(EncryptedText)
    state: Mapped[AnswerState] = mapped_column(_enum(AnswerState), default=AnswerState.ANSWERED)
    # How many Telegram messages a long text arrived in (they are joined into one answer).
    parts: Mapped[int] = mapped_column(Integer, default=1)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MeetingOptOut(Base):
    """A member who wants no reminders for one meeting."""

    __tablename__ = "meeting_opt_outs"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReceivedUpdate(Base):
    """A Telegram update written down before the polling offset moves past it.

    ``handled_at`` is set in the transaction of the update's effect; rows without it are
    replayed at start-up, so a crash between fetching and handling loses nothing.
    """

    __tablename__ = "received_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class Rsvp(Base):
    """Whether a member comes to a meeting."""

    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    response: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxMessage(Base):
    """A message the clock will send, exactly once per ``purpose_key``."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose_key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    not_after: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[OutboxStatus] = mapped_column(
        _enum(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The worker holding the claim; a late worker whose lease was taken over writes nothing.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


class Summary(Base):
    """An "Uitkomsten Samenkracht-bijeenkomst" document for one meeting."""

    __tablename__ = "summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    status: Mapped[SummaryStatus] = mapped_column(_enum(SummaryStatus), default=SummaryStatus.DRAFT)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A published summary is frozen; a correction is a new row with the next version.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    author_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    reviewer_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Who the bot waits on for typed text, and for what ("field:themes", "quote:12").
    awaiting_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    awaiting: Mapped[str] = mapped_column(String(64), default="", server_default="")


class QuoteDecision(enum.StrEnum):
    QUOTE = "quote"
    SKIP = "skip"


class SummaryQuote(Base):
    """A facilitator's decision on quoting one answer in one summary.

    ``text`` is what gets published (perhaps edited to take a name out); the member's answer
    itself is unchanged. The row goes with the answer, so an erased member's quotes leave
    every unpublished draft (a published summary keeps its frozen snapshot in ``fields``).
    """

    __tablename__ = "summary_quotes"
    __table_args__ = (UniqueConstraint("summary_id", "answer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    row_key: Mapped[str] = mapped_column(String(32), default=new_row_key)
    summary_id: Mapped[int] = mapped_column(
        ForeignKey("summaries.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    decision: Mapped[QuoteDecision] = mapped_column(_enum(QuoteDecision))
    text: Mapped[str] = mapped_column(EncryptedText, default="")
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditEvent(Base):
    """A facilitator or system action, kept without personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FlowState(Base):
    """Where a person is in a multi-step chat flow (a facilitator planning a meeting …).

    One row per person, so any process can take their next step; deleted when the flow ends,
    and with the person. Holds what they typed so far for the flow, nothing else.
    """

    __tablename__ = "flow_states"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class HandledUpdate(Base):
    """A Telegram update whose effect is committed; written in the same transaction."""

    __tablename__ = "handled_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class ChatMessage(Base):
    """A message in a member's private chat (the bot's or the member's), kept by id only.

    Telegram lets a bot delete messages in a private chat for 48 hours; these ids are what
    "Snel weg" and ``/wis`` delete. No text is stored here.
    """

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    from_bot: Mapped[bool] = mapped_column(Boolean, default=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class InviteAttempt(Base):
    """A ``/start`` with an invite code that did not work, for rate limiting per user."""

    __tablename__ = "invite_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class ChatNotice(Base):
    """A non-private chat the bot has already told that it only works in private chats."""

    __tablename__ = "chat_notices"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    notified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# What an encrypted value belongs to, besides its row_key: a value moved to a row of another
# owner (even with its row_key) does not decrypt. Changing these columns on a stored row is
# refused. Migration 0010 re-bound the values stored before.
ENCRYPTION_OWNERS: dict[type[Base], tuple[str, ...]] = {
    Person: ("telegram_id",),
    Meeting: ("group_id",),
    Answer: ("submission_id", "question_id"),
    SummaryQuote: ("summary_id", "answer_id"),
}
for _model, _owners in ENCRYPTION_OWNERS.items():
    Base.metadata.tables[_model.__tablename__].info[OWNER_COLUMNS] = _owners
