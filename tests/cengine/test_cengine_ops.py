"""Single-op models through the C engine vs the TFLM wheel: option variants of every covered op."""

import numpy as np
import pytest
from ce_util import check_c
from nn_models import conv_like_model, pool_model, rand_input
from pw_util import binary_model, unary_model

from mcuml.errors import UnsupportedOpError
from mcuml.ir.build import ModelBuilder
from mcuml.kernels.conv import compute_out_size

CONV_CASES = [  # (h, w, c, oc, k, stride, dilation, padding, act, per_channel, in_zp, batch)
    (9, 8, 5, 6, 3, 1, 1, 0, 1, True, -7, 1),
    (10, 9, 8, 16, 3, 2, 1, 0, 3, True, 5, 1),
    (11, 7, 3, 7, 3, 1, 2, 0, 0, False, 0, 1),
    (8, 8, 16, 8, 1, 1, 1, 1, 0, True, -128, 1),
    (7, 9, 4, 12, 5, 2, 1, 1, 1, True, 12, 2),
    (6, 6, 8, 32, 1, 1, 1, 0, 3, True, 3, 1),
]


def _conv(rng, op, dt, h, w, c, oc, k, stride, dil, padding, act, pc, in_zp, batch, mult=1):
    oh = compute_out_size(padding, h, k, stride, dil)
    ow = compute_out_size(padding, w, k, stride, dil)
    opts = {"padding": padding, "stride_h": stride, "stride_w": stride, "dilation_h_factor": dil,
            "dilation_w_factor": dil, "fused_activation_function": act}
    if op == "CONV_2D":
        wshape, kind, qdim, depth = (oc, k, k, c), "Conv2DOptions", 0, k * k * c
    else:
        oc = c * mult
        wshape, kind, qdim, depth = (1, k, k, oc), "DepthwiseConv2DOptions", 3, k * k
        opts["depth_multiplier"] = mult
    model = conv_like_model(op, act_dtype=dt, in_shape=(batch, h, w, c), w_shape=wshape, out_shape=(batch, oh, ow, oc),
                            options=opts, options_kind=kind, rng=rng, per_channel=pc, qdim=qdim, n_out_ch=oc,
                            in_zp=in_zp, out_zp=-3, gain=1.0, bias=True, depth=depth)
    return model, rand_input(rng, (batch, h, w, c), dt)


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("dt", ["int8", "float32"])
def test_conv_2d(case, dt):
    model, x = _conv(np.random.default_rng(hash(case) % 1000), "CONV_2D", dt, *case)
    check_c(model, [x])


@pytest.mark.parametrize("case", CONV_CASES[:5])
@pytest.mark.parametrize("dt,mult", [("int8", 1), ("int8", 2), ("float32", 1)])
def test_depthwise(case, dt, mult):
    h, w, c, _, k, stride, dil, padding, act, pc, in_zp, batch = case
    model, x = _conv(np.random.default_rng(7), "DEPTHWISE_CONV_2D", dt, h, w, c, 0, k, stride, dil, padding, act, pc,
                     in_zp, batch, mult)
    check_c(model, [x])


@pytest.mark.parametrize("inplace", [True, False])
def test_depthwise_in_place_and_not(inplace):
    """The row-ring in-place variant and the plain one agree with TFLM (and in place is smaller)."""
    model, x = _conv(np.random.default_rng(3), "DEPTHWISE_CONV_2D", "int8", 12, 10, 8, 0, 3, 1, 1, 0, 0, True, 4, 1)
    e = check_c(model, [x], inplace=inplace)
    assert (e.generated.arena_bytes < e.generated.tflm_arena_bytes) == inplace


@pytest.mark.parametrize("dt,pc,rows,act", [("int8", False, 1, 0), ("int8", True, 3, 1), ("float32", False, 2, 3)])
def test_fully_connected(dt, pc, rows, act):
    rng = np.random.default_rng(rows)
    depth, oc = 37, 10
    model = conv_like_model("FULLY_CONNECTED", act_dtype=dt, in_shape=(rows, depth), w_shape=(oc, depth),
                            out_shape=(rows, oc), options={"fused_activation_function": act},
                            options_kind="FullyConnectedOptions", rng=rng, per_channel=pc, qdim=0, n_out_ch=oc,
                            in_zp=9, out_zp=2, depth=depth)
    check_c(model, [rand_input(rng, (rows, depth), dt)])


