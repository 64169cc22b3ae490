"""Answering a round's questions, one at a time; the rows are the conversation state.

Where a member is follows from their submissions: a submission "in session" (``paused_at`` is
None) shows its current question (``current_question_id``) or the review; otherwise the member
is asked whether this is a good moment, or which round to answer. Every operation runs in the
caller's transaction and returns a ``Screen`` to show, so any process can take the next update.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import callbacks
from bot.domain import forms
from bot.domain.consent import must_ask_again
from bot.errors import DomainError, NotAMemberError
from storage.models import (
    Answer,
    AnswerState,
    Person,
    Question,
    QuestionSet,
    Round,
    RoundStatus,
    Submission,
    SubmissionStatus,
)
from storage.repositories import people, privacy, rounds

# A text this long is probably one part of a longer text that Telegram split (at 4,096
# characters); such parts are collected and joined before the answer counts.
SPLIT_THRESHOLD = 3500
# Parts arriving further apart than this are not one split text.
JOIN_WINDOW = timedelta(seconds=30)
GIVEN_STATES = (AnswerState.ANSWERED, AnswerState.SKIPPED, AnswerState.DECLINED)


class ScreenKind(enum.Enum):
    STRANGER = "stranger"
    IDLE = "idle"
    CHOOSE_ROUND = "choose_round"
    ASK_READY = "ask_ready"
    QUESTION = "question"
    REVIEW = "review"
    CLOSED = "closed"
    SUBMITTED = "submitted"
    # The member withdrew consent (or it was for an older text): ask again, store nothing.
    NEEDS_CONSENT = "needs_consent"


@dataclass(frozen=True, slots=True)
class RoundChoice:
    round_id: int
    title: str
    questions: int
    resume_number: int | None = None


@dataclass(frozen=True, slots=True)
class QuestionView:
    submission_id: int
    question: forms.QuestionSpec
    number: int
    total: int
    given: forms.Given | None
    draft: str = ""


@dataclass(frozen=True, slots=True)
class ReviewItem:
    number: int
    question: forms.QuestionSpec
    given: forms.Given


@dataclass(frozen=True, slots=True)
class ReviewView:
    submission_id: int
    title: str
    items: tuple[ReviewItem, ...]
    submitted: bool


@dataclass(frozen=True, slots=True)
class Screen:
    """What the member should see now."""

    kind: ScreenKind
    question: QuestionView | None = None
    review: ReviewView | None = None
    rounds: tuple[RoundChoice, ...] = ()
    ask_quote: bool = False
    is_facilitator: bool = False
    submission_id: int | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """A short message to show before the screen (a catalog key and its values)."""

    key: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of an input: an optional notice, whether it was saved, what comes next."""

    screen: Screen
    saved: bool = False
    notice: Notice | None = None
    collecting: bool = False
    show_screen: bool = True


class InvalidButton(DomainError):
    """A button that was never sent to this person, or belongs to an earlier step."""

    def __init__(self, stale: bool) -> None:
        super().__init__("stale button" if stale else "unknown button")
        self.stale = stale


# -- loading ---------------------------------------------------------------------------------


def spec_of(question: Question) -> forms.QuestionSpec:
    """Turn a stored question into the form engine's value."""
    condition = None
    if question.condition:
        condition = forms.Condition(
            str(question.condition.get("question", "")),
            tuple(str(v) for v in question.condition.get("in", [])),
        )
    return forms.QuestionSpec(
        id=question.id,
        position=question.position,
        text=question.text,
        key=question.key,
        kind=forms.Kind(question.kind.value),
        help_text=question.help_text,
        content_note=question.content_note,
        min_length=question.min_length,
        max_length=question.max_length,
        optional=question.optional,
        allow_decline=question.allow_decline,
        options=tuple(forms.Option(str(o["key"]), str(o["label"])) for o in question.options),
        scale_min=question.scale_min,
        scale_max=question.scale_max,
        scale_min_label=question.scale_min_label,
        scale_max_label=question.scale_max_label,
        condition=condition,
    )


@dataclass(slots=True)
class _Loaded:
    submission: Submission
    round: Round
    question_set: QuestionSet
    specs: list[forms.QuestionSpec]
    rows: dict[int, Answer]

    @property
    def answers(self) -> dict[int, forms.Given]:
        return {
            qid: forms.Given(forms.State(row.state.value), row.value)
            for qid, row in self.rows.items()
            if row.state in GIVEN_STATES
        }

    def spec(self, question_id: int) -> forms.QuestionSpec | None:
        return next((s for s in self.specs if s.id == question_id), None)


