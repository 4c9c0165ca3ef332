"""The backend process: composes the services, serves the API, records itself in QUANTDESK_HOME."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend.alerts import AlertService, register_alert_ops
from backend.alerts.desk_watch import DeskWatch
from backend.api.protocol import PROTOCOL_VERSION, Status, to_builtins
from backend.api.server import ApiServer, Session
from backend.bus import Bus
from backend.candles import BENCHMARKS_URL, CandleService, register_candle_ops
from backend.degraded import StoreFaultPolicy
from backend.home import BackendRecord, HomeLock, live_record, remove_record, write_record
from backend.link import register_link_ops
from backend.logstream import BusLogHandler
from backend.metrics import Metrics
from backend.ops import register_market_ops
from backend.oracle.base import OracleSource
from backend.oracle.coingecko import COINGECKO_URL
from backend.oracle.factory import FeedOptions, build_sources
from backend.oracle.pyth_hermes import HERMES_URL
from backend.oracle.service import OracleService
from backend.risk.analytics import RiskAnalytics, register_risk_ops
from backend.risk.desk_feed import DeskPublisher, desk_reader, register_desk_ops
from backend.risk.monitor import RiskMonitor
from backend.risk.pretrade import RiskLimits
from backend.risk.trading_state import TradingStateService
from backend.solana.errors import SolanaError
from backend.solana.ops import default_key_name, register_solana_ops
from backend.solana.service import SolanaService
from backend.store.base import StoreLike, resolve_store, resolve_trader
from backend.store.factory import open_store
from backend.venues.admin_ops import register_admin_ops
from backend.venues.ops import TradingOps, register_trading_ops
from backend.business_metrics import BusinessMetrics
from backend.lifetime import live_work
from backend.risk.limits_config import load_settings, register_limit_ops
from backend.oracle.sim_ops import register_sim_ops, resume_sim, sim_source
from backend.venues.records import register_record_ops
from backend.venues.paper import AUTHORITY, PaperVenue
from backend.venues.paper_view import PaperVenueView

if TYPE_CHECKING:  # the on-chain venue (anchorpy, the program's client) is imported only when it is used
    from backend.venues.solana import SolanaVenue

log = logging.getLogger(__name__)
VERSION = "0.1.0"
STOP_TIMEOUT_S = 5.0


@dataclass(slots=True)
class BackendConfig:
    home: Path
    host: str = "127.0.0.1"
    port: int = 0
    feed: str = "sim"
    seed: int = 7
    tick_rate: float | None = None
    idle_exit_s: float | None = None  # set when spawned by a TUI
    token: str | None = None
    observation_retention: int = 200_000  # rows kept in the observations table
    daily_loss_limit: int | None = None  # quote units (1e6 = $1); beyond it trading goes REDUCING
    network: str = "localnet"  # Solana cluster: localnet (embedded LiteSVM), devnet, mainnet-beta or an RPC URL
    submit_rate: float = 100.0  # orders per second per account (pre-trade risk)
    api_rate: float = 500.0  # requests per second per connection
    venue: str = "paper"  # paper | solana (the QuantDesk program on `network`)
    hermes_url: str = HERMES_URL
    coingecko_url: str = COINGECKO_URL
    benchmarks_url: str = BENCHMARKS_URL  # candle history for --feed pyth
    fallback: bool = True  # CoinGecko behind Pyth
    speed: float = 1.0  # --feed replay:FILE
    scenario: str | None = None  # --feed sim --scenario FILE.toml
    store: str | None = None  # sqlite:PATH | postgresql://…; default: QUANTDESK_STORE, config.toml, this home
    trader: str | None = None  # the account owner's name on a shared (desk) store


class BackendAlreadyRunning(Exception):
    pass


def make_sources(config: BackendConfig) -> list[OracleSource]:
    return build_sources(
        FeedOptions(
            feed=config.feed,
            seed=config.seed,
            tick_rate=config.tick_rate,
            hermes_url=config.hermes_url,
            coingecko_url=config.coingecko_url,
            fallback=config.fallback,
            speed=config.speed,
            scenario=config.scenario,
        )
    )


class Backend:
    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        self.started = time.time()
        self.bus = Bus()
        self.metrics = Metrics()
        self.token = config.token or secrets.token_urlsafe(32)
        self.lock = HomeLock(config.home)
        self.store: StoreLike | None = None
        self.venue: PaperVenue | None = None
        self.trading: TradingOps | None = None
        self.solana: SolanaService | None = None
        self.solana_venue: SolanaVenue | None = None
        self.alerts: AlertService | None = None
        self.risk_state: TradingStateService | None = None
        self.risk_monitor: RiskMonitor | None = None
        self.store_policy: StoreFaultPolicy | None = None
        self.desk_feed: DeskPublisher | None = None
        self.desk_watch: DeskWatch | None = None
        self.oracle = OracleService(self.bus, self.metrics, make_sources(config))
        self.candles: CandleService | None = None
        self.api = ApiServer(self.bus, self.metrics, self.token, health=self.health, rate_per_s=config.api_rate)
        self.url = ""
        self._stopping = asyncio.Event()
        self._recorder_buffer: list[tuple[Any, ...]] = []
        self._log_handler = BusLogHandler(self.bus)

    # -- composition --------------------------------------------------------------------------
    def _register(self) -> None:
        api = self.api
        api.op("status", self._op_status)
        api.op("stop", self._op_stop)
        register_market_ops(api, self.oracle)
        self.candles = CandleService(
            self.bus,
            self.store,
            self.oracle.quotes,
            feed=self.config.feed,
            seed=self.config.seed,
            benchmarks_url=self.config.benchmarks_url,
        )
        register_candle_ops(api, self.candles)
        api.stream("prices", "prices", key=lambda q: q.market, market_of=lambda q: q.market)
        self.bus.on("observations", self._record_observation)
        self.venue = PaperVenue(self.bus, self.store)
        self.venue.recover()
        self.risk_settings = load_settings(
            self.config.home, RiskLimits(submit_rate_per_s=self.config.submit_rate), self.config.daily_loss_limit
        )  # defaults, then config.toml [risk]
        self.trading = TradingOps(self.venue, limits=self.risk_settings.limits, oracle_healthy=self._oracle_fresh)
        register_trading_ops(api, self.trading)
        register_record_ops(api, self.venue)
        BusinessMetrics(self.metrics.registry, self.bus, self.venue, AUTHORITY)
        sim = sim_source(self.oracle.sources)
        if sim is not None:
            resume_sim(sim, self.store, self.venue)
        register_sim_ops(api, sim, self.store, paper=self.config.venue == "paper", venue=self.venue)
        self._register_risk(api)
        self.store_policy = StoreFaultPolicy(self.store, self.risk_state, self.metrics)
        register_admin_ops(api, self.trading)
        register_link_ops(api, self.bus)
        api.stream("log", "log")
        self.solana = SolanaService(self.config.home, self.config.network)
        register_solana_ops(api, self.solana)
        if self.config.venue == "solana":
            from backend.venues.solana import SolanaVenue
            from backend.venues.solana_ops import register_solana_venue_ops

            self.solana_venue = SolanaVenue(self.solana.rpc, self.solana.sender, signer=self._default_signer())
            register_solana_venue_ops(api, self.solana_venue, self.venue.oracle_price)
        self.alerts = AlertService(self.bus, self.store, oracle=self.oracle)
        register_alert_ops(api, self.alerts)
        self.desk_watch = DeskWatch(self.alerts, desk_reader(self.store))

    def _register_risk(self, api: ApiServer) -> None:
        view = PaperVenueView(self.venue, self.trading)
        state = self.risk_state = TradingStateService(
            self.bus, self.store, view, daily_loss_limit=self.risk_settings.daily_loss_limit
        )
        state.load()
        register_limit_ops(
            api, self.config.home, self.risk_settings, lambda limit: setattr(state, "daily_loss_limit", limit)
        )
        self.trading.trading_state = lambda: state.effective
        self.venue.trading_state = lambda: str(state.effective)
        self.risk_monitor = RiskMonitor(self.bus, view, self.store)
        self.desk_feed = DeskPublisher(self.bus, self.store)
        register_desk_ops(api, self.store)
        analytics = RiskAnalytics(
            view, self.candles.bars if self.candles else None, self.store, self.risk_monitor, state
        )
        register_risk_ops(api, monitor=self.risk_monitor, analytics=analytics, trading_state=state)

    def _oracle_fresh(self, market: str, max_age_s: float = 30.0) -> bool:
        quote = self.oracle.quotes.quotes.get(market)
        return quote is not None and time.time() - quote.publish_time <= max_age_s

    def _default_signer(self) -> Any:
        """The key named `default` if it is there and unlocked; the venue refuses to sign without one."""
        try:
            return self.solana.keystore.signer(default_key_name(self.solana.keystore.names(), None))
        except SolanaError:
            return None

    def venue_description(self) -> str:
        if self.solana_venue is not None:
            return f"solana ({self.solana_venue.status})"
        return "paper"

    def health(self) -> dict[str, Any]:
        degraded = ["store"] if self.store_policy is not None and self.store_policy.degraded else []
        return {
            "status": "degraded" if degraded else "ok",
            "degraded": degraded,
            "store": {
                **(self.store_policy.health() if self.store_policy is not None else {}),
                **({"kind": self.store.kind, "trader": self.store.trader} if self.store else {}),
            },
            "version": VERSION,
            "pid": os.getpid(),
            "uptime_s": round(time.time() - self.started, 3),
            "clients": self.api.client_count,
            "feeds": to_builtins(self.oracle.health()),
            "venue": {
                "name": "paper",
                "journal_seq": self.venue.seq if self.venue else 0,
                "recovery": self.venue.recovery if self.venue else {},
            },
        }

    async def _op_status(self, session: Session, args: dict[str, Any]) -> Any:
        return to_builtins(
            Status(
                version=VERSION,
                protocol=PROTOCOL_VERSION,
                pid=os.getpid(),
                url=self.url,
                uptime_s=round(time.time() - self.started, 3),
                clients=self.api.client_count,
                feed=self.config.feed,
                feeds=self.oracle.health(),
                venue=self.venue_description(),
                ticks_in=self.oracle.accepted,
                spawned_by_tui=self.config.idle_exit_s is not None,
                live_work=live_work(self.venue, self.alerts),
            )
        )

    async def _op_stop(self, session: Session, args: dict[str, Any]) -> Any:
        asyncio.get_running_loop().call_later(0.05, self._stopping.set)
        return {"stopping": True}

    # -- observation recording (bounded retention) --------------------------------------------
    def _record_observation(self, obs: Any) -> None:
        self._recorder_buffer.append(
            (obs.market, obs.price, obs.conf, obs.expo, obs.publish_time, obs.slot, obs.ema_price, obs.source)
        )

    async def _flush_observations(self) -> None:
        flushes = 0
        while True:
            await asyncio.sleep(1.0)
            rows, self._recorder_buffer = self._recorder_buffer, []
            flushes += 1
            prune = flushes % 60 == 0
            keep = self.config.observation_retention
            if rows or prune:
                self.store.submit(
                    lambda conn, rows=rows, prune=prune, keep=keep: _write_observations(conn, rows, prune, keep)
                )
            self.metrics.store_commits.set(self.store.commits)

    # -- lifecycle ----------------------------------------------------------------------------
    async def run(self) -> None:
        home = self.config.home
        if not self.lock.acquire():
            other = live_record(home)
            where = f" at {other.url} (pid {other.pid})" if other else ""
            raise BackendAlreadyRunning(f"a backend is already running for {home}{where}")
        try:
            logging.getLogger().addHandler(self._log_handler)
            self.store = await asyncio.to_thread(
                open_store, resolve_store(self.config.store, home), resolve_trader(self.config.trader, home)
            )
            self.store.start()
            self._register()
            self.store_policy.start()
            await self.alerts.start()
            await self.desk_watch.start()
            await self.risk_state.start()
            await self.risk_monitor.start()
            await self.desk_feed.start()
            port = await self.api.start(self.config.host, self.config.port)
            self.url = f"ws://{self.config.host}:{port}"
            await self.venue.start()
            if self.solana_venue is not None:
                await self.solana_venue.start()
            await self.candles.start()
            await self.oracle.start()
            write_record(
                home,
                BackendRecord(
                    url=self.url,
                    token=self.token,
                    pid=os.getpid(),
                    protocol=PROTOCOL_VERSION,
                    version=VERSION,
                    started=self.started,
                ),
            )
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self._stopping.set)
            log.info("backend listening on %s (feed %s)", self.url, self.config.feed)
            print(self.url, flush=True)
            tasks = [asyncio.create_task(self._flush_observations())]
            if self.config.idle_exit_s is not None:
                tasks.append(asyncio.create_task(self._idle_watch(self.config.idle_exit_s)))
            await self._stopping.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await self.shutdown()

    async def _idle_watch(self, grace: float) -> None:
        # the grace counts from when the backend is ready, not from when it began to start up
        self.api.last_client_seen = max(self.api.last_client_seen, time.monotonic())
        while True:
            await asyncio.sleep(min(1.0, grace / 4))
            idle = self.api.client_count == 0 and time.monotonic() - self.api.last_client_seen > grace
            if idle and (live_work(self.venue, self.alerts) or (self.alerts is not None and self.alerts.pending_work)):
                continue  # stops, TP/SL, TWAPs and alerts work with no terminal attached: stay up for them
            if idle:
                log.info("no clients for %.0fs: exiting", grace)
                self._stopping.set()
                return

    def request_stop(self) -> None:
        self._stopping.set()

    async def shutdown(self) -> None:
        # each service gets a bounded time to stop, so a stuck one (a history download, a webhook)
        # never keeps the process, the home lock and the record alive
        for service in (
            self.oracle,
            self.candles,
            self.risk_monitor,
            self.desk_feed,
            self.desk_watch,
            self.risk_state,
            self.alerts,
            self.api,
            self.venue,
        ):
            if service is not None:
                await _stop_within(service, STOP_TIMEOUT_S)
        if self.store is not None:
            self.store.stop()
        if self.solana is not None:
            await self.solana.close()
        remove_record(self.config.home, os.getpid())
        logging.getLogger().removeHandler(self._log_handler)
        self.lock.release()
        log.info("backend stopped")


async def _stop_within(service: Any, seconds: float) -> None:
    try:
        await asyncio.wait_for(service.stop(), seconds)
    except asyncio.TimeoutError:
        log.warning("%s did not stop within %gs; going on with the shutdown", type(service).__name__, seconds)
    except Exception:
        log.exception("%s failed to stop cleanly", type(service).__name__)


def _write_observations(conn: Any, rows: list[tuple[Any, ...]], prune: bool, keep: int) -> None:
    if rows:
        conn.executemany(
            "INSERT INTO observations (market, price, conf, expo, publish_time, slot, ema_price, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    if prune:
        conn.execute("DELETE FROM observations WHERE id <= (SELECT MAX(id) FROM observations) - ?", (keep,))
