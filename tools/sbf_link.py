"""sbf_link: link one relocatable eBPF object (from `clang -target bpf`) into a Solana SBPF v0 program.

No Debian linker can make a BPF shared object (ld.lld-14 rejects R_BPF relocations, ld.lld-19 the
machine), so this does the few things Solana's loader needs and nothing more:

* `.text` becomes one PT_LOAD (R+X); every `.rodata*` section is packed into a second PT_LOAD (R).
  Every allocated section has `sh_addr == sh_offset`, the layout the v0 loader maps without copying.
* `lddw rX, sym` (R_BPF_64_64) gets the symbol's file address in its two immediates and a
  R_BPF_64_RELATIVE dynamic relocation; the loader adds MM_PROGRAM_START (0x1_0000_0000).
* A 64-bit pointer inside `.rodata` (R_BPF_64_ABS64) becomes R_BPF_64_RELATIVE too. The v0 loader reads
  such a pointer's address as a u32 at offset + 4 (a bug it keeps for old toolchains), so it goes there.
* `call sym` (R_BPF_64_32) to a function of this object becomes a pc-relative call, which the loader
  turns into its own call form; to an undefined name (a syscall such as `sol_log_`) it stays `call -1`
  with a R_BPF_64_32 dynamic relocation against that name in `.dynsym`, which the loader resolves.
* PT_DYNAMIC points at `.dynamic` (DT_REL/DT_RELSZ/DT_RELENT/DT_SYMTAB/DT_STRTAB/...).

Writable globals (`.data`, `.bss`) do not exist in SBPF v0 and are refused with a clear message.
Usage: python tools/sbf_link.py program.o -o program.so
"""

from __future__ import annotations

import argparse
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

EM_BPF = 247
ET_REL, ET_DYN = 1, 3
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS, SHT_REL, SHT_DYNAMIC, SHT_DYNSYM = 1, 2, 3, 8, 9, 6, 11
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
SHN_UNDEF, SHN_ABS, SHN_COMMON = 0, 0xFFF1, 0xFFF2
STB_GLOBAL, STT_NOTYPE, STT_FUNC, STT_SECTION = 1, 0, 2, 3
PT_LOAD, PT_DYNAMIC = 1, 2
PF_X, PF_W, PF_R = 1, 2, 4
R_BPF_64_64, R_BPF_64_ABS64, R_BPF_64_ABS32, R_BPF_64_NODYLD32 = 1, 2, 3, 4
R_BPF_64_RELATIVE, R_BPF_64_32 = 8, 10
DT_NULL, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT = 0, 5, 6, 10, 11
DT_REL, DT_RELSZ, DT_RELENT, DT_TEXTREL, DT_FLAGS, DF_TEXTREL = 17, 18, 19, 22, 30, 0x4
CALL_OPCODE, LDDW_OPCODE = 0x85, 0x18
INSN_SIZE = 8
EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
SHDR = struct.Struct("<IIQQQQIIQQ")
PHDR = struct.Struct("<IIQQQQQQ")
SYM = struct.Struct("<IBBHQQ")
REL = struct.Struct("<QQ")
DYN = struct.Struct("<qQ")
# Sections the program never needs at run time (debug info, BTF, address-significance tables).
IGNORED_PREFIXES = (".debug", ".BTF", ".llvm", ".comment", ".note", ".eh_frame", ".rel.debug", ".rel.BTF")


class LinkError(Exception):
    """The object cannot become an SBPF v0 program; the message says why and what to change."""


@dataclass
class Section:
    index: int
    name: str
    type: int
    flags: int
    offset: int
    size: int
    link: int
    info: int
    align: int
    data: bytes


@dataclass
class Symbol:
    name: str
    bind: int
    type: int
    shndx: int
    value: int


@dataclass
class ObjectFile:
    sections: list[Section]
    symbols: list[Symbol]
    relocations: dict[int, list[tuple[int, int, int]]]  # target section -> (offset, type, symbol)


def _cstr(table: bytes, offset: int) -> str:
    end = table.index(b"\0", offset)
    return table[offset:end].decode()


