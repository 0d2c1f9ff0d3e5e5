"""Arithmetic pieces of TFLM's sequence kernels (LSTM, SVDF), vectorized over NumPy arrays.

Ports:
- ``tensorflow/lite/kernels/internal/reference/integer_ops/logistic.h`` (int16 ``Logistic``) and
  ``integer_ops/tanh.h`` (int16 ``Tanh``): the interpolated ``sigmoid_table_uint16`` LUT of
  ``tensorflow/lite/kernels/internal/common.h``;
- ``tensorflow/lite/micro/kernels/lstm_eval.cc`` (``lstm_internal::Sigmoid/Tanh/AddElementWise``)
  and ``integer_ops/mul.h`` (``MulElementwise``);
- ``tensorflow/lite/kernels/internal/reference/fully_connected.h`` (float), ``logistic.h``
  (float, with its cutoffs), ``quantization_util.cc`` (``CheckedLog2``).

The float kernels call libm's ``expf``/``tanhf`` (the TFLM wheel links glibc's dynamically).
NumPy's float32 ``exp``/``tanh`` differ from glibc in the last bit for a third of the inputs,
and those differences grow through an LSTM's recurrence, so :func:`expf` and :func:`tanhf` below
reproduce glibc's algorithms bit for bit: ``expf`` is glibc >= 2.27's table-driven double
evaluation (``sysdeps/ieee754/flt-32/e_expf.c``), ``tanhf`` the FreeBSD/Sun ``s_tanhf.c`` over
``s_expm1f.c`` that glibc ships (up to at least 2.40). Both are checked against the host's libm in
``tests/ops/test_lstm.py``.

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


_TABLES: dict[tuple[str, int, int], np.ndarray] = {}


def int16_table(kind: str, input_multiplier: int = 0, input_left_shift: int = 0) -> np.ndarray:
    """The whole int16 -> int16 map of ``logistic_int16``/``tanh_int16``, indexed by the input's uint16 view.

    Both functions are pure per element, so one gather on a 65536-entry table replaces the
    interpolation arithmetic in the time loop.
    """
    key = (kind, input_multiplier, input_left_shift)
    tab = _TABLES.get(key)
    if tab is None:
        x = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.int16)
        fn = logistic_int16 if kind == "logistic" else tanh_int16
        tab = _TABLES[key] = fn(x, input_multiplier, input_left_shift)
    return tab


def lstm_tanh_args(cell_state_scale_power: int) -> tuple[int, int]:
    """(input_multiplier, input_left_shift) that ``lstm_internal::Tanh`` passes for a power-of-two scale."""
    shift = (15 + cell_state_scale_power) - 3
    return (3, -shift) if shift < 0 else (0, shift)


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
    low = x < np.float32(-9)
    e = expf(np.where(low, x, -x))
    with np.errstate(over="ignore"):
        mid = np.float32(1) / (np.float32(1) + e)
    return np.where(x > np.float32(16.619047164916992188), np.float32(1), np.where(low, e, mid)).astype(np.float32)


# -- glibc expf (e_expf.c / e_exp2f_data.c, EXP2F_TABLE_BITS = 5) ------------------------------
_N = 32


def _exp2_table() -> np.ndarray:
    """``tab[i] = asuint64(2^(i/N)) - (i << 52) / N`` with 2^(i/N) correctly rounded to double."""
    from decimal import Decimal, getcontext

    getcontext().prec = 50
    vals = [float(Decimal(2) ** (Decimal(i) / Decimal(_N))) for i in range(_N)]
    return np.array(vals, np.float64).view(np.uint64) - (np.arange(_N, dtype=np.uint64) << np.uint64(47))


_EXP2_TAB: np.ndarray | None = None
_INVLN2N = float.fromhex("0x1.71547652b82fep+0") * _N
_SHIFT = float.fromhex("0x1.8p+52")
_EXP_C = (float.fromhex("0x1.c6af84b912394p-5") / _N / _N / _N, float.fromhex("0x1.ebfce50fac4f3p-3") / _N / _N,
          float.fromhex("0x1.62e42ff0c52d6p-1") / _N)


def expf(x: np.ndarray) -> np.ndarray:
    """glibc's ``expf`` on float32 arrays, bit-exact (double evaluation, 32-entry 2^(i/32) table)."""
    global _EXP2_TAB
    if _EXP2_TAB is None:
        _EXP2_TAB = _exp2_table()
    x = np.asarray(x, dtype=np.float32)
    xd = x.astype(np.float64)
    z = _INVLN2N * np.clip(xd, -150.0, 100.0)  # out-of-range lanes are replaced below
    kd = z + _SHIFT  # round to int in the low mantissa bits
    ki = kd.view(np.uint64)
    r = z - (kd - _SHIFT)
    s = (_EXP2_TAB[ki % np.uint64(_N)] + (ki << np.uint64(47))).view(np.float64)
    y = ((_EXP_C[0] * r + _EXP_C[1]) * (r * r) + (_EXP_C[2] * r + 1.0)) * s
    with np.errstate(over="ignore"):
        out = y.astype(np.float32)
    out = np.where(xd > float.fromhex("0x1.62e42ep6"), np.float32(np.inf), out)
    out = np.where(xd < float.fromhex("-0x1.9fe368p6"), np.float32(0), out)
    return np.where(np.isnan(x), x, out)


