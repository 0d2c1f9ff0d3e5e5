"""Whole shared models whose element-wise ops are this package's (ADD/SUB/MUL/QUANTIZE/SOFTMAX/...)."""

import numpy as np
import pytest

from oracle import differential, model_path, random_input

MODELS = [
    "tflite_micro/seanet_add0.tflite",
    "tflite_micro/seanet_sub0.tflite",
    "tflite_micro/seanet_leaky_relu0.tflite",
    "tflite_micro/seanet_quantize0.tflite",
    "tflite_micro/simple_add_model.tflite",
    "tflite_micro/micro_speech_quantized.tflite",
    "mlcommons_tiny/str_ww_ref_model.tflite",
    "wake_vision/wv_quality_k_2_c_3.tflite",
]


@pytest.mark.parametrize("rel", MODELS)
def test_model_matches_tflm(rel):
    from mcuml import load_model

    data = model_path(rel).read_bytes()
    sg = load_model(data).main
    rng = np.random.default_rng(0)
    differential(data, [random_input(t.shape, t.dtype.numpy, rng) for t in sg.inputs])
