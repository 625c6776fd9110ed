"""ingest.proposal: does a file's experiment identifier name the proposal of its path?"""

from __future__ import annotations

import pytest
from panhub_catalogue.ingest.proposal import describe_disagreement, is_same_proposal


@pytest.mark.parametrize(
    ("identifier", "proposal", "visit", "same"),
    [
        ("20240001", "20240001", "", True),
        (" 20240001 ", "20240001", "", True),
        ("MX-1234", "mx-1234", "", True),
        ("20240001-1", "20240001", "", True),
        ("MX-1234/visit2", "MX-1234", "", True),
        ("cm12345-1", "cm12345", "", True),  # Diamond's visit of proposal cm12345
        ("v7", "20240001", "v7", True),
        ("20240002", "20240001", "", False),
        ("202400011", "20240001", "", False),  # a longer number is another proposal
        ("ma1234", "ma12345", "", False),
    ],
)
def test_is_same_proposal(identifier: str, proposal: str, visit: str, same: bool) -> None:
    assert is_same_proposal(identifier, proposal, visit) is same


def test_the_path_wins_and_says_so() -> None:
    assert describe_disagreement("20240002", "20240001") == (
        "the file names experiment '20240002'; catalogued under proposal '20240001', "
        "which its path names"
    )
    assert describe_disagreement("20240001-2", "20240001") is None
    assert describe_disagreement(None, "20240001") is None