def read_object(data: bytes) -> ObjectFile:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise LinkError("not a little-endian ELF64 file")
    (_, e_type, machine, _, _, _, shoff, _, _, _, _, shentsize, shnum, shstrndx) = EHDR.unpack_from(data)
    if e_type != ET_REL or machine != EM_BPF:
        raise LinkError(
            f"expected a relocatable eBPF object (type 1, machine 247), got type {e_type} machine {machine}"
        )
    raw = [SHDR.unpack_from(data, shoff + i * shentsize) for i in range(shnum)]
    names = data[raw[shstrndx][4] : raw[shstrndx][4] + raw[shstrndx][5]]
    sections = []
    for index, (name, typ, flags, _, offset, size, link, info, align, _) in enumerate(raw):
        body = b"" if typ == SHT_NOBITS else data[offset : offset + size]
        sections.append(Section(index, _cstr(names, name), typ, flags, offset, size, link, info, align or 1, body))
    symbols: list[Symbol] = []
    relocations: dict[int, list[tuple[int, int, int]]] = {}
    for section in sections:
        if section.type == SHT_SYMTAB:
            strings = sections[section.link].data
            for pos in range(0, section.size, SYM.size):
                name, info, _, shndx, value, _ = SYM.unpack_from(section.data, pos)
                symbols.append(Symbol(_cstr(strings, name), info >> 4, info & 0xF, shndx, value))
        elif section.type == SHT_REL:
            relocations[section.info] = [
                (offset, info & 0xFFFFFFFF, info >> 32)
                for offset, info in (REL.unpack_from(section.data, pos) for pos in range(0, section.size, REL.size))
            ]
    return ObjectFile(sections, symbols, relocations)


@dataclass
class _Output:
    """The image being built: bytes laid out at their final file offsets (== virtual addresses)."""

    text: bytearray
    text_addr: int
    rodata: bytearray = field(default_factory=bytearray)
    rodata_addr: int = 0
    placed: dict[int, int] = field(default_factory=dict)  # input section index -> output address
    dyn_relocs: list[tuple[int, int, str]] = field(default_factory=list)  # (address, type, symbol name)


def _classify(obj: ObjectFile) -> tuple[Section, list[Section]]:
    text: Section | None = None
    rodata: list[Section] = []
    for section in obj.sections[1:]:
        if not section.flags & SHF_ALLOC or section.name.startswith(IGNORED_PREFIXES):
            continue
        if section.name == ".text":
            text = section
        elif section.flags & SHF_EXECINSTR:
            raise LinkError(f"code in section {section.name}: keep all code in .text (no -ffunction-sections)")
        elif section.flags & SHF_WRITE or section.type == SHT_NOBITS:
            if section.size:
                raise LinkError(
                    f"writable data in section {section.name} ({section.size} bytes): SBPF v0 programs have no "
                    "writable globals; make it const or keep it in account data"
                )
        else:
            rodata.append(section)
    if text is None or not text.size:
        raise LinkError("the object has no .text section")
    return text, rodata


def _align(value: int, to: int) -> int:
    return (value + to - 1) // to * to


def _symbol_address(out: _Output, symbol: Symbol, where: str) -> int:
    if symbol.shndx in (SHN_UNDEF, SHN_COMMON) or symbol.shndx not in out.placed:
        raise LinkError(f"{where}: {symbol.name or 'a symbol'} is not defined in .text or read-only data")
    return out.placed[symbol.shndx] + symbol.value


def _relocate_text(obj: ObjectFile, text: Section, out: _Output) -> None:
    for offset, rtype, sym_index in obj.relocations.get(text.index, []):
        symbol = obj.symbols[sym_index]
        addr = out.text_addr + offset
        opcode = out.text[offset]
        where = f".text+{offset:#x}"
        if rtype == R_BPF_64_64:
            if opcode != LDDW_OPCODE:
                raise LinkError(f"{where}: R_BPF_64_64 on opcode {opcode:#x}, expected lddw")
            addend = struct.unpack_from("<i", out.text, offset + 4)[0]
            target = _symbol_address(out, symbol, where) + addend
            struct.pack_into("<I", out.text, offset + 4, target & 0xFFFFFFFF)
            struct.pack_into("<I", out.text, offset + 12, target >> 32)
            out.dyn_relocs.append((addr, R_BPF_64_RELATIVE, ""))
        elif rtype == R_BPF_64_32:
            if opcode != CALL_OPCODE:
                raise LinkError(f"{where}: R_BPF_64_32 on opcode {opcode:#x}, expected call")
            if symbol.shndx == text.index:
                delta = (symbol.value - offset) // INSN_SIZE - 1
                struct.pack_into("<i", out.text, offset + 4, delta)
            elif symbol.shndx == SHN_UNDEF:
                struct.pack_into("<i", out.text, offset + 4, -1)
                out.dyn_relocs.append((addr, R_BPF_64_32, symbol.name))
            else:
                raise LinkError(f"{where}: call to {symbol.name}, which is not a function in .text")
        elif rtype == R_BPF_64_NODYLD32:
            continue
        else:
            raise LinkError(f"{where}: relocation type {rtype} against {symbol.name} is not supported")


