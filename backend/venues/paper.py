"""The paper venue: the QuantDesk perp engine run locally on live oracle prices, durably.

Every state-changing instruction goes through `apply()`: its integers are checked against the
program's IDL widths and its journal record is encoded *before* the engine processes it with the
context it sees (slot, time, oracle prices); then the record and the derived rows (orders, fills)
are written in one group-committed transaction. Callers await that commit before they ack, and
pushes go out only after it, so an acked order survives `kill -9`. If the store refuses a write
(disk full), the live state is reloaded from the journal, so it never holds what the journal does
not, and nothing is applied until the store writes again.
Start-up loads the newest snapshot and replays the journal after it (see `recover`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from backend.api.protocol import OPEN_STATUSES, ErrorCode, FillView, LiquidationView, OrderView
from backend.bus import Bus
from backend.domain.errors import DomainError
from backend.domain.observations import PriceObservation
from backend.risk.pretrade import TradingState
from backend.store import journal
from backend.store.base import StoreLike
from backend.store.write_queue import StoreUnavailable
from backend.venues import views
from backend.venues.bounds import check_instruction
from backend.venues.journal_entry import AUTHORITY, CommitGroup, JournalEntry, status_history
from backend.venues.liquidations import RECORDED_EVENTS, describe, liquidation_view
from backend.venues.tracked_orders import TrackedOrders
from backend.venues.replay import replay_journal, state_digest
from programs.quantdesk_perp import context as engine_context
from programs.quantdesk_perp import events as ev
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.config import default_config
from programs.quantdesk_perp.context import Context, OraclePrice
from programs.quantdesk_perp.enums import CollateralAsset
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.markets import MARKETS_BY_SYMBOL
from programs.quantdesk_perp.math.funding import rate_as_fraction
from programs.quantdesk_perp.positions import funding_pending
from programs.quantdesk_perp.processor import process
from programs.quantdesk_perp.queries import account_margin
from programs.quantdesk_perp.state import State, restore_state, state_to_bytes
from programs.vocabulary import QUOTE_PRECISION

log = logging.getLogger(__name__)
STARTING_USDC = 100_000 * QUOTE_PRECISION  # a new paper account is funded once, like any exchange's paper mode
# events after which the sub-account's account and positions are pushed again
ACCOUNT_EVENTS = frozenset({ev.PositionChanged, ev.Deposit, ev.Withdraw, ev.FundingSettled, ev.Liquidated})
_RECORDED = frozenset(RECORDED_EVENTS)
_record_encoder = msgspec.msgpack.Encoder()


def to_engine_price(value: int, expo: int, round_up: bool = False) -> int:
    """A Pyth-style integer (value * 10**expo) in PRICE_PRECISION; rounding stated by the caller."""
    shift = expo + 6
    if shift >= 0:
        return value * 10**shift
    div = 10**-shift
    return -(-value // div) if round_up else (value + div // 2) // div


@dataclass(slots=True)
class Applied:
    """One committed instruction: its events, views and the commit to await."""

    events: list[Any]
    orders: list[OrderView]
    fills: list[tuple[str, FillView]]
    committed: asyncio.Future[Any]
    liquidations: list[tuple[str, LiquidationView]] = field(default_factory=list)


class PaperVenue:
    name = "paper"

    def __init__(
        self,
        bus: Bus,
        store: StoreLike,
        *,
        clock: Callable[[], float] = time.time,
        snapshot_every: int = 50_000,
        crank_interval: float = 0.2,
        fund_new_accounts: bool = True,
        trading_state: Callable[[], TradingState] = lambda: TradingState.ACTIVE,
    ) -> None:
        self.bus = bus
        self.store = store
        self.clock = clock
        self.snapshot_every = snapshot_every
        self.crank_interval = crank_interval
        self.fund_new_accounts = fund_new_accounts
        self.state = State()
        self.codec = journal.RecordCodec(journal.record_types(ix, engine_context), ix.UPGRADES)
        self.seq = 0
        self.snapshot_seq = 0
        self.oracles: dict[int, OraclePrice] = {}
        self.slot = 0
        self.tracked = TrackedOrders()
        self.trading_state = trading_state  # what pre-trade enforces, shown on every account
        self.last_crank = 0.0
        self.recovery: dict[str, Any] = {}
        self.uncommitted = 0  # records handed to the store and not yet committed or refused
        self.diverged = False  # the store refused a record the live state holds: reload when drained
        self.reloads = 0
        self._group: CommitGroup | None = None  # the entries queued in the store that more may join
        self._keeper: asyncio.Task[None] | None = None
        self._ctx: Context | None = None  # see ctx()
        self._ctx_record: tuple[Context, bytes] | None = None  # see journal_payload()

    @property
    def recent(self) -> dict[int, OrderView]:
        """Views of orders, newest last (terminal ones bounded)."""
        return self.tracked.recent

    # -- context and applying instructions ----------------------------------------------------
    def ctx(self) -> Context:
        """What an instruction sees now. The same Context until the slot, the second or an oracle
        changes: it is frozen and its oracles are a copy nothing writes, and an order asks for it
        twice (pre-trade, apply), so orders within one second share one instead of copying twice each."""
        now = int(self.clock())
        cached = self._ctx
        if (
            cached is not None
            and cached.unix_time == now
            and cached.slot == self.slot
            and cached.oracles == self.oracles
        ):
            return cached
        cached = self._ctx = Context(self.slot, now, dict(self.oracles))
        return cached

    def journal_payload(self, instruction: Any, ctx: Context) -> bytes:
        """`codec.dumps(instruction, ctx)`, byte for byte, for a fraction of its cost: msgspec encodes
        the records as they are (no `to_builtins` dicts first; the engine's records hold only ints,
        strings, bools, None, int enums and dicts of them, which both ways write alike), and the
        context's record is encoded once per Context, which the orders within one second share."""
        name = type(instruction).__name__
        if name not in self.codec.types:
            raise TypeError(f"{name} is not a journaled record type")
        cached = self._ctx_record
        if cached is None or cached[0] is not ctx:
            cached = self._ctx_record = (ctx, _record_encoder.encode((type(ctx).__name__, ctx)))
        return b"\x92" + _record_encoder.encode((name, instruction)) + cached[1]  # a 2-array: [instruction, context]

    def apply(self, instruction: Any) -> Applied:
        """Check, encode, then process and queue the durable record.

        Raises DomainError (bounds, unencodable, store unavailable) or EngineError, with nothing changed.
        """
        if self.diverged:
            raise DomainError(
                ErrorCode.STORE_UNAVAILABLE,
                "the store refused a write; the venue is reloading its state from the journal: try again in a moment",
            )
        if not self.store.writable:
            raise StoreUnavailable(self.store.fault)
        check_instruction(instruction)
        ctx = self.ctx()
        try:
            payload = self.journal_payload(instruction, ctx)
        except (OverflowError, TypeError, ValueError) as exc:
            raise DomainError(
                ErrorCode.BAD_REQUEST, f"{type(instruction).__name__} cannot be journaled: {exc}"
            ) from None
        try:
            events = process(self.state, instruction, ctx)  # an EngineError leaves the state as it was
        except EngineError:
            raise
        except BaseException:  # an engine bug may have half-applied it: back to what the journal holds
            log.exception("the engine failed on %s", type(instruction).__name__)
            self._diverge()
            raise
        try:
            return self._record(instruction, ctx, events, payload)
        except BaseException:
            log.exception("recording %s failed after the engine applied it", type(instruction).__name__)
            self._diverge()
            raise

    def _record(self, instruction: Any, ctx: Context, events: list[Any], payload: bytes) -> Applied:
        entry = self.journal_entry(instruction, ctx, events, payload)
        self.uncommitted += 1
        group = self._group
        if group is None or not group.join(entry):  # the store has begun writing that one: a new group
            committed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            committed.add_done_callback(_mark_retrieved)  # cranks and keepers do not await theirs
            group = self._group = CommitGroup(committed)
            group.join(entry)
            stored = self.store.write(group.write)
            stored.add_done_callback(lambda fut: self._on_stored(fut, group))
        # one future for the group: its entries commit together
        applied = Applied(events, entry.orders, entry.fills, group.committed, entry.liquidations)
        group.members.append(applied)
        return applied

    def _on_stored(self, stored: asyncio.Future[Any], group: CommitGroup) -> None:
        group.close()  # a group the store refused without writing: nothing joins it any more
        if self._group is group:
            self._group = None
        self.uncommitted -= len(group.members)
        error = stored.exception() if not stored.cancelled() else asyncio.CancelledError()
        committed = group.committed
        if error is None:
            if not committed.done():
                committed.set_result(stored.result())
            if not self.diverged:
                for applied in group.members:
                    self._publish(applied)
            self._reload_when_drained()
            return
        if not self.diverged:
            log.error("the store refused journal entries (%s); the state will be reloaded from the journal", error)
        if not isinstance(error, DomainError):
            error = DomainError(
                ErrorCode.STORE_UNAVAILABLE, f"the store refused the write ({error}); nothing was applied"
            )
        if not committed.done():
            committed.set_exception(error)
        self._diverge()

    def _diverge(self) -> None:
        """Live state may hold what the journal will not: refuse new work, reload once nothing is in flight."""
        self.diverged = True
        self._reload_when_drained()

    def _on_store(self, writable: bool, fault: str) -> None:
        if not writable:  # at once, so nothing the store refused can fill or show while it is down
            self._diverge()

    def _reload_when_drained(self) -> None:
        if self.diverged and self.uncommitted == 0:
            self.reload()

    def reload(self) -> None:
        """Put the live state back to what the journal holds (snapshot + replay), views included."""
        oracles, slot = self.oracles, self.slot
        replay = replay_journal(self.store._read_conn, self.codec)
        restore_state(self.state, replay.state)  # the same object: holders of venue.state stay valid
        self.seq, self.snapshot_seq = replay.seq, replay.snapshot_seq
        self.tracked = TrackedOrders()
        self.tracked.reload(self.store._read_conn)
        self.oracles, self.slot = oracles, slot
        self.diverged = False
        self.reloads += 1
        log.warning("engine state reloaded from the journal at seq %d (reload %d)", self.seq, self.reloads)

    def verify(self) -> dict[str, Any]:
        """Compare the live state with a replay of the journal; equal unless a write is still in flight."""
        replay = replay_journal(self.store._read_conn, self.codec)
        live_digest, replay_digest = state_digest(self.state), state_digest(replay.state)
        consistent = replay.failed == 0 and replay.seq == self.seq and live_digest == replay_digest
        if not consistent and self.uncommitted == 0:
            log.error(
                "live state differs from the journal: live seq %d digest %s, replay seq %d digest %s",
                self.seq,
                live_digest,
                replay.seq,
                replay_digest,
            )
        return {
            "seq": self.seq,
            "journal_seq": replay.seq,
            "digest": live_digest,
            "journal_digest": replay_digest,
            "uncommitted": self.uncommitted,
            "consistent": consistent,
        }

    def journal_entry(
        self, instruction: Any, ctx: Context, events: list[Any], payload: bytes | None = None
    ) -> JournalEntry:
        """Everything one processed instruction writes: the journal row, derived rows, maybe a snapshot."""
        if payload is None:
            payload = self.journal_payload(instruction, ctx)
        self.seq += 1
        orders, fills = self.tracked.derive(self.state, events, ctx, instruction)
        snapshot = None
        if self.seq - self.snapshot_seq >= self.snapshot_every:
            snapshot = state_to_bytes(self.state)
            self.snapshot_seq = self.seq
        return JournalEntry(
            self.seq,
            type(instruction).__name__,
            payload,
            orders,
            fills,
            snapshot,
            status_history(events, orders),
            [liquidation_view(self.state, e, self.seq, ctx.unix_time) for e in events if type(e) in _RECORDED],
        )

    def _publish(self, applied: Applied) -> None:
        for view in applied.orders:
            self.bus.publish("orders", view)
        for _, fill in applied.fills:
            self.bus.publish("fills", fill)
        for _, record in applied.liquidations:
            log.warning("%s", describe(record))
            self.bus.publish("liquidations", record)
        touched = {(f.sub_account) for _, f in applied.fills}
        for event in applied.events:  # event types are final classes: type() is exact
            kind = type(event)
            if kind in ACCOUNT_EVENTS:
                touched.add(event.sub_account)
            elif kind is ev.FundingRateUpdated:
                self.bus.publish(
                    "funding",
                    {
                        "market": views.symbol_of(self.state, event.market_index),
                        "rate": rate_as_fraction(event.funding_rate, event.oracle_twap),
                        "ts": event.unix_time,
                    },
                )
        if touched:
            self.publish_account(touched)

    def publish_account(self, subs: set[int]) -> None:
        ctx = self.ctx()
        for sub in subs:
            account = views.account_view(self.state, AUTHORITY, sub, ctx, str(self.trading_state()))
            if account is not None:
                self.bus.publish("account", account)
            for position in views.position_views(self.state, AUTHORITY, sub, ctx):
                self.bus.publish("positions", position)

    # -- oracle input -------------------------------------------------------------------------
    def on_observation(self, obs: PriceObservation) -> None:
        spec = MARKETS_BY_SYMBOL.get(obs.market)
        if spec is None:
            return
        price = to_engine_price(obs.price, obs.expo)
        if price <= 0:
            return
        self.oracles[spec.market_index] = OraclePrice(
            price=price,
            conf=to_engine_price(obs.conf, obs.expo, round_up=True),
            publish_slot=obs.slot,
            publish_time=obs.publish_time,
        )
        self.slot = max(self.slot, obs.slot)
        if spec.market_index not in self.state.markets and not self.diverged and self.store.writable:
            self._bootstrap_market(spec.market_index, price)
        now = time.monotonic()
        if now - self.last_crank >= self.crank_interval:
            self.last_crank = now
            self.crank()

    def crank(self) -> Applied | None:
        if self.diverged or not self.store.writable:
            return None  # keeper work waits for the store: nothing is applied that cannot be kept
        try:
            return self.apply(ix.Crank())
        except (EngineError, DomainError) as exc:
            log.warning("crank refused: %s", exc.message)
            return None

    def _bootstrap_market(self, market_index: int, price: int) -> None:
        spec = next(s for s in MARKETS_BY_SYMBOL.values() if s.market_index == market_index)
        cfg = default_config(spec)
        self.apply(
            ix.InitializeMarket(
                market_index=market_index,
                symbol=spec.symbol,
                base_asset=spec.base,
                quote_asset=spec.quote,
                initial_price=price,
                tick_size=spec.tick_size,
                step_size=spec.step_size,
                min_size=spec.min_size,
                max_leverage=spec.max_leverage,
                margin_ratio_initial=cfg.margin_ratio_initial,
                margin_ratio_maintenance=cfg.margin_ratio_maintenance,
            )
        )
        if (AUTHORITY, 0) not in self.state.users:
            self.apply(ix.CreateUserAccount(authority=AUTHORITY, sub_account=0, name="main"))
            if self.fund_new_accounts:
                self.apply(ix.DepositTokens(AUTHORITY, 0, CollateralAsset.USDC, STARTING_USDC))

    # -- keeper: funding settlement and liquidation -------------------------------------------
    async def _keeper_loop(self, interval: float = 1.0) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                self.keep()
            except Exception:
                log.exception("keeper pass failed")

    def keep(self) -> int:
        """One keeper pass: liquidate accounts below maintenance, settle funding owed. Returns actions."""
        if self.diverged or not self.store.writable:
            return 0
        ctx = self.ctx()
        actions = 0
        for (authority, sub), user in list(self.state.users.items()):
            open_positions = [i for i, p in user.positions.items() if p.base]
            if not open_positions:
                continue
            try:
                summary = account_margin(self.state, authority, sub, ctx)
            except EngineError:
                continue
            if summary.liquidatable:
                for market_index in open_positions:
                    try:
                        self.apply(ix.LiquidatePosition("", 0, authority, sub, market_index))
                        actions += 1
                    except EngineError as exc:
                        log.info("liquidation of %s/%d in %d refused: %s", authority, sub, market_index, exc.message)
                continue
            owed = any(funding_pending(self.state.markets[i], user.positions[i]) for i in open_positions)
            if owed:
                try:
                    self.apply(ix.SettleFunding(authority, sub))
                    actions += 1
                except EngineError as exc:
                    log.info("funding settlement of %s/%d refused: %s", authority, sub, exc.message)
        return actions

    # -- lifecycle ----------------------------------------------------------------------------
    def recover(self) -> dict[str, Any]:
        """Newest snapshot + journal replay + consistency check, before the venue serves anything."""
        started = time.perf_counter()
        conn = self.store._read_conn
        replay = replay_journal(conn, self.codec)
        restore_state(self.state, replay.state)
        self.snapshot_seq, self.seq = replay.snapshot_seq, replay.seq
        replayed, failed, last_ctx = replay.replayed, replay.failed, replay.last_ctx
        if last_ctx is not None:
            self.oracles = dict(last_ctx.oracles)
            self.slot = last_ctx.slot
        self.tracked.reload(conn)
        live = set(self.state.orders)
        recorded = {v.order_id for v in self.recent.values() if v.status in OPEN_STATUSES}
        self.recovery = {
            "snapshot_seq": self.snapshot_seq,
            "replayed": replayed,
            "failed": failed,
            "seq": self.seq,
            "open_orders": len(live),
            "consistent": failed == 0 and live == recorded,
            "digest": state_digest(self.state),
            "seconds": round(time.perf_counter() - started, 3),
        }
        if not self.recovery["consistent"]:
            log.error(
                "recovery consistency check failed: engine has %d open orders, the orders table %d "
                "(missing %s, extra %s)",
                len(live),
                len(recorded),
                sorted(live - recorded)[:10],
                sorted(recorded - live)[:10],
            )
        log.info("recovered: %s", self.recovery)
        return self.recovery

    async def start(self) -> None:
        self.bus.on("observations", self.on_observation)
        self.store.watch(self._on_store)
        self._keeper = asyncio.create_task(self._keeper_loop(), name="paper-keeper")

    async def stop(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
        if self.diverged or self.uncommitted:
            log.warning("no snapshot at shutdown: the live state is not all in the journal yet")
        elif self.seq > self.snapshot_seq and self.state.markets and self.store.writable:
            seq, blob = self.seq, state_to_bytes(self.state)
            await self.store.write(lambda conn: journal.save_snapshot(conn, seq, blob))
            self.snapshot_seq = seq

    def oracle_price(self, market_index: int) -> int:
        oracle = self.oracles.get(market_index)
        return oracle.price if oracle is not None else 0


def _mark_retrieved(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled():
        fut.exception()
