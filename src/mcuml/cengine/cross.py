"""Cortex-M build of the generated C engine, and flash/SRAM read from the linked ELF.

``build_arm`` compiles every source with ``arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb
-mfloat-abi=hard -mfpu=fpv4-sp-d16 -Wall -Wextra -Werror`` and links two programs with
``--specs=nosys.specs``: one calling ``NAME_invoke`` and a baseline with the same ``main`` minus
the call. ``arm-none-eabi-size`` of both gives the engine's own footprint (weights, kernels, the
libc pieces they pull in, the arena): flash = text + data, SRAM = data + bss.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mcuml.errors import McumlError, MissingDependencyError

M4_FLAGS = ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16")
WARN_FLAGS = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-ffunction-sections", "-fdata-sections")


@dataclass(frozen=True, slots=True)
class ElfSize:
    text: int
    data: int
    bss: int

    @property
    def flash(self) -> int:
        return self.text + self.data

    @property
    def sram(self) -> int:
        return self.data + self.bss


@dataclass(frozen=True, slots=True)
class ArmBuild:
    """Footprint of one generated model on Cortex-M4 (``opt`` level), from linked ELFs."""

    name: str
    opt: str
    flash_bytes: int  # engine's text + data (program minus the baseline program)
    sram_bytes: int  # engine's data + bss (arena included)
    arena_bytes: int
    full: ElfSize
    baseline: ElfSize
    warnings: str  # compiler stderr (empty: warning-free under -Werror)


def find_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise MissingDependencyError(f"{name} is not on PATH (install the gcc-arm-none-eabi toolchain)")
    return path


def _main_c(gen, call: bool) -> str:
    lines = [f'#include "{gen.name}.h"', "#include <stdint.h>"]
    args = []
    for k, t in enumerate(gen.inputs):
        lines.append(f"static const {t.ctype} in{k}[{max(1, t.nbytes // _size(t.ctype))}] = {{0}};")
        args.append(f"in{k}")
    for k, t in enumerate(gen.outputs):
        lines.append(f"{t.ctype} out{k}[{max(1, t.nbytes // _size(t.ctype))}];")
        args.append(f"out{k}")
    # both programs keep every I/O array (the baseline through a volatile read of their addresses), so the
    # difference is the engine alone: the application's input/output buffers count for neither engine
    keep = " ^ ".join(f"(uintptr_t){a}" for a in args) or "0"
    body = f"return {gen.name}_invoke({', '.join(args)});" if call else \
        f"volatile uintptr_t keep = {keep}; return (int)keep;"
    lines += ["int main(void) {", "    " + body, "}", ""]
    return "\n".join(lines)


def _size(ctype: str) -> int:
    return {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "int32_t": 4, "float": 4, "int64_t": 8}[ctype]


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise McumlError(f"{Path(cmd[0]).name} failed: {' '.join(cmd[:8])} ...\n{r.stderr[-4000:]}")
    return r


def elf_size(path: Path) -> ElfSize:
    out = _run([find_tool("arm-none-eabi-size"), str(path)], path.parent).stdout.splitlines()
    text, data, bss = (int(v) for v in out[1].split()[:3])
    return ElfSize(text, data, bss)


def compile_arm(sources, workdir: Path, opt: str = "-Os", extra: tuple[str, ...] = ()) -> tuple[list[Path], str]:
    """Compile every .c of ``sources`` to an object in ``workdir``; raise on any warning (-Werror)."""
    gcc = find_tool("arm-none-eabi-gcc")
    for fname, text in sources:
        (workdir / fname).write_text(text)
    objs, err = [], []
    for fname, _ in sources:
        if not fname.endswith(".c"):
            continue
        obj = workdir / (fname[:-2] + ".o")
        r = _run([gcc, *M4_FLAGS, opt, *WARN_FLAGS, *extra, "-I", str(workdir), "-c", fname, "-o", obj.name], workdir)
        err.append(r.stderr)
        objs.append(obj)
    return objs, "".join(err)


def build_arm(gen, opt: str = "-Os") -> ArmBuild:
    """Compile (warning-free) and link ``gen`` for Cortex-M4; sizes from ``arm-none-eabi-size``."""
    gcc = find_tool("arm-none-eabi-gcc")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        srcs = [*gen.sources, ("main_full.c", _main_c(gen, True)), ("main_base.c", _main_c(gen, False))]
        objs, warnings = compile_arm(srcs, t, opt)
        engine = [o for o in objs if not o.name.startswith("main_")]
        sizes = {}
        for kind in ("full", "base"):
            elf = t / f"{kind}.elf"
            _run([gcc, *M4_FLAGS, opt, "--specs=nosys.specs", "-Wl,--gc-sections", f"main_{kind}.o",
                  *(o.name for o in engine), "-lm", "-o", elf.name], t)
            sizes[kind] = elf_size(elf)
    full, base = sizes["full"], sizes["base"]
    return ArmBuild(gen.name, opt, full.flash - base.flash, full.sram - base.sram, gen.arena_bytes, full, base,
                    warnings)
