"""The QuantDesk program client: every instruction round-trips through the IDL coder; PDAs match their seeds."""

from __future__ import annotations


import msgspec
import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from programs.quantdesk_perp import instructions as ix
from programs.quantdesk_perp.client import DEFAULT_PROGRAM_ID, PYTH_PUSH_ORACLE_ID, QuantDeskClient
from programs.quantdesk_perp.enums import CollateralAsset, OrderStatus, OrderType, Side, TimeInForce
from programs.quantdesk_perp.errors import ErrorCode
from tests.programs.instruction_samples import order_samples, setup_samples, trailing_stop_sample

ALICE = str(Keypair().pubkey())
KEEPER = str(Keypair().pubkey())
ADMIN = Keypair().pubkey()

SAMPLES = [
    *setup_samples(ALICE, KEEPER),
    ix.PlaceOrder(ALICE, 0, 0, Side.BUY, OrderType.MARKET, 10**9, 151_000_000, auction_duration_slots=0),
    ix.PlaceOrder(ALICE, 0, 1, Side.BUY, OrderType.LIMIT, 10**5, 65_000_000_000, post_only=True),
    ix.PlaceOrder(ALICE, 0, 0, Side.SELL, OrderType.STOP_MARKET, 10**9, None, 140_000_000, reduce_only=True),
    ix.PlaceOrder(ALICE, 0, 0, Side.SELL, OrderType.STOP_LIMIT, 10**9, 139_000_000, 140_000_000),
    trailing_stop_sample(ALICE),
    ix.PlaceOrder(ALICE, 1, 2, Side.BUY, OrderType.LIMIT, 10**6, 3_000_000_000, time_in_force=TimeInForce.IOC),
    ix.PlaceOrder(ALICE, 1, 2, Side.BUY, OrderType.LIMIT, 10**6, 3_000_000_000, time_in_force=TimeInForce.FOK),
    *order_samples(ALICE, KEEPER),
]


@pytest.fixture(scope="module")
def client() -> QuantDeskClient:
    return QuantDeskClient()


def extra_accounts(client: QuantDeskClient, sample) -> dict[str, Pubkey]:
    """Accounts a builder cannot derive from the instruction alone."""
    extra: dict[str, Pubkey] = {}
    if isinstance(sample, (ix.DepositTokens, ix.WithdrawTokens, ix.DepositInsuranceFund, ix.WithdrawInsuranceFund)):
        extra["userTokenAccount"] = Keypair().pubkey()
    if isinstance(
        sample,
        (
            ix.CancelOrder,
            ix.ModifyOrder,
            ix.ExecuteTwapChunk,
            ix.ExecuteIcebergChunk,
            ix.ExecuteConditionalOrder,
        ),
    ):
        extra["market"] = client.market_pda_by_index(0)
        extra["oracle"] = client.oracle_for(0)
    return extra


def test_every_engine_instruction_type_has_a_sample():
    assert {type(s) for s in SAMPLES} == set(ix.ALL_INSTRUCTIONS)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: f"{type(s).__name__}")
def test_instruction_encodes_and_decodes_back_to_the_same_args(client, sample):
    built = client.build(sample, signer=ADMIN, accounts=extra_accounts(client, sample))
    assert built.program_id == DEFAULT_PROGRAM_ID
    decoded = client.decode(built)
    expected = {
        name: value
        for name, value in msgspec.structs.asdict(sample).items()
        if name not in ("authority", "liquidator_authority")
    }
    assert decoded.args == expected
    assert decoded.accounts["state"] == client.state_pda()
    if not isinstance(sample, ix.LiquidatePosition):
        assert decoded.to_engine() == sample
    signers = [str(m.pubkey) for m in built.accounts if m.is_signer]
    authority = getattr(sample, "liquidator_authority", None) or getattr(sample, "authority", None) or str(ADMIN)
    assert signers == [authority]


