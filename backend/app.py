"""The backend process: composes the services, serves the API, records itself in QUANTDESK_HOME."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
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
from backend.risk.trading_state import TradingGate, TradingStateService
from backend.solana.errors import SolanaError
from backend.solana.ops import default_key_name, register_solana_ops
from backend.solana.service import SolanaService
from backend.store.base import StoreLike, resolve_store, resolve_trader
from backend.store.factory import open_store
from backend.store.observations import ObservationLog
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


@dataclass(slots=True, frozen=True)
class Services:
    """Every service of a running backend over one open store, each built complete by `compose`."""

    store: StoreLike
    candles: CandleService
    observations: ObservationLog
    venue: PaperVenue
    trading: TradingOps
    risk_state: TradingStateService
    risk_monitor: RiskMonitor
    desk_feed: DeskPublisher
    store_policy: StoreFaultPolicy
    solana: SolanaService
    solana_venue: SolanaVenue | None  # with `--venue solana` only
    alerts: AlertService
    desk_watch: DeskWatch

    async def start(self) -> None:
        """The services that work before the API serves (risk and alerts watch from the first request)."""
        self.store_policy.start()
        await self.alerts.start()
        await self.desk_watch.start()
        await self.risk_state.start()
        await self.risk_monitor.start()
        await self.desk_feed.start()

    async def start_trading(self) -> None:
        """Once the API serves: the venue's keeper, the on-chain venue, candles."""
        await self.venue.start()
        if self.solana_venue is not None:
            await self.solana_venue.start()
        await self.candles.start()


def compose(
    config: BackendConfig, store: StoreLike, bus: Bus, metrics: Metrics, oracle: OracleService, api: ApiServer
) -> Services:
    """Build every service in dependency order and register its ops; the venue is recovered from the
    journal here, before anything serves."""
    register_market_ops(api, oracle)
    candles = CandleService(
        bus, store, oracle.quotes, feed=config.feed, seed=config.seed, benchmarks_url=config.benchmarks_url
    )
    register_candle_ops(api, candles)
    api.stream("prices", "prices", key=lambda q: q.market, market_of=lambda q: q.market)
    observations = ObservationLog(store, config.observation_retention)
    bus.on("observations", observations.add)
    gate = TradingGate()
    venue = PaperVenue(bus, store, trading_state=gate.effective)
    venue.recover()
    risk_settings = load_settings(
        config.home, RiskLimits(submit_rate_per_s=config.submit_rate), config.daily_loss_limit
    )  # defaults, then config.toml [risk]
    trading = TradingOps(
        venue, limits=risk_settings.limits, trading_state=gate.effective, oracle_healthy=oracle_fresh(oracle)
    )
    register_trading_ops(api, trading)
    register_record_ops(api, venue)
    BusinessMetrics(metrics.registry, bus, venue, AUTHORITY)
    sim = sim_source(oracle.sources)
    if sim is not None:
        resume_sim(sim, store, venue)
    register_sim_ops(api, sim, store, paper=config.venue == "paper", venue=venue)
    view = PaperVenueView(venue, trading)
    risk_state = TradingStateService(bus, store, view, gate=gate, daily_loss_limit=risk_settings.daily_loss_limit)
    risk_state.load()
    register_limit_ops(api, config.home, risk_settings, risk_state.set_daily_loss_limit)
    risk_monitor = RiskMonitor(bus, view, store)
    desk_feed = DeskPublisher(bus, store)
    register_desk_ops(api, store)
    analytics = RiskAnalytics(view, candles.bars, store, risk_monitor, risk_state)
    register_risk_ops(api, monitor=risk_monitor, analytics=analytics, trading_state=risk_state)
    store_policy = StoreFaultPolicy(store, risk_state, metrics)
    register_admin_ops(api, trading)
    register_link_ops(api, bus)
    api.stream("log", "log")
    solana = SolanaService(config.home, config.network)
    register_solana_ops(api, solana)
    solana_venue: SolanaVenue | None = None
    if config.venue == "solana":
        from backend.venues.solana import SolanaVenue
        from backend.venues.solana_ops import register_solana_venue_ops

        solana_venue = SolanaVenue(solana.rpc, solana.sender, signer=default_signer(solana))
        register_solana_venue_ops(api, solana_venue, venue.oracle_price)
    alerts = AlertService(bus, store, oracle=oracle)
    register_alert_ops(api, alerts)
    desk_watch = DeskWatch(alerts, desk_reader(store))
    return Services(
        store=store,
        candles=candles,
        observations=observations,
        venue=venue,
        trading=trading,
        risk_state=risk_state,
        risk_monitor=risk_monitor,
        desk_feed=desk_feed,
        store_policy=store_policy,
        solana=solana,
        solana_venue=solana_venue,
        alerts=alerts,
        desk_watch=desk_watch,
    )


def oracle_fresh(oracle: OracleService, max_age_s: float = 30.0) -> Callable[[str], bool]:
    """Pre-trade's question: has `market` a quote newer than `max_age_s`?"""

    def fresh(market: str) -> bool:
        quote = oracle.quotes.quotes.get(market)
        return quote is not None and time.time() - quote.publish_time <= max_age_s

    return fresh


