"""A static Cortex-M4 cycle model for executed Thumb code (decoded with capstone).

The model is the one ``../shared/calibration/cortexm4_tflm_dev.json`` (``meta.cycle_model``) used for the
TFLM + CMSIS-NN figures, so the numbers compare one to one. Per instruction (Cortex-M4 Technical
Reference Manual r0p1, table 3-1 "Cortex-M4 instruction set summary", and the FPU TRM table 2-1):

========================================  ===========================================================
instruction class                          cycles
========================================  ===========================================================
ALU, shifts, moves, compares, IT, NOP      1
MUL, MLA/MLS, (U|S)MULL/MLAL, DSP MACs     1  (SMLAD, SMLABB, SMUAD, SXTB16, SSAT, QADD, ... all single-cycle)
LDR/LDRB/LDRH/LDRSB/LDRSH/LDREX           2, or 1 when it directly follows another load/store (address/data
                                           phase pipelining of neighbouring single loads/stores)
STR/STRB/STRH/STREX                        1
LDRD/STRD                                  3
LDM/STM/PUSH/POP                           1 + number of registers
VLDR/VSTR                                  2;  VLDM/VSTM/VPUSH/VPOP 1 + number of registers
VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS/VFNMA/... 3
VDIV/VSQRT                                 14
other VFP (VADD, VMUL, VCVT, VMOV, ...)    1
SDIV/UDIV                                  7  (the TRM gives 2-12, data-dependent; 7 is the midpoint)
branch (B, BL, BX, BLX, CBZ, TBB, ...)     1, plus the pipeline refill P when taken
========================================  ===========================================================

Taken branches are counted dynamically: a basic block whose successor does not start at its end
(branch, BX LR, POP {..PC}, LDR PC) paid a refill of ``P = 2`` cycles, so
``cycles(P) = static_cycles + P * taken_branches``.

Flash wait states (board data ``flash_wait_states``/``flash_cache``): sequential fetches are hidden
by the prefetch buffer; with a flash cache (nRF52840's, ST's ART accelerator) branch targets are
assumed to hit, so the refill stays ``P = 2``; a board without a cache pays its wait states on every
refill, ``P = 2 + wait_states``. A board with unpublished wait states (``None``) counts 0, as the
calibration does. Not modelled: data loads from flash paying wait states, bus contention, cache misses,
interrupt latency. Everything is static: the same ELF gives the same numbers on every machine.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

BRANCH_REFILL = 2  # P: taken-branch pipeline refill, cycles (TRM "1 + P", P = 1..3)

_LOADS = ("ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh", "ldrt", "ldrbt", "ldrht",
          "ldrsbt", "ldrsht")
_STORES = ("str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht")
_MULTI = ("ldm", "ldmia", "ldmfd", "ldmdb", "stm", "stmia", "stmea", "stmdb", "stmfd", "push", "pop")
_VMULTI = ("vldmia", "vldmdb", "vstmia", "vstmdb", "vldm", "vstm", "vpush", "vpop")
_VMAC = ("vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms")
_COND = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al")


@dataclass(frozen=True, slots=True)
class Block:
    """One decoded basic block: instruction addresses and static cycles of each instruction."""

    addrs: tuple[int, ...]
    cycles: tuple[int, ...]

    @property
    def n(self) -> int:
        """Instructions in the block."""
        return len(self.addrs)

    @property
    def total_cycles(self) -> int:
        """Static cycles of the whole block (taken-branch refill not included)."""
        return sum(self.cycles)

    def tail(self, pc: int) -> tuple[int, int]:
        """(instructions, cycles) of the block strictly after the instruction at ``pc``."""
        i = self.addrs.index(pc)
        return len(self.addrs) - i - 1, sum(self.cycles[i + 1:])


def _base(mnemonic: str) -> str:
    """Mnemonic without the .w/.n width qualifier, the S flag suffix stays (handled by prefix tests)."""
    return mnemonic.split(".")[0]


def _strip_cond(m: str) -> str:
    """``ldrbeq`` -> ``ldrb`` (instructions inside IT blocks carry the condition in the mnemonic)."""
    for c in _COND:
        if len(m) > len(c) + 1 and m.endswith(c):
            core = m[: -len(c)]
            if core in _LOADS or core in _STORES or core in _MULTI or core in ("ldrd", "strd", "sdiv", "udiv"):
                return core
    return m


def insn_cycles(mnemonic: str, n_regs: int, prev_ldst: bool) -> tuple[int, bool]:
    """(static cycles, is a single load/store) of one instruction; ``n_regs``: register-list length."""
    m = _strip_cond(_base(mnemonic))
    if m in _LOADS:
        return (1 if prev_ldst else 2), True
    if m in _STORES:
        return 1, True
    if m in ("ldrd", "strd"):
        return 3, False
    if m in _MULTI:
        return 1 + n_regs, False
    if m.startswith("v"):
        return _vfp_cycles(m, n_regs), False
    if m in ("sdiv", "udiv"):
        return 7, False
    return 1, False


def _vfp_cycles(m: str, n_regs: int) -> int:
    if m.startswith(("vldr", "vstr")):
        return 2
    if m in _VMULTI or m.startswith(_VMULTI):
        return 1 + n_regs
    if m.startswith(_VMAC):
        return 3
    if m.startswith(("vdiv", "vsqrt")):
        return 14
    return 1


@functools.lru_cache(maxsize=1)
def _disassembler():
    import capstone

    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    return md


def decode_block(code: bytes, addr: int) -> Block:
    """Decode the Thumb instructions of one basic block (``code`` = its bytes) into a :class:`Block`."""
    md = _disassembler()
    addrs: list[int] = []
    cycles: list[int] = []
    prev_ldst = False
    end = addr + len(code)
    last = addr
    for ins in md.disasm(code, addr):
        last = ins.address + ins.size
        n_regs = len(ins.operands) if _base(ins.mnemonic).startswith(("push", "pop", "ldm", "stm", "vpush", "vpop",
                                                                       "vldm", "vstm")) else 0
        if n_regs and _base(ins.mnemonic).startswith(("ldm", "stm", "vldm", "vstm")):
            n_regs -= 1  # the base register operand
        c, prev_ldst = insn_cycles(ins.mnemonic, n_regs, prev_ldst)
        addrs.append(ins.address)
        cycles.append(c)
    if not addrs or last != end:
        raise ValueError(f"cannot decode the block at {addr:#x} ({len(code)} bytes, decoded to {last:#x})")
    return Block(tuple(addrs), tuple(cycles))


def branch_refill(wait_states: int | None, flash_cache: bool) -> int:
    """P for a board: 2, plus the flash wait states when there is no flash cache to hide them."""
    return BRANCH_REFILL + (0 if flash_cache or not wait_states else int(wait_states))