@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("dt,padding,act", [("int8", 0, 0), ("int8", 1, 1), ("float32", 0, 3), ("float32", 1, 0)])
def test_pool(op, dt, padding, act):
    rng = np.random.default_rng(1)
    model = pool_model(op, dt, (1, 9, 7, 5), (3, 2), (2, 2), padding, act, zp=-4)
    check_c(model, [rand_input(rng, (1, 9, 7, 5), dt)])


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("s1,s2", [((1, 4, 5, 3), (1, 4, 5, 3)), ((1, 4, 5, 3), (1, 1, 3)), ((2, 1, 3), (4, 1))])
def test_binary_int8(op, s1, s2):
    rng = np.random.default_rng(len(s2))
    kind = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[op]
    m = binary_model(op, s1, s2, "int8", (0.05, 3), (0.02, -9), (0.07, 1), kind, fused_activation_function=1)
    check_c(m, [rand_input(rng, s1, "int8"), rand_input(rng, s2, "int8")])


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
def test_binary_float(op):
    rng = np.random.default_rng(0)
    kind = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[op]
    m = binary_model(op, (1, 3, 4), (4,), "float32", options_kind=kind, fused_activation_function=3)
    check_c(m, [rand_input(rng, (1, 3, 4), "float32"), rand_input(rng, (4,), "float32")])


@pytest.mark.parametrize("op,qo", [("LOGISTIC", (1 / 256, -128)), ("TANH", (1 / 128, 0)), ("RELU", (0.03, -20)),
                                   ("RELU6", (0.03, -128)), ("HARD_SWISH", (0.04, 5))])
def test_unary_int8_all_values(op, qo):
    kw = {}
    m = unary_model(op, (1, 256), "int8", qi=(0.05, 7), qo=qo, **kw)
    check_c(m, [np.arange(-128, 128, dtype=np.int8).reshape(1, 256)])


def test_leaky_relu_and_quantize_chain():
    m = unary_model("LEAKY_RELU", (1, 256), "int8", qi=(0.05, 7), qo=(0.04, -3), options_kind="LeakyReluOptions",
                    alpha=0.2)
    check_c(m, [np.arange(-128, 128, dtype=np.int8).reshape(1, 256)])
    q = unary_model("QUANTIZE", (1, 256), "int8", out_dtype="uint8", qi=(0.05, 7), qo=(0.05, 135))
    check_c(q, [np.arange(-128, 128, dtype=np.int8).reshape(1, 256)])


def test_quantize_dequantize_float():
    rng = np.random.default_rng(5)
    q = unary_model("QUANTIZE", (2, 40), "float32", out_dtype="int8", qo=(0.02, -5))
    check_c(q, [(rng.standard_normal((2, 40)) * 3).astype(np.float32)])
    d = unary_model("DEQUANTIZE", (2, 40), "int8", out_dtype="float32", qi=(0.02, -5))
    check_c(d, [rand_input(rng, (2, 40), "int8")])


@pytest.mark.parametrize("dt,shape", [("int8", (3, 10)), ("float32", (2, 7)), ("int8", (1, 300))])
def test_softmax(dt, shape):
    rng = np.random.default_rng(2)
    qi, qo = ((0.1, 4), (1 / 256, -128)) if dt == "int8" else ((None, None), (None, None))
    m = unary_model("SOFTMAX", shape, dt, qi=qi, qo=qo, options_kind="SoftmaxOptions", beta=1.0)
    check_c(m, [rand_input(rng, shape, dt)])


def _graph(build) -> bytes:
    b = ModelBuilder()
    build(b)
    return b.build().to_bytes()


