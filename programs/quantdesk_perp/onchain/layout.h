/* layout.h: account and instruction layouts, Anchor-compatible (8-byte sha256 discriminators, Borsh).
 *
 * PerpMarket and UserAccount begin with exactly the IDL's fields, so anchorpy decodes them; a
 * PerpMarket carries after them the engine fields the IDL does not list (oracle, AMM, TWAPs).
 * Borsh puts strings and vectors inline, so fields after the symbol / name start at a computed
 * offset; the structs here are packed and accessed byte-wise.
 */
#ifndef QD_LAYOUT_H
#define QD_LAYOUT_H

#include "sol.h"

#define PACKED __attribute__((packed))

/* sha256("global:<name>")[..8] and sha256("account:<Name>")[..8], little-endian u64 */
#define IX_INITIALIZE_MARKET 0xcbaa309bc1bd2323UL
#define IX_CREATE_USER_ACCOUNT 0xc7b62e3f45644492UL
#define IX_INITIALIZE_COLLATERAL_ACCOUNT 0x1321cc428948c727UL
#define IX_DEPOSIT_TOKENS 0x96b08fbf12e553b0UL
#define IX_WITHDRAW_TOKENS 0xaa6ab6133de10402UL
#define IX_PLACE_ORDER 0x6a60826daf9bc233UL
#define IX_CANCEL_ORDER 0x84df3108f0ed815fUL
#define IX_SETTLE_FUNDING 0x5785e4c7a10cfb0bUL
#define IX_UPDATE_ORACLE_PRICE 0x9a95744196a3230eUL
#define IX_CALCULATE_FUNDING_RATE 0x87d13c438a1e0b83UL
#define ACCOUNT_USER 0x7ff26eba108821d3UL
#define ACCOUNT_MARKET 0xf737f56b2c0cdf0aUL
#define ACCOUNT_STATE 0xe6a74395e589d14dUL
#define ACCOUNT_PRICE_UPDATE_V2 0xcdf47e9d6323f122UL

/* Program errors: ErrorCode in programs/quantdesk_perp/errors.py (IDL errors 6000+). */
enum {
    E_INSUFFICIENT_COLLATERAL = 6000, E_ORACLE_STALE, E_ORACLE_TOO_UNCERTAIN, E_ORACLE_UNAVAILABLE,
    E_INVALID_PRICE, E_INVALID_SIZE, E_OFF_TICK, E_OFF_STEP, E_BELOW_MIN_SIZE, E_UNKNOWN_MARKET,
    E_MARKET_EXISTS, E_UNKNOWN_ACCOUNT, E_ACCOUNT_EXISTS, E_UNKNOWN_ORDER, E_ORDER_NOT_OPEN,
    E_ILLEGAL_ORDER_TRANSITION, E_REDUCE_ONLY_INCREASES, E_POST_ONLY_WOULD_CROSS, E_FOK_NOT_FILLED,
    E_MARKET_HALTED, E_MARKET_REDUCE_ONLY, E_OI_CAP, E_CIRCUIT_BREAKER, E_WITHDRAW_EXCEEDS_FREE,
    E_INSUFFICIENT_BALANCE, E_INVALID_AMOUNT, E_INVALID_ORDER, E_INVALID_TRIGGER, E_INVALID_EXPIRY,
    E_NOT_TRIGGERED, E_NOT_DUE, E_NOT_LIQUIDATABLE, E_NO_POSITION, E_SELF_LIQUIDATION,
    E_INSURANCE_FUND_INSUFFICIENT, E_INVALID_PARAMETER, E_UNKNOWN_ASSET, E_TOO_MANY_ORDERS,
    E_NO_LIQUIDITY, E_MATH_OVERFLOW, E_USER_BANKRUPT, E_USER_BEING_LIQUIDATED,
};
/* Anchor's framework errors for malformed transactions. */
#define E_INSTRUCTION_DID_NOT_DESERIALIZE 102
#define E_NOT_ENOUGH_ACCOUNT_KEYS 3005
#define E_ACCOUNT_DISCRIMINATOR_MISMATCH 3002
#define E_ACCOUNT_OWNED_BY_WRONG_PROGRAM 3007
#define E_CONSTRAINT_SIGNER 2002
#define E_CONSTRAINT_SEEDS 2006

/* Enums, as in programs/quantdesk_perp/enums.py */
enum { SIDE_BUY = 0, SIDE_SELL = 1 };
enum { OT_MARKET = 0, OT_LIMIT = 1 };
enum { TIF_GTC = 0, TIF_IOC = 1, TIF_FOK = 2, TIF_GTD = 3 };
enum { ST_OPEN = 2, ST_PARTIALLY_FILLED = 3, ST_FILLED = 4, ST_CANCELLED = 5 };
enum { ASSET_USDC = 0, ASSET_SOL = 1 };
enum { MS_ACTIVE = 0, MS_REDUCE_ONLY = 1, MS_HALTED = 2 };
enum { TIER_A = 0, TIER_B = 1, TIER_C = 2 };

#define BASE_PRECISION 1000000000UL
#define PERCENTAGE_PRECISION 1000000UL
#define MARGIN_PRECISION 10000UL
#define FUNDING_RATE_PRECISION 1000000000UL
#define FUNDING_RATE_BUFFER 1000
#define FUNDING_RATE_OFFSET_DENOMINATOR 5000
#define FUNDING_PAYMENT_SCALE 1000000000000UL /* PRICE_PRECISION * FUNDING_RATE_BUFFER * AMM_TO_QUOTE */
#define ONE_HOUR 3600
#define MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN 100000000L /* 100 USD per position */
#define MAX_AMOUNT 0x7fffffffffffffffUL

