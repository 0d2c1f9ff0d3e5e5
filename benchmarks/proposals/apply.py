"""Apply the measured kernel proposals to a copy of the C engine's sources (for `mcuml measure` experiments).

Usage: python benchmarks/proposals/apply.py CENGINE_DIR [--stage N]
CENGINE_DIR is a *copy* of src/mcuml/cengine (never the package itself). Stages are cumulative:
1 inline requant (csrc/mcuml_requant_fast.h), 2 + border pixels as zero-point-filled patches,
3 + CONV_2D row kernel (2 pixels x 2 channels SMLAD; also the fused CONV_2D+ADD),
4 + DEPTHWISE row kernel (SMLABB/SMLATT, 3x3 unrolled),
5 + FULLY_CONNECTED (input expanded once, 4 rows per step). Each hooks in front of the engine's own function and
returns 0 (falls back) when a layer does not qualify. Bit-exactness is checked by `mcuml measure`
(outputs_match against mcuml's interpreter); the numbers are in ../results/measure_proposals.json.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUANT = HERE.parents[1] / "src" / "mcuml" / "cengine" / "csrc" / "mcuml_requant_fast.h"


def _hook(src: str, inc: str, anchor: str, call: str) -> str:
    if anchor not in src:
        raise SystemExit(f"anchor not found (the engine changed): {anchor.strip()}")
    return src.replace(anchor, inc + "\n" + anchor + f"#if defined(MCUML_DSP)\n    if ({call}) return;\n#endif\n")


def apply(d: Path, stage: int) -> None:
    csrc = d / "csrc"
    kh, conv, ops = csrc / "mcuml_kernels.h", csrc / "mcuml_conv.c", csrc / "mcuml_ops.c"
    shutil.copy(REQUANT, csrc)
    h = kh.read_text().replace(
        "int32_t mcuml_mbqm(int32_t x, int32_t multiplier, int shift);",
        "int32_t (mcuml_mbqm)(int32_t x, int32_t multiplier, int shift);\n#include \"mcuml_requant_fast.h\"\n"
        "#define mcuml_mbqm(x, m, s) mcuml_mbqm_fast((x), (m), (s))")
    kh.write_text(h)
    ops.write_text(ops.read_text().replace("int32_t mcuml_mbqm(int32_t x, int32_t multiplier, int shift) {",
                                           "int32_t (mcuml_mbqm)(int32_t x, int32_t multiplier, int shift) {"))
    gen = d / "gen.py"
    gen.write_text(gen.read_text().replace('KERNEL_FILES = ("mcuml_kernels.h",',
                                           'KERNEL_FILES = ("mcuml_kernels.h", "mcuml_requant_fast.h",'))
    c = conv.read_text()
    if stage >= 2:
        c = _hook(c, (HERE / "border_patch.inc").read_text(),
                  "static void conv_pixel_border(const mcuml_conv_s8_t *p, const int8_t *img, int32_t iy0, int32_t ix0,"
                  " int8_t *o) {\n", "conv_pixel_border_patch(p, img, iy0, ix0, o)")
    if stage >= 3:
        c = _hook(c, (HERE / "conv_row_dsp.inc").read_text(),
                  "static void conv_row(const mcuml_conv_s8_t *p, const int8_t *img, int32_t oy, int8_t *orow) {\n",
                  "conv_row_dsp(p, img, oy, orow)")
        c = _hook(c, "", "void mcuml_conv_add_s8(const mcuml_conv_s8_t *p, const mcuml_binary_t *a, int32_t swap, "
                  "const int8_t *in,\n                       const int8_t *other, int8_t *out, int8_t *tmp) {\n",
                  "conv_add_dsp(p, a, swap, in, other, out)")
    if stage >= 4:
        c = _hook(c, (HERE / "dw_row_dsp.inc").read_text(),
                  "static void dw_row(const mcuml_conv_s8_t *p, const int8_t *img, int32_t oy, int8_t *orow) {\n",
                  "dw_row_dsp(p, img, oy, orow)")
    if stage >= 5:
        c = _hook(c, (HERE / "fc_dsp.inc").read_text(),
                  "void mcuml_fc_s8(const mcuml_fc_s8_t *p, const int8_t *in, int8_t *out) {\n", "fc_dsp(p, in, out)")
    conv.write_text(c)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("cengine_dir", type=Path)
    ap.add_argument("--stage", type=int, default=5)
    a = ap.parse_args()
    if (a.cengine_dir / "csrc" / "mcuml_conv.c").resolve() == (HERE.parents[1] / "src/mcuml/cengine/csrc/mcuml_conv.c"):
        raise SystemExit("give a copy of the cengine package, not the package itself")
    apply(a.cengine_dir, a.stage)
