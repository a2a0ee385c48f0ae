"""The dates a certificate prints: a span as each language writes one, months in full as in
its long dates (babel alone gives "Mar 1 – 22, 2027" in English: too terse for a paper)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel import Locale

from bot.services.certificate_texts import long_interval

MARCH = (datetime(2027, 3, 1, 9, tzinfo=UTC), datetime(2027, 3, 22, 11, tzinfo=UTC))
ACROSS_MONTHS = (datetime(2027, 3, 28, 9, tzinfo=UTC), datetime(2027, 4, 12, 11, tzinfo=UTC))
ACROSS_YEARS = (datetime(2027, 12, 20, 9, tzinfo=UTC), datetime(2028, 1, 9, 11, tzinfo=UTC))


@pytest.mark.parametrize(
    ("language", "span", "written"),
    [
        ("en", MARCH, "March 1\u2009–\u200922, 2027"),
        ("fr", MARCH, "1–22 mars 2027"),
        ("es", MARCH, "1–22 de marzo de 2027"),
        ("ru", MARCH, "1—22 марта 2027\u202fг."),
        ("ar", MARCH, "1–22 مارس 2027"),
        ("zh", MARCH, "2027年3月1日\u2009–\u200922日"),
        ("en", ACROSS_MONTHS, "March 28\u2009–\u2009April 12, 2027"),
        ("ru", ACROSS_MONTHS, "28 марта — 12 апреля 2027\u202fг."),
        ("en", ACROSS_YEARS, "December 20, 2027\u2009–\u2009January 9, 2028"),
        ("zh", ACROSS_YEARS, "2027年12月20日\u2009–\u20092028年1月9日"),
    ],
)
def test_a_span_is_written_in_full(
    language: str, span: tuple[datetime, datetime], written: str
) -> None:
    assert long_interval(*span, Locale.parse(language)) == written