def _relocate_rodata(obj: ObjectFile, section: Section, out: _Output) -> None:
    base = out.placed[section.index] - out.rodata_addr
    for offset, rtype, sym_index in obj.relocations.get(section.index, []):
        symbol = obj.symbols[sym_index]
        where = f"{section.name}+{offset:#x}"
        if rtype != R_BPF_64_ABS64:
            raise LinkError(f"{where}: relocation type {rtype} in read-only data is not supported")
        addend = struct.unpack_from("<q", out.rodata, base + offset)[0]
        target = _symbol_address(out, symbol, where) + addend
        struct.pack_into("<II", out.rodata, base + offset, 0, target)  # the v0 loader reads offset + 4
        out.dyn_relocs.append((out.placed[section.index] + offset, R_BPF_64_RELATIVE, ""))


def _entry_offset(obj: ObjectFile, text: Section, entry: str) -> int:
    for symbol in obj.symbols:
        if symbol.name == entry and symbol.shndx == text.index and symbol.bind == STB_GLOBAL:
            return symbol.value
    raise LinkError(f"no global function {entry!r} in .text")


def link(object_bytes: bytes, entry: str = "entrypoint") -> bytes:
    """The SBPF v0 program ELF for one relocatable eBPF object."""
    obj = read_object(object_bytes)
    text, rodata_sections = _classify(obj)
    phnum = 4 if rodata_sections else 3
    text_addr = _align(EHDR.size + phnum * PHDR.size, 8)
    out = _Output(bytearray(text.data), text_addr)
    out.placed[text.index] = text_addr
    out.rodata_addr = cursor = _align(text_addr + text.size, 8)
    for section in rodata_sections:
        cursor = _align(cursor, section.align)
        out.rodata.extend(bytes(cursor - out.rodata_addr - len(out.rodata)))
        out.placed[section.index] = cursor
        out.rodata.extend(section.data)
        cursor += section.size
    _relocate_text(obj, text, out)
    for section in rodata_sections:
        _relocate_rodata(obj, section, out)
    entry_addr = text_addr + _entry_offset(obj, text, entry)
    return _write_image(out, entry, entry_addr, phnum)


def _dynamic_tables(out: _Output, entry: str, entry_addr: int) -> tuple[bytes, bytes, bytes]:
    """(.dynsym, .dynstr, .rel.dyn) before addresses are known: symbol 1 is the entrypoint."""
    names = [entry] + sorted({name for _, rtype, name in out.dyn_relocs if rtype == R_BPF_64_32})
    dynstr = bytearray(b"\0")
    dynsym = bytearray(SYM.pack(0, 0, 0, 0, 0, 0))
    index: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        is_entry = position == 1
        info = (STB_GLOBAL << 4) | (STT_FUNC if is_entry else STT_NOTYPE)
        dynsym += SYM.pack(len(dynstr), info, 0, 1 if is_entry else SHN_UNDEF, entry_addr if is_entry else 0, 0)
        dynstr += name.encode() + b"\0"
        index[name] = position
    rel = b"".join(
        REL.pack(addr, (index[name] << 32 if name else 0) | rtype) for addr, rtype, name in sorted(out.dyn_relocs)
    )
    return bytes(dynsym), bytes(dynstr), rel


