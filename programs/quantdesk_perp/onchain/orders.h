/* orders.h: place_order, cancel_order, settle_funding (trading.py, matching.py, orders.py). */
#ifndef QD_ORDERS_H
#define QD_ORDERS_H

/* positions.reducible */
static u64 reducible(i64 base, bool is_buy) {
    if (is_buy) return base < 0 ? (u64)(-base) : 0;
    return base > 0 ? (u64)base : 0;
}

/* trading.band_price: the worst price a market order may fill at. */
static u64 band_price(const MarketBody *m, u64 oracle, bool is_buy) {
    if (is_buy) return mul_div_ceil(oracle, PERCENTAGE_PRECISION + m->auction_band, PERCENTAGE_PRECISION);
    return mul_div_floor(oracle, PERCENTAGE_PRECISION - m->auction_band, PERCENTAGE_PRECISION);
}

/* funding.update_twap */
static u64 update_twap(u64 twap, i64 twap_time, u64 price, i64 now, u64 period) {
    if (twap_time == 0 || twap == 0) return price;
    i64 elapsed = now - twap_time;
    if (elapsed < 1) elapsed = 1;
    if ((u64)elapsed > period) elapsed = (i64)period;
    return (twap * (period - (u64)elapsed) + price * (u64)elapsed) / period;
}

/* The AMM's fillable base at `limit` or better, in whole steps. */
static u64 amm_fillable(const MarketBody *m, u64 oracle, bool is_buy, u64 limit) {
    if (!m->amm_depth) return 0;
    u64 qty = amm_max_qty(m, oracle, is_buy, limit);
    return qty - qty % m->step_size;
}

typedef struct {
    const Ctx *c;
    MarketRef *mk;
    UserRef *u;
    u64 oracle;
    Oracle observed; /* price and confidence band, for margin */
    bool is_buy;
    bool reduce_only;
} Taker;

/* matching.execute_taker against the AMM curve only (no book or JIT on chain): returns base filled. */
static u64 execute_taker(Taker *t, PerpPosition *pos, u64 size, u64 limit) {
    MarketBody *m = t->mk->m;
    UserHead *h = t->u->head;
    i64 now = t->c->clock.unix_timestamp;
    if (pos->base && pos->last_cumulative_funding != side_cumulative_funding(m, pos->base))
        settle_funding(m, h, pos); /* positions.funding_pending, as the fill path checks it */
    u64 remaining = size, filled = 0;
    while (remaining > 0) {
        if (t->reduce_only) {
            u64 can = reducible(pos->base, t->is_buy);
            if (can < remaining) remaining = can;
            if (!remaining) break;
        }
        if (!m->amm_depth || amm_quote_price(m, t->oracle, t->is_buy) == 0) break;
        u64 qty = amm_fillable(m, t->oracle, t->is_buy, limit);
        if (!qty) break;
        if (qty > remaining) qty = remaining;
        u64 quote = amm_fill_quote(m, t->oracle, t->is_buy, qty);
        if (t->is_buy) {
            apply_user_fill(m, h, pos, (i64)qty, -(i64)quote);
            apply_amm_fill(m, -(i64)qty, (i64)quote);
        } else {
            apply_user_fill(m, h, pos, -(i64)qty, (i64)quote);
            apply_amm_fill(m, (i64)qty, -(i64)quote);
        }
        u64 price = mul_div_floor(quote, BASE_PRECISION, qty);
        u64 fee = 0;
        if (m->taker_fee) {
            fee = mul_div_ceil(quote, m->taker_fee, PERCENTAGE_PRECISION);
            h->usdc_balance -= (i64)fee;
            pos->fees_paid += (i64)fee;
            m->fee_pool += (i64)fee;
        }
        if (m->mark_twap_time != now || m->mark_twap == 0) {
            m->mark_twap = update_twap(m->mark_twap, m->mark_twap_time, price, now, m->funding_interval);
            m->mark_twap_time = now;
        }
        sol_log_64_(qty, quote, price, t->is_buy, fee); /* the fill, for clients reading logs */
        remaining -= qty;
        filled += qty;
    }
    return filled;
}

