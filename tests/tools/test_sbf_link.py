"""tools/sbf_link.py: tiny C programs, linked by our own linker, load and run in LiteSVM.

The committed objects (`tests/tools/sbf/*.o`, built by clang-19) are linked at test time and must
give the committed programs byte for byte; the programs then run in LiteSVM. When clang-19 is
installed, the sources are recompiled and must give the committed objects.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.token.state import Mint, TokenAccount, TokenAccountState
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from spl.token.constants import TOKEN_PROGRAM_ID

from tools import build_sbf
from tools.sbf_link import LinkError, link

SBF = Path(__file__).parent / "sbf"
PROGRAMS = ("log", "error", "counter", "vault_transfer")
RENT_EXEMPT = 10_000_000


def program(name: str) -> bytes:
    return link((SBF / f"{name}.o").read_bytes())


def send(svm: LiteSVM, payer: Keypair, ix: Instruction):
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], svm.latest_blockhash())
    return svm.send_transaction(tx)


@pytest.fixture
def svm_with_payer():
    svm = LiteSVM()
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 10**10)
    return svm, payer


def deploy(svm: LiteSVM, name: str) -> Pubkey:
    program_id = Pubkey.new_unique()
    svm.add_program(program_id, program(name))
    return program_id


@pytest.mark.parametrize("name", PROGRAMS)
def test_linking_the_committed_object_gives_the_committed_program(name):
    assert program(name) == (SBF / f"{name}.so").read_bytes()


@pytest.mark.skipif(shutil.which("clang-19") is None, reason="clang-19 not installed: committed objects used")
@pytest.mark.parametrize("name", PROGRAMS)
def test_clang19_rebuild_of_each_source_matches_the_committed_object(name, tmp_path):
    source = tmp_path / f"{name}.c"
    shutil.copy(SBF / f"{name}.c", source)
    rebuilt = build_sbf.compile_object(source, tmp_path / f"{name}.o")
    assert rebuilt == (SBF / f"{name}.o").read_bytes()


def test_log_program_logs_its_message_and_the_instruction_shape(svm_with_payer):
    svm, payer = svm_with_payer
    program_id = deploy(svm, "log")
    meta = send(svm, payer, Instruction(program_id, b"abc", [AccountMeta(payer.pubkey(), True, True)]))
    assert isinstance(meta, TransactionMetadata)
    assert meta.logs()[1:3] == ["Program log: hello from C", "Program log: 0x3, 0x1, 0x0, 0x0, 0x0"]
    assert meta.logs()[-1] == f"Program {program_id} success"
    assert 0 < meta.compute_units_consumed() < 1_000


@pytest.mark.parametrize("code", [1, 6001, 0xFFFF])
def test_error_program_fails_with_the_custom_code_it_was_given(svm_with_payer, code):
    svm, payer = svm_with_payer
    program_id = deploy(svm, "error")
    result = send(svm, payer, Instruction(program_id, struct.pack("<I", code), []))
    assert isinstance(result, FailedTransactionMetadata)
    assert str(result.err()) == f"TransactionErrorInstructionError((0, Tagged(Custom(InstructionErrorCustom({code})))))"
    assert result.meta().logs()[-1] == f"Program {program_id} failed: custom program error: {code:#x}"


def test_counter_program_reads_and_writes_its_account_data(svm_with_payer):
    svm, payer = svm_with_payer
    program_id = deploy(svm, "counter")
    counter = Pubkey.new_unique()
    svm.set_account(counter, Account(RENT_EXEMPT, struct.pack("<Q", 40) + bytes(8), program_id, False, 0))
    meta = send(svm, payer, Instruction(program_id, struct.pack("<Q", 2), [AccountMeta(counter, False, True)]))
    assert isinstance(meta, TransactionMetadata), meta
    assert bytes(svm.get_account(counter).data) == struct.pack("<Q", 42) + bytes(8)
    assert bytes(meta.return_data().data) == struct.pack("<Q", 42)


def test_counter_program_refuses_an_account_it_does_not_own(svm_with_payer):
    svm, payer = svm_with_payer
    program_id = deploy(svm, "counter")
    counter = Pubkey.new_unique()
    svm.set_account(counter, Account(RENT_EXEMPT, bytes(8), Pubkey.new_unique(), False, 0))
    result = send(svm, payer, Instruction(program_id, struct.pack("<Q", 2), [AccountMeta(counter, False, True)]))
    assert isinstance(result, FailedTransactionMetadata)
    assert "custom program error: 0x2" in result.meta().logs()[-1]


def _token_account(mint: Pubkey, owner: Pubkey, amount: int) -> Account:
    state = TokenAccount(mint, owner, amount, None, TokenAccountState.Initialized, None, 0, None)
    return Account(RENT_EXEMPT, bytes(state), TOKEN_PROGRAM_ID, False, 0)


def test_vault_transfer_program_moves_tokens_by_a_cpi_signed_with_its_pda(svm_with_payer):
    svm, payer = svm_with_payer
    program_id = deploy(svm, "vault_transfer")
    authority, bump = Pubkey.find_program_address([b"vault"], program_id)
    mint, vault, destination = Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique()
    svm.set_account(mint, Account(RENT_EXEMPT, bytes(Mint(None, 1_000, 6, True, None)), TOKEN_PROGRAM_ID, False, 0))
    svm.set_account(vault, _token_account(mint, authority, 1_000))
    svm.set_account(destination, _token_account(mint, payer.pubkey(), 0))
    accounts = [
        AccountMeta(vault, False, True),
        AccountMeta(destination, False, True),
        AccountMeta(authority, False, False),
        AccountMeta(TOKEN_PROGRAM_ID, False, False),
    ]
    meta = send(svm, payer, Instruction(program_id, struct.pack("<QB", 250, bump), accounts))
    assert isinstance(meta, TransactionMetadata), meta
    assert TokenAccount.from_bytes(bytes(svm.get_account(vault).data)).amount == 750
    assert TokenAccount.from_bytes(bytes(svm.get_account(destination).data)).amount == 250
    # A wrong bump is a different address: the program refuses before any CPI.
    wrong = send(svm, payer, Instruction(program_id, struct.pack("<QB", 1, (bump + 1) % 256), accounts))
    assert isinstance(wrong, FailedTransactionMetadata)
    assert TokenAccount.from_bytes(bytes(svm.get_account(vault).data)).amount == 750


def test_linker_refuses_what_is_not_a_relocatable_ebpf_object():
    obj = (SBF / "log.o").read_bytes()
    with pytest.raises(LinkError, match="not a little-endian ELF64"):
        link(b"\x7fELF\x01" + obj[5:])
    broken = bytearray(obj)
    broken[16:18] = struct.pack("<H", 3)  # claim ET_DYN: already linked
    with pytest.raises(LinkError, match="expected a relocatable eBPF object"):
        link(bytes(broken))


def test_linker_refuses_writable_globals_with_a_clear_message(tmp_path):
    if shutil.which("clang-19") is None:
        pytest.skip("clang-19 not installed: this case needs a fresh object")
    source = tmp_path / "global.c"
    source.write_text("unsigned long counter;\nunsigned long entrypoint(void *input) { return ++counter; }\n")
    obj = build_sbf.compile_object(source, tmp_path / "global.o")
    with pytest.raises(LinkError, match=r"writable data in section \.bss \(8 bytes\)"):
        link(obj)
