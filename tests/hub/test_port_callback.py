"""The port callback's body parser (the handler itself is tested against the real hub)."""

from __future__ import annotations

import pytest
from panhub.port_callback import parse_port


@pytest.mark.parametrize("body,port", [(b'{"port": 1}', 1), (b'{"port": 65535}', 65535)])
def test_parse_port_accepts_a_port(body: bytes, port: int) -> None:
    assert parse_port(body) == port


@pytest.mark.parametrize(
    "body,message",
    [
        (b"", "body must be a JSON object"),
        (b"not json", "body is not JSON"),
        (b"\xff\xfe", "body is not JSON"),
        (b"[8888]", "body must be a JSON object"),
        (b"{}", "port must be an integer"),
        (b'{"port": "8888"}', "port must be an integer"),
        (b'{"port": 8888.0}', "port must be an integer"),
        (b'{"port": true}', "port must be an integer"),
        (b'{"port": 0}', "port must be from 1 to 65535, not 0"),
        (b'{"port": 65536}', "port must be from 1 to 65535, not 65536"),
        (b'{"port": -1}', "port must be from 1 to 65535"),
        (
            b'{"port": 8888, "batch_query_cmd": "touch /tmp/x"}',
            "only 'port' may be set, not batch_query_cmd",
        ),
        (b'{"port": 8888, "ip": "evil.example"}', "only 'port' may be set, not ip"),
    ],
)
def test_parse_port_rejects_anything_else(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_port(body)