/* trading.check_margin_for: free collateral stays >= 0 if the order fills at its worst price, or rests. */
static u64 check_margin_for(Taker *t, u64 size, u64 worst, u64 first_remaining) {
    MarketBody *m = t->mk->m;
    u64 notional = mul_div_ceil(size, worst, BASE_PRECISION); /* what a buyer pays; fees are charged on it */
    if (OVERFLOWED || notional > MAX_AMOUNT) return E_MATH_OVERFLOW; /* balances are 64-bit */
    u64 quote = t->is_buy ? notional : mul_div_floor(size, worst, BASE_PRECISION);
    i64 flow = t->is_buy ? -(i64)quote : (i64)quote, delta = t->is_buy ? (i64)size : -(i64)size;
    i64 fee = (i64)mul_div_ceil(notional, m->taker_fee, PERCENTAGE_PRECISION);
    i64 total;
    CHECK(others_net(t->c, t->u, t->mk->market_index, first_remaining, &total));
    PerpPosition *pos = find_position(t->u, t->mk->market_index);
    i64 base = pos ? pos->base : 0, q = pos ? pos->quote_entry : 0;
    u64 bids = pos ? pos->open_bids : 0, asks = pos ? pos->open_asks : 0;
    i64 owed = pos ? pending_funding(m, base, pos->last_cumulative_funding) : 0;
    Exposure fill = {base + delta, q + flow - fee, bids, asks, owed};
    Exposure rest = {base, q, t->is_buy ? bids + size : bids, t->is_buy ? asks : asks + size, owed};
    i64 filled = total + position_net(m, &fill, &t->observed);
    i64 resting = total + position_net(m, &rest, &t->observed);
    if (OVERFLOWED) return E_MATH_OVERFLOW;
    return (filled < resting ? filled : resting) < 0 ? E_INSUFFICIENT_COLLATERAL : SUCCESS;
}

/* orders.count_open: the order's unfilled base joins (or leaves) its position's open bids/asks. */
static void count_open(PerpPosition *pos, const Order *o, i64 amount) {
    if (o->reduce_only || !amount) return;
    if (o->side == SIDE_BUY) pos->open_bids = (u64)((i64)pos->open_bids + amount);
    else pos->open_asks = (u64)((i64)pos->open_asks + amount);
}

typedef struct {
    u16 sub_account, market_index;
    u8 side, order_type, time_in_force;
    u64 size, price, trigger_price, trailing_offset, client_order_id;
    bool has_price, has_trigger, has_expire, has_trailing, reduce_only, post_only;
    i64 expire_time;
} PlaceArgs;

static void read_place_args(Reader *r, PlaceArgs *a) {
    a->sub_account = rd_u16(r);
    a->market_index = rd_u16(r);
    a->side = rd_u8(r);
    a->order_type = rd_u8(r);
    a->size = rd_u64(r);
    a->has_price = rd_opt_u64(r, &a->price);
    a->has_trigger = rd_opt_u64(r, &a->trigger_price);
    a->time_in_force = rd_u8(r);
    a->reduce_only = rd_u8(r);
    a->post_only = rd_u8(r);
    u64 expire;
    a->has_expire = rd_opt_u64(r, &expire);
    a->expire_time = (i64)expire;
    a->has_trailing = rd_opt_u64(r, &a->trailing_offset);
    a->client_order_id = rd_u64(r);
    u8 auction_tag = rd_u8(r); /* Option<u8> auction_duration_slots: read, not used (README) */
    if (auction_tag == 1) rd_u8(r);
    if (a->side > 1 || a->order_type > 8 || a->time_in_force > 3 || auction_tag > 1) r->bad = true;
}

/* trading.check_size / check_price */
static u64 check_size(const MarketBody *m, u64 size) {
    if (size == 0 || size > MAX_AMOUNT) return E_INVALID_SIZE;
    if (size % m->step_size) return E_OFF_STEP;
    if (size < m->min_size) return E_BELOW_MIN_SIZE;
    return SUCCESS;
}

static u64 check_price(const MarketBody *m, bool given, u64 price) {
    if (!given || price == 0 || price > MAX_AMOUNT) return E_INVALID_PRICE;
    return price % m->tick_size ? E_OFF_TICK : SUCCESS;
}

