"""Two backends in two homes on one PostgreSQL: both trade, kill -9 loses no acked order, and
`quantdesk desk --json` from either home shows both traders with the same numbers they report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path


from backend.api.protocol import ApiError, to_human
from backend.client import BackendClient
from tests.polling import wait_until


def env_for(home: Path) -> dict[str, str]:
    return {**os.environ, "QUANTDESK_HOME": str(home)}


def spawn_backend(home: Path, store: str, trader: str) -> subprocess.Popen[str]:
    (home / "config.toml").write_text(f'store = "{store}"\ntrader = "{trader}"\n')
    return subprocess.Popen(
        [sys.executable, "-m", "backend", "--tick-rate", "60", "--seed", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env_for(home),
    )


def attach(proc: subprocess.Popen[str], home: Path) -> BackendClient:
    url = proc.stdout.readline().strip()
    assert url.startswith("ws://"), url
    token = json.loads((home / "backend.json").read_text())["token"]
    return BackendClient.for_url(url, token, client_name="e2e", timeout=5)


NOT_YET = ("NO_PRICE", "ORACLE_UNHEALTHY", "ORACLE_STALE", "INSUFFICIENT_COLLATERAL")


async def place(client: BackendClient, **order) -> list[int]:
    async def accepted() -> list[int] | None:  # once the market has a price and the account is funded
        try:
            result = await client.request("order.place", market="SOL-PERP", size="0.1", **order)
        except ApiError as exc:
            if exc.code not in NOT_YET:
                raise
            return None
        return [o["order_id"] for o in result["orders"]]

    return await wait_until(accepted, what=f"the order {order} accepted", timeout=20.0)


def desk_from(*homes: Path) -> list[dict]:
    """`quantdesk desk --json` run in each home at once."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "quantdesk_tui.cli", "desk", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env_for(home),
        )
        for home in homes
    ]
    views = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        views.append(json.loads(out))
    return views


async def wait_for_desk(client: BackendClient, ready) -> dict:
    async def view() -> dict | None:
        desk = await client.request("desk.view")
        return desk if ready(desk) else None

    return await wait_until(view, what="the desk view showing what was expected", timeout=20.0, interval=0.1)


def both_with_positions(view: dict) -> bool:
    return len(view["traders"]) == 2 and all(t["positions"] and not t["stale"] for t in view["traders"])


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)


async def _positions(client: BackendClient) -> list[dict]:
    return (await client.request("positions"))["positions"]


def _url_token(home: Path) -> tuple[str, str]:
    record = json.loads((home / "backend.json").read_text())
    return record["url"], record["token"]


async def test_two_traders_share_one_database_survive_sigkill_and_the_desk_sums_them(pg_url, tmp_path):
    homes = {name: tmp_path / name for name in ("alice", "bob")}
    for home in homes.values():
        home.mkdir()
    procs: dict[str, subprocess.Popen[str]] = {}
    acked: dict[str, set[int]] = {}
    positions: dict[str, list[dict]] = {}
    try:
        procs = {name: spawn_backend(home, pg_url, name) for name, home in homes.items()}  # starts overlap
        for name, side, resting in (("alice", "buy", "135"), ("bob", "sell", "155")):
            async with attach(procs[name], homes[name]) as client:
                acked[name] = set(await place(client, side=side, type="market"))  # a position once it fills:
                await wait_until(  # market orders fill at the end of their auction, a few slots after the ack
                    lambda c=client: _positions(c), what=f"{name}'s market order filled", timeout=20.0, interval=0.1
                )
                for _ in range(3):
                    acked[name] |= set(await place(client, side=side, price=resting))  # resting orders
        os.kill(procs["alice"].pid, signal.SIGKILL)
        procs["alice"].wait(10)
        procs["alice"] = spawn_backend(homes["alice"], pg_url, "alice")
        async with attach(procs["alice"], homes["alice"]) as client:
            orders = {o["order_id"] for o in (await client.request("orders", status="all", limit=5000))["orders"]}
            assert acked["alice"] <= orders
            assert client.hello["venue"]["recovery"]["consistent"] is True
            assert {k: client.hello["store"][k] for k in ("kind", "trader")} == {
                "kind": "postgresql",
                "trader": "alice",
            }
            positions["alice"] = await _positions(client)
            await wait_for_desk(client, both_with_positions)  # the restarted backend has published again
        async with BackendClient.for_url(*_url_token(homes["bob"]), client_name="e2e") as bob_client:
            positions["bob"] = await _positions(bob_client)
            over_api = await bob_client.request("desk.view")
        view, same = desk_from(homes["bob"], homes["alice"])  # the CLI reads the database, asks no backend
        for v in (view, same, over_api):
            assert both_with_positions(v)
            assert [t["trader"] for t in v["traders"]] == ["alice", "bob"]
        for trader in view["traders"]:
            assert trader["open_orders"] == 3
            (pos,) = positions[trader["trader"]]
            # `--json` prints exact decimal strings: the position's base exactly as the engine holds it
            assert [(p["market"], p["base"]) for p in trader["positions"]] == [
                ("SOL-PERP", to_human({"base": pos["base"]})["base"])
            ]
        totals = view["totals"]
        assert totals["traders"] == 2 and totals["open_orders"] == 6
        assert Decimal(totals["equity"]) == sum(Decimal(t["equity"]) for t in view["traders"])
        (sol,) = view["exposure"]
        assert sol["market"] == "SOL-PERP" and sol["traders"] == 2
        assert Decimal(sol["long"]) == Decimal(view["traders"][0]["positions"][0]["notional"])
        assert Decimal(sol["short"]) == -Decimal(view["traders"][1]["positions"][0]["notional"])
    finally:
        for proc in procs.values():
            stop(proc)