def default_signer(solana: SolanaService) -> Any:
    """The key named `default` if it is there and unlocked; the venue refuses to sign without one."""
    try:
        return solana.keystore.signer(default_key_name(solana.keystore.names(), None))
    except SolanaError:
        return None


class Backend:
    """The process: locks the home, opens the store, composes the services, serves until stopped."""

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        self.started = time.time()
        self.bus = Bus()
        self.metrics = Metrics()
        self.token = config.token or secrets.token_urlsafe(32)
        self.lock = HomeLock(config.home)
        self.oracle = OracleService(self.bus, self.metrics, make_sources(config))
        self.api = ApiServer(self.bus, self.metrics, self.token, health=self.health, rate_per_s=config.api_rate)
        self.api.op("status", self._op_status)
        self.api.op("stop", self._op_stop)
        self.url = ""
        self._services: Services | None = None  # while running
        self._stopping = asyncio.Event()
        self._log_handler = BusLogHandler(self.bus)

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the backend is not running")
        return self._services

    def venue_description(self) -> str:
        solana_venue = self.services.solana_venue
        return f"solana ({solana_venue.status})" if solana_venue is not None else "paper"

    def health(self) -> dict[str, Any]:
        """What `/health` answers (the API serves only while the services run)."""
        services = self.services
        degraded = ["store"] if services.store_policy.degraded else []
        return {
            "status": "degraded" if degraded else "ok",
            "degraded": degraded,
            "store": {**services.store_policy.health(), "kind": services.store.kind, "trader": services.store.trader},
            "version": VERSION,
            "pid": os.getpid(),
            "uptime_s": round(time.time() - self.started, 3),
            "clients": self.api.client_count,
            "feeds": to_builtins(self.oracle.health()),
            "venue": {"name": "paper", "journal_seq": services.venue.seq, "recovery": services.venue.recovery},
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
                live_work=live_work(self.services.venue, self.services.alerts),
            )
        )

    async def _op_stop(self, session: Session, args: dict[str, Any]) -> Any:
        asyncio.get_running_loop().call_later(0.05, self._stopping.set)
        return {"stopping": True}

    # -- lifecycle ----------------------------------------------------------------------------
    async def run(self) -> None:
        home = self.config.home
        if not self.lock.acquire():
            other = live_record(home)
            where = f" at {other.url} (pid {other.pid})" if other else ""
            raise BackendAlreadyRunning(f"a backend is already running for {home}{where}")
        try:
            logging.getLogger().addHandler(self._log_handler)
            store = await asyncio.to_thread(
                open_store, resolve_store(self.config.store, home), resolve_trader(self.config.trader, home)
            )
            try:
                store.start()
                self._services = compose(self.config, store, self.bus, self.metrics, self.oracle, self.api)
            except BaseException:
                store.stop()
                raise
            await self._serve(self._services)
        finally:
            await self.shutdown()

    async def _serve(self, services: Services) -> None:
        await services.start()
        port = await self.api.start(self.config.host, self.config.port)
        self.url = f"ws://{self.config.host}:{port}"
        await services.start_trading()
        await self.oracle.start()
        write_record(
            self.config.home,
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
        # the start-up heap (imports, the recovered engine state and views) lives as long as the process:
        # out of the collector, a full collection walks only what came after (else a pause of 100+ ms)
        gc.collect()
        gc.freeze()
        # a young-generation pass every 20,000 net allocations instead of 700: an order allocates
        # hundreds of short-lived records that reference counting frees (the engine makes no cycles),
        # and at 700 the collector ran every few orders (~7 µs of CPU per order, bench order_stages)
        gc.set_threshold(20_000, *gc.get_threshold()[1:])
        print(self.url, flush=True)
        tasks = [asyncio.create_task(self._flush_observations(services))]
        if self.config.idle_exit_s is not None:
            tasks.append(asyncio.create_task(self._idle_watch(services, self.config.idle_exit_s)))
        await self._stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _flush_observations(self, services: Services) -> None:
        while True:
            await asyncio.sleep(1.0)
            services.observations.flush()
            self.metrics.store_commits.set(services.store.commits)

    async def _idle_watch(self, services: Services, grace: float) -> None:
        # the grace counts from when the backend is ready, not from when it began to start up
        self.api.last_client_seen = max(self.api.last_client_seen, time.monotonic())
        while True:
            await asyncio.sleep(min(1.0, grace / 4))
            idle = self.api.client_count == 0 and time.monotonic() - self.api.last_client_seen > grace
            if idle and (live_work(services.venue, services.alerts) or services.alerts.pending_work):
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
        services = self._services
        await _stop_within(self.oracle, STOP_TIMEOUT_S)
        if services is not None:
            for service in (
                services.candles,
                services.risk_monitor,
                services.desk_feed,
                services.desk_watch,
                services.risk_state,
                services.alerts,
            ):
                await _stop_within(service, STOP_TIMEOUT_S)
        await _stop_within(self.api, STOP_TIMEOUT_S)
        if services is not None:
            await _stop_within(services.venue, STOP_TIMEOUT_S)
            services.store.stop()
            await services.solana.close()
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
