"""The SDK's views: trading records in human units, the same numbers the wire carries as integers."""

from __future__ import annotations

from decimal import Decimal

from backend.api.protocol import ApiError
from tests.polling import wait_until


async def _priced(client) -> dict:
    return await wait_until(
        lambda: client.request("market.state", market="SOL-PERP"), what="a SOL-PERP price", ignore=(ApiError,)
    )


async def test_view_gives_exact_decimals_and_pushes_too(client):
    await _priced(client)
    pushed: list[dict] = []
    await client.subscribe_view("fills", lambda stream, fill: pushed.append(fill))
    state = await client.request("market.state", market="SOL-PERP")
    limit = str(Decimal(state["oracle_price"] * 102 // 100 // 10_000 * 10_000) / 10**6)
    placed = await client.view("order.place", market="SOL-PERP", side="buy", size="0.5", price=limit, tif="ioc")
    [order] = placed["orders"]
    assert (order["size"], order["filled"], order["status"]) == ("0.5", "0.5", "filled")
    [fill] = placed["fills"]
    assert fill["size"] == "0.5" and Decimal(fill["price"]) <= Decimal(limit)
    raw = await client.request("fills")
    assert raw["fills"][-1]["price"] == int(Decimal(fill["price"]) * 10**6)
    await wait_until(lambda: pushed, what="the fill's push")
    assert pushed[0]["size"] == "0.5" and pushed[0]["price"] == fill["price"]
    quote = await client.view("quote", market="SOL-PERP")
    assert "expo" not in quote and Decimal(quote["price"]) > 0
