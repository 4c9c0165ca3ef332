/* Adds the u64 in the instruction data to the u64 counter at the start of account 0 (owned by this
 * program, writable) and returns the new value as return data. */
#include "sol.h"

#define ERR_NOT_OWNED 2
#define ERR_TOO_SMALL 3
#define ERR_NOT_WRITABLE 4
#define ERR_BAD_DATA 5

u64 entrypoint(const u8 *input) {
    SolParameters params;
    if (!sol_deserialize(input, &params) || params.accounts_len < 1) return ERROR_CUSTOM(1);
    SolAccountInfo *counter = &params.accounts[0];
    if (!pubkey_eq(counter->owner, params.program_id)) return ERROR_CUSTOM(ERR_NOT_OWNED);
    if (!counter->is_writable) return ERROR_CUSTOM(ERR_NOT_WRITABLE);
    if (counter->data_len < 8) return ERROR_CUSTOM(ERR_TOO_SMALL);
    if (params.data_len != 8) return ERROR_CUSTOM(ERR_BAD_DATA);
    u64 value = *(u64 *)counter->data + *(const u64 *)params.data;
    *(u64 *)counter->data = value;
    sol_set_return_data((const u8 *)&value, sizeof(value));
    return SUCCESS;
}
