/* The QuantDesk perp program, on-chain subset (README.md says which and where it differs).
 *
 * Same instruction names, discriminators, Borsh arguments, account layouts and error codes as the
 * IDL (programs/quantdesk_perp/idl/), same integer formulas and rounding as the Python engine,
 * which is the specification: every function here names the engine function it mirrors.
 */
#include "sol.h"
#include "bigmath.h"
#include "layout.h"
#include "funding.h"

static const SolPubkey TOKEN_PROGRAM = {{6, 221, 246, 225, 215, 101, 161, 147, 217, 203, 225, 70, 206, 235, 121, 172,
                                         28, 180, 133, 237, 95, 91, 55, 145, 58, 140, 245, 133, 126, 255, 0, 169}};
static const SolPubkey SYSTEM_PROGRAM = {{0}};
/* rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ: the Pyth receiver, owner of PriceUpdateV2 accounts */
static const SolPubkey PYTH_RECEIVER = {{12, 183, 250, 187, 82, 247, 166, 72, 187, 91, 49, 125, 154, 1, 139, 144, 87, 203, 2,
                                         71, 116, 250, 254, 1, 230, 196, 223, 152, 204, 56, 88, 129}};
#define RENT_LAMPORTS_PER_BYTE 6960 /* rent-exempt minimum: (128 + space) * 3480 * 2 */

typedef struct {
    SolParameters params;
    SolClock clock;
} Ctx;

/* ---- accounts ------------------------------------------------------------------------------ */

static bool owned(const SolAccountInfo *a, const SolPubkey *program) { return pubkey_eq(a->owner, program); }
static u64 disc_of(const SolAccountInfo *a) { return a->data_len >= 8 ? ((const U64 *)a->data)->v : 0; }

typedef struct {
    SolAccountInfo *info;
    u16 market_index;
    MarketBody *m;
} MarketRef;

static u64 load_market(const Ctx *c, SolAccountInfo *a, MarketRef *out) {
    if (!owned(a, c->params.program_id) || disc_of(a) != ACCOUNT_MARKET) return E_UNKNOWN_MARKET;
    out->info = a;
    out->market_index = ((const U16 *)(a->data + 8))->v;
    u32 symbol_len = ((const U32 *)(a->data + 10))->v;
    out->m = (MarketBody *)(a->data + 14 + symbol_len);
    return SUCCESS;
}

typedef struct {
    SolAccountInfo *info;
    UserHead *head;
    PerpPosition *positions; /* head->positions_len of them */
    U32 *orders_len;
    Order *orders;
} UserRef;

static void user_locate(UserRef *u) {
    u8 *data = u->info->data;
    u32 name_len = ((const U32 *)(data + 42))->v;
    u->head = (UserHead *)(data + 46 + name_len);
    u->positions = (PerpPosition *)((u8 *)u->head + sizeof(UserHead));
    u->orders_len = (U32 *)((u8 *)u->positions + u->head->positions_len * sizeof(PerpPosition));
    u->orders = (Order *)((u8 *)u->orders_len + 4);
}

/* The signer's account `sub_account`: content proves it (only this program writes such data). */
static u64 load_user(const Ctx *c, SolAccountInfo *a, const SolAccountInfo *authority, u16 sub_account, UserRef *out) {
    if (!authority->is_signer) return E_CONSTRAINT_SIGNER;
    if (!owned(a, c->params.program_id) || disc_of(a) != ACCOUNT_USER || !a->is_writable) return E_UNKNOWN_ACCOUNT;
    if (!pubkey_eq((const SolPubkey *)(a->data + 8), authority->key) || ((const U16 *)(a->data + 40))->v != sub_account)
        return E_UNKNOWN_ACCOUNT;
    out->info = a;
    user_locate(out);
    return SUCCESS;
}

static PerpPosition *find_position(UserRef *u, u16 market_index) {
    for (u32 i = 0; i < u->head->positions_len; i++)
        if (u->positions[i].market_index == market_index) return &u->positions[i];
    return NULL;
}

