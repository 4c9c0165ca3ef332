"""Record and replay: the file format, determinism, speed, damaged files."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import pytest

from backend.domain.errors import DomainError
from backend.oracle.factory import FeedOptions, build_sources
from backend.oracle.record import record
from backend.oracle.replay import ReplaySource


async def record_sim(path, seconds=0.3) -> int:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    return await record(["--feed", "sim", "--tick-rate", "300", "--seed", "5"], None, path, stop)


def strip(obs):
    return (obs.market, obs.price, obs.conf, obs.expo, obs.publish_time, obs.slot, obs.ema_price)


async def test_recorded_file_has_a_header_and_one_row_per_published_observation(tmp_path):
    path = tmp_path / "sim.jsonl"
    count = await record_sim(path)
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "quantdesk.observations" and header["version"] == 1 and header["feed"] == "sim"
    assert header["fields"][0] == "t_ms" and len(lines) == count + 1 and count > 20
    t_ms, market, price, conf, expo, publish_time, slot, ema, source = json.loads(lines[1])
    assert market == "SOL-PERP" and expo == -8 and source == "sim" and price > 0


async def test_replay_is_deterministic_and_reproduces_the_recording(tmp_path, harness_factory):
    path = tmp_path / "sim.jsonl"
    await record_sim(path)
    recorded = [json.loads(line) for line in path.read_text().splitlines()[1:]]
    runs = []
    for _ in range(2):
        h = await harness_factory([ReplaySource(path, speed=0, rebase=False)])
        await h.wait_for(lambda: len(h.observations) == len(recorded), what="full replay")
        runs.append([strip(o) for o in h.observations])
        await h.wait_for(lambda: "finished" in h.health("replay").reason)
    assert runs[0] == runs[1]
    assert runs[0] == [tuple(r[1:8]) for r in recorded]


async def test_replay_rebases_publish_time_to_now_and_keeps_spacing(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text(
        '{"format":"quantdesk.observations","version":1}\n'
        '[0,"SOL-PERP",15000000000,1000,-8,1000,2500,15000000000,"pyth"]\n'
        '[100,"SOL-PERP",15010000000,1000,-8,1003,2507,15000000000,"pyth"]\n'
    )
    rows = ReplaySource(path).observations(now=2_000_000_000)
    assert [(t, o.publish_time, o.slot) for t, o in rows] == [
        (0, 2_000_000_000, 2500 + int((2_000_000_000 - 1000) / 0.4)),
        (100, 2_000_000_003, 2507 + int((2_000_000_000 - 1000) / 0.4)),
    ]
    assert {o.source for _, o in rows} == {"replay"}


async def test_replay_speed_scales_the_recorded_gaps(tmp_path, harness_factory):
    path = tmp_path / "f.jsonl"
    rows = [f'[{i * 200},"SOL-PERP",{15000000000 + i},1000,-8,{1000 + i},1,15000000000,"pyth"]' for i in range(6)]
    path.write_text('{"format":"quantdesk.observations","version":1}\n' + "\n".join(rows) + "\n")
    start = time.monotonic()
    h = await harness_factory([ReplaySource(path, speed=10)])
    await h.wait_for(lambda: len(h.observations) == 6)
    assert 0.08 <= time.monotonic() - start < 0.6  # 1 s of recording at 10x


async def test_damaged_rows_are_skipped_and_counted(tmp_path, harness_factory):
    path = tmp_path / "f.jsonl"
    path.write_text(
        '{"format":"quantdesk.observations","version":1}\n'
        '[0,"SOL-PERP",15000000000,1000,-8,1000,1,15000000000,"pyth"]\n'
        "garbage\n"
        '[0,"SOL-PERP",-5,1000,-8,1001,1,15000000000,"pyth"]\n'
        '[0,"SOL-PERP",15000000000,1000,-8,1002,1,150'
    )
    h = await harness_factory([ReplaySource(path, speed=0)])
    await h.wait_for(lambda: "finished" in h.health("replay").reason)
    assert len(h.observations) == 1
    assert h.rejects("replay", "bad_json") == 1 and h.rejects("replay", "truncated") == 1
    assert h.rejects("replay", "non_positive_price") == 1


def test_a_file_that_is_not_a_recording_is_refused(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("hello\n")
    with pytest.raises(DomainError, match="cannot replay"):
        build_sources(FeedOptions(feed=f"replay:{path}"))
    with pytest.raises(DomainError, match="cannot replay"):
        build_sources(FeedOptions(feed=f"replay:{tmp_path / 'missing'}"))


def test_record_module_entry_point_writes_a_file(tmp_path):
    path = tmp_path / "cli.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "backend.oracle.record", "--feed", "sim", "--minutes", "0.005", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert "recorded" in proc.stderr and len(path.read_text().splitlines()) > 1
