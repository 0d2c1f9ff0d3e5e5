"""Compile the OpData structs TFLM's kernels pass to AllocatePersistentBuffer and print their sizes per ABI.

Provenance tool for ``src/mcuml/data/struct_sizes.json`` (``opdata``/``opdata_prepare``): extracts the struct
definitions from a TFLM checkout's ``kernels/*.cc`` / ``*.h`` and compiles ``sizeof`` of each with the host
compiler (x86-64, ``-DUSE_TFLM_COMPRESSION`` like the wheel) and ``arm-none-eabi-g++`` (Cortex-M4, short enums).

Usage: python tools/measure_struct_sizes.py /path/to/tflite-micro  (needs g++ and arm-none-eabi-g++;
the checkout's tensorflow/ directory, including tensorflow/compiler/mlir/lite/core/c).
"""

import json
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
K = ROOT / "tensorflow/lite/micro/kernels"
items = {  # op -> (file, struct expr)
 "RELU": ("activations.cc", "ReluOpData"), "RELU6": ("activations.cc", "Relu6OpData"),
 "ADD": ("add.cc", "OpDataAdd"), "ADD_N": ("add_n.cc", "OpData"), "ASSIGN_VARIABLE": ("assign_variable.cc", "OpData"),
 "BATCH_MATMUL": ("batch_matmul.cc", "OpDataBatchMatmul"), "BATCH_MATMUL_Q": ("batch_matmul.cc", "QuantizationOpDataBatchMatmul"),
 "CALL_ONCE": ("call_once.cc", "OpData"), "EQUAL": ("comparisons.cc", "OpData"), "CONCATENATION": ("concatenation.cc", "OpData"),
 "CONV_2D": ("conv_common.cc", "OpDataConv"), "CUMSUM": ("cumsum.cc", "OpData"), "DEQUANTIZE": ("dequantize.cc", "DequantizeOpData"),
 "DIV": ("div.cc", "OpDataDiv"), "ABS": ("elementwise.cc", "OpDataAbsRsqrt"), "ELU": ("elu.cc", "OpData"),
 "EMBEDDING_LOOKUP": ("embedding_lookup.cc", "OpData"), "FULLY_CONNECTED": ("fully_connected.cc", "OpDataFullyConnected"),
 "HARD_SWISH": ("hard_swish.cc", "HardSwishParams"), "IF": ("if.cc", "OpData"), "L2_NORMALIZATION": ("l2norm.cc", "L2NormalizationParams"),
 "LEAKY_RELU": ("leaky_relu.cc", "LeakyReluOpData"), "LOG_SOFTMAX": ("log_softmax.cc", "LogSoftmaxOpData"),
 "LOGISTIC": ("logistic.cc", "OpDataLogistic"), "MIRROR_PAD": ("mirror_pad.cc", "OpDataMirrorPad"), "MUL": ("mul_common.cc", "OpDataMul"),
 "PAD": ("pad_common.cc", "OpData"), "AVERAGE_POOL_2D": ("pooling.cc", "OpDataPooling"), "PRELU": ("prelu.cc", "PreluParams"),
 "QUANTIZE": ("quantize.cc", "OpDataQuantizeReference"), "MEAN": ("reduce.cc", "OpDataReduce"), "SELECT_V2": ("select.cc", "OpData"),
 "SOFTMAX": ("softmax_common.cc", "SoftmaxParams"), "SPACE_TO_BATCH_ND": ("space_to_batch_nd.cc", "SpaceToBatchParams"),
 "SQUARED_DIFFERENCE": ("squared_difference.cc", "OpData"), "STRIDED_SLICE": ("strided_slice_common.cc", "StridedSliceParams"),
 "SUB": ("sub.cc", "OpDataSub"), "SVDF": ("svdf.cc", "OpDataSvdf"), "TANH": ("tanh.cc", "OpData"), "TRANSPOSE_CONV": ("transpose_conv.cc", "OpData"),
 "VAR_HANDLE": ("var_handle.cc", "OpData"), "WHILE": ("while.cc", "OpData"),
}
src = ['#include "tensorflow/lite/kernels/internal/types.h"', '#include "tensorflow/lite/c/common.h"', '#include "tensorflow/lite/c/builtin_op_data.h"']
hdrs = set()
for f in sorted({v[0] for v in items.values()}):
    text = (K / f).read_text()
    for inc in re.findall(r'#include "(tensorflow/lite/micro/kernels/[a-z_0-9]+\.h)"', text):
        hdrs.add(inc)
src.append("namespace tflite { namespace micro {} }")
src.append("using namespace tflite;")
hb = []
for h in sorted(x for x in hdrs if "lstm" not in x):
    t = (ROOT / h).read_text()
    hb += [b for b in re.findall(r"^struct [A-Za-z0-9_]+ \{.*?^\};", t, re.S | re.M) if "ontext" not in b]
src.append("namespace tflite { " + "\n".join(hb) + "\n}")
for f in sorted({v[0] for v in items.values()}):
    text = (K / f).read_text()
    blocks = [b for b in re.findall(r"^struct [A-Za-z0-9_]+ \{.*?^\};", text, re.S | re.M) if "ontext" not in b]
    ns = "k_" + f.replace(".", "_")
    consts = re.findall(r"^(?:static )?constexpr [^;(]*;", text, re.M)
    src.append(f"namespace {ns} {{ using namespace tflite; using namespace tflite::micro; " + "\n".join(consts + blocks) + "\n}")
for op, (f, st) in items.items():
    ns = "k_" + f.replace(".", "_")
    src.append(f"char s_{op}[sizeof({ns}::{st})];" if f"struct {st} " in (K / f).read_text() else f"char s_{op}[sizeof({st})];")


def sizes(cmd: list[str], nm: str, source: str) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as d:
        cc, obj = pathlib.Path(d, "sz.cc"), pathlib.Path(d, "sz.o")
        cc.write_text(source)
        subprocess.run([*cmd, "-std=c++17", "-DTF_LITE_STATIC_MEMORY", "-c", "-I", str(ROOT), str(cc), "-o", str(obj)],
                       check=True)
        out = subprocess.run([nm, "-S", str(obj)], capture_output=True, text=True, check=True).stdout
    return {p[3][2:]: int(p[1], 16) for p in (line.split() for line in out.splitlines())
            if len(p) == 4 and p[3].startswith("s_")}


code = "\n".join(src) + "\n"
print(json.dumps({"host": sizes(["g++", "-DUSE_TFLM_COMPRESSION"], "nm", code),
                  "cortex-m": sizes(["arm-none-eabi-g++", "-mcpu=cortex-m4", "-mfloat-abi=hard", "-mthumb",
                                     "-fshort-enums"], "arm-none-eabi-nm", code)}, indent=1))