/* get_position: a new position is appended (the orders vector moves up by one record). */
static PerpPosition *get_position(UserRef *u, const MarketRef *mk, u64 *err) {
    PerpPosition *pos = find_position(u, mk->market_index);
    if (pos) return pos;
    if (u->head->positions_len >= MAX_POSITIONS) {
        *err = E_TOO_MANY_ORDERS;
        return NULL;
    }
    u64 orders_bytes = 4 + u->orders_len->v * sizeof(Order);
    sol_memmove_((u8 *)u->orders_len + sizeof(PerpPosition), u->orders_len, orders_bytes);
    pos = (PerpPosition *)u->orders_len;
    sol_memset_(pos, 0, sizeof(PerpPosition));
    pos->market_index = mk->market_index;
    u->head->positions_len += 1;
    user_locate(u);
    return pos;
}

/* ---- oracle: a Pyth PriceUpdateV2 account ------------------------------------------------------ */

typedef struct {
    u64 price; /* PRICE_PRECISION */
    u64 conf;
    u64 publish_slot;
} Oracle;

static u64 pow10(u32 n) {
    u64 v = 1;
    while (n--) v *= 10;
    return v;
}

/* Read the observation; no staleness check (margin_price). Prices become PRICE_PRECISION: the
 * price rounds down, the confidence band up. */
static u64 read_oracle(const SolAccountInfo *a, const MarketBody *m, Oracle *out) {
    if (!pubkey_eq(a->key, &m->oracle) || !owned(a, &PYTH_RECEIVER) || a->data_len < 133 ||
        disc_of(a) != ACCOUNT_PRICE_UPDATE_V2)
        return E_ORACLE_UNAVAILABLE;
    const u8 *msg = a->data + 8 + 32 + (a->data[40] == 0 ? 2 : 1) + 32; /* past the feed id */
    i64 price = (i64)((const U64 *)msg)->v;
    u64 conf = ((const U64 *)(msg + 8))->v;
    i32 expo = (i32)((const U32 *)(msg + 16))->v;
    out->publish_slot = ((const U64 *)(msg + 16 + 4 + 8 + 8 + 8 + 8))->v;
    if (price <= 0) {
        out->price = 0;
        out->conf = conf;
        return SUCCESS;
    }
    if (expo <= -6) {
        u64 scale = pow10((u32)(-6 - expo));
        out->price = (u64)price / scale;
        out->conf = (conf + scale - 1) / scale;
    } else {
        u64 scale = pow10((u32)(expo + 6));
        out->price = (u64)price * scale;
        out->conf = conf * scale;
    }
    return SUCCESS;
}

/* checked_oracle: the price fills may use. */
static u64 checked_oracle(const Ctx *c, const SolAccountInfo *a, const MarketBody *m, Oracle *out) {
    u64 err = read_oracle(a, m, out);
    if (err) return err;
    if (out->price == 0) return E_INVALID_PRICE;
    if (c->clock.slot - out->publish_slot > m->oracle_max_staleness_slots) return E_ORACLE_STALE;
    if (out->conf * MARGIN_PRECISION > out->price * (u64)m->oracle_max_conf) return E_ORACLE_TOO_UNCERTAIN;
    return SUCCESS;
}

/* ---- engine math (programs/quantdesk_perp/math) ----------------------------------------------- */

#define CHECK(expr)              \
    do {                         \
        u64 _err = (expr);       \
        if (_err) return _err;   \
    } while (0)

/* amm.ask_price / bid_price: the marginal price of the next unit (ask up, bid down). */
static u64 amm_quote_price(const MarketBody *m, u64 oracle, bool is_buy) {
    i64 x = (i64)m->amm_depth + m->amm_base;
    if (x <= 0) return 0;
    u64 spread = is_buy ? PERCENTAGE_PRECISION + m->amm_half_spread : PERCENTAGE_PRECISION - m->amm_half_spread;
    u64 num[4] = {oracle, m->amm_depth, m->amm_depth, spread};
    u64 den[3] = {(u64)x, (u64)x, PERCENTAGE_PRECISION};
    return muldiv(num, 4, den, 3, is_buy);
}

