/* Moves `amount` tokens out of a vault whose owner is this program's PDA ["vault", bump], by a CPI to
 * SPL Token Transfer signed with the PDA's seeds.
 * Accounts: 0 vault (w), 1 destination (w), 2 vault authority PDA, 3 token program.
 * Data: u64 amount, u8 bump. */
#include "sol.h"

#define ERR_BAD_DATA 2
#define ERR_WRONG_AUTHORITY 3
#define TOKEN_TRANSFER 3

u64 entrypoint(const u8 *input) {
    SolParameters params;
    if (!sol_deserialize(input, &params) || params.accounts_len < 4) return ERROR_CUSTOM(1);
    if (params.data_len != 9) return ERROR_CUSTOM(ERR_BAD_DATA);
    SolAccountInfo *accounts = params.accounts;
    u8 bump = params.data[8];
    SolSignerSeed seeds[2] = {{(const u8 *)"vault", 5}, {&bump, 1}};
    SolPubkey expected;
    if (sol_create_program_address(seeds, 2, params.program_id, &expected) != 0) return ERROR_CUSTOM(ERR_WRONG_AUTHORITY);
    if (!pubkey_eq(&expected, accounts[2].key)) return ERROR_CUSTOM(ERR_WRONG_AUTHORITY);

    u8 data[9];
    data[0] = TOKEN_TRANSFER;
    sol_memcpy_(data + 1, params.data, 8);
    SolAccountMeta metas[3] = {
        {accounts[0].key, true, false},
        {accounts[1].key, true, false},
        {accounts[2].key, false, true},
    };
    SolInstruction transfer = {accounts[3].key, metas, 3, data, sizeof(data)};
    SolSignerSeeds signer = {seeds, 2};
    return sol_invoke_signed_c(&transfer, accounts, 4, &signer, 1);
}
