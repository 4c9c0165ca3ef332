from __future__ import annotations

import pytest

from backend.api.protocol import MAX_MESSAGE_BYTES, ApiError, ErrorCode, HelloArgs, decode_request, parse_args


def test_valid_request_decodes_with_default_args():
    req = decode_request(b'{"id": 7, "op": "status"}')
    assert (req.id, req.op, req.args) == (7, "status", {})


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        (b"{", ErrorCode.BAD_JSON, "not valid JSON"),
        (b"not json at all", ErrorCode.BAD_JSON, "not valid JSON"),
        (b"[1, 2]", ErrorCode.BAD_REQUEST, "Expected `object`, got `array`"),
        (b'{"id": "seven", "op": "status"}', ErrorCode.BAD_REQUEST, "Expected `int`, got `str` - at `$.id`"),
        (b'{"id": 1}', ErrorCode.BAD_REQUEST, "missing required field `op`"),
        (b'{"id": 1, "op": "status", "extra": 1}', ErrorCode.BAD_REQUEST, "unknown field `extra`"),
        (b'{"id": 1, "op": "status", "args": [1]}', ErrorCode.BAD_REQUEST, "Expected `object`, got `array`"),
    ],
)
def test_bad_requests_get_named_codes(raw, code, fragment):
    with pytest.raises(ApiError) as err:
        decode_request(raw)
    assert err.value.code == code
    assert fragment in err.value.message


def test_oversize_message_is_refused_before_parsing():
    raw = b'{"id":1,"op":"x","args":{"pad":"' + b"a" * MAX_MESSAGE_BYTES + b'"}}'
    with pytest.raises(ApiError) as err:
        decode_request(raw)
    assert err.value.code == ErrorCode.MESSAGE_TOO_LARGE


def test_args_are_validated_field_by_field():
    with pytest.raises(ApiError) as err:
        parse_args({"token": 5, "version": 1}, HelloArgs)
    assert err.value.code == ErrorCode.BAD_REQUEST
    assert "$.token" in err.value.message
