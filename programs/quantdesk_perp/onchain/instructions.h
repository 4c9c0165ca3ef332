/* instructions.h: one function per instruction of the on-chain subset (included by quantdesk_perp.c). */
#ifndef QD_INSTRUCTIONS_H
#define QD_INSTRUCTIONS_H

#define NEED_ACCOUNTS(n) \
    if (c->params.accounts_len < (n)) return E_NOT_ENOUGH_ACCOUNT_KEYS
#define NEED_DATA(r) \
    if ((r)->bad) return E_INSTRUCTION_DID_NOT_DESERIALIZE

static u64 load_state(const Ctx *c, SolAccountInfo *a, ProgramState **out) {
    if (!owned(a, c->params.program_id)) return E_ACCOUNT_OWNED_BY_WRONG_PROGRAM;
    if (disc_of(a) != ACCOUNT_STATE || a->data_len < STATE_SPACE) return E_ACCOUNT_DISCRIMINATOR_MISMATCH;
    *out = (ProgramState *)a->data;
    return SUCCESS;
}

/* The PDA of `seeds` (plus a bump appended by the search); E_CONSTRAINT_SEEDS unless it is `key`. */
static u64 check_pda(const Ctx *c, const SolSignerSeed *seeds, int n, const SolPubkey *key, u8 *bump) {
    SolPubkey found;
    if (sol_try_find_program_address(seeds, n, c->params.program_id, &found, bump) != 0) return E_CONSTRAINT_SEEDS;
    return pubkey_eq(&found, key) ? SUCCESS : E_CONSTRAINT_SEEDS;
}

static bool positive(u64 v, u64 upper) { return v > 0 && v <= upper; }

/* initialize_market; remaining accounts: system program, USDC mint (the state takes it on first use). */
static u64 initialize_market(const Ctx *c, Reader *r) {
    NEED_ACCOUNTS(6);
    SolAccountInfo *state_acc = &c->params.accounts[0], *signer = &c->params.accounts[1];
    SolAccountInfo *market_acc = &c->params.accounts[2], *oracle = &c->params.accounts[3];
    u16 market_index = rd_u16(r);
    u32 symbol_len, base_len, quote_len;
    const u8 *symbol = rd_str(r, &symbol_len);
    const u8 *base = rd_str(r, &base_len);
    const u8 *quote = rd_str(r, &quote_len);
    u64 initial_price = rd_u64(r), tick = rd_u64(r), step = rd_u64(r), min_size = rd_u64(r);
    u16 max_leverage = rd_u16(r);
    u32 imr = rd_u32(r), mmr = rd_u32(r);
    NEED_DATA(r);
    if (!signer->is_signer) return E_CONSTRAINT_SIGNER;
    if (owned(market_acc, c->params.program_id)) return E_MARKET_EXISTS;
    if (!positive(initial_price, MAX_AMOUNT) || !positive(tick, MAX_AMOUNT) || !positive(step, MAX_AMOUNT) ||
        !positive(min_size, MAX_AMOUNT) || !positive(max_leverage, MAX_AMOUNT) || !positive(imr, MARGIN_PRECISION) ||
        !positive(mmr, imr) || symbol_len > MAX_SYMBOL_LEN || base_len > 32 || quote_len > 32 ||
        min_size > MAX_AMOUNT / 1000000)
        return E_INVALID_PARAMETER;
    ProgramState *state;
    if (owned(state_acc, c->params.program_id)) {
        CHECK(load_state(c, state_acc, &state));
        if (!pubkey_eq(&state->admin, signer->key)) return E_CONSTRAINT_SIGNER;
    } else {
        SolAccountInfo *mint = &c->params.accounts[5];
        if (!owned(mint, &TOKEN_PROGRAM)) return E_UNKNOWN_ASSET;
        u8 bump;
        SolSignerSeed seeds[2] = {{(const u8 *)"state", 5}, {&bump, 1}};
        CHECK(check_pda(c, seeds, 1, state_acc->key, &bump));
        NewAccount n = {signer, state_acc, STATE_SPACE, c->params.program_id, {seeds, 2}};
        CHECK(create_pda_account(c, &n));
        state = (ProgramState *)state_acc->data;
        state->discriminator = ACCOUNT_STATE;
        state->admin = *signer->key;
        state->usdc_mint = *mint->key;
        state->next_order_id = 1;
        state->bump = bump;
    }
    u8 bump;
    SolSignerSeed seeds[4] = {{(const u8 *)"market", 6}, {base, base_len}, {quote, quote_len}, {&bump, 1}};
    CHECK(check_pda(c, seeds, 3, market_acc->key, &bump));
    NewAccount n = {signer, market_acc, MARKET_SPACE, c->params.program_id, {seeds, 4}};
    CHECK(create_pda_account(c, &n));
    u8 *data = market_acc->data;
    ((U64 *)data)->v = ACCOUNT_MARKET;
    ((U16 *)(data + 8))->v = market_index;
    ((U32 *)(data + 10))->v = symbol_len;
    sol_memcpy_(data + 14, symbol, symbol_len);
    MarketBody *m = (MarketBody *)(data + 14 + symbol_len);
    i64 now = c->clock.unix_timestamp;
    m->tick_size = tick;
    m->step_size = step;
    m->min_size = min_size;
    m->max_leverage = max_leverage;
    m->margin_ratio_initial = imr;
    m->margin_ratio_maintenance = mmr;
    m->taker_fee = 500; /* config.MarketConfig defaults */
    m->maker_fee = 200;
    m->last_funding_time = now;
    m->oracle = *oracle->key;
    m->amm_depth = min_size * 1000000;
    m->amm_half_spread = 500;
    m->auction_band = 20000;
    m->oracle_max_staleness_slots = 50;
    m->oracle_max_conf = 200;
    m->last_oracle_price = initial_price;
    m->mark_twap = initial_price;
    m->mark_twap_time = now;
    m->oracle_twap = initial_price;
    m->oracle_twap_time = now;
    m->funding_interval = 3600;
    m->max_orders_per_account = 64;
    m->contract_tier = TIER_A;
    m->circuit_breaker_pct = 1500;
    m->circuit_breaker_window = 300;
    m->cb_reference_price = initial_price;
    m->cb_window_start = now;
    m->bump = bump;
    return SUCCESS;
}

