"""Build the Keras layer catalogue: small one-layer Keras models through the real TF converter.

Every entry of :data:`LAYERS` is converted in three modes: ``float32`` (no optimizations),
``int8`` (full-integer, int8 I/O) and ``int16x8`` (16-bit activations, 8-bit weights, int16 I/O).
When the strict op set cannot hold a layer, the converter is retried with ``TFLITE_BUILTINS``
added (float islands) and then with ``SELECT_TF_OPS`` (Flex ops); the manifest records which op
set each file needed. Seeds are fixed: weights from ``keras.utils.set_random_seed`` per entry,
the representative dataset from ``numpy.random.default_rng``, so reruns with the same TF
version write the same files.

Usage: python tools/gen_keras_catalogue.py [-o tests/data/keras_catalogue] [--only NAME ...]
                                           [--modes float32 int8 int16x8]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "keras_catalogue"
MODES = ("float32", "int8", "int16x8")
N_CAL = 16  # representative samples


def _layers(keras, tf) -> dict[str, tuple[list[tuple[int, ...]], Callable]]:
    """name -> (input shapes without batch, fn(inputs) -> output tensor)."""
    L = keras.layers
    img, seq, vec = (8, 8, 4), (8, 4), (16,)

    def one(shape, fn):
        return [shape], lambda xs: fn(xs[0])

    def two(shape, layer):
        return [shape, shape], lambda xs: layer()(xs)

    def act(name):
        return one(vec, lambda x: L.Activation(name)(L.Dense(8)(x)))

    return {
        "conv1d_s2": one(seq, lambda x: L.Conv1D(6, 3, strides=2, padding="same")(x)),
        "conv1d_dilated": one((12, 4), lambda x: L.Conv1D(5, 3, dilation_rate=2, activation="relu")(x)),
        "conv2d_s2_relu": one(img, lambda x: L.Conv2D(6, 3, strides=2, padding="same", activation="relu")(x)),
        "conv2d_dilated": one(img, lambda x: L.Conv2D(5, 3, dilation_rate=2, padding="same")(x)),
        "conv2d_valid_5x5": one(img, lambda x: L.Conv2D(4, 5, activation="relu6")(x)),
        "conv2d_transpose_s2": one((4, 4, 4), lambda x: L.Conv2DTranspose(5, 3, strides=2, padding="same")(x)),
        "conv1d_transpose": one(seq, lambda x: L.Conv1DTranspose(4, 3, strides=2, padding="same")(x)),
        "separable_conv2d_m2": one(img, lambda x: L.SeparableConv2D(6, 3, depth_multiplier=2, padding="same")(x)),
        "separable_conv1d": one(seq, lambda x: L.SeparableConv1D(5, 3, padding="same")(x)),
        "depthwise_conv2d_m2_s2": one(img, lambda x: L.DepthwiseConv2D(3, strides=2, depth_multiplier=2,
                                                                       padding="same")(x)),
        "depthwise_conv2d_dilated": one(img, lambda x: L.DepthwiseConv2D(3, dilation_rate=2, padding="same")(x)),
        "dense": one(vec, lambda x: L.Dense(8, activation="relu")(x)),
        "dense_3d": one(seq, lambda x: L.Dense(6)(x)),
        "simple_rnn_unrolled": one((4, 3), lambda x: L.SimpleRNN(5, unroll=True)(x)),
        "lstm_unrolled": one((4, 3), lambda x: L.LSTM(5, unroll=True)(x)),
        "gru_unrolled": one((4, 3), lambda x: L.GRU(5, unroll=True)(x)),
        "batch_norm": one(img, lambda x: L.BatchNormalization()(L.Conv2D(4, 1)(x))),
        "layer_norm": one(seq, lambda x: L.LayerNormalization()(x)),
        "multi_head_attention": one(seq, lambda x: L.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)),
        "attention": two(seq, L.Attention),
        "upsampling2d_nearest": one((4, 4, 3), lambda x: L.UpSampling2D(2)(x)),
        "upsampling2d_bilinear": one((4, 4, 3), lambda x: L.UpSampling2D(2, interpolation="bilinear")(x)),
        "upsampling1d": one(seq, lambda x: L.UpSampling1D(2)(x)),
        "resizing_bilinear": one(img, lambda x: L.Resizing(5, 6)(x)),
        "zero_padding2d": one(img, lambda x: L.ZeroPadding2D(((1, 2), (0, 1)))(x)),
        "cropping2d": one(img, lambda x: L.Cropping2D(((1, 2), (2, 0)))(x)),
        "zero_padding1d": one(seq, lambda x: L.ZeroPadding1D(2)(x)),
        "global_avg_pool2d": one(img, lambda x: L.GlobalAveragePooling2D()(x)),
        "global_max_pool2d": one(img, lambda x: L.GlobalMaxPooling2D()(x)),
        "global_avg_pool1d": one(seq, lambda x: L.GlobalAveragePooling1D()(x)),
        "avg_pool2d": one(img, lambda x: L.AveragePooling2D(2)(x)),
        "max_pool2d_s1": one(img, lambda x: L.MaxPooling2D(3, strides=1, padding="same")(x)),
        "max_pool1d": one(seq, lambda x: L.MaxPooling1D(2)(x)),
        "add": two(img, L.Add),
        "subtract": two(img, L.Subtract),
        "multiply": two(img, L.Multiply),
        "maximum": two(img, L.Maximum),
        "minimum": two(img, L.Minimum),
        "average": two(img, L.Average),
        "concatenate": two(img, L.Concatenate),
        "flatten_dense": one(img, lambda x: L.Dense(4)(L.Flatten()(x))),
        "reshape_permute": one(img, lambda x: L.Permute((2, 1))(L.Reshape((16, 16))(x))),
        "lambda_reduce_sum": one(img, lambda x: L.Lambda(lambda t: tf.reduce_sum(t, axis=[1, 2]))(x)),
        "lambda_reduce_max": one(img, lambda x: L.Lambda(lambda t: tf.reduce_max(t, axis=-1))(x)),
        "lambda_abs": one(img, lambda x: L.Lambda(tf.math.abs)(x)),
        "lambda_square": one(img, lambda x: L.Lambda(tf.math.square)(x)),
        "lambda_rsqrt": one(img, lambda x: L.Lambda(lambda t: tf.math.rsqrt(tf.math.abs(t) + 1.0))(x)),
        "lambda_exp": one(vec, lambda x: L.Lambda(tf.math.exp)(x)),
        "relu": act("relu"),
        "relu6": act("relu6"),
        "sigmoid": act("sigmoid"),
        "tanh": act("tanh"),
        "softmax": act("softmax"),
        "log_softmax": act("log_softmax"),
        "gelu": act("gelu"),
        "softplus": act("softplus"),
        "softsign": act("softsign"),
        "elu": act("elu"),
        "selu": act("selu"),
        "swish": act("swish"),
        "hard_sigmoid": act("hard_sigmoid"),
        "hard_swish": act("hard_swish"),
        "leaky_relu": one(vec, lambda x: L.LeakyReLU(0.2)(L.Dense(8)(x))),
        "prelu": one(img, lambda x: L.PReLU(shared_axes=[1, 2])(x)),
        # a dilated convolution written out: the converter keeps SPACE_TO_BATCH_ND -> CONV_2D -> MUL ->
        # BATCH_TO_SPACE_ND when an op sits between (paddings 0: TFLM's pad value is uninitialised memory)
        "space_to_batch_conv": one(img, lambda x: L.Lambda(_s2b_conv(tf))(x)),
    }


def _s2b_conv(tf):
    w = tf.constant(np.random.default_rng(5).standard_normal((3, 3, 4, 5)).astype(np.float32) * 0.3)

    def f(x):
        y = tf.nn.conv2d(tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]]), w, 1, "VALID")
        return tf.batch_to_space(tf.nn.relu(y) * 2.0, [2, 2], [[0, 0], [0, 0]])
    return f


def _converter(tf, fn, mode: str, data: list[list[np.ndarray]], ops: list, quantized_io: bool):
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn])
    conv.target_spec.supported_ops = ops
    if mode != "float32":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: iter(data)
        if quantized_io:
            io = tf.int8 if mode == "int8" else tf.int16
            conv.inference_input_type = io
            conv.inference_output_type = io
    return conv


def _op_sets(tf, mode: str) -> list[tuple[str, list, bool]]:
    """(label, supported ops, quantized I/O) to try in order."""
    S = tf.lite.OpsSet
    strict = {"float32": S.TFLITE_BUILTINS, "int8": S.TFLITE_BUILTINS_INT8,
              "int16x8": S.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8}[mode]
    sets = [("strict", [strict], True)]
    if mode != "float32":  # float islands; the converter cannot always give them quantized I/O
        sets += [("builtins", [strict, S.TFLITE_BUILTINS], True),
                 ("builtins_float_io", [strict, S.TFLITE_BUILTINS], False)]
    sets.append(("select_tf_ops", [strict, S.TFLITE_BUILTINS, S.SELECT_TF_OPS], mode == "float32"))
    return sets


def build_entry(keras, tf, name: str, shapes, body, mode: str, seed: int) -> tuple[bytes, str]:
    """Convert one layer in one mode; returns (flatbuffer, op set used). Raises on failure."""
    keras.backend.clear_session()  # layer names (they end up in the flatbuffer) restart for every entry
    keras.utils.set_random_seed(seed)
    inputs = [keras.Input(shape=s, batch_size=1) for s in shapes]
    model = keras.Model(inputs, body(inputs))
    rng = np.random.default_rng(seed)
    data = [[rng.standard_normal((1, *s)).astype(np.float32) for s in shapes] for _ in range(N_CAL)]
    if any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers):
        for layer in model.layers:  # non-trivial moving statistics, from the fixed rng
            if isinstance(layer, keras.layers.BatchNormalization):
                c = layer.moving_mean.shape[0]
                layer.moving_mean.assign(rng.standard_normal(c).astype(np.float32) * 0.3)
                layer.moving_variance.assign(rng.uniform(0.5, 2.0, c).astype(np.float32))
    spec = [tf.TensorSpec((1, *s), tf.float32) for s in shapes]
    fn = tf.function(lambda *xs: model(list(xs) if len(xs) > 1 else xs[0], training=False),
                     input_signature=spec).get_concrete_function()
    last: Exception | None = None
    for label, ops, qio in _op_sets(tf, mode):
        try:
            return bytes(_converter(tf, fn, mode, data, ops, qio).convert()), label
        except Exception as e:  # noqa: BLE001 - the converter raises many types; try the next op set
            last = e
    raise RuntimeError(str(last).strip().splitlines()[-1] if last else "conversion failed")


def _entry_seed(name: str) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(name)) % 10007


def generate(out: Path, only: list[str] | None = None, modes=MODES) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    keras = tf.keras
    out.mkdir(parents=True, exist_ok=True)
    mpath = out / "manifest.json"
    old = json.loads(mpath.read_text())["models"] if mpath.exists() else []
    entries = {(e["layer"], e["mode"]): e for e in old}
    for name, (shapes, body) in _layers(keras, tf).items():
        if only and name not in only:
            continue
        for mode in modes:
            rec = {"layer": name, "mode": mode, "file": f"{name}.{mode}.tflite", "tf_version": tf.__version__,
                   "keras_version": keras.__version__, "seed": _entry_seed(name)}
            try:
                data, label = build_entry(keras, tf, name, shapes, body, mode, rec["seed"])
            except Exception as e:  # noqa: BLE001
                rec.update(file=None, error=str(e)[:300])
                print(f"{name} {mode}: FAILED {rec['error']}", file=sys.stderr, flush=True)
            else:
                (out / rec["file"]).write_bytes(data)
                rec.update(op_set=label, bytes=len(data))
                print(f"{name} {mode}: {len(data)} B ({label})", file=sys.stderr, flush=True)
            entries[(name, mode)] = rec
    models = sorted(entries.values(), key=lambda e: (e["layer"], MODES.index(e["mode"])))
    manifest = {"generator": "tools/gen_keras_catalogue.py", "modes": list(MODES), "models": models}
    mpath.write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, default=OUT)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--modes", nargs="*", default=list(MODES), choices=MODES)
    args = ap.parse_args()
    m = generate(args.out, args.only, tuple(args.modes))
    ok = sum(1 for e in m["models"] if e.get("file"))
    print(f"{ok} of {len(m['models'])} entries converted into {args.out}")


if __name__ == "__main__":
    main()
