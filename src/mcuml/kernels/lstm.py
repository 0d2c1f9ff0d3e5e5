"""Arithmetic pieces of TFLM's sequence kernels (LSTM, SVDF), vectorized over NumPy arrays.

Ports:
- ``tensorflow/lite/kernels/internal/reference/integer_ops/logistic.h`` (int16 ``Logistic``) and
  ``integer_ops/tanh.h`` (int16 ``Tanh``): the interpolated ``sigmoid_table_uint16`` LUT of
  ``tensorflow/lite/kernels/internal/common.h``;
- ``tensorflow/lite/micro/kernels/lstm_eval.cc`` (``lstm_internal::Sigmoid/Tanh/AddElementWise``)
  and ``integer_ops/mul.h`` (``MulElementwise``);
- ``tensorflow/lite/kernels/internal/reference/fully_connected.h`` (float), ``logistic.h``
  (float, with its cutoffs), ``quantization_util.cc`` (``CheckedLog2``).

Float kernels accumulate in float32 in TFLM's order (one product rounded, then one add rounded,
input index ascending): summing in float64 instead would differ from TFLM by float32 rounding,
which the relative-error check sees on outputs near zero.
"""

from __future__ import annotations

import numpy as np

from mcuml.kernels.quant import mbqm

INT16_MIN, INT16_MAX = -32768, 32767

SIGMOID_TABLE_UINT16 = np.array([
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498,
    40149, 40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255,
    46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865,
    52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174,
    56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544, 58800, 59048, 59288,
    59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279, 61441,
    61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886,
    62990, 63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835,
    63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450,
    64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845,
    64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097,
    65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425,
    65429, 65433, 65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465,
    65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508,
    65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516, 65517, 65517, 65518,
    65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524, 65525,
    65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529,
    65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531,
    65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533,
    65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65535], dtype=np.int64)  # sigmoid(i/24) in 0.16 format
# the LUT is read at uh + 1 with uh < 255: pad so that the masked-out lanes index safely
_LUT = np.concatenate([SIGMOID_TABLE_UINT16, SIGMOID_TABLE_UINT16[-1:]])


def _scale_input(x: np.ndarray, input_multiplier: int, input_left_shift: int) -> np.ndarray:
    if input_multiplier == 0:  # power-of-two case of the reference kernels
        input_multiplier, input_left_shift = 3 << input_left_shift, 0
        rnd = 0
    else:
        rnd = (1 << (input_left_shift - 1)) if input_left_shift > 0 else 0
    return (x.astype(np.int64) * input_multiplier + rnd) >> input_left_shift


def logistic_int16(x: np.ndarray, input_multiplier: int = 0, input_left_shift: int = 0) -> np.ndarray:
    """``reference_integer_ops::Logistic`` on int16 (Q3.12 in, Q0.15 out for the LSTM's (0, 0))."""
    v = _scale_input(x, input_multiplier, input_left_shift)
    a = np.abs(v)
    uh = a >> 9
    sat = uh >= 255
    uh_c = np.minimum(uh, 254)
    ua = _LUT[uh_c]
    ub = _LUT[uh_c + 1]
    res = np.where(sat, 0x7FFF << 10, (ua << 9) + (a & 0x1FF) * (ub - ua))
    res = np.where(v >= 0, res + (1 << 9), (1 << 25) - res + (1 << 9) - 1)
    return (res >> 10).astype(np.int16)


def tanh_int16(x: np.ndarray, input_multiplier: int, input_left_shift: int) -> np.ndarray:
    """``reference_integer_ops::Tanh`` on int16 (Q0.15 out)."""
    v = _scale_input(x, input_multiplier, input_left_shift)
    a = np.abs(v)
    uh = a >> 8
    sat = uh >= 255
    uh_c = np.minimum(uh, 254)
    ua = _LUT[uh_c]
    ub = _LUT[uh_c + 1]
    res = np.where(sat, 0xFFFF << 8, (ua << 8) + (a & 0xFF) * (ub - ua))
    res = np.where(v >= 0, res - (1 << 23) + (1 << 7), -res + (1 << 23) + (1 << 7) - 1)
    return (res >> 8).astype(np.int16)


def lstm_tanh_int16(x: np.ndarray, cell_state_scale_power: int) -> np.ndarray:
    """``lstm_internal::Tanh``: input scale 2^cell_state_scale_power folded into the multiplier/shift."""
    shift = (15 + cell_state_scale_power) - 3
    mult = 0
    if shift < 0:
        shift, mult = -shift, 3
    return tanh_int16(x, mult, shift)


def saturating_add_int16(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``lstm_internal::AddElementWise`` (int16): int32 sum clamped to int16."""
    return np.clip(a.astype(np.int32) + b, INT16_MIN, INT16_MAX).astype(np.int16)


def mul_elementwise(a: np.ndarray, b: np.ndarray, multiplier: int, shift: int, output_offset: int,
                    qmin: int, qmax: int, dtype: np.dtype) -> np.ndarray:
    """``reference_integer_ops::MulElementwise`` with zero input offsets (the LSTM's symmetric gates)."""
    prod = a.astype(np.int64) * b  # int16 x int16 fits in int32
    return np.clip(mbqm(prod, multiplier, shift) + output_offset, qmin, qmax).astype(dtype)


def checked_log2(x: float) -> int:
    """``CheckedLog2``'s rounded result (float32 arithmetic); the exactness flag is ignored like TFLM does."""
    f32 = np.float32
    v = f32(np.log(f32(x))) * (f32(1.0) / f32(np.log(f32(2.0))))
    t = np.trunc(v)
    if abs(v - t) >= 0.5:
        t += np.sign(v)
    return int(t)


def fc_f32(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Float32 ``x @ w.T`` summed in TFLM's order: ``total += x[d] * w[o, d]`` for ascending d.

    ``x``: (..., K); ``w``: (M, K) -> (..., M). One NumPy step per input index, vectorized over
    everything else (the loop runs over the reduction axis only).
    """
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    k = x.shape[-1]
    if k == 0:
        return np.zeros((*x.shape[:-1], w.shape[0]), np.float32)
    wt = np.ascontiguousarray(w.T)
    acc = x[..., 0:1] * wt[0]
    for d in range(1, k):
        acc += x[..., d:d + 1] * wt[d]
    return acc


def logistic_f32(x: np.ndarray) -> np.ndarray:
    """``reference_ops::Logistic<float>`` with its cutoffs."""
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(over="ignore"):
        mid = np.float32(1) / (np.float32(1) + np.exp(-x))
        return np.where(x > np.float32(16.619047164916992188), np.float32(1),
                        np.where(x < np.float32(-9), np.exp(x), mid)).astype(np.float32)