/* create_user_account; remaining account: system program. The authority pays the rent. */
static u64 create_user_account(const Ctx *c, Reader *r) {
    NEED_ACCOUNTS(4);
    SolAccountInfo *authority = &c->params.accounts[1], *user = &c->params.accounts[2];
    u16 sub_account = rd_u16(r);
    u32 name_len;
    const u8 *name = rd_str(r, &name_len);
    NEED_DATA(r);
    if (!authority->is_signer) return E_CONSTRAINT_SIGNER;
    if (owned(user, c->params.program_id)) return E_ACCOUNT_EXISTS;
    if (name_len > MAX_NAME_LEN) return E_INVALID_PARAMETER;
    u8 bump;
    SolSignerSeed seeds[4] = {{(const u8 *)"user", 4}, {authority->key->x, 32}, {(const u8 *)&sub_account, 2}, {&bump, 1}};
    CHECK(check_pda(c, seeds, 3, user->key, &bump));
    NewAccount n = {authority, user, USER_SPACE, c->params.program_id, {seeds, 4}};
    CHECK(create_pda_account(c, &n));
    u8 *data = user->data;
    ((U64 *)data)->v = ACCOUNT_USER;
    sol_memcpy_(data + 8, authority->key, 32);
    ((U16 *)(data + 40))->v = sub_account;
    ((U32 *)(data + 42))->v = name_len;
    if (name_len) sol_memcpy_(data + 46, name, name_len);
    return SUCCESS; /* balances, positions_len and orders_len are the zeroed bytes that follow */
}

/* initialize_collateral_account(sub_account, asset): the user's token vault, a PDA that owns itself.
 * Accounts: state, authority (signer, pays), user, vault (w), mint, token program, system program. */