async def _load(session: AsyncSession, submission: Submission) -> _Loaded:
    round_ = await rounds.round_by_id(session, submission.round_id)
    assert round_ is not None
    question_set = await rounds.question_set_by_id(session, round_.question_set_id)
    assert question_set is not None
    specs = [spec_of(q) for q in await rounds.questions_of(session, round_.question_set_id)]
    rows = {a.question_id: a for a in await rounds.answers_of(session, submission.id)}
    return _Loaded(submission, round_, question_set, specs, rows)


def _is_open(round_: Round, now: datetime) -> bool:
    return round_.status is RoundStatus.OPEN and round_.deadline > now


def _in_session(submission: Submission) -> bool:
    if submission.paused_at is not None:
        return False
    return submission.status is not SubmissionStatus.SUBMITTED or (
        submission.current_question_id is not None
    )


# -- screens ---------------------------------------------------------------------------------


def _question_screen(loaded: _Loaded, spec: forms.QuestionSpec) -> Screen:
    answers = loaded.answers
    number, total = forms.position(loaded.specs, answers, spec)
    row = loaded.rows.get(spec.id)
    draft = row.value if row is not None and row.state not in GIVEN_STATES else ""
    return Screen(
        ScreenKind.QUESTION,
        question=QuestionView(
            submission_id=loaded.submission.id,
            question=spec,
            number=number,
            total=total,
            given=answers.get(spec.id),
            draft=draft,
        ),
    )


def _review_screen(loaded: _Loaded) -> Screen:
    answers = forms.relevant_answers(loaded.specs, loaded.answers)
    shown = forms.visible_questions(loaded.specs, answers)
    items = tuple(
        ReviewItem(number, spec, answers[spec.id])
        for number, spec in enumerate(shown, start=1)
        if spec.id in answers
    )
    return Screen(
        ScreenKind.REVIEW,
        review=ReviewView(
            submission_id=loaded.submission.id,
            title=loaded.question_set.title,
            items=items,
            submitted=loaded.submission.status is SubmissionStatus.SUBMITTED,
        ),
    )


def _screen_for(loaded: _Loaded, now: datetime) -> Screen:
    if not _is_open(loaded.round, now):
        return Screen(ScreenKind.CLOSED)
    cursor = loaded.submission.current_question_id
    answers = loaded.answers
    shown = forms.visible_questions(loaded.specs, answers)
    spec = next((s for s in shown if s.id == cursor), None) if cursor is not None else None
    if spec is None:
        spec = forms.next_question(loaded.specs, answers)
    if spec is None:
        return _review_screen(loaded)
    return _question_screen(loaded, spec)


async def _person(session: AsyncSession, telegram_id: int) -> Person | None:
    return await people.person_by_telegram_id(session, telegram_id)


async def _consent_missing(session: AsyncSession, person: Person) -> bool:
    """Tell whether nothing may be stored until the member consents again."""
    newest = await privacy.newest_consent(session, person.id)
    if newest is None:
        return False
    return must_ask_again(newest.version, newest.withdrawn_at is not None)


async def _session_submission(
    session: AsyncSession, person: Person, now: datetime
) -> Submission | None:
    for submission in await rounds.submissions_of(session, person.id):
        if _in_session(submission):
            round_ = await rounds.round_by_id(session, submission.round_id)
            if round_ is not None and _is_open(round_, now):
                return submission
    return None


async def _choices(session: AsyncSession, person: Person, now: datetime) -> list[RoundChoice]:
    choices = []
    for round_, question_set in await rounds.open_rounds_for_member(session, person.id, now):
        submission = await rounds.submission_for(session, round_.id, person.id)
        if submission is not None and submission.status is SubmissionStatus.SUBMITTED:
            continue
        resume = None
        if submission is not None:
            loaded = await _load(session, submission)
            screen = _screen_for(loaded, now)
            resume = screen.question.number if screen.question else None
        total = len(await rounds.questions_of(session, question_set.id))
        choices.append(RoundChoice(round_.id, question_set.title, total, resume))
    return choices


async def current_screen(session: AsyncSession, telegram_id: int, now: datetime) -> Screen:
    """Return what this Telegram user should see now."""
    screen, _ = await _current(session, telegram_id, now)
    return screen


