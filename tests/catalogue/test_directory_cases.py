"""The shared table of directory documents (tests/support/directory_cases.py), catalogue side.

The hub runs the same table against its own reader in tests/hub/test_proposals.py.

Both readers give the same meaning to the good documents and refuse the bad ones with
an error that names the key.
"""

from __future__ import annotations

import pytest
from panhub_catalogue.ingest.members import DirectoryError, parse_directory

from tests.support.directory_cases import BAD, GOOD, Bad, Good, meaning_of, names_key


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_good_documents_mean_what_the_table_says(case: Good) -> None:
    assert meaning_of(parse_directory(case.document)) == case.meaning


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_documents_are_refused(case: Bad) -> None:
    with pytest.raises(DirectoryError):
        parse_directory(case.document)


@pytest.mark.parametrize("case", BAD, ids=str)
def test_errors_name_the_key(case: Bad) -> None:
    with pytest.raises(DirectoryError) as caught:
        parse_directory(case.document)
    assert names_key(str(caught.value), case.key), str(caught.value)
