/* funding.h: Drift v2 funding as programs/quantdesk_perp/math/funding.py computes it.
 *
 * Rates are FUNDING_RATE_PRECISION (1e9) quote per whole base per funding period; the market keeps
 * one cumulative rate for longs and one for shorts. Products that can pass 2^63 (rate x base,
 * pnl limit x 1e12) go through bigmath's muldiv; the rest fits in 64 bits for any u64 price.
 */
#ifndef QD_FUNDING_H
#define QD_FUNDING_H

#include "bigmath.h"
#include "layout.h"

/* positions.side_cumulative_funding: the rate a position of this sign pays or receives (shorts when flat). */
static i64 side_cumulative_funding(const MarketBody *m, i64 base) {
    return base > 0 ? m->cumulative_funding_rate_long : m->cumulative_funding_rate_short;
}

static i64 signed_magnitude(bool negative, u64 magnitude) { return negative ? -(i64)magnitude : (i64)magnitude; }

/* Division toward zero, as Rust's (and funding._trunc_div); BPF v1 has only unsigned division. */
static i64 trunc_div(i64 a, i64 b) { return signed_magnitude((a < 0) != (b < 0), abs_i64(a) / abs_i64(b)); }

/* funding.max_price_divergence: 3% of the oracle TWAP for tiers A/B, 5% for C, else 10% (TWAP > 0). */
static i64 max_price_divergence(u8 contract_tier, i64 oracle_twap) {
    if (contract_tier <= TIER_B) return trunc_div(oracle_twap, 33);
    if (contract_tier <= TIER_C) return trunc_div(oracle_twap, 20);
    return trunc_div(oracle_twap, 10);
}

/* funding.period_adjustment: funding periods in a day. */
static i64 period_adjustment(u32 funding_period) {
    return (i64)(24UL * ONE_HOUR / (funding_period > ONE_HOUR ? funding_period : ONE_HOUR));
}

typedef struct {
    i64 price_spread;
    i64 offset;
    i64 clamped_spread;
    i64 funding_rate;
} FundingSpread;

/* funding.funding_spread and funding_rate_from_spread: the rate truncated toward zero (C's `/` does). */
static FundingSpread funding_spread(i64 mark_twap, i64 oracle_twap, u8 contract_tier, u32 funding_period) {
    FundingSpread s;
    s.price_spread = mark_twap - oracle_twap;
    s.offset = (i64)(abs_i64(oracle_twap) / FUNDING_RATE_OFFSET_DENOMINATOR);
    i64 cap = max_price_divergence(contract_tier, oracle_twap), spread = s.price_spread + s.offset;
    s.clamped_spread = spread > cap ? cap : spread < -cap ? -cap : spread;
    s.funding_rate = trunc_div(s.clamped_spread * FUNDING_RATE_BUFFER, period_adjustment(funding_period));
    return s;
}

/* funding.funding_payment_in_quote: signed quote a position of `base` receives (negative = pays),
 * magnitude truncated; floor(floor(x / 1e6) / 1e3) / 1e3 is floor(x / 1e12). */
static i64 funding_payment_in_quote(i64 rate_delta, i64 base) {
    if (!rate_delta || !base) return 0;
    u64 num[2] = {abs_i64(rate_delta), abs_i64(base)}, den[1] = {FUNDING_PAYMENT_SCALE};
    return signed_magnitude((base > 0) == (rate_delta > 0), muldiv(num, 2, den, 1, false));
}

/* funding.funding_rate_from_pnl_limit: toward zero, a negative limit biased by one first. */
static i64 funding_rate_from_pnl_limit(i64 pnl_limit, i64 base) {
    if (!base) return 0;
    i64 biased = pnl_limit < 0 ? pnl_limit + 1 : pnl_limit;
    u64 num[2] = {abs_i64(biased), BASE_PRECISION * FUNDING_RATE_PRECISION / 1000000}, den[1] = {abs_i64(base)};
    return signed_magnitude((biased < 0) != (base < 0), muldiv(num, 2, den, 1, false));
}

typedef struct {
    i64 rate_long;
    i64 rate_short;
    i64 amm_pnl; /* what the AMM's side gets after the cap */
} FundingSplit;

/* funding.funding_rate_long_short (Drift's calculate_funding_rate_long_short): when the AMM's side
 * would pay more than a third of the fee pool, the receiving side's rate shrinks to what is paid. */
static FundingSplit funding_rate_long_short(i64 rate, i64 users_net_base, i64 base_long, i64 base_short, i64 fee_pool) {
    i64 uncapped = -funding_payment_in_quote(rate, users_net_base);
    FundingSplit split = {rate, rate, uncapped};
    if (uncapped >= 0) return split;
    i64 limit = -(i64)((fee_pool > 0 ? (u64)fee_pool : 0) / 3);
    split.amm_pnl = uncapped > limit ? uncapped : limit;
    i64 capped_rate = rate;
    if (uncapped < limit) {
        i64 from_users = funding_payment_in_quote(rate, rate > 0 ? base_long : base_short);
        limit -= (i64)abs_i64(from_users);
        capped_rate = funding_rate_from_pnl_limit(limit, rate < 0 ? base_long : base_short);
    }
    if (rate < 0) split.rate_long = capped_rate;
    if (rate > 0) split.rate_short = capped_rate;
    return split;
}

/* funding.funding_owed: ceil(base * (cumulative - last) / 1e12), what a user pays rounded up and
 * what a user receives rounded down. */
static i64 funding_owed(i64 base, i64 cumulative, i64 last) {
    i64 delta = cumulative - last;
    if (!delta || !base) return 0;
    bool negative = (base < 0) != (delta < 0);
    u64 num[2] = {abs_i64(base), abs_i64(delta)}, den[1] = {FUNDING_PAYMENT_SCALE};
    return signed_magnitude(negative, muldiv(num, 2, den, 1, !negative));
}

/* risk._owed: funding the position owes since it last settled, 0 when flat. */
static i64 pending_funding(const MarketBody *m, i64 base, i64 last) {
    if (!base) return 0;
    i64 cumulative = side_cumulative_funding(m, base);
    return cumulative == last ? 0 : funding_owed(base, cumulative, last);
}

#endif