def _write_image(out: _Output, entry: str, entry_addr: int, phnum: int) -> bytes:
    dynsym, dynstr, rel = _dynamic_tables(out, entry, entry_addr)
    rodata_end = out.rodata_addr + len(out.rodata)
    dynamic_addr = _align(rodata_end, 8)
    dynamic_size = 10 * DYN.size
    dynsym_addr = dynamic_addr + dynamic_size
    dynstr_addr = dynsym_addr + len(dynsym)
    rel_addr = _align(dynstr_addr + len(dynstr), 8)
    dyn_end = rel_addr + len(rel)
    dynamic = b"".join(
        DYN.pack(tag, value)
        for tag, value in (
            (DT_FLAGS, DF_TEXTREL),
            (DT_REL, rel_addr),
            (DT_RELSZ, len(rel)),
            (DT_RELENT, REL.size),
            (DT_SYMTAB, dynsym_addr),
            (DT_SYMENT, SYM.size),
            (DT_STRTAB, dynstr_addr),
            (DT_STRSZ, len(dynstr)),
            (DT_TEXTREL, 0),
            (DT_NULL, 0),
        )
    )
    shstr_names = ["", ".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"]
    shstrtab = b"\0".join(name.encode() for name in shstr_names) + b"\0"
    name_at = {name: shstrtab.index(name.encode() + b"\0") if name else 0 for name in shstr_names}
    shstr_addr = dyn_end
    shoff = _align(shstr_addr + len(shstrtab), 8)
    sections = [
        SHDR.pack(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        SHDR.pack(
            name_at[".text"],
            SHT_PROGBITS,
            SHF_ALLOC | SHF_EXECINSTR,
            out.text_addr,
            out.text_addr,
            len(out.text),
            0,
            0,
            8,
            0,
        ),
        SHDR.pack(
            name_at[".rodata"], SHT_PROGBITS, SHF_ALLOC, out.rodata_addr, out.rodata_addr, len(out.rodata), 0, 0, 8, 0
        ),
        SHDR.pack(
            name_at[".dynamic"],
            SHT_DYNAMIC,
            SHF_ALLOC | SHF_WRITE,
            dynamic_addr,
            dynamic_addr,
            dynamic_size,
            5,
            0,
            8,
            DYN.size,
        ),
        SHDR.pack(name_at[".dynsym"], SHT_DYNSYM, SHF_ALLOC, dynsym_addr, dynsym_addr, len(dynsym), 5, 1, 8, SYM.size),
        SHDR.pack(name_at[".dynstr"], SHT_STRTAB, SHF_ALLOC, dynstr_addr, dynstr_addr, len(dynstr), 0, 0, 1, 0),
        SHDR.pack(name_at[".rel.dyn"], SHT_REL, SHF_ALLOC, rel_addr, rel_addr, len(rel), 4, 0, 8, REL.size),
        SHDR.pack(name_at[".shstrtab"], SHT_STRTAB, 0, 0, shstr_addr, len(shstrtab), 0, 0, 1, 0),
    ]
    programs = [
        PHDR.pack(PT_LOAD, PF_R | PF_X, out.text_addr, out.text_addr, out.text_addr, len(out.text), len(out.text), 8)
    ]
    if phnum == 4:
        programs.append(
            PHDR.pack(
                PT_LOAD, PF_R, out.rodata_addr, out.rodata_addr, out.rodata_addr, len(out.rodata), len(out.rodata), 8
            )
        )
    programs.append(
        PHDR.pack(
            PT_LOAD, PF_R, dynamic_addr, dynamic_addr, dynamic_addr, dyn_end - dynamic_addr, dyn_end - dynamic_addr, 8
        )
    )
    programs.append(
        PHDR.pack(PT_DYNAMIC, PF_R | PF_W, dynamic_addr, dynamic_addr, dynamic_addr, dynamic_size, dynamic_size, 8)
    )
    ident = b"\x7fELF\x02\x01\x01" + bytes(9)
    header = EHDR.pack(
        ident,
        ET_DYN,
        EM_BPF,
        1,
        entry_addr,
        EHDR.size,
        shoff,
        0,
        EHDR.size,
        PHDR.size,
        len(programs),
        SHDR.size,
        len(sections),
        len(sections) - 1,
    )
    image = bytearray(header + b"".join(programs))
    for addr, blob in (
        (out.text_addr, out.text),
        (out.rodata_addr, out.rodata),
        (dynamic_addr, dynamic),
        (dynsym_addr, dynsym),
        (dynstr_addr, dynstr),
        (rel_addr, rel),
        (shstr_addr, shstrtab),
    ):
        image.extend(bytes(addr - len(image)))
        image.extend(blob)
    image.extend(bytes(shoff - len(image)))
    image.extend(b"".join(sections))
    return bytes(image)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("object", type=Path, help="relocatable eBPF object from clang -target bpf -c")
    parser.add_argument("-o", "--output", type=Path, required=True, help="program ELF to write")
    parser.add_argument("--entry", default="entrypoint", help="entry function (default: entrypoint)")
    args = parser.parse_args(argv)
    try:
        image = link(args.object.read_bytes(), args.entry)
    except LinkError as err:
        print(f"sbf_link: {args.object}: {err}", file=sys.stderr)
        return 1
    args.output.write_bytes(image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
