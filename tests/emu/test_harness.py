"""The emulation harness on a tiny program of our own: exact marker-cut counts, cycles, I/O, stack, fit."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("unicorn")
pytest.importorskip("capstone")
pytest.importorskip("elftools")
pytestmark = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")

from mcuml.emu.build import MemoryMap, link  # noqa: E402
from mcuml.emu.machine import MARK_BEGIN, run_elf  # noqa: E402
from mcuml.emu.timing import insn_cycles  # noqa: E402
from mcuml.errors import DoesNotFitError  # noqa: E402

# The measured "layers" are hand-written Thumb code, so their counts do not depend on the compiler:
# layer 0: 100 NOPs + the next marker (MOVS, STR) = 102 instructions, 102 cycles, no taken branch;
# layer 1: MOVS + 10 x (SUBS, BNE) + MOVS, SUBS, STR = 24 instructions, 24 static cycles, 9 taken BNEs.
PROG = r"""
#include <stdint.h>
uint8_t mcuml_input0[16];
uint8_t mcuml_output0[16];
__attribute__((naked, noinline)) void layers(void) {
    __asm__ volatile(
        "ldr r1, =0x21000000\n\tmovs r0, #0\n\tstr r0, [r1]\n\t"
        ".rept 100\n\tnop\n\t.endr\n\t"
        "movs r0, #1\n\tstr r0, [r1]\n\t"
        "movs r2, #10\n1:\n\tsubs r2, #1\n\tbne 1b\n\t"
        "movs r0, #0\n\tsubs r0, #1\n\tstr r0, [r1]\n\t"
        "bx lr\n\t.ltorg\n");
}
__attribute__((noinline)) int deep(volatile uint8_t *p, int n) {
    volatile uint8_t buf[1024];
    for (int i = 0; i < n; i++) buf[i] = p[i & 15];
    return buf[n - 1];
}
int main(void) {
    for (int i = 0; i < 16; i++) mcuml_input0[i] = (uint8_t)(i * 7);
    MCUML_MARK(MCUML_MARK_BEGIN);
    layers();
    for (int i = 0; i < 16; i++) mcuml_output0[i] = (uint8_t)(mcuml_input0[i] * 3 + 1);
    mcuml_output0[0] = (uint8_t)deep(mcuml_input0, 1024);
    MCUML_MARK(MCUML_MARK_END);
    mcuml_emu_print_hex("MCUML OUT0", mcuml_output0, 16);
    return 0;
}
"""
MM = MemoryMap(1 << 20, 256 << 10)


def expected_output() -> bytes:
    inp = [(i * 7) & 255 for i in range(16)]
    out = [(x * 3 + 1) & 255 for x in inp]
    out[0] = inp[1023 & 15]
    return bytes(out)


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    d = tmp_path_factory.mktemp("prog")
    (d / "prog.c").write_text(PROG)
    return link([d / "prog.c"], d / "build", MM)


@pytest.fixture(scope="module")
def run(image):
    return run_elf(image.elf, MM, stack_region=image.stack_region, read={"out": image.symbols["mcuml_output0"]},
                   functions=True)


def test_marker_cut_counts_are_exact(run):
    seg = {s.label: s for s in run.segments}
    assert [s.label for s in run.segments] == [None, MARK_BEGIN, 0, 1, -1]
    assert (seg[0].instructions, seg[0].static_cycles, seg[0].taken_branches) == (102, 102, 0)
    assert (seg[1].instructions, seg[1].static_cycles, seg[1].taken_branches) == (24, 24, 9)
    assert seg[1].cycles(2) == 42 and seg[1].cycles(3) == 51


def test_function_profile(run):
    prof = dict(zip([s.label for s in run.segments], run.functions))
    assert prof[0] == {"layers": 102} and prof[1] == {"layers": 24}
    assert prof[MARK_BEGIN].get("main", 0) > 0
    assert all(sum(p.values()) == s.instructions for p, s in zip(run.functions, run.segments))


def test_outputs_and_stack(run):
    assert run.data["out"] == expected_output()
    assert 1024 <= run.stack_bytes < 1024 + 256


def test_image_sizes(image):
    assert image.sram_bytes >= 32 and image.flash_bytes > 256
    assert image.stack_region[1] == MM.ram_base + MM.ram_size
    assert image.map_file.exists()


def test_does_not_fit_names_the_overflow(tmp_path):
    src = tmp_path / "big.c"
    src.write_text("#include <stdint.h>\nconst uint8_t blob[1100000] = {1};\n"
                   "volatile int ix = 12345;\nint main(void) { return blob[ix]; }\n")
    with pytest.raises(DoesNotFitError) as e:
        link([src], tmp_path / "b", MM)
    assert "FLASH overflowed by" in e.value.message and e.value.exit_code == 1


def test_cycle_table():
    assert insn_cycles("ldr", 0, False) == (2, True)
    assert insn_cycles("ldr.w", 0, True) == (1, True)   # pipelined after a load/store
    assert insn_cycles("str", 0, False) == (1, True)
    assert insn_cycles("ldrd", 0, False)[0] == 3
    assert insn_cycles("push", 4, False)[0] == 5
    assert insn_cycles("smlad", 0, False)[0] == 1
    assert insn_cycles("vmla.f32", 0, False)[0] == 3
    assert insn_cycles("vdiv.f32", 0, False)[0] == 14
    assert insn_cycles("sdiv", 0, False)[0] == 7
    assert insn_cycles("ldrbeq", 0, False) == (2, True)


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="qemu-system-arm not installed")
def test_same_elf_under_qemu(image):
    from mcuml.emu.qemu import run_qemu

    rc, outs, text = run_qemu(image.elf, timeout_s=60)
    assert rc == 0, text
    assert outs == {"OUT0": expected_output()}