def test_user_instructions_point_at_the_users_pdas(client):
    order = client.build(SAMPLES[17])  # limit order on BTC-PERP, sub-account 0
    accounts = client.decode(order).accounts
    alice = Pubkey.from_string(ALICE)
    assert accounts["user"] == Pubkey.find_program_address([b"user", bytes(alice), b"\x00\x00"], DEFAULT_PROGRAM_ID)[0]
    assert accounts["market"] == Pubkey.find_program_address([b"market", b"BTC", b"USD"], DEFAULT_PROGRAM_ID)[0]
    feed = bytes.fromhex("e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43")
    assert accounts["oracle"] == Pubkey.find_program_address([b"\x00\x00", feed], PYTH_PUSH_ORACLE_ID)[0]
    deposit = client.decode(client.build(SAMPLES[12], accounts={"userTokenAccount": ADMIN})).accounts
    assert deposit["vault"] == client.collateral_pda(client.user_pda(alice, 0), CollateralAsset.SOL)


def test_pdas_match_find_program_address_of_their_seeds(client):
    user, market, provider = Keypair().pubkey(), Keypair().pubkey(), Keypair().pubkey()
    pid = DEFAULT_PROGRAM_ID

    def expect(*seeds):
        return Pubkey.find_program_address(list(seeds), pid)[0]

    assert client.market_pda("SOL", "USD") == expect(b"market", b"SOL", b"USD")
    assert client.position_pda(user, market) == expect(b"position", bytes(user), bytes(market))
    assert client.order_pda(user, market) == expect(b"order", bytes(user), bytes(market))
    assert client.collateral_pda(user, CollateralAsset.USDC) == expect(b"collateral", bytes(user), b"\x00")
    assert client.cross_collateral_pda(user) == expect(b"cross_collateral", bytes(user))
    assert client.insurance_fund_pda() == expect(b"insurance_fund")
    assert client.circuit_breaker_pda() == expect(b"circuit_breaker")
    assert client.keeper_network_pda() == expect(b"keeper_network")
    assert client.jit_provider_pda(provider) == expect(b"jit_provider", bytes(provider))
    assert client.protocol_sol_vault_pda() == expect(b"protocol_sol_vault")
    assert client.oco_order_pda(user, market) == expect(b"oco_order", bytes(user), bytes(market))
    assert client.bracket_order_pda(user, market) == expect(b"bracket_order", bytes(user), bytes(market))
    assert client.stop_order_pda(user, market) == expect(b"stop_order", bytes(user), bytes(market))
    assert client.user_pda(user, 258) == expect(b"user", bytes(user), b"\x02\x01")


def test_all_markets_uses_the_program_id_as_the_absent_market(client):
    accounts = client.decode(client.build(ix.CancelOrders(ALICE, 0, None))).accounts
    assert accounts["market"] == accounts["oracle"] == DEFAULT_PROGRAM_ID


def test_program_id_is_configurable_per_network():
    other = Keypair().pubkey()
    client = QuantDeskClient(str(other))
    built = client.build(SAMPLES[16])
    assert built.program_id == other
    assert client.market_pda("SOL", "USD") == Pubkey.find_program_address([b"market", b"SOL", b"USD"], other)[0]
    with pytest.raises(ValueError):
        QuantDeskClient().decode(built)


def test_underivable_accounts_are_asked_for_by_name(client):
    with pytest.raises(ValueError, match="market"):
        client.build(ix.CancelOrder(ALICE, 0, 17))


def test_accounts_round_trip_through_the_idl_coder(client):
    order = {
        "order_id": 1,
        "market_index": 0,
        "side": Side.SELL,
        "order_type": OrderType.STOP_LIMIT,
        "status": next(iter(OrderStatus)),
        "size": 5,
        "filled": 0,
        "price": 7,
        "trigger_price": 8,
        "time_in_force": TimeInForce.GTC,
        "reduce_only": True,
        "post_only": False,
        "expire_time": 0,
        "client_order_id": 3,
        "parent_id": 0,
        "link_id": 0,
    }
    data = client.encode_account(
        "UserAccount",
        {
            "authority": Pubkey.from_string(ALICE),
            "sub_account": 1,
            "name": "main",
            "usdc_balance": -10,
            "sol_balance": 2,
            "positions": [],
            "orders": [order],
        },
    )
    name, values = client.decode_account(data)
    assert name == "UserAccount"
    assert values["authority"] == ALICE and values["usdc_balance"] == -10
    assert values["orders"][0]["side"] == "Sell" and values["orders"][0]["order_type"] == "StopLimit"


def test_error_names_cover_the_engine_error_codes(client):
    names = client.error_names()
    assert set(names) == {int(c) for c in ErrorCode}
    assert names[6000].startswith("InsufficientCollateral")