/* amm.max_buy / max_sell: most base before the marginal price passes `limit` (rounded down). */
static u64 amm_max_qty(const MarketBody *m, u64 oracle, bool is_buy, u64 limit) {
    i64 x = (i64)m->amm_depth + m->amm_base;
    if (limit == 0 || (is_buy && x <= 0)) return 0;
    Big n, d, q, r;
    big_set(&n, oracle);
    big_mul(&n, m->amm_depth);
    big_mul(&n, m->amm_depth);
    big_mul(&n, is_buy ? PERCENTAGE_PRECISION + m->amm_half_spread : PERCENTAGE_PRECISION - m->amm_half_spread);
    big_set(&d, PERCENTAGE_PRECISION);
    big_mul(&d, limit);
    big_divmod(&n, &d, &q, &r);
    bool exact;
    if (is_buy) { /* x - sqrt_ceil(ceil(n / d)) */
        if (!big_is_zero(&r)) big_add_u32(&q, 1);
        u64 root = big_isqrt(&q, &exact);
        if (!exact) root += 1;
        return (u64)x > root ? (u64)x - root : 0;
    }
    u64 root = big_isqrt(&q, &exact); /* isqrt(floor(n / d)) - x */
    return (i64)root > x ? (u64)((i64)root - x) : 0;
}

/* amm.buy_cost (rounded up) / sell_proceeds (rounded down) for `base`. */
static u64 amm_fill_quote(const MarketBody *m, u64 oracle, bool is_buy, u64 base) {
    i64 x = (i64)m->amm_depth + m->amm_base;
    u64 spread = is_buy ? PERCENTAGE_PRECISION + m->amm_half_spread : PERCENTAGE_PRECISION - m->amm_half_spread;
    u64 num[5] = {oracle, base, m->amm_depth, m->amm_depth, spread};
    u64 den[4] = {BASE_PRECISION, (u64)x, is_buy ? (u64)(x - (i64)base) : (u64)(x + (i64)base), PERCENTAGE_PRECISION};
    return muldiv(num, 5, den, 4, is_buy);
}

/* A position's snapshot of its side's cumulative rate (the IDL's i128, sign-extended). */
static void set_last_cumulative_funding(PerpPosition *pos, i64 value) {
    pos->last_cumulative_funding = value;
    pos->last_cumulative_funding_high = value < 0 ? -1 : 0;
}

/* positions.apply_to_position: add `delta` base paid by `flow` quote; returns realized pnl. */
static i64 apply_to_position(i64 *base_p, i64 *quote_p, i64 *realized_p, i64 delta, i64 flow) {
    i64 base = *base_p;
    if (base == 0 || (base > 0) == (delta > 0)) {
        *base_p = base + delta;
        *quote_p += flow;
        return 0;
    }
    u64 size = abs_i64(base), amount = abs_i64(delta);
    i64 realized;
    if (amount <= size) {
        i64 portion = smul_div_floor(*quote_p, amount, size);
        *quote_p -= portion;
        *base_p = base + delta;
        realized = flow + portion;
    } else {
        i64 close_flow = smul_div_floor(flow, size, amount);
        realized = close_flow + *quote_p;
        *quote_p = flow - close_flow;
        *base_p = base + delta;
    }
    *realized_p += realized;
    return realized;
}

/* positions.apply_user_fill: the position, the USDC balance and open interest. Funding must be
 * settled first: a position that opens or flips starts at its side's rate. */
static i64 apply_user_fill(MarketBody *m, UserHead *h, PerpPosition *pos, i64 delta, i64 flow) {
    i64 before = pos->base, base = pos->base, quote = pos->quote_entry, realized_total = pos->realized_pnl;
    i64 realized = apply_to_position(&base, &quote, &realized_total, delta, flow);
    pos->base = base;
    pos->quote_entry = quote;
    pos->realized_pnl = realized_total;
    h->usdc_balance += realized;
    i64 after = base;
    if ((after && (before > 0) != (after > 0)) || before == 0)
        set_last_cumulative_funding(pos, side_cumulative_funding(m, after));
    if (after > 0) m->open_interest_long += (u64)after;
    else if (after < 0) m->open_interest_short += (u64)(-after);
    if (before > 0) m->open_interest_long -= (u64)before;
    else if (before < 0) m->open_interest_short -= (u64)(-before);
    return realized;
}

