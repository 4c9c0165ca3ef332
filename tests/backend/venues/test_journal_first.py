"""Validate, encode, then apply: nothing the journal cannot hold reaches the engine, and a write the
store refuses is taken back out of the live state, which then equals a replay of the journal."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from backend.domain.errors import DomainError
from backend.venues.journal_entry import AUTHORITY, JournalEntry, JournalGap, persist
from backend.venues.replay import state_digest
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.enums import OrderType, Side

SOL = 0


def limit_buy(price_usd: int, client_id: int = 0) -> ix.PlaceOrder:
    return ix.PlaceOrder(
        AUTHORITY, 0, SOL, Side.BUY, OrderType.LIMIT, 10**8, price=price_usd * 10**6, client_order_id=client_id
    )


def refuse_next_writes(venue, monkeypatch, refusals: int) -> list[int]:
    """The store's next `refusals` writes fail as a full disk does; later ones go through."""
    real_write = venue.store.write
    refused: list[int] = []

    def write(fn):
        if len(refused) < refusals:
            refused.append(1)
            fut = asyncio.get_running_loop().create_future()
            fut.set_exception(sqlite3.OperationalError("database or disk is full"))
            return fut
        return real_write(fn)

    monkeypatch.setattr(venue.store, "write", write)
    return refused


async def test_a_client_id_over_64_bits_is_refused_before_the_engine_sees_it(venue):
    before, seq = state_digest(venue.state), venue.seq
    with pytest.raises(DomainError) as err:
        venue.apply(limit_buy(140, client_id=2**70))
    assert err.value.code == "BAD_REQUEST"
    assert (
        "client_order_id 1180591620717411303424 is out of range: a u64 holds 0..18446744073709551615"
        == err.value.message
    )
    assert (state_digest(venue.state), venue.seq) == (before, seq)
    assert venue.verify()["consistent"] is True


async def test_a_twap_of_ten_to_the_thirty_seconds_is_refused_before_the_engine(venue):
    before = state_digest(venue.state)
    with pytest.raises(DomainError) as err:
        venue.apply(ix.PlaceTwapOrder(AUTHORITY, 0, SOL, Side.BUY, 10**9, 10**30, 60))
    assert err.value.code == "BAD_REQUEST" and err.value.message.startswith("duration_seconds 10000")
    assert state_digest(venue.state) == before


async def test_a_refused_write_is_taken_out_of_the_live_state(venue, monkeypatch):
    kept = venue.apply(limit_buy(140))
    await kept.committed
    kept_id = kept.orders[0].order_id
    refuse_next_writes(venue, monkeypatch, 1)
    lost = venue.apply(limit_buy(141))
    lost_id = lost.orders[0].order_id
    assert lost_id in venue.state.orders  # applied in memory while its write is in flight
    with pytest.raises(DomainError) as err:
        await lost.committed
    assert err.value.code == "STORE_UNAVAILABLE"
    assert kept_id in venue.state.orders and lost_id not in venue.state.orders
    assert lost_id not in venue.recent and venue.reloads == 1 and venue.diverged is False
    assert venue.verify()["consistent"] is True


async def test_a_write_after_a_refused_one_cannot_commit_out_of_order(venue, monkeypatch):
    refuse_next_writes(venue, monkeypatch, 1)
    seq = venue.seq
    first = venue.apply(limit_buy(140))  # refused by the store
    second = venue.apply(limit_buy(141))  # reaches the store, but must not commit without the first
    results = await asyncio.gather(first.committed, second.committed, return_exceptions=True)
    assert [r.code for r in results] == ["STORE_UNAVAILABLE", "STORE_UNAVAILABLE"]
    assert venue.seq == seq and not venue.state.users[(AUTHORITY, 0)].order_ids
    assert venue.verify()["consistent"] is True
    again = venue.apply(limit_buy(142))  # the store works again: trading goes on
    await again.committed
    assert venue.verify()["consistent"] is True and venue.verify()["seq"] == seq + 1


async def test_new_work_is_refused_while_the_state_reloads(venue, monkeypatch):
    loop = asyncio.get_running_loop()
    refused, in_flight = loop.create_future(), loop.create_future()
    refused.set_exception(sqlite3.OperationalError("database or disk is full"))
    answers = [refused, in_flight]  # the store refuses the first write and has not answered the second

    def write(fn):
        fn.__self__.close()  # the writer begins each group at once, so the second entry gets its own write
        return answers.pop(0)

    monkeypatch.setattr(venue.store, "write", write)
    first = venue.apply(limit_buy(140))
    second = venue.apply(limit_buy(141))
    await asyncio.gather(first.committed, return_exceptions=True)
    with pytest.raises(DomainError) as err:  # the first refusal is known, the second write still in flight
        venue.apply(limit_buy(142))
    assert err.value.code == "STORE_UNAVAILABLE"
    in_flight.set_exception(sqlite3.OperationalError("database or disk is full"))
    await asyncio.gather(second.committed, return_exceptions=True)
    assert venue.diverged is False and venue.reloads == 1


def test_a_journal_entry_commits_only_right_after_its_predecessor(venue):
    last = venue.seq
    entry = JournalEntry(last + 2, "Crank", b"\x90", [], [], None)
    with pytest.raises(JournalGap, match=f"journal entry {last + 2} would follow entry {last}"):
        venue.store.write_sync(lambda conn: persist(conn, [entry]))


async def test_the_check_finds_live_state_the_journal_does_not_hold(venue):
    venue.state.insurance_fund += 1  # what the 2**70 order did before: live, but never journaled
    report = venue.verify()
    assert report["consistent"] is False and report["digest"] != report["journal_digest"]
    venue.state.insurance_fund -= 1
    assert venue.verify()["consistent"] is True


async def test_an_engine_failure_midway_is_taken_back_out_of_the_live_state(venue, monkeypatch):
    from backend.venues import paper

    journaled = state_digest(venue.state)

    def half_apply(state, instruction, ctx):
        state.insurance_fund += 7  # mutates, then fails the way a bug would
        raise ZeroDivisionError("engine bug")

    monkeypatch.setattr(paper, "process", half_apply)
    with pytest.raises(ZeroDivisionError):
        venue.apply(limit_buy(140))
    assert state_digest(venue.state) == journaled and venue.reloads == 1
    assert venue.verify()["consistent"] is True