static u64 initialize_collateral_account(const Ctx *c, Reader *r) {
    NEED_ACCOUNTS(7);
    SolAccountInfo *accounts = c->params.accounts;
    u16 sub_account = rd_u16(r);
    u8 asset = rd_u8(r);
    NEED_DATA(r);
    ProgramState *state;
    CHECK(load_state(c, &accounts[0], &state));
    UserRef u;
    CHECK(load_user(c, &accounts[2], &accounts[1], sub_account, &u));
    if (asset != ASSET_USDC || !pubkey_eq(accounts[4].key, &state->usdc_mint)) return E_UNKNOWN_ASSET;
    if (!pubkey_eq(accounts[5].key, &TOKEN_PROGRAM)) return E_ACCOUNT_OWNED_BY_WRONG_PROGRAM;
    u8 bump;
    SolSignerSeed seeds[4] = {{(const u8 *)"collateral", 10}, {accounts[2].key->x, 32}, {&asset, 1}, {&bump, 1}};
    CHECK(check_pda(c, seeds, 3, accounts[3].key, &bump));
    NewAccount n = {&accounts[1], &accounts[3], 165, &TOKEN_PROGRAM, {seeds, 4}};
    CHECK(create_pda_account(c, &n));
    u8 data[33];
    data[0] = 18; /* InitializeAccount3(owner) */
    sol_memcpy_(data + 1, accounts[3].key, 32);
    SolAccountMeta metas[2] = {{accounts[3].key, true, false}, {accounts[4].key, false, false}};
    SolInstruction ix = {accounts[5].key, metas, 2, data, sizeof(data)};
    SolAccountInfo infos[3] = {accounts[3], accounts[4], accounts[5]};
    return sol_invoke_signed_c(&ix, infos, 3, NULL, 0);
}

/* accounts._check_amount */
static u64 check_amount(u8 asset, i64 amount) {
    if (asset > ASSET_SOL) return E_UNKNOWN_ASSET;
    if (amount <= 0) return E_INVALID_AMOUNT;
    if (asset != ASSET_USDC) return E_UNKNOWN_ASSET; /* SOL collateral: not on chain (README) */
    return SUCCESS;
}

typedef struct {
    u16 sub_account;
    u8 asset;
    i64 amount;
    u8 vault_bump;
    UserRef user;
} Transfer;

/* Shared by deposit and withdraw: accounts state, authority, user, vault, user token account, token program. */
static u64 load_transfer(const Ctx *c, Reader *r, Transfer *t) {
    NEED_ACCOUNTS(6);
    SolAccountInfo *accounts = c->params.accounts;
    t->sub_account = rd_u16(r);
    t->asset = rd_u8(r);
    t->amount = (i64)rd_u64(r);
    NEED_DATA(r);
    if (t->asset > ASSET_SOL) return E_INSTRUCTION_DID_NOT_DESERIALIZE;
    ProgramState *state;
    CHECK(load_state(c, &accounts[0], &state));
    CHECK(load_user(c, &accounts[2], &accounts[1], t->sub_account, &t->user));
    CHECK(check_amount(t->asset, t->amount));
    if (!pubkey_eq(accounts[5].key, &TOKEN_PROGRAM)) return E_ACCOUNT_OWNED_BY_WRONG_PROGRAM;
    SolSignerSeed seeds[3] = {{(const u8 *)"collateral", 10}, {accounts[2].key->x, 32}, {&t->asset, 1}};
    return check_pda(c, seeds, 3, accounts[3].key, &t->vault_bump);
}

static u64 deposit_tokens(const Ctx *c, Reader *r) {
    Transfer t;
    CHECK(load_transfer(c, r, &t));
    SolAccountInfo *accounts = c->params.accounts;
    TokenTransfer transfer = {&accounts[4], &accounts[3], &accounts[1], &accounts[5], (u64)t.amount, {NULL, 0}};
    CHECK(token_transfer(&transfer));
    t.user.head->usdc_balance += t.amount;
    return SUCCESS;
}

/* withdraw_tokens; remaining accounts: (market, oracle) for every market the account has a position in. */
static u64 withdraw_tokens(const Ctx *c, Reader *r) {
    Transfer t;
    CHECK(load_transfer(c, r, &t));
    SolAccountInfo *accounts = c->params.accounts;
    UserHead *h = t.user.head;
    if (t.amount > h->usdc_balance) return E_INSUFFICIENT_BALANCE;
    h->usdc_balance -= t.amount;
    i64 free;
    CHECK(others_net(c, &t.user, 0xffff, 6, &free)); /* 0xffff: no market is skipped */
    if (OVERFLOWED) return E_MATH_OVERFLOW;
    if (free < 0) return E_WITHDRAW_EXCEEDS_FREE;
    SolSignerSeed seeds[4] = {
        {(const u8 *)"collateral", 10}, {accounts[2].key->x, 32}, {&t.asset, 1}, {&t.vault_bump, 1}};
    TokenTransfer transfer = {&accounts[3], &accounts[4], &accounts[3], &accounts[5], (u64)t.amount, {seeds, 4}};
    return token_transfer(&transfer);
}

#include "orders.h"

#endif