static void apply_amm_fill(MarketBody *m, i64 delta, i64 flow) {
    i64 base = m->amm_base, quote = m->amm_quote_entry, realized = m->amm_realized_pnl;
    m->amm_balance += apply_to_position(&base, &quote, &realized, delta, flow);
    m->amm_base = base;
    m->amm_quote_entry = quote;
    m->amm_realized_pnl = realized;
}

/* positions.settle_funding */
static void settle_funding(MarketBody *m, UserHead *h, PerpPosition *pos) {
    i64 cumulative = side_cumulative_funding(m, pos->base);
    if (pos->last_cumulative_funding == cumulative) return;
    i64 owed = funding_owed(pos->base, cumulative, pos->last_cumulative_funding);
    set_last_cumulative_funding(pos, cumulative);
    if (owed) {
        h->usdc_balance -= owed;
        m->amm_balance += owed;
        pos->funding_paid += owed;
    }
}

/* A position's numbers as risk._net reads them (the hypothetical fill or order already added; the
 * funding is what the position held before that change owes). */
typedef struct {
    i64 base;
    i64 quote;
    u64 bids;
    u64 asks;
    i64 owed;
} Exposure;

static Exposure exposure_of(const MarketBody *m, const PerpPosition *pos) {
    i64 owed = pending_funding(m, pos->base, pos->last_cumulative_funding);
    Exposure e = {pos->base, pos->quote_entry, pos->open_bids, pos->open_asks, owed};
    return e;
}

/* risk._net for the initial margin with the MarketConfig defaults (no imf, full pnl weights):
 * unrealized pnl at the oracle - funding owed, a gain capped at 100 USD, - the requirement. */
static i64 position_net(const MarketBody *m, const Exposure *e, const Oracle *o) {
    i64 base = e->base, net;
    if (base >= 0) net = (i64)mul_div_floor((u64)base, o->price, BASE_PRECISION) + e->quote - e->owed;
    else net = e->quote - (i64)mul_div_ceil((u64)(-base), o->price, BASE_PRECISION) - e->owed;
    if (net > MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN) net = MAX_POSITIVE_UPNL_FOR_INITIAL_MARGIN;
    u64 a = abs_i64(base + (i64)e->bids), b = abs_i64(base - (i64)e->asks);
    u64 worst = a > b ? a : b;
    if (worst) {
        u64 liability = mul_div_ceil(worst, o->price, BASE_PRECISION);
        net -= (i64)mul_div_ceil(liability, m->margin_ratio_initial, MARGIN_PRECISION);
    }
    return net;
}

/* Collateral plus the net of every position except `skip` (its own market): risk.order_free_collateral's
 * first loop. Markets of other positions come as (market, oracle) pairs in the remaining accounts. */
static u64 others_net(const Ctx *c, const UserRef *u, u16 skip, u64 first_remaining, i64 *total) {
    *total = u->head->usdc_balance;
    for (u32 i = 0; i < u->head->positions_len; i++) {
        const PerpPosition *pos = &u->positions[i];
        if (pos->market_index == skip) continue;
        if (!pos->base && !pos->open_bids && !pos->open_asks && !pos->quote_entry) continue;
        bool found = false;
        for (u64 k = first_remaining; k + 1 < c->params.accounts_len; k += 2) {
            MarketRef other;
            if (load_market(c, &c->params.accounts[k], &other) || other.market_index != pos->market_index) continue;
            Oracle o;
            CHECK(read_oracle(&c->params.accounts[k + 1], other.m, &o));
            if (o.price == 0) {
                o.price = other.m->last_oracle_price;
                o.conf = 0;
            }
            Exposure e = exposure_of(other.m, pos);
            *total += position_net(other.m, &e, &o);
            found = true;
            break;
        }
        if (!found) return E_ORACLE_UNAVAILABLE;
    }
    return SUCCESS;
}

/* ---- CPI ------------------------------------------------------------------------------------ */

