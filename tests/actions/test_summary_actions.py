"""Summary actions on real databases: who may do what, quotes, freezing, erasure, export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import delete, select
from summary_world import AUTHOR, CHAIR, COLLEAGUE, MEMBER, NOW, ZONE, World, make_world

from bot.actions import summaries
from bot.actions.summaries import FieldView, QuoteView, Ready
from bot.errors import SummaryError
from storage.engine import Database
from storage.models import Answer, Person, Submission, Summary, SummaryStatus


async def through_fields(db: Database, world: World) -> int:
    async with db.write() as session:
        step = await summaries.open_summary(session, AUTHOR, world.meeting_id, NOW)
    assert isinstance(step, FieldView) and step.key == "themes" and step.number == 1
    async with db.write() as session:
        await summaries.ask_text(session, AUTHOR, step.summary_id, "field")
    async with db.write() as session:
        shown = await summaries.receive_text(session, AUTHOR, "- Thema een\n  - sub")
    assert isinstance(shown, FieldView) and shown.value == "- Thema een\n  - sub"
    for _ in range(3):
        async with db.write() as session:
            await summaries.accept_field(session, AUTHOR, step.summary_id)
    return step.summary_id


ED = "ervaringsdeskundige"


async def test_the_whole_flow_to_publication(db):
    world = await make_world(
        db,
        {
            "Het ging goed.": (ED, True),
            "Fatima hielp mij.": (ED, True),
            "Niet citeren aub.": (ED, False),
        },
    )
    summary_id = await through_fields(db, world)
    async with db.write() as session:
        step = await summaries.accept_field(session, AUTHOR, summary_id)
    # flagged first; the one without permission is never offered
    assert isinstance(step, QuoteView) and step.text == "Fatima hielp mij." and step.remaining == 2
    async with db.write() as session:
        with pytest.raises(SummaryError, match="flagged"):
            await summaries.decide_quote(session, AUTHOR, summary_id, step.answer_id, True)
    async with db.write() as session:
        await summaries.ask_text(session, AUTHOR, summary_id, f"quote:{step.answer_id}")
    async with db.write() as session:
        step = await summaries.receive_text(session, AUTHOR, "Een hulpverlener hielp mij.")
    assert isinstance(step, QuoteView) and step.text == "Het ging goed."
    async with db.write() as session:
        step = await summaries.decide_quote(session, AUTHOR, summary_id, step.answer_id, False)
    assert isinstance(step, Ready)
    async with db.read() as session:
        document = await summaries.summary_document(session, AUTHOR, summary_id, ZONE, 3)
        original = (await session.execute(select(Answer.value).order_by(Answer.id))).scalars().all()
    assert [(q.text, q.attribution) for q in document.members.questions[0].quotes] == [
        ("Een hulpverlener hielp mij.", "een ervaringsdeskundige")
    ]
    assert "Fatima hielp mij." in original  # the member's answer is unchanged
    assert document.contacts == ("a@regio.nl", "b@regio.nl")
    assert "2 juni 2021" in "".join(s.text for s in document.follow_up[0].line)
    assert document.draft and document.edition_text == "Conceptversie 1 van 10 maart 2021"

    async with db.write() as session:
        submitted = await summaries.submit_for_review(session, AUTHOR, summary_id, NOW)
    assert {r.telegram_id for r in submitted.reviewers} == {COLLEAGUE, CHAIR}
    async with db.read() as session:
        in_review = await summaries.summary_document(session, CHAIR, summary_id, ZONE, 3)
    assert in_review.draft  # still CONCEPT while a second pair of eyes reads it
    async with db.write() as session:
        with pytest.raises(SummaryError, match="own_summary"):
            await summaries.publish(session, AUTHOR, summary_id, NOW, ZONE, 3)
    async with db.write() as session:
        with pytest.raises(SummaryError, match="not_reviewer"):
            await summaries.publish(session, MEMBER, summary_id, NOW, ZONE, 3)
    async with db.write() as session:
        with pytest.raises(SummaryError, match="wrong_status"):
            await summaries.accept_field(session, AUTHOR, summary_id)
    async with db.write() as session:
        published = await summaries.publish(session, CHAIR, summary_id, NOW, ZONE, 3)
    assert len(published.recipients) == 3
    assert not published.document.draft  # never CONCEPT once published
    assert published.document.edition_text == "Versie 1 van 10 maart 2021"

    # frozen: erasing every answer changes nothing in the published document
    async with db.write() as session:
        await session.execute(delete(Answer))
    async with db.read() as session:
        again = await summaries.summary_document(session, COLLEAGUE, summary_id, ZONE, 3)
    assert again == published.document
    # a correction is a new version, starting from the published fields
    async with db.write() as session:
        step = await summaries.open_summary(session, AUTHOR, world.meeting_id, NOW)
        new = await session.get(Summary, step.summary_id)
        assert new.version == 2 and new.fields["themes"] == "- Thema een\n  - sub"
        correction = await summaries.summary_document(session, AUTHOR, new.id, ZONE, 3)
        assert correction.draft and correction.edition_text.startswith("Conceptversie 2 van")
        assert (await session.get(Summary, summary_id)).status is SummaryStatus.PUBLISHED


async def test_a_member_is_refused_and_nothing_changes(db):
    world = await make_world(db)
    for telegram_id in (MEMBER, 424242):
        async with db.write() as session:
            with pytest.raises(SummaryError, match="not_facilitator"):
                await summaries.open_summary(session, telegram_id, world.meeting_id, NOW)
        async with db.read() as session:
            with pytest.raises(SummaryError, match="not_facilitator"):
                await summaries.overview(session, telegram_id, ZONE)
    async with db.read() as session:
        assert (await session.execute(select(Summary))).first() is None


async def test_the_chair_reviews_but_does_not_write(db):
    world = await make_world(db)
    async with db.read() as session:
        offer = await summaries.overview(session, CHAIR, ZONE)
    assert offer.meetings == ()
    async with db.write() as session:
        with pytest.raises(SummaryError, match="not_facilitator"):
            await summaries.open_summary(session, CHAIR, world.meeting_id, NOW)


async def test_an_erased_members_quote_leaves_the_draft(db):
    world = await make_world(db, {"Mooi gezegd.": (ED, True), "b": (ED, True), "c": (ED, True)})
    summary_id = await through_fields(db, world)
    async with db.write() as session:
        step = await summaries.accept_field(session, AUTHOR, summary_id)
        await summaries.decide_quote(
            session, AUTHOR, summary_id, world.answer_ids["Mooi gezegd."], True
        )
    async with db.read() as session:
        document = await summaries.summary_document(session, AUTHOR, summary_id, ZONE, 3)
    assert document.members.questions[0].quotes[0].text == "Mooi gezegd."
    async with db.write() as session:  # erasure removes the person and all their rows
        answer = await session.get(Answer, world.answer_ids["Mooi gezegd."])
        submission = await session.get(Submission, answer.submission_id)
        await session.execute(delete(Person).where(Person.id == submission.person_id))
    async with db.read() as session:
        document = await summaries.summary_document(session, AUTHOR, summary_id, ZONE, 3)
    assert document.members.questions[0].quotes == ()
    assert isinstance(step, QuoteView)


async def test_a_meeting_without_answers_still_renders(db):
    world = await make_world(db)
    async with db.read() as session:
        document = await summaries.meeting_document(session, world.meeting_id, ZONE, 3)
    assert document.members.questions == ()
    assert "geen schriftelijke inbreng" in document.members.empty_text
    assert document.date_text == "3 maart 2021"


async def test_export_gives_roles_and_pseudonyms_never_names(db):
    world = await make_world(
        db,
        {"=SUM(A1)": (ED, True), "tweede": ("professional", False), "derde": (ED, True)},
    )
    async with db.write() as session:
        # Members 5, 6 and 7 of the group (four others joined first); two chose a pseudonym.
        for telegram_id, pseudonym in [(7001, "<b>Roos</b>"), (7002, "=HYPERLINK(1)")]:
            statement = select(Person).where(Person.telegram_id == telegram_id)
            (await session.execute(statement)).scalar_one().pseudonym = pseudonym
    async with db.read() as session:
        rows = await summaries.export_rows(session, world.round_id)
    assert rows == [
        ("Deelnemer 5", ED, "1", "Wat vond je?", "answered", "'=SUM(A1)"),
        ("<b>Roos</b> (deelnemer 6)", "professional", "1", "Wat vond je?", "answered", "tweede"),
        ("'=HYPERLINK(1) (deelnemer 7)", ED, "1", "Wat vond je?", "answered", "derde"),
    ]
    table = list(csv.reader(io.StringIO(summaries.export_csv(rows).decode("utf-8-sig"))))
    assert table[0] == list(summaries.EXPORT_HEADER)
    assert not any(str(7000) in cell for row in table for cell in row)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(summaries.export_xlsx(rows)))
    assert book.active.max_row == 4