async def _current(
    session: AsyncSession, telegram_id: int, now: datetime
) -> tuple[Screen, _Loaded | None]:
    """The current screen, and the submission it shows as loaded (for a question or review)."""
    person = await _person(session, telegram_id)
    if person is None:
        return Screen(ScreenKind.STRANGER), None
    if await _consent_missing(session, person):
        return Screen(ScreenKind.NEEDS_CONSENT), None
    is_facilitator = any(m.role.value == "facilitator" for m in person.memberships)
    submission = await _session_submission(session, person, now)
    if submission is not None:
        loaded = await _load(session, submission)
        screen = _screen_for(loaded, now)
        return dataclasses.replace(screen, is_facilitator=is_facilitator), loaded
    choices = await _choices(session, person, now)
    if not choices:
        return Screen(ScreenKind.IDLE, is_facilitator=is_facilitator), None
    kind = ScreenKind.ASK_READY if len(choices) == 1 else ScreenKind.CHOOSE_ROUND
    return Screen(kind, rounds=tuple(choices), is_facilitator=is_facilitator), None


# -- sessions --------------------------------------------------------------------------------


async def start(session: AsyncSession, telegram_id: int, round_id: int, now: datetime) -> Screen:
    """Begin or resume answering a round ("Ja, start"); other sessions are paused."""
    person = await _person(session, telegram_id)
    if person is None:
        raise NotAMemberError("not a member")
    if await _consent_missing(session, person):
        return Screen(ScreenKind.NEEDS_CONSENT)
    allowed = {r.id for r, _ in await rounds.open_rounds_for_member(session, person.id, now)}
    if round_id not in allowed:
        round_ = await rounds.round_by_id(session, round_id)
        if round_ is not None and any(m.group_id == round_.group_id for m in person.memberships):
            return Screen(ScreenKind.CLOSED)
        raise InvalidButton(stale=False)
    for other in await rounds.submissions_of(session, person.id):
        if other.round_id != round_id and other.paused_at is None:
            other.paused_at = now
    submission = await rounds.submission_for(session, round_id, person.id)
    if submission is None:
        submission = await rounds.add_submission(session, round_id, person.id, now)
    submission.paused_at = None
    loaded = await _load(session, submission)
    screen = _screen_for(loaded, now)
    if screen.question is not None:
        submission.current_question_id = screen.question.question.id
    await session.flush()
    return screen


