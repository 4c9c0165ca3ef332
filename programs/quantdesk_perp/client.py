"""Client for the on-chain QuantDesk perp program: anchorpy coders over our IDL, PDAs, instruction builders.

Pure: builds and decodes bytes and solders Instructions; sending them is backend/solana's job.
Only anchorpy's coder/IDL parts are used (no Program, no RPC).

PDA seeds (QUANTDESK_PROGRAM.md; keys as 32 raw bytes, u16 little-endian, asset as its u8 enum value):
  state ["state"] · user ["user", authority, sub_account u16] · market ["market", base, quote] ·
  position/order/oco_order/bracket_order/stop_order [name, user, market] ·
  collateral ["collateral", user, asset u8] · cross_collateral ["cross_collateral", user] ·
  insurance_fund · circuit_breaker · keeper_network · protocol_sol_vault [name] · jit_provider ["jit_provider", provider]
A market's default oracle is the Pyth push-oracle PriceUpdateV2 account of its feed (shard 0).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from importlib import resources
from typing import Any

import msgspec
from anchorpy.coder.accounts import AccountsCoder
from anchorpy.coder.instruction import InstructionCoder
from anchorpy.program.common import NamedInstruction
from anchorpy.program.namespace.types import _build_types
from anchorpy_core.idl import Idl, IdlAccount
from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

from .idl import INSTRUCTIONS_BY_IDL_NAME, PROGRAM_ID, snake, to_idl, variant_name
from .markets import MARKETS, MarketSpec

DEFAULT_PROGRAM_ID = Pubkey.from_string(PROGRAM_ID)
TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
PYTH_PUSH_ORACLE_ID = Pubkey.from_string("pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT")
_AUTHORITY_FIELDS = ("authority", "liquidator_authority")


def load_idl() -> Idl:
    text = resources.files("programs.quantdesk_perp").joinpath("idl/quantdesk_perp.json").read_text()
    return Idl.from_json(text)


@dataclass(slots=True, frozen=True)
class DecodedInstruction:
    name: str  # snake_case IDL name
    args: dict[str, Any]  # engine-typed values (IntEnum members, not anchorpy variants)
    accounts: dict[str, Pubkey]

    def to_engine(self) -> Any:
        """The engine instruction object; authorities come from the signer accounts."""
        cls = INSTRUCTIONS_BY_IDL_NAME[self.name]
        values = dict(self.args)
        names = set(cls.__struct_fields__)
        if "liquidator_authority" in names:
            values["liquidator_authority"] = str(self.accounts["liquidator"])
        if "authority" in names:
            key = self.accounts.get("authority")
            if key is None:
                raise ValueError(f"{self.name}: the user's authority is not among its accounts")
            values["authority"] = str(key)
        return cls(**values)


class QuantDeskClient:
    """Encode/decode instructions and accounts, derive PDAs. One per program id (i.e. per network)."""

    def __init__(
        self,
        program_id: Pubkey | str = DEFAULT_PROGRAM_ID,
        *,
        idl: Idl | None = None,
        markets: tuple[MarketSpec, ...] = MARKETS,
        oracles: Mapping[int, Pubkey] | None = None,
    ) -> None:
        self.program_id = Pubkey.from_string(program_id) if isinstance(program_id, str) else program_id
        self.idl = idl or load_idl()
        self.instruction_coder = InstructionCoder(self.idl)
        self.accounts_coder = AccountsCoder(self.idl)
        self._types = _build_types(self.idl)
        self._idl_ix = {snake(ix.name): ix for ix in self.idl.instructions}
        self.markets = {m.market_index: m for m in markets}
        self._oracles = dict(oracles or {})

    # -- PDAs --------------------------------------------------------------------------------------

    def pda(self, *seeds: bytes) -> Pubkey:
        return Pubkey.find_program_address(list(seeds), self.program_id)[0]

    def state_pda(self) -> Pubkey:
        return self.pda(b"state")

    def user_pda(self, authority: Pubkey, sub_account: int = 0) -> Pubkey:
        return self.pda(b"user", bytes(authority), sub_account.to_bytes(2, "little"))

    def market_pda(self, base: str, quote: str) -> Pubkey:
        return self.pda(b"market", base.encode(), quote.encode())

    def market_pda_by_index(self, market_index: int) -> Pubkey:
        spec = self._market(market_index)
        return self.market_pda(spec.base, spec.quote)

    def position_pda(self, user: Pubkey, market: Pubkey) -> Pubkey:
        return self.pda(b"position", bytes(user), bytes(market))

    def order_pda(self, user: Pubkey, market: Pubkey) -> Pubkey:
        return self.pda(b"order", bytes(user), bytes(market))

    def oco_order_pda(self, user: Pubkey, market: Pubkey) -> Pubkey:
        return self.pda(b"oco_order", bytes(user), bytes(market))

    def bracket_order_pda(self, user: Pubkey, market: Pubkey) -> Pubkey:
        return self.pda(b"bracket_order", bytes(user), bytes(market))

    def stop_order_pda(self, user: Pubkey, market: Pubkey) -> Pubkey:
        return self.pda(b"stop_order", bytes(user), bytes(market))

    def collateral_pda(self, user: Pubkey, asset: int) -> Pubkey:
        return self.pda(b"collateral", bytes(user), bytes([int(asset)]))

    def cross_collateral_pda(self, user: Pubkey) -> Pubkey:
        return self.pda(b"cross_collateral", bytes(user))

    def insurance_fund_pda(self) -> Pubkey:
        return self.pda(b"insurance_fund")

    def circuit_breaker_pda(self) -> Pubkey:
        return self.pda(b"circuit_breaker")

    def keeper_network_pda(self) -> Pubkey:
        return self.pda(b"keeper_network")

    def protocol_sol_vault_pda(self) -> Pubkey:
        return self.pda(b"protocol_sol_vault")

    def jit_provider_pda(self, provider: Pubkey) -> Pubkey:
        return self.pda(b"jit_provider", bytes(provider))

    def oracle_for(self, market_index: int) -> Pubkey:
        if market_index in self._oracles:
            return self._oracles[market_index]
        feed = bytes.fromhex(self._market(market_index).pyth_feed_id)
        return Pubkey.find_program_address([(0).to_bytes(2, "little"), feed], PYTH_PUSH_ORACLE_ID)[0]

    def _market(self, market_index: int) -> MarketSpec:
        try:
            return self.markets[market_index]
        except KeyError:
            raise ValueError(f"unknown market index {market_index}") from None

    # -- instruction data --------------------------------------------------------------------------

    def encode_args(self, name: str, args: Mapping[str, Any]) -> bytes:
        return self.instruction_coder.encode(name, {k: self._to_anchor(v) for k, v in args.items()})

    def decode_args(self, data: bytes) -> tuple[str, dict[str, Any]]:
        named: NamedInstruction = self.instruction_coder.parse(data)
        cls = INSTRUCTIONS_BY_IDL_NAME[named.name]
        hints = typing.get_type_hints(cls)
        args = {}
        for name in cls.__struct_fields__:
            if name not in _AUTHORITY_FIELDS:
                args[name] = _from_anchor(getattr(named.data, name), hints[name])
        return named.name, args

    def _to_anchor(self, value: Any) -> Any:
        if isinstance(value, IntEnum):
            return getattr(self._types[type(value).__name__], variant_name(value))()
        if isinstance(value, Mapping):
            return {snake(str(k)): self._to_anchor(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._to_anchor(v) for v in value]
        return value

    # -- whole instructions ------------------------------------------------------------------------

    def build(
        self, ix: Any, *, signer: Pubkey | None = None, accounts: Mapping[str, Pubkey] | None = None
    ) -> Instruction:
        """A solders Instruction for an engine instruction object.

        `signer` is the admin/keeper key for instructions without a user authority; `accounts`
        overrides or supplies any account by its IDL name (e.g. `userTokenAccount`, or `market`
        for instructions that name an order but not its market).
        """
        name, args, _ = to_idl(ix)
        overrides = dict(accounts or {})
        metas = []
        for account in self._idl_ix[name].accounts:
            if not isinstance(account, IdlAccount):  # a nested group (IdlAccounts): the program has none
                raise ValueError(f"{name}: nested account group {account.name!r} is not supported")
            key = overrides.get(account.name) or self._resolve(account.name, ix, signer)
            if key is None:
                raise ValueError(f"{name}: account {account.name!r} cannot be derived; pass accounts={{...}}")
            metas.append(AccountMeta(key, is_signer=account.is_signer, is_writable=account.is_mut))
        return Instruction(self.program_id, self.encode_args(name, args), metas)

    def decode(self, instruction: Instruction) -> DecodedInstruction:
        if instruction.program_id != self.program_id:
            raise ValueError(f"instruction is for {instruction.program_id}, not {self.program_id}")
        name, args = self.decode_args(bytes(instruction.data))
        names = [a.name for a in self._idl_ix[name].accounts]
        return DecodedInstruction(name, args, {n: m.pubkey for n, m in zip(names, instruction.accounts)})

    def _resolve(self, account: str, ix: Any, signer: Pubkey | None) -> Pubkey | None:
        fields = msgspec.structs.asdict(ix)
        authority = _key(fields.get("authority"))
        if account == "state":
            return self.state_pda()
        if account == "authority":
            return authority
        if account == "signer":
            return signer
        if account == "liquidator":
            return _key(fields.get("liquidator_authority")) or signer
        if account == "liquidatorUser":
            liquidator = _key(fields.get("liquidator_authority")) or signer
            return liquidator and self.user_pda(liquidator, fields["liquidator_sub_account"])
        if account == "user":
            return authority and self.user_pda(authority, fields.get("sub_account", 0))
        if account in ("market", "oracle"):
            if "market_index" not in fields:
                return None
            index = fields["market_index"]
            if index is None:  # "all markets": Anchor's placeholder for an absent optional account
                return self.program_id
            return self.market_pda_by_index(index) if account == "market" else self.oracle_for(index)
        if account == "vault":
            if "asset" in fields and authority is not None:
                return self.collateral_pda(self.user_pda(authority, fields["sub_account"]), fields["asset"])
            return self.insurance_fund_pda()
        if account == "tokenProgram":
            return TOKEN_PROGRAM_ID
        return None

    # -- accounts and errors -----------------------------------------------------------------------

    def decode_account(self, data: bytes) -> tuple[str, dict[str, Any]]:
        parsed = self.accounts_coder.parse(data)
        return parsed.name, _plain(parsed.data)

    def encode_account(self, name: str, values: Mapping[str, Any]) -> bytes:
        data = {snake(k): self._to_anchor(v) for k, v in values.items()}
        return self.accounts_coder.build(NamedInstruction(data=data, name=name))

    def error_names(self) -> dict[int, str]:
        """Custom error codes → names, for backend/solana's ErrorDecoder."""
        return {e.code: f"{e.name}: {e.msg}" if e.msg else e.name for e in self.idl.errors or []}


def _key(value: Any) -> Pubkey | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Pubkey) else Pubkey.from_string(str(value))


def _from_anchor(value: Any, annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is not None and value is not None:
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = inner[0] if len(inner) == 1 else annotation
    if isinstance(annotation, type) and issubclass(annotation, IntEnum) and value is not None:
        return next(m for m in annotation if variant_name(m) == type(value).__name__)
    return value


def _plain(value: Any) -> Any:
    """Decoded anchorpy structs (dataclasses) / enum variants → JSON-ready dicts, lists and names."""
    if isinstance(value, (bool, int, str, bytes)) or value is None:
        return value
    if isinstance(value, Pubkey):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if type(value).__module__ == "sumtypes":  # an enum variant: its name
        return type(value).__name__
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {snake(str(k)): _plain(v) for k, v in value.items() if not str(k).startswith("_")}
    return value


__all__ = ["DEFAULT_PROGRAM_ID", "DecodedInstruction", "QuantDeskClient", "load_idl"]
