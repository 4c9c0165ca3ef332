"""`python -m bench solana`: signing throughput and transaction lifecycle latency on the embedded LiteSVM."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer

from backend.solana.history import MemoryTxRecorder
from backend.solana.keystore import Keystore
from backend.solana.localnet import LiteSvmRpc
from backend.solana.tx import ConfirmPolicy, TxSender
from bench._onchain import OnchainBench
from bench._table import percentile, print_table


async def run(count: int) -> list[list[object]]:
    with tempfile.TemporaryDirectory() as home:
        keystore = Keystore(home, audit=lambda event: None)
        keystore.create("bench")
        signer = keystore.signer("bench")
        rpc = LiteSvmRpc()
        await rpc.request_airdrop(signer.pubkey, 100 * 10**9)
        blockhash = (await rpc.get_latest_blockhash()).blockhash
        to = Keypair().pubkey()

        start = time.perf_counter()
        for i in range(count):
            ix = transfer(TransferParams(from_pubkey=signer.pubkey, to_pubkey=to, lamports=1 + i))
            signer.sign_transaction(MessageV0.try_compile(signer.pubkey, [ix], [], blockhash), purpose="bench")
        sign_rate = count / (time.perf_counter() - start)

        recorder = MemoryTxRecorder()
        sender = TxSender(rpc, recorder=recorder, confirm=ConfirmPolicy(poll_interval=0.0))
        original_send = rpc.send
        sent_at: dict[str, float] = {}

        async def timed_send(tx):  # confirm latency = first send → confirmed
            sent_at.setdefault(str(tx.signatures[0]), time.perf_counter())
            return await original_send(tx)

        rpc.send = timed_send  # type: ignore[method-assign]
        confirm_ms, total_ms = [], []
        start = time.perf_counter()
        for i in range(count):
            began = time.perf_counter()
            ix = transfer(TransferParams(from_pubkey=signer.pubkey, to_pubkey=to, lamports=10_000 + i))
            outcome = await sender.send(signer, [ix], request_id=f"bench-{i}")
            done = time.perf_counter()
            confirm_ms.append((done - sent_at[outcome.signature]) * 1000)
            total_ms.append((done - began) * 1000)
        lifecycle_rate = count / (time.perf_counter() - start)

    return [
        ["signed transactions/s (compile + sign)", sign_rate, ""],
        ["full lifecycle transactions/s", lifecycle_rate, "fee → simulate → sign → send → confirm"],
        ["confirm latency p50 ms", percentile(confirm_ms, 50), "send → confirmed"],
        ["confirm latency p99 ms", percentile(confirm_ms, 99), ""],
        ["lifecycle latency p50 ms", percentile(total_ms, 50), "request → confirmed"],
        ["lifecycle latency p99 ms", percentile(total_ms, 99), ""],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench solana")
    parser.add_argument("--count", type=int, default=2000, help="transactions per measurement")
    parser.add_argument("--program-count", type=int, default=300, help="on-chain orders per measurement")
    parser.add_argument(
        "--differential",
        type=int,
        default=0,
        metavar="N",
        help="also run N steps of the engine-vs-program differential stream (seeds 1..5)",
    )
    args = parser.parse_args()
    rows = asyncio.run(run(args.count))
    print_table(f"Solana on LiteSVM ({args.count} transfers)", ["what", "value", "note"], rows)
    rows = OnchainBench().run(args.program_count)
    print_table(f"QuantDesk perp program on LiteSVM ({args.program_count} per row)", ["what", "value", "note"], rows)
    if args.differential:
        rows = run_differential(args.differential)
        print_table("Engine vs program, differential", ["seed", "instructions", "agreed"], rows)
    return 0


def run_differential(steps: int) -> list[list[object]]:
    from tools.perp_differential import run as differential  # tools/ sits beside bench/ in the checkout

    rows: list[list[object]] = []
    for seed in range(1, 6):
        outcomes = differential(seed, steps)
        rows.append([seed, sum(outcomes.values()), "every step"])
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