# -- glibc tanhf / expm1f (Sun's s_tanhf.c, s_expm1f.c: float32 arithmetic throughout) -----------
def _f(bits: int) -> np.float32:
    return np.array([bits], np.uint32).view(np.float32)[0]


_LN2_HI, _LN2_LO, _INVLN2 = _f(0x3F317180), _f(0x3717F7D1), _f(0x3FB8AA3B)
_Q = (_f(0xBD088889), _f(0x3AD00D01), _f(0xB8A670CD), _f(0x36867E54), _f(0xB457EDBB))


def _add_exponent(y: np.ndarray, k: np.ndarray) -> np.ndarray:
    return (y.view(np.int32) + (k << 23)).view(np.float32)


_LIBM_LOGF: list = []  # [the host libm's logf, or None]: found on first use


def logf(x: np.ndarray) -> np.ndarray:
    """The host libm's ``logf`` (what the TFLM wheel's ``std::log(float)`` calls), element by element.

    Used for one value per row (LOG_SOFTMAX's log of the sum), so a call per element costs little.
    Without a loadable libm: the correctly rounded float64 log, which glibc's ``logf`` (< 1 ulp)
    differs from in rare last bits."""
    if not _LIBM_LOGF:
        import ctypes
        import ctypes.util

        try:
            fn = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6").logf
            fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
        except (OSError, AttributeError):
            fn = None
        _LIBM_LOGF.append(fn)
    x = np.asarray(x, dtype=np.float32)
    fn = _LIBM_LOGF[0]
    if fn is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x.astype(np.float64)).astype(np.float32)
    return np.fromiter((fn(v) for v in x.ravel().tolist()), np.float32, x.size).reshape(x.shape)


def expm1f(x: np.ndarray) -> np.ndarray:
    """glibc's ``expm1f`` for finite |x| < 88 (the range ``tanhf`` uses), bit-exact."""
    f32 = np.float32
    one = f32(1)
    x = np.asarray(x, dtype=np.float32)
    hx = x.view(np.uint32) & np.uint32(0x7FFFFFFF)
    neg = x < 0
    big = hx > 0x3EB17218  # |x| > 0.5 ln2: reduce
    near = big & (hx < 0x3F851592)  # |x| < 1.5 ln2: k = +-1
    kf = _INVLN2 * x + np.where(neg, f32(-0.5), f32(0.5))
    k = np.where(near, np.where(neg, -1, 1), np.trunc(kf).astype(np.int32))
    k = np.where(big, k, 0).astype(np.int32)
    t = k.astype(np.float32)
    hi = np.where(near, np.where(neg, x + _LN2_HI, x - _LN2_HI), x - t * _LN2_HI)
    lo = np.where(near, np.where(neg, -_LN2_LO, _LN2_LO), t * _LN2_LO)
    xr = np.where(big, hi - lo, x)
    c = np.where(big, (hi - xr) - lo, f32(0))
    hfx = f32(0.5) * xr
    hxs = xr * hfx
    q1, q2, q3, q4, q5 = _Q
    r1 = one + hxs * (q1 + hxs * (q2 + hxs * (q3 + hxs * (q4 + hxs * q5))))
    t = f32(3.0) - r1 * hfx
    e = hxs * ((r1 - t) / (f32(6.0) - xr * t))
    res_k0 = xr - (xr * e - hxs)
    e = (xr * (e - c) - c) - hxs
    res_km1 = f32(0.5) * (xr - e) - f32(0.5)
    res_k1 = np.where(xr < f32(-0.25), -f32(2.0) * (e - (xr + f32(0.5))), one + f32(2.0) * (xr - e))
    y_far = _add_exponent(one - (e - xr), k) - one  # k <= -2 or k > 56
    t_small = (np.int32(0x3F800000) - (np.int32(0x1000000) >> np.clip(k, 0, 30))).view(np.float32)  # 1 - 2^-k
    y_small = _add_exponent(t_small - (e - xr), k)
    t_large = ((np.int32(0x7F) - np.clip(k, 0, 127)) << 23).view(np.float32)  # 2^-k
    y_large = _add_exponent((xr - (e + t_large)) + one, k)
    res = np.where(k < 23, y_small, y_large)
    res = np.where((k <= -2) | (k > 56), y_far, res)
    res = np.where(k == 1, res_k1, np.where(k == -1, res_km1, np.where(k == 0, res_k0, res)))
    return np.where(hx < 0x33000000, x, res).astype(np.float32)  # |x| < 2^-25: x itself


def tanhf(x: np.ndarray) -> np.ndarray:
    """glibc's ``tanhf`` on float32 arrays, bit-exact."""
    f32 = np.float32
    x = np.asarray(x, dtype=np.float32)
    ax = np.abs(x)
    ix = ax.view(np.uint32)
    a = np.minimum(ax, f32(22))  # lanes at or above 22 return 1 below
    with np.errstate(all="ignore"):
        big = ix >= 0x3F800000
        t = expm1f(np.where(big, f32(2) * a, -f32(2) * a))
        z = np.where(big, f32(1) - f32(2) / (t + f32(2)), -t / (t + f32(2)))
        z = np.where(ix >= 0x41B00000, f32(1), z)
        z = np.where(ix < 0x24000000, ax * (f32(1) + ax), z)
        z = np.where(ix == 0, ax, z)
    z = np.copysign(z, x).astype(np.float32)  # also keeps tanhf(-0.0) == -0.0
    return np.where(np.isnan(x), x, z)