@pytest.mark.parametrize("dt", ["int8", "float32"])
def test_pad_transpose_mean_concat_reshape(dt):
    """PAD -> TRANSPOSE -> RESHAPE -> CONCATENATION with the input -> MEAN over two axes."""
    kw = {"scale": 0.05, "zero_point": -2} if dt == "int8" else {}

    def build(b):
        x = b.input("x", (1, 4, 3, 6), dt, **kw)
        p = b.tensor("p", (1, 5, 5, 6), dt, **kw)
        b.op("PAD", [x, b.const("pads", np.array([[0, 0], [1, 0], [1, 1], [0, 0]], np.int32))], [p], "PadOptions")
        t = b.tensor("t", (1, 6, 5, 5), dt, **kw)
        b.op("TRANSPOSE", [p, b.const("perm", np.array([0, 3, 1, 2], np.int32))], [t], "TransposeOptions")
        r = b.tensor("r", (1, 6, 25), dt, **kw)
        b.op("RESHAPE", [t, b.const("shape", np.array([1, 6, 25], np.int32))], [r], "ReshapeOptions",
             new_shape=[1, 6, 25])
        x2 = b.tensor("x2", (1, 6, 12), dt, **kw)
        b.op("RESHAPE", [x, b.const("shape2", np.array([1, 6, 12], np.int32))], [x2], "ReshapeOptions",
             new_shape=[1, 6, 12])
        c = b.tensor("c", (1, 6, 37), dt, **kw)
        b.op("CONCATENATION", [r, x2], [c], "ConcatenationOptions", axis=2)
        mq = {"scale": 0.03, "zero_point": 4} if dt == "int8" else {}
        y = b.tensor("y", (1, 6), dt, **mq)
        b.op("MEAN", [c, b.const("axes", np.array([0, 2], np.int32))], [y], "ReducerOptions", keep_dims=False)
        b.output(y)
        b.output(c)

    check_c(_graph(build), [rand_input(np.random.default_rng(4), (1, 4, 3, 6), dt)])


def test_conv_add_fusion_into_residual():
    """x -> CONV -> CONV -> ADD(x): the fused layer writes the sum over x's buffer."""
    rng = np.random.default_rng(11)
    q = {"scale": 0.05, "zero_point": -3}

    def conv(b, name, x, w_seed):
        w = b.const(name + "_w", np.random.default_rng(w_seed).integers(-127, 128, (8, 3, 3, 8)).astype(np.int8),
                    scale=[0.01] * 8, zero_point=[0] * 8, quantized_dimension=0)
        bias = b.const(name + "_b", np.zeros(8, np.int32), scale=[0.0005] * 8, zero_point=[0] * 8)
        y = b.tensor(name, (1, 6, 6, 8), "int8", **q)
        b.op("CONV_2D", [x, w, bias], [y], "Conv2DOptions", padding=0, stride_h=1, stride_w=1, dilation_h_factor=1,
             dilation_w_factor=1, fused_activation_function=1)
        return y

    def build(b):
        x = b.input("x", (1, 6, 6, 8), "int8", **q)
        h = conv(b, "c1", x, 1)
        h2 = conv(b, "c2", h, 2)
        y = b.tensor("y", (1, 6, 6, 8), "int8", scale=0.08, zero_point=1)
        b.op("ADD", [h2, x], [y], "AddOptions", fused_activation_function=0)
        b.output(y)

    e = check_c(_graph(build), [rand_input(rng, (1, 6, 6, 8), "int8")])
    assert "CONV_2D+ADD" in e.generated.layers
    assert e.generated.arena_bytes <= 2 * 6 * 6 * 8 + 8


def test_unsupported_ops_named_at_once():
    def build(b):
        x = b.input("x", (1, 8), "float32")
        y = b.tensor("y", (1, 8), "float32")
        b.op("RSQRT", [x], [y])
        z = b.tensor("z", (1, 8), "float32")
        b.op("EXP", [y], [z])
        b.output(z)

    from mcuml.cengine import generate, unsupported_ops

    model = _graph(build)
    assert [u.split()[0] for u in unsupported_ops(model)] == ["RSQRT", "EXP"]
    with pytest.raises(UnsupportedOpError, match="2 node"):
        generate(model)


@pytest.mark.parametrize("dsp", [False, True])
def test_packed_weights_fc_and_pointwise(dsp):
    """The Cortex-M weight layout (4-row blocks), on the portable and on the DSP path."""
    rng = np.random.default_rng(9)
    model, x = _conv(rng, "CONV_2D", "int8", 5, 6, 13, 10, 1, 1, 1, 1, 1, True, -5, 1)
    check_c(model, [x], pack=True, dsp=dsp)
    fc = conv_like_model("FULLY_CONNECTED", act_dtype="int8", in_shape=(2, 23), w_shape=(9, 23), out_shape=(2, 9),
                         options={"fused_activation_function": 0}, options_kind="FullyConnectedOptions", rng=rng,
                         per_channel=False, qdim=0, n_out_ch=9, in_zp=3, out_zp=-1, depth=23)
    check_c(fc, [rand_input(rng, (2, 23), "int8")], pack=True, dsp=dsp)