/* place_order (market and limit orders; README lists what else differs).
 * Accounts: state, authority, user, market, oracle; then (market, oracle) pairs for other positions. */
static u64 place_order(const Ctx *c, Reader *r) {
    NEED_ACCOUNTS(5);
    SolAccountInfo *accounts = c->params.accounts;
    PlaceArgs a;
    read_place_args(r, &a);
    NEED_DATA(r);
    ProgramState *state;
    CHECK(load_state(c, &accounts[0], &state));
    MarketRef mk;
    CHECK(load_market(c, &accounts[3], &mk));
    if (mk.market_index != a.market_index || !accounts[3].is_writable) return E_UNKNOWN_MARKET;
    UserRef u;
    CHECK(load_user(c, &accounts[2], &accounts[1], a.sub_account, &u));
    MarketBody *m = mk.m;
    CHECK(check_size(m, a.size));
    if (a.order_type != OT_MARKET && a.order_type != OT_LIMIT) return E_INVALID_ORDER;
    Taker t = {c, &mk, &u, 0, {0, 0, 0}, a.side == SIDE_BUY, a.reduce_only};
    PerpPosition *pos = find_position(&u, a.market_index);
    if (pos && pos->base && pos->last_cumulative_funding != side_cumulative_funding(m, pos->base))
        settle_funding(m, u.head, pos); /* processor._transaction: funding settles before the margin check */
    u64 can_reduce = reducible(pos ? pos->base : 0, t.is_buy);
    if (a.reduce_only && can_reduce == 0) return E_REDUCE_ONLY_INCREASES;
    if (m->status != MS_ACTIVE) { /* trading.market_guard */
        bool reduces = a.reduce_only || can_reduce >= a.size;
        if (m->status == MS_HALTED) return m->circuit_breaker_tripped ? E_CIRCUIT_BREAKER : E_MARKET_HALTED;
        if (!reduces) return E_MARKET_REDUCE_ONLY;
    }
    CHECK(checked_oracle(c, &accounts[4], m, &t.observed));
    t.oracle = t.observed.price;
    if (a.time_in_force == TIF_GTD) return E_INVALID_ORDER; /* no expiry crank on chain (README) */
    if (a.has_expire) return E_INVALID_EXPIRY;
    u32 max_orders = m->max_orders_per_account < MAX_ORDERS ? m->max_orders_per_account : MAX_ORDERS;
    if (u.orders_len->v >= max_orders) return E_TOO_MANY_ORDERS;
    u64 price = 0;
    if (a.order_type == OT_LIMIT || a.has_price) {
        CHECK(check_price(m, a.has_price, a.price));
        price = a.price;
    }
    if (a.has_trigger) return E_INVALID_TRIGGER;
    if (a.post_only && (a.order_type != OT_LIMIT || a.time_in_force == TIF_IOC || a.time_in_force == TIF_FOK))
        return E_INVALID_ORDER;
    u64 worst;
    if (a.order_type == OT_MARKET) {
        worst = band_price(m, t.oracle, t.is_buy);
        if (price) worst = t.is_buy ? (price < worst ? price : worst) : (price > worst ? price : worst);
    } else {
        worst = price;
    }
    if (!a.reduce_only) CHECK(check_margin_for(&t, a.size, worst, 5));
    if (a.post_only && m->amm_depth) {
        u64 amm_price = amm_quote_price(m, t.oracle, t.is_buy);
        if (amm_price && (t.is_buy ? amm_price <= price : amm_price >= price)) return E_POST_ONLY_WOULD_CROSS;
    }
    if (a.time_in_force == TIF_FOK) {
        u64 fillable = amm_fillable(m, t.oracle, t.is_buy, worst);
        if (a.reduce_only && can_reduce < fillable) fillable = can_reduce;
        if (fillable < a.size) return E_FOK_NOT_FILLED;
    }
    /* -- validated: mutate from here on (trading.admit_order, run_order) -- */
    u64 err = SUCCESS;
    pos = get_position(&u, &mk, &err);
    if (!pos) return err;
    Order order = {0};
    order.order_id = state->next_order_id++;
    order.market_index = a.market_index;
    order.side = a.side;
    order.order_type = a.order_type;
    order.status = ST_OPEN;
    order.size = a.size;
    order.price = price;
    order.time_in_force = a.time_in_force;
    order.reduce_only = a.reduce_only;
    order.post_only = a.post_only;
    order.client_order_id = a.client_order_id;
    u64 limit = worst; /* a limit order's price; a market order's band (immediate: no auction on chain) */
    bool may_cross = a.order_type == OT_MARKET;
    if (!may_cross && m->amm_depth) {
        u64 amm_price = amm_quote_price(m, t.oracle, t.is_buy);
        may_cross = t.is_buy ? amm_price <= limit : amm_price >= limit;
    }
    u64 filled = 0;
    if (!a.post_only && may_cross) filled = execute_taker(&t, pos, a.size, limit);
    if (OVERFLOWED) return E_MATH_OVERFLOW;
    if (filled) {
        order.filled = filled;
        order.status = filled >= order.size ? ST_FILLED : ST_PARTIALLY_FILLED;
    }
    bool rests = order.status != ST_FILLED && a.order_type == OT_LIMIT && a.time_in_force == TIF_GTC;
    if (order.status != ST_FILLED && !rests) order.status = ST_CANCELLED; /* the remainder is cancelled */
    sol_log_64_(order.order_id, order.status, filled, 0, 0); /* order id, status, base filled */
    if (!rests) return SUCCESS; /* nothing stays live */
    sol_memcpy_(&u.orders[u.orders_len->v], &order, sizeof(Order));
    u.orders_len->v += 1;
    count_open(pos, &order, (i64)(order.size - order.filled));
    return SUCCESS;
}

