"""Every shared model the C engine covers: outputs equal the TFLM wheel's (float: 1e-5 relative), arena <= TFLM's.

The heavy float / 224x224 models are ``slow`` (still run in CI); ``MCUML_CENGINE_SAMPLES`` sets the
number of random inputs per model (default 2).
"""

import os

import numpy as np
import pytest
from oracle import assert_same, model_path, random_input, tflm_run

from mcuml.cengine import CEngine, unsupported_ops

SLOW = {"mlcommons_tiny/pretrainedResnet_large_float.tflite", "tflite_micro/mobilenet_v2_quantized_1x3x224x224.tflite",
        "tinyengine/mcunetv2_large.tflite", "wake_vision/wv_quality_mcunet-320kb-1mb_vww.tflite",
        "wake_vision/wv_quality_mobilenetv2.tflite", "wake_vision/wv_quality_cezar.tflite"}

COVERED = [
    "mlcommons_tiny/ad01_int8.tflite", "mlcommons_tiny/ad01_fp32.tflite", "mlcommons_tiny/kws_ref_model.tflite",
    "mlcommons_tiny/pretrainedResnet_quant.tflite", "mlcommons_tiny/pretrainedResnet.tflite",
    "mlcommons_tiny/vww_96_int8.tflite", "mlcommons_tiny/vww_96_float.tflite",
    "mlcommons_tiny/model_ToyCar_quant_fullint.tflite", "mlcommons_tiny/pretrainedResnet_large_int8.tflite",
    "mlcommons_tiny/pretrainedResnet_large_float.tflite", "mlcommons_tiny/str_ww_ref_model.tflite",
    "tflite_micro/hello_world_int8.tflite", "tflite_micro/hello_world_float.tflite",
    "tflite_micro/micro_speech_quantized.tflite", "tflite_micro/person_detect.tflite",
    "tflite_micro/mobilenet_v2_quantized_1x3x224x224.tflite", "tflite_micro/seanet_pad0.tflite",
    "tflite_micro/seanet_strided_slice0.tflite", "tflite_micro/simple_add_model.tflite",
    "tflite_micro/seanet_add0.tflite", "tflite_micro/seanet_sub0.tflite", "tflite_micro/seanet_quantize0.tflite",
    "tinyengine/detection.tflite", "tinyengine/mcunetv2_large.tflite", "tinyengine/vww.tflite",
    "tinyengine/ptq_mnist_lenet-300-100.tflite", "tinyengine/ptq_mnist_lenet-300-100_nobias.tflite",
    "wake_vision/wv_quality_anas_benalla.tflite", "wake_vision/wv_quality_apighetti.tflite",
    "wake_vision/wv_quality_benx13.tflite", "wake_vision/wv_quality_cezar.tflite",
    "wake_vision/wv_quality_k_2_c_3.tflite", "wake_vision/wv_quality_k_4_c_5.tflite",
    "wake_vision/wv_quality_k_8_c_5.tflite", "wake_vision/wv_quality_mcunet-10fps_vww.tflite",
    "wake_vision/wv_quality_mcunet-320kb-1mb_vww.tflite", "wake_vision/wv_quality_mcunet-5fps_vww.tflite",
    "wake_vision/wv_quality_micronets_vww2_50_50_INT8.tflite",
    "wake_vision/wv_quality_micronets_vww3_128_128_INT8.tflite",
    "wake_vision/wv_quality_micronets_vww4_128_128_INT8.tflite", "wake_vision/wv_quality_mobilenetv2.tflite",
    "wake_vision/wv_quality_mohammad_hallaq.tflite", "wake_vision/wv_quality_samy.tflite",
    "wake_vision/wv_quality_ymac.tflite",
]

# (the SVDF keyword models are covered: tests/cengine/test_cengine_svdf.py runs them over several invokes)
NOT_COVERED = ["tflite_micro/trained_lstm_int8.tflite", "tflite_micro/person_detect_vela.tflite"]


def _params():
    return [pytest.param(m, marks=pytest.mark.slow) if m in SLOW else m for m in COVERED]


@pytest.mark.parametrize("rel", _params())
def test_model_bit_exact_vs_tflm(rel):
    path = model_path(rel)
    e = CEngine(path)
    g = e.generated
    assert g.arena_bytes <= g.tflm_arena_bytes, (g.arena_bytes, g.tflm_arena_bytes)
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(int(os.environ.get("MCUML_CENGINE_SAMPLES", "2"))):
        xs = [random_input(t.shape, np.dtype(t.dtype), rng) for t in g.inputs]
        for d, x in zip(e.get_input_details(), xs):
            e.set_tensor(d["index"], x)
        e.invoke()
        want = tflm_run(path, xs)
        assert_same([e.get_tensor(d["index"]) for d in e.get_output_details()], want)
        samples.append((xs, want))
    batched = e.run([np.stack([s[0][k] for s in samples]) for k in range(len(g.inputs))])
    for i, (_, want) in enumerate(samples):
        assert_same([o[i] for o in batched], want)


@pytest.mark.parametrize("rel", NOT_COVERED)
def test_uncovered_models_are_refused_with_reasons(rel):
    probs = unsupported_ops(model_path(rel))
    assert probs and all("(node " in p for p in probs)
