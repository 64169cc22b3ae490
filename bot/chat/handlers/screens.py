"""Turn the answering actions' ``Screen`` values into Telegram messages with buttons.

All text comes from the catalogs; everything a person wrote is escaped by ``texts.t``.
"""

from __future__ import annotations

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import texts
from bot.actions.answering import (
    Notice,
    Outcome,
    QuestionView,
    ReviewView,
    RoundChoice,
    Screen,
    ScreenKind,
)
from bot.chat import callbacks
from bot.domain import forms
from bot.domain.consent import CONSENT_VERSION

REVIEW_ANSWER_CHARS = 300


def _button(text: str, data: callbacks.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(data))


def answer_text(language: str, question: forms.QuestionSpec, given: forms.Given) -> str:
    """The readable form of an answer: its text, option labels, Ja/Nee, or (overgeslagen)."""
    if given.state is forms.State.SKIPPED:
        return texts.t(language, "answer.skipped")
    if given.state is forms.State.DECLINED:
        return texts.t(language, "answer.declined")
    if question.kind is forms.Kind.YES_NO:
        return texts.t(language, "answer.yes" if given.value == forms.YES else "answer.no")
    return ", ".join(forms.labels(question, given))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def question_message(language: str, view: QuestionView) -> tuple[str, InlineKeyboardMarkup]:
    """One question: "Vraag n van m", a content note, the question, a hint, the buttons."""
    question = view.question
    lines = [texts.t(language, "question.header", number=view.number, total=view.total), ""]
    if question.content_note:
        lines += [texts.t(language, "question.content_note", note=question.content_note), ""]
    lines += [texts.escape_html(question.text), "", _hint(language, question)]
    if view.given is not None:
        previous = _shorten(answer_text(language, question, view.given), REVIEW_ANSWER_CHARS)
        lines += ["", texts.t(language, "question.previous", answer=previous)]
    return "\n".join(lines), InlineKeyboardMarkup(_question_buttons(language, view))


def _hint(language: str, question: forms.QuestionSpec) -> str:
    if question.kind is forms.Kind.SCALE:
        low, high = forms.scale_bounds(question)
        hint = texts.t(language, "question.hint.scale", low=low, high=high)
        if question.scale_min_label or question.scale_max_label:
            hint += "\n" + texts.t(
                language,
                "question.hint.scale_labels",
                low=low,
                high=high,
                low_label=question.scale_min_label,
                high_label=question.scale_max_label,
            )
        return hint
    return texts.t(language, f"question.hint.{question.kind.value}")


def _question_buttons(language: str, view: QuestionView) -> list[list[InlineKeyboardButton]]:
    question = view.question

    def press(action: str, index: int = 0) -> callbacks.AnswerPress:
        return callbacks.AnswerPress(view.submission_id, question.id, action, index)

    rows: list[list[InlineKeyboardButton]] = []
    match question.kind:
        case forms.Kind.SINGLE_CHOICE:
            rows += [[_button(o.label, press("o", i))] for i, o in enumerate(question.options)]
        case forms.Kind.MULTIPLE_CHOICE:
            chosen = set(forms.selection(view.draft or (view.given.value if view.given else "")))
            rows += [
                [_button(("☑ " if o.key in chosen else "☐ ") + o.label, press("t", i))]
                for i, o in enumerate(question.options)
            ]
            rows.append([_button(texts.t(language, "button.done"), press("d"))])
        case forms.Kind.SCALE:
            low, high = forms.scale_bounds(question)
            numbers = [_button(str(n), press("o", n - low)) for n in range(low, high + 1)]
            rows += [numbers[i : i + 6] for i in range(0, len(numbers), 6)]
        case forms.Kind.YES_NO:
            rows.append(
                [
                    _button(texts.t(language, "button.yes"), press("o", 0)),
                    _button(texts.t(language, "button.no"), press("o", 1)),
                ]
            )
    extra = []
    if question.optional:
        extra.append(_button(texts.t(language, "button.skip"), press("s")))
    if question.allow_decline:
        extra.append(_button(texts.t(language, "button.decline"), press("n")))
    if extra:
        rows.append(extra)
    if view.given is not None:
        rows.append([_button(texts.t(language, "button.keep"), press("k"))])
    last = [_button(texts.t(language, "button.pause"), press("p"))]
    if question.help_text:
        last.insert(0, _button(texts.t(language, "button.help"), press("h")))
    rows.append(last)
    rows.append([_button(texts.t(language, "button.quick_exit"), callbacks.QuickExit())])
    return rows


