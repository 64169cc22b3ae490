"""Series dates: "the first Wednesday of March, June, September and December"."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from bot.domain.calendar import LAST_WEEK, QUARTER_PATTERNS, nth_weekday, series_days

WEDNESDAY, SUNDAY = 2, 6


@pytest.mark.parametrize(
    ("year", "month", "weekday", "week", "expected"),
    [
        (2027, 3, WEDNESDAY, 1, date(2027, 3, 3)),
        (2027, 9, WEDNESDAY, 1, date(2027, 9, 1)),  # the 1st itself
        (2027, 3, WEDNESDAY, 4, date(2027, 3, 24)),
        (2027, 3, WEDNESDAY, LAST_WEEK, date(2027, 3, 31)),
        (2027, 12, SUNDAY, LAST_WEEK, date(2027, 12, 26)),  # December rolls over the year
        (2027, 10, SUNDAY, LAST_WEEK, date(2027, 10, 31)),  # the autumn clock change
        (2028, 2, 1, LAST_WEEK, date(2028, 2, 29)),  # a leap day
    ],
)
def test_nth_weekday(year, month, weekday, week, expected):
    assert nth_weekday(year, month, weekday, week) == expected
    assert expected.weekday() == weekday


@pytest.mark.parametrize(("weekday", "week"), [(7, 1), (-1, 1), (0, 0), (0, 6)])
def test_nth_weekday_refuses_nonsense(weekday, week):
    with pytest.raises(ValueError, match="weekday"):
        nth_weekday(2027, 3, weekday, week)


def test_series_takes_the_next_four_quarters():
    days = series_days(date(2026, 11, 23), WEDNESDAY, 1, QUARTER_PATTERNS[3])
    assert days == [date(2026, 12, 2), date(2027, 3, 3), date(2027, 6, 2), date(2027, 9, 1)]


def test_series_skips_today_and_the_past():
    # The first Wednesday of December 2026 is the 2nd: on that day the next one is a year on.
    days = series_days(date(2026, 12, 2), WEDNESDAY, 1, QUARTER_PATTERNS[3])
    assert days == [date(2027, 3, 3), date(2027, 6, 2), date(2027, 9, 1), date(2027, 12, 1)]


def test_every_pattern_is_quarterly():
    for months in QUARTER_PATTERNS.values():
        assert len(months) == 4
        assert {b - a for a, b in itertools.pairwise(months)} == {3}