#define MAX_SYMBOL_LEN 32
#define MAX_NAME_LEN 32
#define MAX_POSITIONS 8
#define MAX_ORDERS 32

typedef struct PACKED {
    u64 discriminator;
    SolPubkey admin;
    SolPubkey usdc_mint;
    u64 next_order_id;
    u8 bump;
} ProgramState;

/* PerpMarket after discriminator, market_index and symbol. */
typedef struct PACKED {
    u8 status;
    u64 tick_size;
    u64 step_size;
    u64 min_size;
    u16 max_leverage;
    u32 margin_ratio_initial;
    u32 margin_ratio_maintenance;
    u32 taker_fee;
    u32 maker_fee;
    i64 cumulative_funding_rate_long; /* the IDL's cumulativeFunding (i128): the long side's rate, */
    i64 cumulative_funding_rate_long_high; /* its sign extension, kept so (see README) */
    i64 last_funding_time;
    u64 open_interest_long;
    u64 open_interest_short;
    i64 amm_base;
    i64 fee_pool;
    u8 circuit_breaker_tripped;
    /* -- not in the IDL: the engine's other market fields -- */
    SolPubkey oracle;
    u64 amm_depth;
    u32 amm_half_spread;
    u32 auction_band;
    u64 oracle_max_staleness_slots;
    u32 oracle_max_conf;
    i64 amm_quote_entry;
    i64 amm_realized_pnl;
    i64 amm_balance;
    u64 last_oracle_price;
    u64 mark_twap;
    i64 mark_twap_time;
    u64 oracle_twap;
    i64 oracle_twap_time;
    u32 funding_interval;
    u32 max_orders_per_account;
    u8 contract_tier;
    i64 cumulative_funding_rate_short;
    i64 last_funding_rate;
    i64 last_funding_rate_long;
    i64 last_funding_rate_short;
    u32 circuit_breaker_pct;
    u32 circuit_breaker_window;
    u64 cb_reference_price;
    i64 cb_window_start;
    u8 bump;
} MarketBody;

typedef struct PACKED {
    u16 market_index;
    i64 base;
    i64 quote_entry;
    i64 last_cumulative_funding; /* its side's cumulative rate when last settled (the i128's low half) */
    i64 last_cumulative_funding_high;
    i64 realized_pnl;
    i64 fees_paid;
    i64 funding_paid;
    u64 open_bids;
    u64 open_asks;
} PerpPosition;

typedef struct PACKED {
    u64 order_id;
    u16 market_index;
    u8 side;
    u8 order_type;
    u8 status;
    u64 size;
    u64 filled;
    u64 price;
    u64 trigger_price;
    u8 time_in_force;
    u8 reduce_only;
    u8 post_only;
    i64 expire_time;
    u64 client_order_id;
    u64 parent_id;
    u64 link_id;
} Order;

/* UserAccount after discriminator, authority, sub_account and name. */
typedef struct PACKED {
    i64 usdc_balance;
    i64 sol_balance;
    u32 positions_len;
} UserHead;

#define STATE_SPACE sizeof(ProgramState)
#define MARKET_SPACE (8 + 2 + 4 + MAX_SYMBOL_LEN + sizeof(MarketBody))
#define USER_SPACE (8 + 32 + 2 + 4 + MAX_NAME_LEN + sizeof(UserHead) + MAX_POSITIONS * sizeof(PerpPosition) + 4 + \
                    MAX_ORDERS * sizeof(Order))

typedef struct PACKED { u64 v; } U64;
typedef struct PACKED { u32 v; } U32;
typedef struct PACKED { u16 v; } U16;

/* Borsh reader over instruction data; `bad` is set on any read past the end. */
typedef struct {
    const u8 *p;
    const u8 *end;
    bool bad;
} Reader;

static bool rd_take(Reader *r, u64 n) {
    if (r->bad || (u64)(r->end - r->p) < n) {
        r->bad = true;
        return false;
    }
    return true;
}
static u8 rd_u8(Reader *r) { return rd_take(r, 1) ? *r->p++ : 0; }
static u16 rd_u16(Reader *r) {
    if (!rd_take(r, 2)) return 0;
    u16 v = ((const U16 *)r->p)->v;
    r->p += 2;
    return v;
}
static u32 rd_u32(Reader *r) {
    if (!rd_take(r, 4)) return 0;
    u32 v = ((const U32 *)r->p)->v;
    r->p += 4;
    return v;
}
static u64 rd_u64(Reader *r) {
    if (!rd_take(r, 8)) return 0;
    u64 v = ((const U64 *)r->p)->v;
    r->p += 8;
    return v;
}
static const u8 *rd_str(Reader *r, u32 *len) {
    *len = rd_u32(r);
    const u8 *s = r->p;
    if (rd_take(r, *len)) r->p += *len;
    return s;
}
/* Option<u64>: false when None. */
static bool rd_opt_u64(Reader *r, u64 *v) {
    u8 tag = rd_u8(r);
    if (tag > 1) r->bad = true;
    *v = tag == 1 ? rd_u64(r) : 0;
    return tag == 1;
}

#endif
