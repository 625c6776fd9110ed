"""The shared table of directory documents (tests/support/directory_cases.py), catalogue side.

The hub runs the same table against its own reader in tests/hub/test_proposals.py.

Where ``panhub_catalogue.members.parse_directory`` still disagrees with the table, the
case is a strict xfail naming the disagreement and the way it fails: once the reader
follows the table, the case passes, the strict xfail fails the run, and its entry here
is to be deleted.
"""

from __future__ import annotations

from typing import Any

import pytest
from panhub_catalogue.members import DirectoryError, parse_directory

from tests.support.directory_cases import BAD, GOOD, Bad, Good, meaning_of, names_key

# a list where a table belongs reaches dict() unchecked: a bare ValueError naming no key
NOT_A_DIRECTORY_ERROR = {"proposals-list", "beamlines-list"}
# refused with a DirectoryError, but the message says "members of proposal P1" or
# "invalid proposal id '../x'" instead of the key (proposals.P1.members, proposals."../x")
KEY_NOT_NAMED = {
    "members-string",
    "staff-string",
    "members-bad-name",
    "members-not-a-string",
    "staff-bad-name",
    "proposal-id-path",
    "proposal-id-space",
    "proposal-not-a-table",
    "beamline-missing",
    "beamline-unsafe",
    "beamline-number",
    "beamline-name-unsafe",
    "beamline-not-a-table",
}


def _marked(cases: list[Bad], failing: dict[str, tuple[str, type[Exception]]]) -> list[Any]:
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[
                pytest.mark.xfail(
                    strict=True, reason=failing[case.id][0], raises=failing[case.id][1]
                )
            ]
            if case.id in failing
            else [],
        )
        for case in cases
    ]


_NOT_REFUSED = {i: ("not a DirectoryError", ValueError) for i in NOT_A_DIRECTORY_ERROR}
_UNNAMED = {i: ("the error does not name the key", AssertionError) for i in KEY_NOT_NAMED}


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_good_documents_mean_what_the_table_says(case: Good) -> None:
    assert meaning_of(parse_directory(case.document)) == case.meaning


@pytest.mark.parametrize("case", _marked(BAD, _NOT_REFUSED))
def test_bad_documents_are_refused(case: Bad) -> None:
    with pytest.raises(DirectoryError):
        parse_directory(case.document)


@pytest.mark.parametrize("case", _marked(BAD, {**_UNNAMED, **_NOT_REFUSED}))
def test_errors_name_the_key(case: Bad) -> None:
    with pytest.raises(DirectoryError) as caught:
        parse_directory(case.document)
    assert names_key(str(caught.value), case.key), str(caught.value)
