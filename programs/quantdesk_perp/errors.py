"""Named error codes (IDL errors 6000+) and the one exception the engine raises."""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    INSUFFICIENT_COLLATERAL = 6000
    ORACLE_STALE = 6001
    ORACLE_TOO_UNCERTAIN = 6002
    ORACLE_UNAVAILABLE = 6003
    INVALID_PRICE = 6004
    INVALID_SIZE = 6005
    OFF_TICK = 6006
    OFF_STEP = 6007
    BELOW_MIN_SIZE = 6008
    UNKNOWN_MARKET = 6009
    MARKET_EXISTS = 6010
    UNKNOWN_ACCOUNT = 6011
    ACCOUNT_EXISTS = 6012
    UNKNOWN_ORDER = 6013
    ORDER_NOT_OPEN = 6014
    ILLEGAL_ORDER_TRANSITION = 6015
    REDUCE_ONLY_INCREASES = 6016
    POST_ONLY_WOULD_CROSS = 6017
    FOK_NOT_FILLED = 6018
    MARKET_HALTED = 6019
    MARKET_REDUCE_ONLY = 6020
    OI_CAP = 6021
    CIRCUIT_BREAKER = 6022
    WITHDRAW_EXCEEDS_FREE = 6023
    INSUFFICIENT_BALANCE = 6024
    INVALID_AMOUNT = 6025
    INVALID_ORDER = 6026
    INVALID_TRIGGER = 6027
    INVALID_EXPIRY = 6028
    NOT_TRIGGERED = 6029
    NOT_DUE = 6030
    NOT_LIQUIDATABLE = 6031
    NO_POSITION = 6032
    SELF_LIQUIDATION = 6033
    INSURANCE_FUND_INSUFFICIENT = 6034
    INVALID_PARAMETER = 6035
    UNKNOWN_ASSET = 6036
    TOO_MANY_ORDERS = 6037
    NO_LIQUIDITY = 6038
    MATH_OVERFLOW = 6039
    USER_BANKRUPT = 6040
    USER_BEING_LIQUIDATED = 6041


class EngineError(Exception):
    """A refused instruction: `code` for programs, `message` for the trader. State is unchanged."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[EngineError], tuple[ErrorCode, str]]:  # keep picklable across process boundaries
        return (EngineError, (self.code, self.message))
