/* sol.h: the little of Solana's C runtime an SBPF v0 program needs, for clang -target bpf.
 *
 * Syscalls are extern functions; clang emits `call -1` with an R_BPF_64_32 relocation against the
 * name and tools/sbf_link.py keeps it as a dynamic relocation the loader resolves. There are no
 * writable globals in SBPF v0: state lives in account data, scratch space in the 32 KiB heap.
 */
#ifndef QD_SOL_H
#define QD_SOL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef signed char i8;
typedef short i16;
typedef int i32;
typedef long i64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

typedef struct { u8 x[32]; } SolPubkey;

/* The C ABI record sol_invoke_signed_c reads (same field order as the Rust SDK's). */
typedef struct {
    SolPubkey *key;
    u64 *lamports;
    u64 data_len;
    u8 *data;
    SolPubkey *owner;
    u64 rent_epoch;
    bool is_signer;
    bool is_writable;
    bool executable;
} SolAccountInfo;

typedef struct { SolPubkey *pubkey; bool is_writable; bool is_signer; } SolAccountMeta;
typedef struct {
    SolPubkey *program_id;
    SolAccountMeta *accounts;
    u64 account_len;
    u8 *data;
    u64 data_len;
} SolInstruction;
typedef struct { const u8 *addr; u64 len; } SolSignerSeed;
typedef struct { const SolSignerSeed *addr; u64 len; } SolSignerSeeds;
typedef struct { const u8 *addr; u64 len; } SolBytes;
typedef struct {
    u64 slot;
    i64 epoch_start_timestamp;
    u64 epoch;
    u64 leader_schedule_epoch;
    i64 unix_timestamp;
} SolClock;

extern void sol_log_(const char *message, u64 len);
extern void sol_log_64_(u64, u64, u64, u64, u64);
extern void sol_log_pubkey(const SolPubkey *key);
extern void sol_log_compute_units_(void);
extern void sol_panic_(const char *file, u64 len, u64 line, u64 column);
extern u64 sol_invoke_signed_c(const SolInstruction *instruction, const SolAccountInfo *infos, int infos_len,
                               const SolSignerSeeds *signers, int signers_len);
extern u64 sol_create_program_address(const SolSignerSeed *seeds, int seeds_len, const SolPubkey *program_id,
                                      SolPubkey *address);
extern u64 sol_try_find_program_address(const SolSignerSeed *seeds, int seeds_len, const SolPubkey *program_id,
                                        SolPubkey *address, u8 *bump);
extern u64 sol_sha256(const SolBytes *bytes, int bytes_len, u8 *result);
extern u64 sol_get_clock_sysvar(SolClock *clock);
extern void sol_set_return_data(const u8 *data, u64 len);
extern void sol_memcpy_(void *dst, const void *src, u64 n);
extern void sol_memmove_(void *dst, const void *src, u64 n);
extern void sol_memset_(void *dst, int c, u64 n);
extern int sol_memcmp_(const void *a, const void *b, u64 n, int *result);

/* clang lowers large struct copies to these libcalls; the syscalls do the work. */
void *memcpy(void *dst, const void *src, u64 n) { sol_memcpy_(dst, src, n); return dst; }
void *memmove(void *dst, const void *src, u64 n) { sol_memmove_(dst, src, n); return dst; }
void *memset(void *dst, int c, u64 n) { sol_memset_(dst, c, n); return dst; }

#define sol_log(literal) sol_log_(literal, sizeof(literal) - 1)

/* The loader's input: accounts as serialized by the aligned (upgradeable) loader. */
#define MAX_PERMITTED_DATA_INCREASE 10240
#define NON_DUP_MARKER 0xff
#define MAX_ACCOUNTS 16
#define HEAP_START ((u8 *)0x300000000UL)

typedef struct {
    SolAccountInfo *accounts; /* on the heap: MAX_ACCOUNTS entries */
    u64 accounts_len;
    const u8 *data;
    u64 data_len;
    const SolPubkey *program_id;
} SolParameters;

/* Parse the input into params; false when it holds more accounts than MAX_ACCOUNTS. */
static bool sol_deserialize(const u8 *input, SolParameters *params) {
    u64 count = *(const u64 *)input;
    input += sizeof(u64);
    if (count > MAX_ACCOUNTS) return false;
    SolAccountInfo *accounts = (SolAccountInfo *)HEAP_START;
    for (u64 i = 0; i < count; i++) {
        u8 dup = *input++;
        if (dup != NON_DUP_MARKER) {
            accounts[i] = accounts[dup];
            input += 7;
            continue;
        }
        SolAccountInfo *info = &accounts[i];
        info->is_signer = *input++;
        info->is_writable = *input++;
        info->executable = *input++;
        input += 4;
        info->key = (SolPubkey *)input;
        input += sizeof(SolPubkey);
        info->owner = (SolPubkey *)input;
        input += sizeof(SolPubkey);
        info->lamports = (u64 *)input;
        input += sizeof(u64);
        info->data_len = *(const u64 *)input;
        input += sizeof(u64);
        info->data = (u8 *)input;
        input += info->data_len + MAX_PERMITTED_DATA_INCREASE;
        input = (const u8 *)(((u64)input + 7) & ~7UL);
        info->rent_epoch = *(const u64 *)input;
        input += sizeof(u64);
    }
    params->accounts = accounts;
    params->accounts_len = count;
    params->data_len = *(const u64 *)input;
    input += sizeof(u64);
    params->data = input;
    input += params->data_len;
    params->program_id = (const SolPubkey *)input;
    return true;
}

/* Scratch memory after the account table: a bump allocator over the heap, reset per instruction. */
#define HEAP_SCRATCH (HEAP_START + MAX_ACCOUNTS * sizeof(SolAccountInfo))

static bool pubkey_eq(const SolPubkey *a, const SolPubkey *b) {
    const u64 *x = (const u64 *)a->x, *y = (const u64 *)b->x;
    return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* A custom program error: the runtime reports InstructionError(i, Custom(code)). */
#define ERROR_CUSTOM(code) ((u64)(code))
#define SUCCESS 0

#endif
