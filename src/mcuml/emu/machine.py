"""Run a linked Cortex-M4 ELF in unicorn and count the instructions executed between markers.

Setup: unicorn ``UC_ARCH_ARM``, ``UC_MODE_THUMB | UC_MODE_MCLASS``, CPU model Cortex-M4 (its FPU is
on), flash and SRAM mapped from the :class:`~mcuml.emu.build.MemoryMap`, the System Control Space page
mapped so the startup's CPACR write lands, and the marker mailbox (``MCUML_MAILBOX_ADDR``) watched by a
``UC_HOOK_MEM_WRITE`` hook limited to its 4 bytes (unicorn syncs the PC for it, so the store's exact
address is known; an ``mmio_map`` callback only sees the block start). The loadable segments are
written at their load (flash) addresses and the CPU starts at the
vector table's reset handler with its initial stack pointer, as a board does.

Counting (the calibration file's method, ``UC_HOOK_BLOCK``): every executed basic block adds its
instruction count (decoded once with capstone, IT-skipped instructions included) to the segment that
is open. A marker store cuts the count exactly at the store: the instructions of the current block
after the store go to the next segment. A block whose successor does not start at its end counts one
taken branch (for the cycle model's refill). The stack is painted with a pattern before the start; the
high-water mark is the lowest word that no longer holds it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from mcuml.emu.build import MemoryMap
from mcuml.emu.timing import Block, decode_block
from mcuml.errors import McumlError, MissingDependencyError

MAILBOX_ADDR = 0x21000000
MARK_BEGIN, MARK_END = -2, -3
_PAINT = 0xA5
_SCS = 0xE000E000
_FPGAIO = 0x40028000  # qemu mps2-an386's FPGAIO page (the harness reads its COUNTER): plain RAM here


class EmulationError(McumlError):
    """The firmware faulted, ran away or ran past the time limit in the emulator."""

    exit_code = 101


@dataclass(frozen=True, slots=True)
class Segment:
    """What ran between one marker (``label``; ``None`` = reset) and the next."""

    label: int | None
    instructions: int
    static_cycles: int
    taken_branches: int

    def cycles(self, refill: int = 2) -> int:
        """Estimated cycles with a taken-branch refill of ``refill`` cycles."""
        return self.static_cycles + refill * self.taken_branches


@dataclass(frozen=True, slots=True)
class EmuRun:
    """One emulated run: segments in marker order, data read back, stack high-water mark."""

    segments: tuple[Segment, ...]
    data: dict[str, bytes]
    stack_bytes: int
    blocks_executed: int
    functions: tuple[dict[str, int], ...] = ()  # per segment: function -> instructions (whole blocks)


def _require():
    try:
        import unicorn
    except ImportError as e:
        raise MissingDependencyError("unicorn is not installed", hint="pip install 'mcuml[emu]'") from e
    return unicorn


class _Counter:
    """Block-hook state: per-segment block hits, taken branches and the exact split at each marker."""

    def __init__(self) -> None:
        self.done: list[tuple[int | None, dict[int, int], int, tuple | None, tuple | None]] = []
        self.label: int | None = None
        self.split_in: tuple | None = None

    def close(self, hits: dict[int, int], taken: int, split_out: tuple | None, next_label: int | None) -> None:
        self.done.append((self.label, hits, taken, self.split_in, split_out))
        self.label, self.split_in = next_label, split_out


def run_elf(elf: str | Path, mm: MemoryMap, *, stack_region: tuple[int, int], read: dict[str, tuple[int, int]],
            timeout_s: float = 600.0, functions: bool = False,
            deref: dict[str, tuple[int, int]] | None = None) -> EmuRun:
    """Run ``elf`` from reset until the ``MARK_END`` marker; read the ``read`` symbols (name -> (addr, size)).

    ``deref``: name -> (address of a 32-bit pointer, size): read ``size`` bytes where the pointer points.
    ``functions``: also attribute each segment's instructions to the ELF's functions (by the function a
    block starts in; the per-function sums equal the segment counts).
    """
    uc_mod = _require()
    from elftools.elf.elffile import ELFFile
    from unicorn import arm_const as A

    uc = uc_mod.Uc(uc_mod.UC_ARCH_ARM, uc_mod.UC_MODE_THUMB | uc_mod.UC_MODE_MCLASS)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(mm.flash_base, _round_up(mm.flash_size), uc_mod.UC_PROT_READ | uc_mod.UC_PROT_EXEC)
    uc.mem_map(mm.ram_base, _round_up(mm.ram_size))
    uc.mem_map(_SCS, 0x1000)
    uc.mem_map(_FPGAIO, 0x1000)
    with open(elf, "rb") as f:
        for seg in ELFFile(f).iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_filesz"]:
                uc.mem_write(seg["p_paddr"], seg.data())
    lo, hi = stack_region
    uc.mem_write(lo, bytes([_PAINT]) * (hi - lo))

    counter = _Counter()
    hits: dict[int, int] = {}
    state = {"next": -1, "taken": 0, "last": 0, "blocks": 0, "fault": None, "ended": False}

    def on_block(_uc, addr, size, _ud):
        k = (addr << 13) | size
        hits[k] = hits.get(k, 0) + 1
        if addr != state["next"]:
            state["taken"] += 1
        state["next"] = addr + size
        state["last"] = k

    def on_mark(_uc, _access, _addr, _size, value, _ud):
        nonlocal hits
        value &= 0xFFFFFFFF
        v = value - (1 << 32) if value & 0x80000000 else value
        counter.close(hits, state["taken"], (state["last"], _uc.reg_read(A.UC_ARM_REG_PC)), v)
        state["blocks"] += sum(hits.values())
        hits, state["taken"] = {}, 0
        if v == MARK_END:
            state["ended"] = True
            _uc.emu_stop()

    def on_intr(_uc, intno, _ud):
        state["fault"] = f"exception {intno} at pc={_uc.reg_read(A.UC_ARM_REG_PC):#x}"
        _uc.emu_stop()

    uc.hook_add(uc_mod.UC_HOOK_BLOCK, on_block)
    uc.hook_add(uc_mod.UC_HOOK_INTR, on_intr)
    uc.mem_map(MAILBOX_ADDR, 0x1000)
    uc.hook_add(uc_mod.UC_HOOK_MEM_WRITE, on_mark, begin=MAILBOX_ADDR, end=MAILBOX_ADDR + 3)
    sp, pc = struct.unpack("<II", bytes(uc.mem_read(mm.flash_base, 8)))
    uc.reg_write(A.UC_ARM_REG_SP, sp)
    try:
        uc.emu_start(pc | 1, 0xFFFFFFFE, timeout=int(timeout_s * 1e6))
    except uc_mod.UcError as e:
        raise EmulationError(f"the firmware stopped in the emulator: {e} at pc={uc.reg_read(A.UC_ARM_REG_PC):#x}") from e
    if state["fault"] or not state["ended"]:
        why = state["fault"] or f"no end marker within {timeout_s:g} s (pc={uc.reg_read(A.UC_ARM_REG_PC):#x})"
        raise EmulationError(f"the firmware did not finish: {why}")
    cache: dict[int, Block] = {}
    segments = _segments(uc, counter.done, cache)
    data = {n: bytes(uc.mem_read(a, s)) for n, (a, s) in read.items()}
    for n, (pa, s) in (deref or {}).items():
        data[n] = bytes(uc.mem_read(int.from_bytes(uc.mem_read(pa, 4), "little"), s))
    prof = _functions(elf, counter.done, cache) if functions else ()
    return EmuRun(segments, data, _high_water(bytes(uc.mem_read(lo, hi - lo)), hi - lo), state["blocks"], prof)


def _segments(uc, done, cache: dict[int, Block]) -> tuple[Segment, ...]:
    def block(k: int) -> Block:
        b = cache.get(k)
        if b is None:
            addr, size = k >> 13, k & 0x1FFF
            b = cache[k] = decode_block(bytes(uc.mem_read(addr, size)), addr)
        return b

    out = []
    for label, hits, taken, split_in, split_out in done:
        n = c = 0
        for k, cnt in hits.items():
            b = block(k)
            n += cnt * b.n
            c += cnt * b.total_cycles
        if split_out is not None:  # the rest of the marker's block belongs to the next segment
            tn, tc = block(split_out[0]).tail(split_out[1])
            n, c = n - tn, c - tc
        if split_in is not None:
            tn, tc = block(split_in[0]).tail(split_in[1])
            n, c = n + tn, c + tc
        out.append(Segment(label, n, c, taken))
    return tuple(out)


def _functions(elf, done, cache: dict[int, Block]) -> tuple[dict[str, int], ...]:
    """Per segment: instructions by the function (ELF symbol) each executed block starts in, cut like the counts."""
    import bisect

    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        syms = sorted((s["st_value"] & ~1, s["st_size"], s.name)
                      for s in ELFFile(f).get_section_by_name(".symtab").iter_symbols()
                      if s["st_info"]["type"] == "STT_FUNC")
    starts = [a for a, _, _ in syms]

    def func(addr: int) -> str:
        i = bisect.bisect_right(starts, addr) - 1
        return syms[i][2] if i >= 0 and addr < syms[i][0] + max(syms[i][1], 1) else "?"

    out = []
    for _label, hits, _taken, split_in, split_out in done:
        prof: dict[str, int] = {}
        for k, cnt in hits.items():
            name = func(k >> 13)
            prof[name] = prof.get(name, 0) + cnt * cache[k].n
        for split, sign in ((split_out, -1), (split_in, 1)):  # the same exact cut as the segment counts
            if split is not None:
                name = func(split[0] >> 13)
                prof[name] = prof.get(name, 0) + sign * cache[split[0]].tail(split[1])[0]
        out.append({f: n for f, n in prof.items() if n})
    return tuple(out)


def _high_water(region: bytes, size: int) -> int:
    """Bytes of the painted stack region (growing down from its top) that were written."""
    i = 0
    while i < size and region[i] == _PAINT:
        i += 1
    return size - (i & ~3)


def _round_up(n: int, page: int = 0x1000) -> int:
    return (n + page - 1) // page * page