/* cancel_order (orders.live_order, close_order). Accounts: state, authority, user, market, oracle. */
static u64 cancel_order(const Ctx *c, Reader *r) {
    NEED_ACCOUNTS(3);
    SolAccountInfo *accounts = c->params.accounts;
    u16 sub_account = rd_u16(r);
    u64 order_id = rd_u64(r);
    NEED_DATA(r);
    ProgramState *state;
    CHECK(load_state(c, &accounts[0], &state));
    UserRef u;
    CHECK(load_user(c, &accounts[2], &accounts[1], sub_account, &u));
    u32 n = u.orders_len->v;
    for (u32 i = 0; i < n; i++) {
        Order *o = &u.orders[i];
        if (o->order_id != order_id) continue;
        PerpPosition *pos = find_position(&u, o->market_index);
        if (pos) count_open(pos, o, -(i64)(o->size - o->filled));
        sol_memmove_(o, o + 1, (n - i - 1) * sizeof(Order));
        u.orders_len->v = n - 1;
        return SUCCESS;
    }
    return order_id > 0 && order_id < state->next_order_id ? E_ORDER_NOT_OPEN : E_UNKNOWN_ORDER;
}

/* settle_funding (accounts.settle_user_funding). Accounts: state, authority, user; then every market
 * the account has a position in (writable: funding moves to the market's AMM pool). */
static u64 settle_user_funding(const Ctx *c, Reader *r) {
    NEED_ACCOUNTS(3);
    SolAccountInfo *accounts = c->params.accounts;
    u16 sub_account = rd_u16(r);
    NEED_DATA(r);
    UserRef u;
    CHECK(load_user(c, &accounts[2], &accounts[1], sub_account, &u));
    for (u32 i = 0; i < u.head->positions_len; i++) {
        PerpPosition *pos = &u.positions[i];
        bool found = false;
        for (u64 k = 3; k < c->params.accounts_len && !found; k++) {
            MarketRef mk;
            if (load_market(c, &accounts[k], &mk) || mk.market_index != pos->market_index) continue;
            if (!accounts[k].is_writable) return E_UNKNOWN_MARKET;
            settle_funding(mk.m, u.head, pos);
            found = true;
        }
        if (!found) return E_UNKNOWN_MARKET;
    }
    return OVERFLOWED ? E_MATH_OVERFLOW : SUCCESS;
}

