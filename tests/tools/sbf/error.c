/* Fails with the custom error code held in the first four bytes of the instruction data. */
#include "sol.h"

u64 entrypoint(const u8 *input) {
    SolParameters params;
    if (!sol_deserialize(input, &params)) return ERROR_CUSTOM(1);
    if (params.data_len < 4) return SUCCESS;
    return ERROR_CUSTOM(*(const u32 *)params.data);
}
