"""The paper venue: the QuantDesk perp engine run locally on live oracle prices, durably.

Every state-changing instruction goes through `apply()`: the engine processes it with the
context it sees (slot, time, oracle prices), then the instruction, that context and the derived
rows (orders, fills) are written in one group-committed transaction. Callers await that commit
before they ack, and pushes go out only after it, so an acked order survives `kill -9`.
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

from backend.api.protocol import OPEN_ORDER_STATUSES as OPEN_STATUSES
from backend.api.protocol import FillView, LiquidationView, OrderView, PriceObservation
from backend.bus import Bus
from backend.store import journal
from backend.store.db import Store
from backend.venues import views
from backend.venues.liquidations import RECORDED_EVENTS, describe, liquidation_fill, liquidation_view
from programs.quantdesk_perp import context as engine_context
from programs.quantdesk_perp import events as ev
from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.config import default_config
from programs.quantdesk_perp.context import Context, OraclePrice
from programs.quantdesk_perp.enums import CollateralAsset, OrderStatus
from programs.quantdesk_perp.errors import EngineError
from programs.quantdesk_perp.markets import MARKETS_BY_SYMBOL
from programs.quantdesk_perp.processor import process
from programs.quantdesk_perp.queries import account_margin
from programs.quantdesk_perp.state import State, state_from_bytes, state_to_bytes

log = logging.getLogger(__name__)
AUTHORITY = "paper"  # the local trader
STARTING_USDC = 100_000 * 10**6  # a new paper account is funded once, like any exchange's paper mode
_view_encoder = msgspec.msgpack.Encoder()
_order_decoder = msgspec.msgpack.Decoder(OrderView)


def to_engine_price(value: int, expo: int, round_up: bool = False) -> int:
    """A Pyth-style integer (value * 10**expo) in PRICE_PRECISION; rounding stated by the caller."""
    shift = expo + 6
    if shift >= 0:
        return value * 10**shift
    div = 10**-shift
    return -(-value // div) if round_up else (value + div // 2) // div


@dataclass(slots=True)
class OrderMeta:
    created: int
    base_filled: int = 0
    quote_filled: int = 0
    children: list[int] = field(default_factory=list)  # bracket legs, TWAP/iceberg slices

    @property
    def avg_price(self) -> int:
        return self.quote_filled * 10**9 // self.base_filled if self.base_filled else 0


@dataclass(slots=True, frozen=True)
class JournalEntry:
    seq: int
    kind: str
    payload: bytes
    orders: list[OrderView]
    fills: list[tuple[str, FillView]]
    snapshot: bytes | None
    history: list[tuple[int, int, str, int, str]] = field(default_factory=list)  # id, ts, status, filled, why
    liquidations: list[tuple[str, LiquidationView]] = field(default_factory=list)


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

    def __init__(self, bus: Bus, store: Store, *, clock: Callable[[], float] = time.time,
                 snapshot_every: int = 50_000, crank_interval: float = 0.2, fund_new_accounts: bool = True) -> None:
        self.bus = bus
        self.store = store
        self.clock = clock
        self.snapshot_every = snapshot_every
        self.crank_interval = crank_interval
        self.fund_new_accounts = fund_new_accounts
        self.state = State()
        self.codec = journal.RecordCodec(journal.record_types(ix, engine_context))
        self.seq = 0
        self.snapshot_seq = 0
        self.oracles: dict[int, OraclePrice] = {}
        self.slot = 0
        self.meta: dict[int, OrderMeta] = {}
        self.recent: dict[int, OrderView] = {}  # views of orders, newest last (terminal ones bounded)
        self.next_fill_id = 1
        self.trading_state: Callable[[], str] = lambda: "ACTIVE"
        self.last_crank = 0.0
        self.recovery: dict[str, Any] = {}
        self._keeper: asyncio.Task[None] | None = None

    # -- context and applying instructions ----------------------------------------------------
    def ctx(self) -> Context:
        return Context(self.slot, int(self.clock()), dict(self.oracles))

    def apply(self, instruction: Any) -> Applied:
        """Process one instruction and queue its durable record; raises EngineError (nothing changed)."""
        ctx = self.ctx()
        events = process(self.state, instruction, ctx)
        return self._record(instruction, ctx, events)

    def _record(self, instruction: Any, ctx: Context, events: list[Any]) -> Applied:
        entry = self.journal_entry(instruction, ctx, events)
        committed = self.store.write(lambda conn: persist(conn, entry))
        applied = Applied(events, entry.orders, entry.fills, committed, entry.liquidations)
        committed.add_done_callback(lambda fut: self._publish(applied) if not fut.exception() else None)
        return applied

    def journal_entry(self, instruction: Any, ctx: Context, events: list[Any]) -> JournalEntry:
        """Everything one processed instruction writes: the journal row, derived rows, maybe a snapshot."""
        self.seq += 1
        orders, fills = self._derive(events, ctx, instruction)
        snapshot = None
        if self.seq - self.snapshot_seq >= self.snapshot_every:
            snapshot = state_to_bytes(self.state)
            self.snapshot_seq = self.seq
        return JournalEntry(self.seq, type(instruction).__name__, self.codec.dumps(instruction, ctx), orders, fills,
                            snapshot, status_history(events, orders),
                            [liquidation_view(self.state, e, self.seq, ctx.unix_time) for e in events
                             if isinstance(e, RECORDED_EVENTS)])

    def _publish(self, applied: Applied) -> None:
        for view in applied.orders:
            self.bus.publish("orders", view)
        for _, fill in applied.fills:
            self.bus.publish("fills", fill)
        for _, record in applied.liquidations:
            log.warning("%s", describe(record))
            self.bus.publish("liquidations", record)
        touched = {(f.sub_account) for _, f in applied.fills}
        for event in applied.events:
            if isinstance(event, ev.PositionChanged | ev.Deposit | ev.Withdraw | ev.FundingSettled | ev.Liquidated):
                touched.add(event.sub_account)
            elif isinstance(event, ev.FundingRateUpdated):
                self.bus.publish("funding", {"market": views.symbol_of(self.state, event.market_index),
                                             "rate": event.funding_rate, "ts": event.unix_time})
        if touched:
            self.publish_account(touched)

    def publish_account(self, subs: set[int]) -> None:
        ctx = self.ctx()
        for sub in subs:
            account = views.account_view(self.state, AUTHORITY, sub, ctx, self.trading_state())
            if account is not None:
                self.bus.publish("account", account)
            for position in views.position_views(self.state, AUTHORITY, sub, ctx):
                self.bus.publish("positions", position)

    def _derive(self, events: list[Any], ctx: Context, instruction: Any = None
                ) -> tuple[list[OrderView], list[tuple[str, FillView]]]:
        now = ctx.unix_time
        realized: dict[tuple[str, int, int], int] = {}
        for event in events:
            if isinstance(event, ev.PositionChanged):
                key = (event.authority, event.sub_account, event.market_index)
                realized[key] = realized.get(key, 0) + event.realized_pnl
        fills: list[tuple[str, FillView]] = []
        ended: dict[int, tuple[OrderStatus, str]] = {}
        placed: dict[int, ev.OrderPlaced] = {}
        for event in events:
            if isinstance(event, ev.OrderPlaced):
                placed[event.order_id] = event
                self.meta.setdefault(event.order_id, OrderMeta(created=now))
                if event.parent_id:  # a bracket's legs are announced before their entry
                    self.meta.setdefault(event.parent_id, OrderMeta(created=now)).children.append(event.order_id)
            elif isinstance(event, ev.OrderFilled):
                for order_id in (event.taker_order_id, event.maker_order_id):
                    meta = self.meta.get(order_id)
                    if meta is not None:
                        meta.base_filled += event.base
                        meta.quote_filled += event.quote
                made = views.fill_views(self.state, event, self.next_fill_id, now, realized)
                self.next_fill_id += len(made)
                fills.extend(made)
            elif isinstance(event, ev.Liquidated):
                fills.append(liquidation_fill(self.state, event, self.next_fill_id, now, ctx.slot))
                self.next_fill_id += 1
            elif type(event) in views.STATUS_OF_EVENT:
                reason = getattr(event, "reason", "") or views.REASON_OF_EVENT.get(type(event), "")
                ended[event.order_id] = (views.STATUS_OF_EVENT[type(event)], reason)
        orders = []
        touched = views.touched_order_ids(events)
        for order_id in list(touched):  # children change with their parent (bracket legs arm and resize)
            meta = self.meta.get(order_id)
            if meta is not None:
                touched.extend(i for i in meta.children if i not in touched and i in self.state.orders)
        for order_id in touched:
            meta = self.meta.get(order_id) or self.meta.setdefault(order_id, OrderMeta(created=now))
            order = self.state.orders.get(order_id)
            if order is not None:
                view = views.order_view(self.state, order, now, meta.created, meta.avg_price)
            else:
                previous = self.recent.get(order_id)
                if previous is None:  # placed and finished within this instruction (IOC, FOK, a crossing fill)
                    if order_id not in placed:
                        continue
                    previous = views.placed_order_view(self.state, placed[order_id], instruction, meta.created)
                status, reason = ended.get(order_id, (OrderStatus.FILLED, ""))
                filled = previous.size if status == OrderStatus.FILLED else meta.base_filled or previous.filled
                view = msgspec.structs.replace(previous, status=status.name.lower(), filled=filled,
                                               avg_fill_price=meta.avg_price, updated_ts=now, reason=reason)
                self.meta.pop(order_id, None)
            self.recent[order_id] = view
            orders.append(view)
        self._trim_recent()
        return orders, fills

    def _trim_recent(self, keep: int = 5_000) -> None:
        if len(self.recent) > keep + 500:
            for order_id in [i for i, v in self.recent.items() if v.status not in OPEN_STATUSES][:500]:
                self.recent.pop(order_id, None)

    # -- oracle input -------------------------------------------------------------------------
    def on_observation(self, obs: PriceObservation) -> None:
        spec = MARKETS_BY_SYMBOL.get(obs.market)
        if spec is None:
            return
        price = to_engine_price(obs.price, obs.expo)
        if price <= 0:
            return
        self.oracles[spec.market_index] = OraclePrice(
            price=price, conf=to_engine_price(obs.conf, obs.expo, round_up=True), publish_slot=obs.slot,
            publish_time=obs.publish_time)
        self.slot = max(self.slot, obs.slot)
        if spec.market_index not in self.state.markets:
            self._bootstrap_market(spec.market_index, price)
        now = time.monotonic()
        if now - self.last_crank >= self.crank_interval:
            self.last_crank = now
            self.crank()

    def crank(self) -> Applied | None:
        ctx = self.ctx()
        try:
            events = process(self.state, ix.Crank(), ctx)
        except EngineError as exc:
            log.warning("crank refused: %s", exc.message)
            return None
        return self._record(ix.Crank(), ctx, events)

    def _bootstrap_market(self, market_index: int, price: int) -> None:
        spec = next(s for s in MARKETS_BY_SYMBOL.values() if s.market_index == market_index)
        cfg = default_config(spec)
        self.apply(ix.InitializeMarket(
            market_index=market_index, symbol=spec.symbol, base_asset=spec.base, quote_asset=spec.quote,
            initial_price=price, tick_size=spec.tick_size, step_size=spec.step_size, min_size=spec.min_size,
            max_leverage=spec.max_leverage, initial_margin_ratio=cfg.initial_margin_ratio,
            maintenance_margin_ratio=cfg.maintenance_margin_ratio))
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
            owed = any(user.positions[i].last_cumulative_funding != self.state.markets[i].cumulative_funding
                       for i in open_positions)
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
        snap = journal.latest_snapshot(conn)
        if snap is not None:
            self.snapshot_seq, blob = snap
            self.state = state_from_bytes(blob)
            self.seq = self.snapshot_seq
        replayed = failed = 0
        last_ctx: Context | None = None
        for seq, _kind, payload in journal.entries_after(conn, self.seq):
            instruction, ctx = self.codec.loads(payload)
            try:
                process(self.state, instruction, ctx)
            except EngineError as exc:
                failed += 1
                log.error("journal entry %d (%s) no longer applies: %s", seq, _kind, exc.message)
            self.seq = seq
            last_ctx = ctx
            replayed += 1
        if last_ctx is not None:
            self.oracles = dict(last_ctx.oracles)
            self.slot = last_ctx.slot
        self._reload_views(conn)
        live = set(self.state.orders)
        recorded = {v.order_id for v in self.recent.values() if v.status in OPEN_STATUSES}
        self.recovery = {
            "snapshot_seq": self.snapshot_seq, "replayed": replayed, "failed": failed, "seq": self.seq,
            "open_orders": len(live), "consistent": failed == 0 and live == recorded,
            "seconds": round(time.perf_counter() - started, 3),
        }
        if not self.recovery["consistent"]:
            log.error("recovery consistency check failed: engine has %d open orders, the orders table %d "
                      "(missing %s, extra %s)", len(live), len(recorded), sorted(live - recorded)[:10],
                      sorted(recorded - live)[:10])
        log.info("recovered: %s", self.recovery)
        return self.recovery

    def _reload_views(self, conn: Any) -> None:
        rows = conn.execute("SELECT view FROM orders WHERE status IN (?, ?, ?, ?) OR order_id IN "
                            "(SELECT order_id FROM orders ORDER BY updated_ts DESC LIMIT 2000)", OPEN_STATUSES
                            ).fetchall()
        for (blob,) in rows:
            view = _order_decoder.decode(blob)
            self.recent[view.order_id] = view
            if view.status in OPEN_STATUSES:
                meta = self.meta.setdefault(view.order_id, OrderMeta(created=view.created_ts))
                meta.base_filled = view.filled
                meta.quote_filled = view.avg_fill_price * view.filled // 10**9
        self.recent = dict(sorted(self.recent.items()))
        row = conn.execute("SELECT MAX(fill_id) FROM fills").fetchone()
        self.next_fill_id = (row[0] or 0) + 1

    async def start(self) -> None:
        self.bus.on("observations", self.on_observation)
        self._keeper = asyncio.create_task(self._keeper_loop(), name="paper-keeper")

    async def stop(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
        if self.seq > self.snapshot_seq and self.state.markets:
            seq, blob = self.seq, state_to_bytes(self.state)
            await self.store.write(lambda conn: journal.save_snapshot(conn, seq, blob))
            self.snapshot_seq = seq

    def oracle_price(self, market_index: int) -> int:
        oracle = self.oracles.get(market_index)
        return oracle.price if oracle is not None else 0


def status_history(events: list[Any], orders: list[OrderView]) -> list[tuple[int, int, str, int, str]]:
    """One row per status an order reached in this instruction; an order placed and finished at once
    shows both its placement status and its end."""
    placed = {e.order_id: OrderStatus(e.status).name.lower() for e in events if isinstance(e, ev.OrderPlaced)}
    rows = []
    for view in orders:
        first = placed.get(view.order_id)
        if first is not None and first != view.status:
            rows.append((view.order_id, view.created_ts, first, 0, ""))
        rows.append((view.order_id, view.updated_ts, view.status, view.filled, view.reason))
    return rows


def persist(conn: Any, entry: JournalEntry) -> None:
    """Write one journal entry and its derived rows (inside the caller's transaction)."""
    journal.append(conn, entry.seq, entry.kind, entry.payload)
    if entry.orders:
        conn.executemany(
            "INSERT OR REPLACE INTO orders (order_id, authority, sub_account, market, status, updated_ts, view) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(o.order_id, AUTHORITY, o.sub_account, o.market, o.status, o.updated_ts, _view_encoder.encode(o))
             for o in entry.orders])
    if entry.history:
        conn.executemany(
            "INSERT INTO order_history (order_id, seq, ts, status, filled, reason) VALUES (?, ?, ?, ?, ?, ?)",
            [(order_id, entry.seq, ts, status, filled, reason) for order_id, ts, status, filled, reason
             in entry.history])
    if entry.fills:
        conn.executemany(
            "INSERT INTO fills (fill_id, order_id, authority, sub_account, market, ts, view) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(f.fill_id, f.order_id, authority, f.sub_account, f.market, f.ts, _view_encoder.encode(f))
             for authority, f in entry.fills])
    if entry.liquidations:
        conn.executemany(
            "INSERT INTO liquidations (seq, ts, authority, sub_account, kind, view) VALUES (?, ?, ?, ?, ?, ?)",
            [(entry.seq, r.ts, authority, r.sub_account, r.kind, _view_encoder.encode(r))
             for authority, r in entry.liquidations])
    if entry.snapshot is not None:
        journal.save_snapshot(conn, entry.seq, entry.snapshot)