async def pause(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    """Stop for now: end the member's session (answers stay); False when nothing was open."""
    person = await _person(session, telegram_id)
    if person is None:
        return False
    paused = False
    for submission in await rounds.submissions_of(session, person.id):
        if submission.paused_at is None and _in_session(submission):
            submission.paused_at = now
            paused = True
    await session.flush()
    return paused


# -- answers ---------------------------------------------------------------------------------


async def _store(
    session: AsyncSession,
    loaded: _Loaded,
    spec: forms.QuestionSpec,
    state: AnswerState,
    value: str,
    now: datetime,
    message_id: int | None = None,
) -> Answer:
    row = loaded.rows.get(spec.id)
    if row is None:
        row = await rounds.add_answer(
            session, loaded.submission.id, spec.id, value, now, message_id
        )
        row.state = state
        loaded.rows[spec.id] = row
    else:
        row.value, row.state, row.updated_at = value, state, now
        if message_id is not None:
            row.telegram_message_id = message_id
        if state not in GIVEN_STATES and row.answered_at < now - JOIN_WINDOW:
            row.answered_at = now
    await session.flush()
    return row


def _advance(loaded: _Loaded, now: datetime) -> Screen:
    """Move the cursor past the question just answered; return the next screen."""
    following = forms.next_question(loaded.specs, loaded.answers)
    loaded.submission.current_question_id = following.id if following else None
    if following is None and loaded.submission.status is SubmissionStatus.IN_PROGRESS:
        loaded.submission.status = SubmissionStatus.REVIEW
    return _screen_for(loaded, now)


async def _active(
    session: AsyncSession, telegram_id: int, now: datetime
) -> tuple[Screen, _Loaded | None]:
    screen, loaded = await _current(session, telegram_id, now)
    if screen.kind not in (ScreenKind.QUESTION, ScreenKind.REVIEW):
        return screen, None
    assert loaded is not None  # a question or the review shows a loaded submission
    return screen, loaded


async def answer_text(
    session: AsyncSession, telegram_id: int, text: str, message_id: int | None, now: datetime
) -> Outcome:
    """Take a typed message as the answer to the current question, if there is one."""
    screen, loaded = await _active(session, telegram_id, now)
    if loaded is None or screen.question is None:
        notice = Notice("review.use_buttons") if screen.kind is ScreenKind.REVIEW else None
        return Outcome(screen, notice=notice)
    spec = screen.question.question
    row = loaded.rows.get(spec.id)
    if spec.kind is forms.Kind.OPEN_TEXT:
        if row is not None and row.state is AnswerState.DRAFT:
            if row.updated_at >= now - JOIN_WINDOW:
                await _store(session, loaded, spec, AnswerState.DRAFT, f"{row.value}\n{text}", now)
                row.parts += 1
                return Outcome(screen, collecting=True, show_screen=False)
            finished = await _finish_draft(session, loaded, spec, row, now)
            return finished
        if len(text) >= SPLIT_THRESHOLD:
            stored = await _store(session, loaded, spec, AnswerState.DRAFT, text, now, message_id)
            stored.parts = 1
            return Outcome(screen, collecting=True, show_screen=False)
        checked = forms.check_open_text(spec, text)
    else:
        checked = forms.check_typed(spec, text)
    if not checked.ok:
        return Outcome(screen, notice=_rejection(spec, checked, screen.question.number))
    await _store(session, loaded, spec, AnswerState.ANSWERED, checked.text, now, message_id)
    return Outcome(_advance(loaded, now), saved=True)


def _rejection(spec: forms.QuestionSpec, checked: forms.Checked, number: int) -> Notice:
    match checked.verdict:
        case forms.Verdict.EMPTY:
            return Notice("answer.empty", {"number": number})
        case forms.Verdict.TOO_SHORT:
            return Notice("answer.too_short", {"number": number, "min": spec.min_length})
        case forms.Verdict.TOO_LONG:
            length = len(checked.text)
            return Notice(
                "answer.too_long",
                {"length": length, "max": spec.max_length, "over": length - spec.max_length},
            )
        case forms.Verdict.OUT_OF_RANGE | forms.Verdict.NOT_AN_OPTION if (
            spec.kind is forms.Kind.SCALE
        ):
            low, high = forms.scale_bounds(spec)
            return Notice("answer.scale_expected", {"low": low, "high": high})
        case _:
            return Notice("answer.use_buttons")


async def _finish_draft(
    session: AsyncSession, loaded: _Loaded, spec: forms.QuestionSpec, row: Answer, now: datetime
) -> Outcome:
    joined = row.parts > 1
    checked = forms.check_open_text(spec, row.value)
    screen = _question_screen(loaded, spec)
    number = screen.question.number if screen.question else 0
    if not checked.ok:
        if checked.verdict is forms.Verdict.TOO_LONG:
            await _store(session, loaded, spec, AnswerState.TOO_LONG, row.value, now)
        return Outcome(screen, notice=_rejection(spec, checked, number))
    await _store(session, loaded, spec, AnswerState.ANSWERED, checked.text, now)
    notice = Notice("answer.joined", {"length": len(checked.text)}) if joined else None
    return Outcome(_advance(loaded, now), saved=True, notice=notice)


async def finish_collecting(
    session: AsyncSession, telegram_id: int, now: datetime
) -> Outcome | None:
    """Turn a long text that arrived in parts into one answer (or ask to shorten it)."""
    screen, loaded = await _active(session, telegram_id, now)
    if loaded is None or screen.question is None:
        return None
    spec = screen.question.question
    row = loaded.rows.get(spec.id)
    if row is None or row.state is not AnswerState.DRAFT or spec.kind is not forms.Kind.OPEN_TEXT:
        return None
    return await _finish_draft(session, loaded, spec, row, now)


async def _own_submission(
    session: AsyncSession, telegram_id: int, submission_id: int
) -> tuple[Person, Submission]:
    """Return the person and a submission of theirs; a button naming another's is refused."""
    person = await _person(session, telegram_id)
    submission = await session.get(Submission, submission_id)
    if person is None or submission is None or submission.person_id != person.id:
        raise InvalidButton(stale=False)
    return person, submission


async def _button_target(
    session: AsyncSession, telegram_id: int, submission_id: int, question_id: int, now: datetime
) -> tuple[_Loaded, forms.QuestionSpec] | Screen:
    """Check a button's submission and question; return them, or the screen to show instead."""
    person, submission = await _own_submission(session, telegram_id, submission_id)
    if await _consent_missing(session, person):
        return Screen(ScreenKind.NEEDS_CONSENT)
    loaded = await _load(session, submission)
    if not _is_open(loaded.round, now):
        return Screen(ScreenKind.CLOSED)
    spec = loaded.spec(question_id)
    if spec is None:
        raise InvalidButton(stale=False)
    if not _in_session(submission) or submission.current_question_id != question_id:
        raise InvalidButton(stale=True)
    return loaded, spec


async def press(
    session: AsyncSession, telegram_id: int, button: callbacks.AnswerPress, now: datetime
) -> Outcome:
    """Handle a button under a question."""
    target = await _button_target(
        session, telegram_id, button.submission_id, button.question_id, now
    )
    if isinstance(target, Screen):
        return Outcome(target)
    loaded, spec = target
    row = loaded.rows.get(spec.id)
    match button.action:
        case "p":
            await pause(session, telegram_id, now)
            return Outcome(Screen(ScreenKind.IDLE), notice=Notice("session.paused"))
        case "h":
            return Outcome(_question_screen(loaded, spec), show_screen=False)
        case "k" if spec.id in loaded.answers:
            return Outcome(_advance(loaded, now))
        case "s" if spec.optional:
            await _store(session, loaded, spec, AnswerState.SKIPPED, "", now)
            return Outcome(_advance(loaded, now), saved=True)
        case "n" if spec.allow_decline:
            await _store(session, loaded, spec, AnswerState.DECLINED, "", now)
            return Outcome(_advance(loaded, now), saved=True)
        case "o":
            checked = forms.check_option(spec, _option_key(spec, button.index))
            if checked.ok:
                await _store(session, loaded, spec, AnswerState.ANSWERED, checked.text, now)
                return Outcome(_advance(loaded, now), saved=True)
        case "t" if spec.kind is forms.Kind.MULTIPLE_CHOICE and button.index < len(spec.options):
            current = row.value if row is not None and row.state is AnswerState.DRAFT else ""
            if row is not None and row.state is AnswerState.ANSWERED and not current:
                current = row.value
            value = forms.toggle(spec, current, spec.options[button.index].key)
            await _store(session, loaded, spec, AnswerState.DRAFT, value, now)
            return Outcome(_question_screen(loaded, spec))
        case "d" if spec.kind is forms.Kind.MULTIPLE_CHOICE:
            value = row.value if row is not None else ""
            checked = forms.check_selection(spec, value)
            if checked.ok:
                await _store(session, loaded, spec, AnswerState.ANSWERED, checked.text, now)
                return Outcome(_advance(loaded, now), saved=True)
            return Outcome(_question_screen(loaded, spec), notice=Notice("answer.choose_one"))
    raise InvalidButton(stale=False)


def _option_key(spec: forms.QuestionSpec, index: int) -> str:
    if spec.kind is forms.Kind.SCALE:
        low, _ = forms.scale_bounds(spec)
        return str(low + index)
    if spec.kind is forms.Kind.YES_NO:
        return (forms.YES, forms.NO)[index] if index < 2 else ""
    return spec.options[index].key if index < len(spec.options) else ""


async def go_back(session: AsyncSession, telegram_id: int, now: datetime) -> Outcome:
    """Go back one question (``/terug``)."""
    screen, loaded = await _active(session, telegram_id, now)
    if loaded is None:
        return Outcome(screen)
    cursor = screen.question.question.id if screen.question else None
    previous = forms.previous_question(loaded.specs, loaded.answers, cursor)
    if previous is None:
        return Outcome(screen, notice=Notice("back.at_first"))
    loaded.submission.current_question_id = previous.id
    if loaded.submission.status is SubmissionStatus.REVIEW:
        loaded.submission.status = SubmissionStatus.IN_PROGRESS
    await session.flush()
    return Outcome(_question_screen(loaded, previous))


async def change(
    session: AsyncSession, telegram_id: int, button: callbacks.ReviewChange, now: datetime
) -> Outcome:
    """Reopen one answer from the review (also after sending, until the deadline)."""
    person, submission = await _own_submission(session, telegram_id, button.submission_id)
    if await _consent_missing(session, person):
        return Outcome(Screen(ScreenKind.NEEDS_CONSENT))
    loaded = await _load(session, submission)
    if not _is_open(loaded.round, now):
        return Outcome(Screen(ScreenKind.CLOSED))
    spec = loaded.spec(button.question_id)
    if spec is None or spec not in forms.visible_questions(loaded.specs, loaded.answers):
        raise InvalidButton(stale=True)
    for other in await rounds.submissions_of(session, person.id):
        if other.id != submission.id and other.paused_at is None:
            other.paused_at = now
    submission.paused_at = None
    submission.current_question_id = spec.id
    await session.flush()
    return Outcome(_question_screen(loaded, spec))


async def submit(
    session: AsyncSession, telegram_id: int, button: callbacks.Submit, now: datetime
) -> Outcome:
    """Send the answers ("Versturen"); answers to questions no longer shown are dropped."""
    person, submission = await _own_submission(session, telegram_id, button.submission_id)
    if await _consent_missing(session, person):
        return Outcome(Screen(ScreenKind.NEEDS_CONSENT))
    loaded = await _load(session, submission)
    if not _is_open(loaded.round, now):
        return Outcome(Screen(ScreenKind.CLOSED))
    if forms.next_question(loaded.specs, loaded.answers) is not None:
        return Outcome(_screen_for(loaded, now), notice=Notice("review.not_complete"))
    relevant = forms.relevant_answers(loaded.specs, loaded.answers)
    for question_id, row in list(loaded.rows.items()):
        if question_id not in relevant:
            await session.delete(row)
    first_time = submission.status is not SubmissionStatus.SUBMITTED
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = submission.submitted_at or now
    submission.current_question_id = None
    submission.paused_at = now
    await session.flush()
    return Outcome(
        Screen(
            ScreenKind.SUBMITTED,
            ask_quote=submission.may_quote is None,
            submission_id=submission.id,
        ),
        saved=True,
        notice=Notice("round.submitted" if first_time else "round.resubmitted"),
    )


async def set_quote_permission(
    session: AsyncSession, telegram_id: int, button: callbacks.QuotePermission
) -> None:
    _, submission = await _own_submission(session, telegram_id, button.submission_id)
    submission.may_quote = button.allow
    await session.flush()


async def edit_answer(
    session: AsyncSession, telegram_id: int, message_id: int, text: str, now: datetime
) -> Outcome | None:
    """Follow a Telegram edit of an answer message, while its question is current or in review.

    Returns None when the edited message is not an answer; raises InvalidButton(stale=True)
    when it is one whose question is not open now.
    """
    person = await _person(session, telegram_id)
    if person is None:
        return None
    row = await rounds.answer_by_message(session, person.id, message_id)
    if row is None:
        return None
    if await _consent_missing(session, person):
        return Outcome(Screen(ScreenKind.NEEDS_CONSENT))
    submission = await session.get(Submission, row.submission_id)
    assert submission is not None
    loaded = await _load(session, submission)
    spec = loaded.spec(row.question_id)
    if spec is None or spec.kind is not forms.Kind.OPEN_TEXT or not _is_open(loaded.round, now):
        return None
    current = submission.current_question_id == spec.id and _in_session(submission)
    reviewing = submission.status is SubmissionStatus.REVIEW and _in_session(submission)
    if not (current or reviewing):
        raise InvalidButton(stale=True)  # an answer, but its question is not open now
    checked = forms.check_open_text(spec, text)
    screen = _screen_for(loaded, now)
    number = forms.position(loaded.specs, loaded.answers, spec)[0]
    if not checked.ok:
        return Outcome(screen, notice=_rejection(spec, checked, number))
    await _store(session, loaded, spec, AnswerState.ANSWERED, checked.text, now)
    if current:
        return Outcome(_advance(loaded, now), saved=True, notice=Notice("answer.edited"))
    return Outcome(_review_screen(loaded), saved=True, notice=Notice("answer.edited"))


@dataclass(frozen=True, slots=True)
class MyAnswers:
    title: str
    submitted: bool
    items: tuple[ReviewItem, ...]


async def my_answers(session: AsyncSession, telegram_id: int) -> list[MyAnswers]:
    """Return a member's own answers per round (for ``/mijnantwoorden``)."""
    person = await _person(session, telegram_id)
    if person is None:
        return []
    result = []
    for submission in await rounds.submissions_of(session, person.id):
        loaded = await _load(session, submission)
        review = _review_screen(loaded).review
        assert review is not None
        result.append(MyAnswers(review.title, review.submitted, review.items))
    return result


async def set_language(session: AsyncSession, telegram_id: int, language: str) -> bool:
    """Store a member's language; False for someone we do not know."""
    person = await _person(session, telegram_id)
    if person is None:
        return False
    await people.set_language(session, person, language)
    return True
