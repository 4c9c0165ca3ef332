/* Logs a fixed message, then the instruction data length and account count. */
#include "sol.h"

u64 entrypoint(const u8 *input) {
    SolParameters params;
    if (!sol_deserialize(input, &params)) return ERROR_CUSTOM(1);
    sol_log("hello from C");
    sol_log_64_(params.data_len, params.accounts_len, 0, 0, 0);
    return SUCCESS;
}
