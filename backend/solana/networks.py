"""Network names → an Rpc: localnet (embedded LiteSVM), devnet, mainnet-beta, or any RPC URL."""

from __future__ import annotations

from dataclasses import dataclass

from backend.solana.errors import ErrorCode, SolanaError
from backend.solana.rpc import HttpRpc, Rpc

CLUSTER_URLS = {
    "devnet": "https://api.devnet.solana.com",
    "mainnet-beta": "https://api.mainnet-beta.solana.com",
}
NETWORK_NAMES = ("localnet", "devnet", "mainnet-beta")


@dataclass(slots=True, frozen=True)
class Network:
    name: str  # localnet | devnet | mainnet-beta | custom
    url: str | None  # None for the embedded localnet

    @property
    def is_localnet(self) -> bool:
        return self.name == "localnet"

    @property
    def has_faucet(self) -> bool:
        return self.name in ("localnet", "devnet")


def resolve_network(spec: str) -> Network:
    spec = (spec or "").strip()
    if spec in ("localnet", "local"):
        return Network("localnet", None)
    if spec in ("mainnet", "mainnet-beta"):
        return Network("mainnet-beta", CLUSTER_URLS["mainnet-beta"])
    if spec == "devnet":
        return Network("devnet", CLUSTER_URLS["devnet"])
    if spec.startswith(("http://", "https://")):
        return Network("custom", spec)
    raise SolanaError(
        ErrorCode.INVALID_NETWORK,
        f"unknown network {spec!r}: use localnet, devnet, mainnet-beta or an http(s) URL",
    )


def open_rpc(spec: str | Network, *, timeout: float = 10.0, retries: int = 2) -> Rpc:
    network = spec if isinstance(spec, Network) else resolve_network(spec)
    if network.is_localnet:
        from backend.solana.localnet import LiteSvmRpc

        return LiteSvmRpc()
    assert network.url is not None
    return HttpRpc(
        network.url,
        network=network.name,
        timeout=timeout,
        retries=retries,
        supports_airdrop=network.has_faucet or network.name == "custom",
    )
