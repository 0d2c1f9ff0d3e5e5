"""The independent cross-check: run a measurement ELF under ``qemu-system-arm -M mps2-an386``.

mps2-an386 is a Cortex-M4 board with RAM at 0x0 (4 MB) and 0x20000000 (4 MB) and PSRAM at
0x21000000, so the ELF linked for the board's map (flash at 0x0, SRAM at 0x20000000) loads as it is
and the marker stores land in PSRAM. The harness prints its outputs through ARM semihosting
(``MCUML OUT<i> <hex>`` lines) and exits through ``SYS_EXIT``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from mcuml.errors import MissingDependencyError

MACHINE = "mps2-an386"
ICOUNT_SHIFT = 10  # -icount shift=10: 1024 ns of virtual time per instruction
TICKS_PER_INSN = 1024 / 40  # the FPGAIO COUNTER runs at 25 MHz (40 ns): 25.6 ticks per instruction


def command(elf: str | Path) -> list[str]:
    """The qemu command line for an ELF (what the kept README shows)."""
    return ["qemu-system-arm", "-M", MACHINE, "-cpu", "cortex-m4", "-nographic", "-monitor", "none",
            "-serial", "none", "-semihosting-config", "enable=on,target=native", "-icount", f"shift={ICOUNT_SHIFT}",
            "-kernel", str(elf)]


def parse_outputs(text: str) -> dict[str, bytes]:
    """``MCUML OUT0 0a0b..`` lines -> {"OUT0": b"\\x0a\\x0b.."}."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "MCUML":
            out[parts[1]] = bytes.fromhex(parts[2])
    return out


def icount_instructions(outputs: dict[str, bytes]) -> int | None:
    """Instructions QEMU executed between the harness's two FPGAIO COUNTER reads (``MCUML ICOUNT`` line).

    The window is the one mcuml counts (begin marker to end marker) plus the counter reads themselves;
    unicorn's ``total_instructions`` and this agree to a few instructions.
    """
    raw = outputs.get("ICOUNT")
    if raw is None or len(raw) != 8:
        return None
    t0, t1 = int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:], "little")
    return round(((t1 - t0) & 0xFFFFFFFF) / TICKS_PER_INSN)


def run_qemu(elf: str | Path, timeout_s: float = 120.0) -> tuple[int, dict[str, bytes], str]:
    """Run the ELF in qemu; (exit status, outputs by tag, raw semihosting text)."""
    if shutil.which("qemu-system-arm") is None:
        raise MissingDependencyError("qemu-system-arm not found", hint="apt-get install qemu-system-arm")
    p = subprocess.run(command(elf), capture_output=True, text=True, timeout=timeout_s, stdin=subprocess.DEVNULL)
    text = p.stdout + p.stderr  # semihosting console output: stderr when stdout is not a terminal
    return p.returncode, parse_outputs(text), text


def readme(elf_name: str, model: str, board: str, outputs: dict[str, bytes], total_instructions: int) -> str:
    """The README kept next to the ELF: what it is and how to cross-check it under QEMU."""
    lines = "\n".join(f"    MCUML {k} {v.hex()}" for k, v in outputs.items())
    return f"""# mcuml measure: {model} on {board}

`{elf_name}` is the measurement firmware: mcuml's startup and linker script (`fw.ld`, the board's
flash/SRAM sizes at 0x0 / 0x20000000), the C engine and a harness that copies a fixed input into RAM,
calls the model once between two marker stores and prints the outputs by ARM semihosting.
`fw.map` is the linker map (where every byte of flash and SRAM goes).

mcuml counted {total_instructions:,} instructions for the invoke in unicorn. Independent cross-check
under QEMU (Cortex-M4 board mps2-an386, same ELF, no rebuild):

    {' '.join(command(elf_name))}

It must print exactly:

{lines}

and exit with status 0 (a fault prints `MCUML FAULT` and exits with status 1). The `MCUML ICOUNT t0 t1` line
holds two reads of the board's FPGAIO COUNTER around the invoke (little-endian 32-bit): under `-icount shift=10`
it ticks 25.6 times per instruction, so `(t1 - t0) / 25.6` is QEMU's own instruction count of the window.
"""