typedef struct {
    SolAccountInfo *payer;
    SolAccountInfo *target;
    u64 space;
    const SolPubkey *owner;
    SolSignerSeeds signer; /* the target's seeds, bump included */
} NewAccount;

/* System CreateAccount for a PDA, rent-exempt, paid by `payer`; the system program must be among the accounts. */
static u64 create_pda_account(const Ctx *c, const NewAccount *n) {
    SolAccountInfo *system = NULL;
    for (u64 i = 0; i < c->params.accounts_len; i++)
        if (pubkey_eq(c->params.accounts[i].key, &SYSTEM_PROGRAM)) system = &c->params.accounts[i];
    if (!system) return E_NOT_ENOUGH_ACCOUNT_KEYS;
    u8 data[52];
    ((U32 *)data)->v = 0; /* CreateAccount */
    ((U64 *)(data + 4))->v = (128 + n->space) * RENT_LAMPORTS_PER_BYTE;
    ((U64 *)(data + 12))->v = n->space;
    sol_memcpy_(data + 20, n->owner, 32);
    SolAccountMeta metas[2] = {{n->payer->key, true, true}, {n->target->key, true, true}};
    SolInstruction ix = {system->key, metas, 2, data, sizeof(data)};
    SolAccountInfo infos[3] = {*n->payer, *n->target, *system};
    u64 err = sol_invoke_signed_c(&ix, infos, 3, &n->signer, 1);
    /* The runtime resized the serialized data; our record must say so, or the next CPI "shrinks" it back. */
    if (!err) n->target->data_len = n->space;
    return err;
}

typedef struct {
    SolAccountInfo *from;
    SolAccountInfo *to;
    SolAccountInfo *authority;
    SolAccountInfo *token_program;
    u64 amount;
    SolSignerSeeds signer; /* the authority's seeds when it is our PDA; len 0 when it signed the transaction */
} TokenTransfer;

/* SPL Token Transfer by CPI. */
static u64 token_transfer(const TokenTransfer *t) {
    u8 data[9];
    data[0] = 3; /* Transfer */
    ((U64 *)(data + 1))->v = t->amount;
    SolAccountMeta metas[3] = {{t->from->key, true, false}, {t->to->key, true, false}, {t->authority->key, false, true}};
    SolInstruction ix = {t->token_program->key, metas, 3, data, sizeof(data)};
    SolAccountInfo infos[4] = {*t->from, *t->to, *t->authority, *t->token_program};
    return sol_invoke_signed_c(&ix, infos, 4, &t->signer, t->signer.len ? 1 : 0);
}

#include "instructions.h"

u64 entrypoint(const u8 *input) {
    Ctx c;
    if (!sol_deserialize(input, &c.params)) return E_NOT_ENOUGH_ACCOUNT_KEYS;
    if (c.params.data_len < 8) return E_INSTRUCTION_DID_NOT_DESERIALIZE;
    sol_get_clock_sysvar(&c.clock);
    Reader r = {c.params.data + 8, c.params.data + c.params.data_len, false};
    u64 discriminator = ((const U64 *)c.params.data)->v;
    switch (discriminator) {
    case IX_INITIALIZE_MARKET: return initialize_market(&c, &r);
    case IX_CREATE_USER_ACCOUNT: return create_user_account(&c, &r);
    case IX_INITIALIZE_COLLATERAL_ACCOUNT: return initialize_collateral_account(&c, &r);
    case IX_DEPOSIT_TOKENS: return deposit_tokens(&c, &r);
    case IX_WITHDRAW_TOKENS: return withdraw_tokens(&c, &r);
    case IX_PLACE_ORDER: return place_order(&c, &r);
    case IX_CANCEL_ORDER: return cancel_order(&c, &r);
    case IX_SETTLE_FUNDING: return settle_user_funding(&c, &r);
    case IX_UPDATE_ORACLE_PRICE: return update_oracle_price(&c, &r);
    case IX_CALCULATE_FUNDING_RATE: return calculate_funding_rate(&c, &r);
    default: return E_INSTRUCTION_DID_NOT_DESERIALIZE;
    }
}
