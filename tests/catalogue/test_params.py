"""Request parameters to Search: every bad input is a BadRequest naming the problem."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from panhub_catalogue.errors import BadRequest
from panhub_catalogue.params import parse_search
from panhub_catalogue.search import Search


def parse(**params: str | list[str]) -> Search:
    return parse_search({k: v if isinstance(v, list) else [v] for k, v in params.items()})


def test_defaults() -> None:
    assert parse_search({}) == Search()


def test_full_request() -> None:
    search = parse(
        text="Lysozyme 10.5072/ab.1",
        access="public",
        mine="true",
        beamline=["BL13", "BL22,BL01"],
        user="ana",
        technique="http://purl.org/pan-science/PaNET/PaNET01196",
        dateFrom="2024-01-01",
        dateTo="2024-12-31T10:00:00+02:00",
        sort="-startDate,name",
        limit="20",
        offset="40",
    )
    assert search == Search(
        words=("lysozyme", "10 5072 ab 1"),
        access="public",
        mine=True,
        beamlines=("BL13", "BL22", "BL01"),
        users=("ana",),
        techniques=("http://purl.org/pan-science/PaNET/PaNET01196",),
        date_from=datetime(2024, 1, 1),
        date_to=datetime(2024, 12, 31, 8, 0),
        sort=(("startDate", True), ("name", False)),
        limit=20,
        offset=40,
    )


def test_bare_date_to_includes_the_day() -> None:
    assert parse(dateTo="2024-02-29").date_to == datetime(2024, 3, 1)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"color": "red"}, "unknown parameter 'color'"),
        ({"limit": "100000"}, r"limit: 100000 is outside \[1, 500\]"),
        ({"limit": "0"}, r"limit: 0 is outside"),
        ({"limit": "ten"}, "limit: 'ten' is not an integer"),
        ({"offset": "-1"}, "offset: -1 is outside"),
        ({"access": "secret"}, "access: 'secret' is not one of all, public, embargoed"),
        ({"mine": "maybe"}, "mine: 'maybe' is not a boolean"),
        ({"dateFrom": "2024-13-01"}, "dateFrom: '2024-13-01' is not an ISO 8601 date"),
        ({"dateTo": "yesterday"}, "dateTo: 'yesterday' is not an ISO 8601 date"),
        ({"dateFrom": "2024-05-01", "dateTo": "2024-04-01"}, "dateFrom 2024-05-01 is not before"),
        ({"sort": "-password"}, "sort: unknown field 'password'"),
        ({"text": "' OR 1=1 --"}, None),  # words survive, syntax does not
        ({"text": '"*)(NEAR'}, None),
        ({"text": "*"}, "text: '\\*' contains no searchable word"),
        ({"text": "x" * 201}, "text: 201 characters, at most 200"),
        ({"text": " ".join(f"w{n}" for n in range(13))}, "text: 13 words, at most 12"),
        ({"beamline": ",".join(f"B{n}" for n in range(51))}, "beamline: 51 values, at most 50"),
        ({"access": ["public", "all"]}, "parameter 'access' given 2 times"),
    ],
)
def test_bad_input(params: dict[str, str | list[str]], message: str | None) -> None:
    if message is None:
        words = parse(**params).words
        assert all(w.replace(" ", "").isalnum() for w in words)
    else:
        with pytest.raises(BadRequest, match=message):
            parse(**params)


@settings(database=None)
@given(st.text(max_size=200))
def test_any_text_is_words_or_a_bad_request(text: str) -> None:
    try:
        words = parse(text=text).words
    except BadRequest as error:
        message = error.message
        words = ()
    else:
        message = "text:"
    assert message.startswith("text:")
    for word in words:
        assert word == word.lower()
        assert all(part.isalnum() for part in word.split(" "))
