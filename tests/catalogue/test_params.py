"""Request parameters (``web.params``): every bad input is a BadRequest naming the problem.

Searches, logbook filters, pages, and the one unknown-parameter check.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from panhub_catalogue.errors import BadRequest
from panhub_catalogue.logbook import LogbookFilter
from panhub_catalogue.search import Search
from panhub_catalogue.web.params import (
    parse_logbook_filter,
    parse_page,
    parse_search,
    reject_unknown,
)


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


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nope": ["1"]}, "unknown parameter 'nope'"),
        ({"type": ["comment"]}, "type: 'comment' is not one of annotation, notification"),
        ({"dataset": ["x"]}, "dataset: 'x' is not an integer"),
        ({"limit": ["0"]}, "limit: 0 is outside [1, 500]"),
        ({"offset": ["-1"]}, "offset: -1 is outside"),
        ({"search": ["a", "b"]}, "parameter 'search' given 2 times"),
        ({"search": ["x" * 201]}, "search: 201 characters; at most 200"),
    ],
)
def test_bad_filters_name_the_problem(params: dict[str, list[str]], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_logbook_filter(params)
    assert message in caught.value.message


def test_parse_logbook_filter() -> None:
    assert parse_logbook_filter({}) == LogbookFilter()
    assert parse_logbook_filter(
        {"search": [" beam "], "type": ["notification"], "dataset": ["7"], "limit": ["5"]}
    ) == LogbookFilter("beam", "notification", 7, 5, 0)


@pytest.mark.parametrize(
    ("params", "known", "unlisted", "message"),
    [
        ({"b": [], "a": []}, (), (), "unknown parameter 'a'; this resource takes none"),
        (
            {"x" * 50: []},
            ("limit", "offset"),
            (),
            f"unknown parameter '{'x' * 40}'; known: limit, offset",
        ),
        (
            {"where": [], "token": []},
            ("filter", "query"),
            ("where",),
            "unknown parameter 'token'; known: filter, query",
        ),
    ],
)
def test_reject_unknown_names_the_first_unknown_and_the_known(
    params: dict[str, list[str]], known: tuple[str, ...], unlisted: tuple[str, ...], message: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        reject_unknown(params, known, unlisted=unlisted)
    assert caught.value.message == message
    reject_unknown({k: [] for k in (*known, *unlisted)}, known, unlisted=unlisted)


def test_parse_page() -> None:
    assert parse_page({}, 500) == (100, 0)
    assert parse_page({"limit": ["7"], "offset": ["3"]}, 500) == (7, 3)
    with pytest.raises(BadRequest, match="limit: 501 is outside"):
        parse_page({"limit": ["501"]}, 500)
