"""Per-market price-time priority book of resting limit orders (ids per price level, sorted prices)."""

from __future__ import annotations

from bisect import bisect_left, insort

from .enums import Side
from .state import Market, Order

BUY = Side.BUY


def add_resting(market: Market, order: Order) -> None:
    is_bid = order.side == BUY
    levels = market.bids if is_bid else market.asks
    price = order.price
    level = levels.get(price)
    if level is None:
        levels[price] = [order.order_id]
        insort(market.bid_prices if is_bid else market.ask_prices, price)
    else:
        level.append(order.order_id)


def remove_resting(market: Market, order: Order) -> None:
    is_bid = order.side == BUY
    levels = market.bids if is_bid else market.asks
    price = order.price
    level = levels.get(price)
    if level is None or order.order_id not in level:
        return
    level.remove(order.order_id)
    if not level:
        del levels[price]
        prices = market.bid_prices if is_bid else market.ask_prices
        del prices[bisect_left(prices, price)]


def best_bid(market: Market) -> int:
    return market.bid_prices[-1] if market.bid_prices else 0


def best_ask(market: Market) -> int:
    return market.ask_prices[0] if market.ask_prices else 0
