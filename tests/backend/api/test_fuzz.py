"""Hostile input over every op: a stable error code for each refusal, never INTERNAL, and a refusal
changes nothing (engine state, journal, trading state). `python -m bench fuzz` runs the same at size."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.hostile import HostileMessages, quiet_backend, run_fuzz, templates_for

FUZZ_SEED = 20261202
FUZZ_MESSAGES = 10_000


@pytest.fixture
async def fuzz_backend(quantdesk_home):
    backend, task = await quiet_backend(quantdesk_home)
    yield backend
    backend.request_stop()
    await asyncio.wait_for(task, 60)


async def test_ten_thousand_hostile_messages_get_stable_codes_and_refusals_change_nothing(fuzz_backend):
    backend = fuzz_backend
    messages = HostileMessages(
        FUZZ_SEED, sorted(backend.api.ops), templates_for(backend.services.venue.oracle_price(0) / 1e6)
    )
    report = await run_fuzz(backend, messages, FUZZ_MESSAGES)
    assert report.problems == []
    assert report.messages == FUZZ_MESSAGES
    assert report.refused + report.accepted == FUZZ_MESSAGES
    assert "INTERNAL" not in report.codes
    # the generator reaches the validation of every kind of input, not just the envelope
    for code in ("BAD_JSON", "BAD_REQUEST", "UNKNOWN_OP", "MESSAGE_TOO_LARGE", "INVALID_AMOUNT", "INVALID_ORDER"):
        assert report.codes[code] > 0, (code, report.codes)
    assert report.accepted > 0 and report.by_op["order.place"] > 0
    verified = backend.services.venue.verify()
    assert verified["consistent"] is True, verified