/* Shared by update_oracle_price and calculate_funding_rate: accounts state, signer, market (w), oracle. */
static u64 load_market_arg(const Ctx *c, Reader *r, MarketRef *mk) {
    NEED_ACCOUNTS(4);
    u16 market_index = rd_u16(r);
    NEED_DATA(r);
    if (!c->params.accounts[1].is_signer) return E_CONSTRAINT_SIGNER;
    CHECK(load_market(c, &c->params.accounts[2], mk));
    if (mk->market_index != market_index || !c->params.accounts[2].is_writable) return E_UNKNOWN_MARKET;
    return SUCCESS;
}


/* update_oracle_price (crank.observe_oracle): oracle and mark TWAPs, the circuit breaker. */
static u64 update_oracle_price(const Ctx *c, Reader *r) {
    MarketRef mk;
    CHECK(load_market_arg(c, r, &mk));
    MarketBody *m = mk.m;
    Oracle o;
    u64 err = read_oracle(&c->params.accounts[3], m, &o);
    if (err || o.price == 0) return E_ORACLE_UNAVAILABLE;
    i64 now = c->clock.unix_timestamp;
    m->oracle_twap = update_twap(m->oracle_twap, m->oracle_twap_time, o.price, now, m->funding_interval);
    m->oracle_twap_time = now;
    m->last_oracle_price = o.price;
    u64 mark = o.price;
    if (m->amm_depth) { /* amm.mid_price, rounded down */
        i64 x = (i64)m->amm_depth + m->amm_base;
        u64 num[3] = {o.price, m->amm_depth, m->amm_depth}, den[2] = {(u64)x, (u64)x};
        mark = x > 0 ? muldiv(num, 3, den, 2, false) : 0;
    }
    m->mark_twap = update_twap(m->mark_twap, m->mark_twap_time, mark, now, m->funding_interval);
    m->mark_twap_time = now;
    if (OVERFLOWED) return E_MATH_OVERFLOW;
    if (!m->circuit_breaker_pct || m->status == MS_HALTED) return SUCCESS;
    if (m->cb_reference_price == 0 || now - m->cb_window_start > (i64)m->circuit_breaker_window) {
        m->cb_reference_price = o.price;
        m->cb_window_start = now;
        return SUCCESS;
    }
    u64 reference = m->cb_reference_price;
    u64 move = o.price > reference ? o.price - reference : reference - o.price;
    if (move * MARGIN_PRECISION > reference * m->circuit_breaker_pct) {
        m->status = MS_HALTED;
        m->circuit_breaker_tripped = 1;
    }
    return SUCCESS;
}

/* calculate_funding_rate (crank.accrue_funding): Drift's update_funding_rate once the interval has
 * elapsed: the tier-clamped spread's rate, split into the long and the short side's rates. */
static u64 calculate_funding_rate(const Ctx *c, Reader *r) {
    MarketRef mk;
    CHECK(load_market_arg(c, r, &mk));
    MarketBody *m = mk.m;
    i64 now = c->clock.unix_timestamp;
    if (now - m->last_funding_time < (i64)m->funding_interval || m->oracle_twap == 0) return E_NOT_DUE;
    FundingSpread spread = funding_spread((i64)m->mark_twap, (i64)m->oracle_twap, m->contract_tier, m->funding_interval);
    FundingSplit split = funding_rate_long_short(spread.funding_rate, -m->amm_base, (i64)m->open_interest_long,
                                                 -(i64)m->open_interest_short, m->fee_pool);
    m->cumulative_funding_rate_long += split.rate_long;
    m->cumulative_funding_rate_long_high = m->cumulative_funding_rate_long < 0 ? -1 : 0; /* the IDL's i128 */
    m->cumulative_funding_rate_short += split.rate_short;
    m->last_funding_rate = spread.funding_rate;
    m->last_funding_rate_long = split.rate_long;
    m->last_funding_rate_short = split.rate_short;
    m->last_funding_time = now - (i64)((u64)(now - m->last_funding_time) % m->funding_interval); /* elapsed >= interval > 0 */
    return OVERFLOWED ? E_MATH_OVERFLOW : SUCCESS;
}

#endif
