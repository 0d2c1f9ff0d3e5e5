"""Acceptance 2: the array cross-compiles for a Cortex-M4F, lands in a read-only section, 16-byte aligned."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from oracle import model_path, require_tools

from mcuml.codegen import c_array

ARM = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]


@pytest.fixture(autouse=True)
def _toolchain() -> None:  # apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi (.ci/run does)
    require_tools("arm-none-eabi-gcc", "arm-none-eabi-g++", "arm-none-eabi-nm", "arm-none-eabi-readelf")

MAIN = """#include "{n}.h"
/* reads the last byte so the linker keeps the array */
int main(void) {{ return {n}[{n}_len - 1]; }}
"""


def _sections(elf: Path) -> dict[int, tuple[str, str, int]]:
    """section index -> (name, flags, alignment) from readelf -S."""
    out = subprocess.run(["arm-none-eabi-readelf", "-SW", str(elf)], capture_output=True, text=True, check=True).stdout
    secs = {}
    for m in re.finditer(r"\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+([A-Za-z]*)"
                         r"\s+\d+\s+\d+\s+(\d+)", out):
        secs[int(m.group(1))] = (m.group(2), m.group(3), int(m.group(4)))
    return secs


def _symbol(elf: Path, name: str) -> tuple[int, int, int]:
    """(value, size, section index) of a symbol from readelf -s."""
    out = subprocess.run(["arm-none-eabi-readelf", "-sW", str(elf)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 8 and f[7] == name:
            return int(f[1], 16), int(f[2], 0), int(f[6])  # readelf prints big sizes as 0x...
    raise AssertionError(f"{name} not in symbol table")


@pytest.mark.parametrize("lang", ["c", "c++"])
def test_cortex_m4_rodata_and_16_byte_alignment(tmp_path: Path, lang: str) -> None:
    p = model_path("tflite_micro/person_detect.tflite")
    n = "person_detect"
    for fname, text in c_array(p.read_bytes(), n).items():
        (tmp_path / fname).write_text(text)
    (tmp_path / "main.c").write_text(MAIN.format(n=n))
    cc = "arm-none-eabi-gcc" if lang == "c" else "arm-none-eabi-g++"
    std = "-std=c11" if lang == "c" else "-std=c++17"
    flags = [*ARM, std, "-Wall", "-Wextra", "-Werror", "-O2", "-x", lang]

    # object file: the array sits in a read-only, allocated section aligned to >= 16 at a 16-aligned offset
    subprocess.run([cc, *flags, "-c", f"{n}.cc", "-o", "model.o"], cwd=tmp_path, check=True)
    value, size, shndx = _symbol(tmp_path / "model.o", n)
    name, flags_s, align = _sections(tmp_path / "model.o")[shndx]
    assert name.startswith(".rodata") and "A" in flags_s and "W" not in flags_s and "X" not in flags_s
    assert align >= 16 and value % 16 == 0 and size == p.stat().st_size

    # linked image: the final address is 16-byte aligned and still in a read-only section (flash)
    subprocess.run([cc, *flags, "main.c", f"{n}.cc", "--specs=nosys.specs", "-o", "fw.elf"], cwd=tmp_path,
                   check=True, capture_output=True)
    value, size, shndx = _symbol(tmp_path / "fw.elf", n)
    name, flags_s, _ = _sections(tmp_path / "fw.elf")[shndx]
    assert value % 16 == 0, hex(value)
    assert "W" not in flags_s and name.startswith(".rodata"), name
    nm = subprocess.run(["arm-none-eabi-nm", str(tmp_path / "fw.elf")], capture_output=True, text=True,
                        check=True).stdout
    assert re.search(rf"^[0-9a-f]+ R {n}$", nm, re.MULTILINE), "nm should list the array as read-only data (R)"
