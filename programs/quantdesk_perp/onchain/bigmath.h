/* bigmath.h: exact products and quotients wider than 64 bits, for the engine's formulas.
 *
 * The AMM curve multiplies oracle * base * depth^2 * (1e6 + spread): up to ~2^170. BPF has no
 * 128-bit multiply or divide, so numbers here are little-endian arrays of 32-bit limbs and every
 * formula is "product of u64 factors / product of u64 factors, rounded down or up" (muldiv).
 * Signs are the caller's business (python floor division: see sdiv_floor / sdiv_ceil).
 */
#ifndef QD_BIGMATH_H
#define QD_BIGMATH_H

#include "sol.h"

/* Set by any result that does not fit in 64 bits; the instruction then fails with MathOverflow.
 * It lives at the start of the heap (SBPF v0 has no writable globals; the heap is zeroed per call). */
#define OVERFLOWED (*(bool *)HEAP_SCRATCH)

#define LIMBS 12 /* 384 bits */
typedef struct { u32 w[LIMBS]; } Big;

static void big_set(Big *a, u64 v) {
    for (int i = 0; i < LIMBS; i++) a->w[i] = 0;
    a->w[0] = (u32)v;
    a->w[1] = (u32)(v >> 32);
}

static void big_mul_u32(Big *a, u32 m) {
    u64 carry = 0;
    for (int i = 0; i < LIMBS; i++) {
        u64 t = (u64)a->w[i] * m + carry;
        a->w[i] = (u32)t;
        carry = t >> 32;
    }
}

/* a *= m: a*lo + (a*hi) << 32 */
static void big_mul(Big *a, u64 m) {
    Big high = *a;
    big_mul_u32(a, (u32)m);
    u32 hi = (u32)(m >> 32);
    if (!hi) return;
    big_mul_u32(&high, hi);
    u64 carry = 0;
    for (int i = 1; i < LIMBS; i++) {
        u64 t = (u64)a->w[i] + high.w[i - 1] + carry;
        a->w[i] = (u32)t;
        carry = t >> 32;
    }
}

static void big_add_u32(Big *a, u32 v) {
    u64 carry = v;
    for (int i = 0; i < LIMBS && carry; i++) {
        u64 t = (u64)a->w[i] + carry;
        a->w[i] = (u32)t;
        carry = t >> 32;
    }
}

static int big_cmp(const Big *a, const Big *b) {
    for (int i = LIMBS - 1; i >= 0; i--) {
        if (a->w[i] != b->w[i]) return a->w[i] > b->w[i] ? 1 : -1;
    }
    return 0;
}

static bool big_is_zero(const Big *a) {
    for (int i = 0; i < LIMBS; i++)
        if (a->w[i]) return false;
    return true;
}

static void big_sub(Big *a, const Big *b) {
    i64 borrow = 0;
    for (int i = 0; i < LIMBS; i++) {
        i64 t = (i64)a->w[i] - b->w[i] - borrow;
        borrow = t < 0;
        a->w[i] = (u32)(t + (borrow << 32));
    }
}

static int big_top_limb(const Big *a) {
    for (int i = LIMBS - 1; i >= 0; i--)
        if (a->w[i]) return i;
    return -1;
}

static int big_bits(const Big *a) {
    int top = big_top_limb(a);
    if (top < 0) return 0;
    int bits = top * 32;
    for (u32 w = a->w[top]; w; w >>= 1) bits++;
    return bits;
}

static u32 big_bit(const Big *a, int i) { return (a->w[i >> 5] >> (i & 31)) & 1; }

/* q = n / d, r = n % d (d != 0). Short division when d fits in 32 bits; else shift-and-subtract over
 * the quotient's bits only (r starts as n's top bits, already below d), on d's limbs plus one. */
