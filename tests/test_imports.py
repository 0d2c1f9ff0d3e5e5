"""``import mcuml`` stays cheap: numpy + flatbuffers, nothing heavy (house rule 7)."""

import subprocess
import sys

HEAVY = ("tensorflow", "torch", "onnx", "onnxruntime", "matplotlib", "rich", "scipy", "click", "tflite_micro",
         "keras", "PIL")


def test_import_mcuml_is_cheap():
    code = ("import sys, mcuml; mcuml.Interpreter; "
            f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"import mcuml pulled in: {out}"
