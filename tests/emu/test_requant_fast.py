"""csrc/mcuml_requant_fast.h is bit-exact with mcuml's MultiplyByQuantizedMultiplier (kernels/quant.py, = TFLM)."""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from mcuml.kernels.quant import mbqm, quantize_multiplier

CC = shutil.which("cc") or shutil.which("gcc")
PROG = r"""
#include <stdio.h>
#include <stdint.h>
#include "mcuml_requant_fast.h"
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"), *g = fopen(argv[2], "wb");
    int32_t v[3];
    while (fread(v, 4, 3, f) == 3) {
        int32_t r = mcuml_mbqm_fast(v[0], v[1], (int)v[2]);
        fwrite(&r, 4, 1, g);
    }
    fclose(f); fclose(g);
    return 0;
}
"""


@pytest.mark.skipif(CC is None, reason="no host C compiler")
def test_fast_requant_matches_tflm_double_rounding(tmp_path: Path):
    rng = np.random.default_rng(7)
    n = 200_000
    x = np.concatenate([rng.integers(-(1 << 31), 1 << 31, n, dtype=np.int64),
                        rng.integers(-(1 << 20), 1 << 20, n, dtype=np.int64),
                        np.array([0, 1, -1, 2**31 - 1, -2**31, 2**30, -2**30, 12345, -12345] * 50, dtype=np.int64)])
    reals = np.exp(rng.uniform(np.log(1e-9), np.log(60.0), x.size))
    pairs = [quantize_multiplier(float(r)) for r in reals]
    m = np.array([p[0] for p in pairs], dtype=np.int64)
    s = np.array([p[1] for p in pairs], dtype=np.int64)
    m[:: 97] = 0
    m[1:: 101] = 2**31 - 1
    s[2:: 89] = -31
    left = np.maximum(s, 0)
    x = np.where(left > 0, x >> (left + 1), x)  # left-shifted operands stay in TFLM's (non-wrapping) use
    want = np.array([int(mbqm(np.int64(a), int(b), int(c))) for a, b, c in zip(x[:5000], m[:5000], s[:5000])])
    want_all = np.concatenate([want, mbqm(x[5000:], m[5000:], s[5000:])])
    src = tmp_path / "t.c"
    src.write_text(PROG)
    inc = Path(str(resources.files("mcuml.cengine") / "csrc"))
    exe = tmp_path / "t"
    subprocess.run([CC, "-O2", "-std=c99", f"-I{inc}", str(src), "-o", str(exe)], check=True)
    inp, out = tmp_path / "in.bin", tmp_path / "out.bin"
    np.stack([x, m, s], axis=1).astype("<i4").tofile(inp)
    subprocess.run([str(exe), str(inp), str(out)], check=True)
    got = np.fromfile(out, dtype="<i4")
    assert got.size == x.size
    assert np.array_equal(got, want_all.astype(np.int64))