TCONV = [  # dtype, N,H,W,IC, OC,KH,KW, stride, padding, out_hw, act, per_channel, in_zp, bias
    ("int8", 1, 4, 4, 3, 4, 3, 3, (2, 2), 0, (8, 8), 0, True, -3, True),
    ("int8", 2, 5, 4, 4, 3, 3, 3, (2, 2), 1, (11, 9), 1, False, 10, False),
    ("int8", 1, 6, 5, 2, 6, 2, 3, (1, 2), 0, (6, 10), 3, True, 127, True),
    ("float32", 1, 4, 4, 3, 4, 3, 3, (2, 2), 0, (8, 8), 0, False, 0, True),
    ("float32", 2, 5, 4, 4, 3, 3, 3, (2, 2), 1, (11, 9), 1, False, 0, False),
]


@pytest.mark.parametrize("case", TCONV)
def test_transpose_conv(case):
    dt, n, h, w, ic, oc, kh, kw, stride, pad, (oh, ow), act, pc, in_zp, bias = case
    rng = np.random.default_rng(oh * ow)
    opts = {"padding": pad, "stride_h": stride[0], "stride_w": stride[1], "fused_activation_function": act}
    model = conv_like_model("TRANSPOSE_CONV", act_dtype=dt, in_shape=(n, h, w, ic), w_shape=(oc, kh, kw, ic),
                            out_shape=(n, oh, ow, oc), options=opts, options_kind="TransposeConvOptions", rng=rng,
                            per_channel=pc, qdim=0, n_out_ch=oc, in_zp=in_zp, out_zp=2, bias=bias,
                            depth=ic * kh * kw // (stride[0] * stride[1]),
                            extra_first=[("output_shape", np.array([n, oh, ow, oc], np.int32))])
    check_c(model, [rand_input(rng, (n, h, w, ic), dt)])


@pytest.mark.parametrize("dt", ["int8", "float32"])
@pytest.mark.parametrize("ls,rs,adj_x,adj_y,const_rhs", [((2, 3, 5), (2, 5, 4), False, False, False),
                                                        ((3, 1, 4, 6), (2, 4, 5), True, False, True),
                                                        ((1, 7, 3), (4, 3), False, True, False)])
def test_batch_matmul(dt, ls, rs, adj_x, adj_y, const_rhs):
    rng = np.random.default_rng(len(ls) * 10 + len(rs))
    lq = {"scale": 0.05, "zero_point": 3} if dt == "int8" else {}
    rq = {"scale": 0.04, "zero_point": -2} if dt == "int8" else {}
    oq = {"scale": 0.3, "zero_point": 1} if dt == "int8" else {}
    la, ra = (ls[-1], ls[-2]) if adj_x else (ls[-2], ls[-1]), (rs[-1], rs[-2]) if adj_y else (rs[-2], rs[-1])
    batch = np.broadcast_shapes(ls[:-2], rs[:-2])
    out_shape = (*batch, la[0], ra[1])

    def build(b):
        x = b.input("x", ls, dt, **lq)
        r = b.const("r", rand_input(rng, rs, dt), **rq) if const_rhs else b.input("r", rs, dt, **rq)
        y = b.tensor("y", out_shape, dt, **oq)
        b.op("BATCH_MATMUL", [x, r], [y], "BatchMatMulOptions", adj_x=adj_x, adj_y=adj_y)
        b.output(y)

    xs = [rand_input(rng, ls, dt)] + ([] if const_rhs else [rand_input(rng, rs, dt)])
    check_c(_graph(build), xs)


def test_run_refuses_inputs_with_different_sample_counts():
    """The C loop reads N samples of every input: one input shorter than the others is an InputError, not a read
    past its end."""
    from mcuml.cengine import CEngine
    from mcuml.errors import InputError

    e = CEngine(model_content=binary_model("ADD", (1, 3, 4), (1, 3, 4), "float32", options_kind="AddOptions"))
    a = np.ones((4, 1, 3, 4), np.float32)
    with pytest.raises(InputError, match="same number of samples"):
        e.run([a, a[:2]])
    assert np.array_equal(e.run([a, a])[0], a + a)