def review_message(language: str, review: ReviewView) -> tuple[str, InlineKeyboardMarkup]:
    """All answers with a "Wijzig" button each, and "Versturen"."""
    title = "review.title_submitted" if review.submitted else "review.title"
    lines = [texts.t(language, title), ""]
    for item in review.items:
        lines.append(
            texts.t(
                language,
                "review.item",
                number=item.number,
                question=_shorten(item.question.text, 120),
                answer=_shorten(
                    answer_text(language, item.question, item.given), REVIEW_ANSWER_CHARS
                ),
            )
        )
        lines.append("")
    footer = "review.footer_submitted" if review.submitted else "review.footer"
    lines.append(texts.t(language, footer))
    changes = [
        _button(
            texts.t(language, "button.change", number=item.number),
            callbacks.ReviewChange(review.submission_id, item.question.id),
        )
        for item in review.items
    ]
    rows = [changes[i : i + 3] for i in range(0, len(changes), 3)]
    send_label = "button.send" if not review.submitted else "button.done"
    rows.append([_button(texts.t(language, send_label), callbacks.Submit(review.submission_id))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def screen_messages(language: str, screen: Screen) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The message(s) that show a screen."""
    match screen.kind:
        case ScreenKind.QUESTION:
            assert screen.question is not None
            return [question_message(language, screen.question)]
        case ScreenKind.REVIEW:
            assert screen.review is not None
            return [review_message(language, screen.review)]
        case ScreenKind.ASK_READY:
            choice = screen.rounds[0]
            if choice.resume_number is not None:
                text = texts.t(
                    language, "session.ask_resume", number=choice.resume_number, title=choice.title
                )
            else:
                text = texts.t(
                    language, "session.ask_ready", title=choice.title, total=choice.questions
                )
            buttons = [
                [
                    _button(
                        texts.t(language, "button.start"), callbacks.RoundStart(choice.round_id)
                    ),
                    _button(texts.t(language, "button.not_now"), callbacks.NotNow()),
                ]
            ]
            return [(text, InlineKeyboardMarkup(buttons))]
        case ScreenKind.CHOOSE_ROUND:
            rows = [
                [_button(_choice_label(language, c), callbacks.RoundStart(c.round_id))]
                for c in screen.rounds
            ]
            rows.append([_button(texts.t(language, "button.not_now"), callbacks.NotNow())])
            text = texts.t(language, "session.choose_round", count=len(screen.rounds))
            return [(text, InlineKeyboardMarkup(rows))]
        case ScreenKind.SUBMITTED:
            if not screen.ask_quote:
                return []
            return [(texts.t(language, "quote.ask"), None)]
        case ScreenKind.CLOSED:
            return [(texts.t(language, "round.closed"), None)]
        case ScreenKind.STRANGER:
            return [(texts.t(language, "stranger.text"), None)]
        case ScreenKind.IDLE:
            return [(texts.t(language, "member.idle"), None)]
        case ScreenKind.NEEDS_CONSENT:
            return [consent_question(language)]
    raise AssertionError(screen.kind)


def consent_question(language: str) -> tuple[str, InlineKeyboardMarkup]:
    """Ask for consent again (after a withdrawal or a new version) before storing anything."""
    text = "\n\n".join(
        [
            texts.t(language, "consent.again"),
            texts.t(language, "consent.text", version=CONSENT_VERSION),
        ]
    )
    buttons = [
        [
            _button(texts.t(language, "consent.yes"), callbacks.ConsentRenew(True)),
            _button(texts.t(language, "consent.no"), callbacks.ConsentRenew(False)),
        ]
    ]
    return text, InlineKeyboardMarkup(buttons)


def _choice_label(language: str, choice: RoundChoice) -> str:
    title = _shorten(choice.title, 40)
    if choice.resume_number is None:
        return title
    return texts.t(language, "session.resume_label", title=title, number=choice.resume_number)


def notice_text(language: str, notice: Notice) -> str:
    return texts.t(language, notice.key, **notice.values)


async def show(update: Update, language: str, outcome: Outcome | Screen) -> None:
    """Send an outcome to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    await show_in_chat(chat.get_bot(), chat.id, language, outcome)


async def show_in_chat(bot: Bot, chat_id: int, language: str, outcome: Outcome | Screen) -> None:
    """Send an outcome: its notice (with "Bewaard." when saved), then its screen."""
    if isinstance(outcome, Screen):
        outcome = Outcome(outcome)
    prefix = [texts.t(language, "answer.saved")] if outcome.saved and outcome.notice is None else []
    if outcome.notice is not None:
        prefix.append(notice_text(language, outcome.notice))
    messages = screen_messages(language, outcome.screen) if outcome.show_screen else []
    if outcome.screen.kind is ScreenKind.SUBMITTED and outcome.screen.ask_quote:
        submission = outcome.screen.submission_id
        assert submission is not None
        messages = [
            (
                texts.t(language, "quote.ask"),
                InlineKeyboardMarkup(
                    [
                        [
                            _button(
                                texts.t(language, "button.quote_yes"),
                                callbacks.QuotePermission(submission, True),
                            ),
                            _button(
                                texts.t(language, "button.quote_no"),
                                callbacks.QuotePermission(submission, False),
                            ),
                        ]
                    ]
                ),
            )
        ]
    if messages and prefix and messages[0][1] is not None:
        text, markup = messages[0]
        messages[0] = ("\n\n".join([*prefix, text]), markup)
    elif prefix:
        messages.insert(0, ("\n\n".join(prefix), None))
    for text, markup in messages:
        await bot.send_message(chat_id, text, reply_markup=markup)
