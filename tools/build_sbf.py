"""build_sbf: C source -> relocatable eBPF object (clang-19) -> SBPF v0 program (tools/sbf_link.py).

The object and the program are written next to the source (`name.o`, `name.so`) and committed, so a
machine without clang-19 still links and runs them; tests rebuild and compare when clang-19 is here.
Usage: python tools/build_sbf.py path/to/program.c [...]
"""

from __future__ import annotations

import os.path
import shutil
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.sbf_link import LinkError, link

CLANG = "clang-19"
SOL_INCLUDE = Path(__file__).resolve().parent.parent / "programs" / "quantdesk_perp" / "onchain"
# -mcpu=v1: no jmp32/alu32-only forms SBPF v0 lacks. A v0 call frame is 4 KiB, not eBPF's 512 bytes.
CFLAGS = (
    "-target",
    "bpf",
    "-mcpu=v1",
    "-O2",
    "-ffreestanding",
    "-fno-builtin",
    "-fPIC",
    "-mllvm",
    "-bpf-stack-size=4096",
    "-Wall",
    "-Werror",
    "-Wno-unused-function",
)


class BuildError(Exception):
    pass


def clang_available() -> bool:
    return shutil.which(CLANG) is not None


def compile_object(source: Path, output: Path) -> bytes:
    """Compile in the source's directory with a relative name, so the object does not depend on paths."""
    if not clang_available():
        raise BuildError(f"{CLANG} is not installed (Debian: apt-get install -y clang-19)")
    command = [CLANG, *CFLAGS, "-I", _relative(SOL_INCLUDE, source.parent), "-c", source.name, "-o", str(output)]
    done = subprocess.run(command, cwd=source.parent, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildError(f"{CLANG} failed on {source}:\n{done.stderr}")
    return output.read_bytes()


def _relative(target: Path, start: Path) -> str:
    return os.path.relpath(target, start.resolve())


def build(source: Path) -> tuple[bytes, bytes]:
    """(object, program) for one C source, written as source.with_suffix('.o') and '.so'."""
    obj = compile_object(source, source.with_suffix(".o").resolve())
    program = link(obj)
    source.with_suffix(".so").write_bytes(program)
    return obj, program


def main(argv: list[str]) -> int:
    for name in argv:
        try:
            obj, program = build(Path(name))
        except (BuildError, LinkError) as err:
            print(f"build_sbf: {err}", file=sys.stderr)
            return 1
        print(f"{name}: object {len(obj)} bytes, program {len(program)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