static void big_divmod(const Big *n, const Big *d, Big *q, Big *r) {
    big_set(q, 0);
    big_set(r, 0);
    int top = big_top_limb(n);
    int d_top = big_top_limb(d);
    if (d_top == 0) {
        u64 rem = 0, div = d->w[0];
        for (int i = top; i >= 0; i--) {
            u64 cur = (rem << 32) | n->w[i];
            q->w[i] = (u32)(cur / div);
            rem = cur % div;
        }
        r->w[0] = (u32)rem;
        return;
    }
    int n_bits = big_bits(n), d_bits = big_bits(d);
    if (n_bits < d_bits) {
        *r = *n;
        return;
    }
    int shift = n_bits - d_bits; /* the quotient has at most shift + 1 bits */
    for (int i = n_bits - 1; i > shift; i--) r->w[(i - shift - 1) >> 5] |= big_bit(n, i) << ((i - shift - 1) & 31);
    int limbs = d_top + 2 < LIMBS ? d_top + 2 : LIMBS;
    for (int i = shift; i >= 0; i--) {
        u32 carry = big_bit(n, i);
        for (int k = 0; k < limbs; k++) { /* r = r << 1 | carry */
            u32 out = r->w[k] >> 31;
            r->w[k] = (r->w[k] << 1) | carry;
            carry = out;
        }
        int cmp = 0;
        for (int k = limbs - 1; k >= 0 && !cmp; k--)
            if (r->w[k] != d->w[k]) cmp = r->w[k] > d->w[k] ? 1 : -1;
        if (cmp >= 0) {
            i64 borrow = 0;
            for (int k = 0; k < limbs; k++) {
                i64 t = (i64)r->w[k] - d->w[k] - borrow;
                borrow = t < 0;
                r->w[k] = (u32)(t + (borrow << 32));
            }
            q->w[i >> 5] |= (u32)1 << (i & 31);
        }
    }
}

/* The quotient as a u64; OVERFLOWED when it does not fit. */
static u64 big_to_u64(const Big *a) {
    for (int i = 2; i < LIMBS; i++)
        if (a->w[i]) OVERFLOWED = true;
    return ((u64)a->w[1] << 32) | a->w[0];
}

/* floor or ceil of (num[0] * ... * num[nn-1]) / (den[0] * ... * den[nd-1]); den product > 0. */
static u64 muldiv(const u64 *num, int nn, const u64 *den, int nd, bool round_up) {
    Big n, d, q, r;
    big_set(&n, 1);
    for (int i = 0; i < nn; i++) big_mul(&n, num[i]);
    big_set(&d, 1);
    for (int i = 0; i < nd; i++) big_mul(&d, den[i]);
    if (big_is_zero(&d)) {
        OVERFLOWED = true;
        return 0;
    }
    big_divmod(&n, &d, &q, &r);
    u64 out = big_to_u64(&q);
    if (round_up && !big_is_zero(&r)) out += 1;
    return out;
}

static u64 mul_div_floor(u64 a, u64 b, u64 c) {
    u64 num[2] = {a, b}, den[1] = {c};
    return muldiv(num, 2, den, 1, false);
}

static u64 mul_div_ceil(u64 a, u64 b, u64 c) {
    u64 num[2] = {a, b}, den[1] = {c};
    return muldiv(num, 2, den, 1, true);
}

static u64 abs_i64(i64 v) { return v < 0 ? (u64)(-v) : (u64)v; }

/* Python's (a * b) // c for signed a, unsigned b, c > 0. */
static i64 smul_div_floor(i64 a, u64 b, u64 c) {
    if (a >= 0) return (i64)mul_div_floor((u64)a, b, c);
    return -(i64)mul_div_ceil(abs_i64(a), b, c);
}

/* -((-(a * b)) // c): the ceiling, for signed a. */
static i64 smul_div_ceil(i64 a, u64 b, u64 c) {
    if (a >= 0) return (i64)mul_div_ceil((u64)a, b, c);
    return -(i64)mul_div_floor(abs_i64(a), b, c);
}

/* a * b as a 128-bit (high, low) pair. */
static u64 mul_64x64(u64 a, u64 b, u64 *high) {
    u64 a_lo = (u32)a, a_hi = a >> 32, b_lo = (u32)b, b_hi = b >> 32;
    u64 lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    u64 middle = (lo_lo >> 32) + (u32)hi_lo + (u32)lo_hi;
    *high = hi_hi + (hi_lo >> 32) + (lo_hi >> 32) + (middle >> 32);
    return (middle << 32) | (u32)lo_lo;
}

/* The largest r < 2^64 with r * r <= value (value < 2^128), bit by bit; *exact when r * r == value. */
static u64 big_isqrt(const Big *value, bool *exact) {
    if (big_top_limb(value) > 3) OVERFLOWED = true;
    u64 v_hi = ((u64)value->w[3] << 32) | value->w[2], v_lo = ((u64)value->w[1] << 32) | value->w[0];
    u64 root = 0, sq_hi = 0, sq_lo = 0;
    for (int bit = 63; bit >= 0; bit--) {
        u64 candidate = root | ((u64)1 << bit), hi;
        u64 lo = mul_64x64(candidate, candidate, &hi);
        if (hi < v_hi || (hi == v_hi && lo <= v_lo)) {
            root = candidate;
            sq_hi = hi;
            sq_lo = lo;
        }
    }
    *exact = sq_hi == v_hi && sq_lo == v_lo;
    return root;
}

#endif
