"""Five reference architectures written in PyTorch -> int8 .tflite through ONNX, without TensorFlow.

Each converted model must contain no TRANSPOSE, pass ``mcuml.check``, run bit-exactly in mcuml's
interpreter and the TFLM wheel, and agree with the float PyTorch model on 500 fresh inputs drawn
like the calibration data: top-1 >= 97 % for the classifiers, relative error <= 5 % for the dense
autoencoder. The networks are randomly initialized, with BatchNorm statistics calibrated by a few
train-mode forward passes (momentum=None: exact averages).

Two choices make the random networks behave like trained ones. (1) A random Linear/Conv -> BN ->
ReLU stack with BN beta = 0 amplifies *any* perturbation by ~1.2x per layer (BN removes the
per-channel mean of the ReLU output, ~1/pi of its energy, but none of a zero-mean perturbation):
in float, 1 % noise after each layer of the autoencoder becomes 6.5 % at the output. That is
chaos, not quantization error, and a trained network does not do it; BN betas start at +1 (mostly
active ReLUs, gain ~1.06 per layer). (2) A random classifier's logits are nearly tied, so its
softmax is nearly uniform and top-1 flips on any noise; the final layer is rescaled so that the
logits have standard deviation 3 on the calibration data, like a trained, confident classifier.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
nn = torch.nn

pytestmark = [pytest.mark.torch, pytest.mark.onnx]

N_CAL, N_EVAL = 200, 500


BN_BETA = 1.0
LOGIT_STD = 3.0


def _bn2(c: int) -> nn.Module:
    return nn.BatchNorm2d(c, momentum=None)


def _cbr(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1, act: type = nn.ReLU) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), _bn2(cout), act())


class CifarCNN(nn.Module):
    """The seed's CIFAR-10 CNN: conv-pool-conv-pool-conv-pool-fc-softmax on 32x32x3."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(_cbr(3, 16), nn.MaxPool2d(2), _cbr(16, 32), nn.MaxPool2d(2), _cbr(32, 32),
                                      nn.MaxPool2d(2))
        self.fc = nn.Linear(4 * 4 * 32, 10)

    def forward(self, x):  # noqa: D102
        return torch.softmax(self.fc(torch.flatten(self.features(x), 1)), dim=1)


class DSCNN(nn.Module):
    """Keyword-spotting DS-CNN (MLPerf Tiny shape, narrower): 49x10 MFCC -> 12 classes."""

    def __init__(self, width: int = 32, blocks: int = 4) -> None:
        super().__init__()
        layers = [nn.Conv2d(1, width, (10, 4), (2, 2), (5, 1), bias=False), _bn2(width), nn.ReLU()]
        for _ in range(blocks):
            layers += [*_cbr(width, width, 3, groups=width), *_cbr(width, width, 1)]
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, 12)

    def forward(self, x):  # noqa: D102
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class _Res(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.a = _cbr(cin, cout, 3, stride)
        self.b = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), _bn2(cout))
        self.short = nn.Identity() if stride == 1 and cin == cout else \
            nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), _bn2(cout))

    def forward(self, x):  # noqa: D102
        return torch.relu(self.b(self.a(x)) + self.short(x))


class ResNet8(nn.Module):
    """MLPerf Tiny image-classification ResNet-8 (16/32/64 channels) on 32x32x3."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = _cbr(3, 16)
        self.stages = nn.Sequential(_Res(16, 16, 1), _Res(16, 32, 2), _Res(32, 64, 2))
        self.fc = nn.Linear(64, 10)

    def forward(self, x):  # noqa: D102
        x = self.stages(self.stem(x))
        return torch.softmax(self.fc(x.mean(dim=(2, 3))), dim=1)


class MobileNetV1(nn.Module):
    """MobileNetV1, width multiplier 0.25 (ReLU6, 13 depthwise-separable blocks): MLPerf Tiny's visual wake
    words model, 2 classes on 96x96x3."""

    CFG = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
           (512, 1), (1024, 2), (1024, 1)]

    def __init__(self, alpha: float = 0.25, classes: int = 2) -> None:
        super().__init__()
        c = int(32 * alpha)
        layers = [*_cbr(3, c, 3, 2, act=nn.ReLU6)]
        for out, s in self.CFG:
            o = int(out * alpha)
            layers += [*_cbr(c, c, 3, s, groups=c, act=nn.ReLU6), *_cbr(c, o, 1, act=nn.ReLU6)]
            c = o
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):  # noqa: D102
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return torch.softmax(self.fc(x.view(x.size(0), -1)), dim=1)


class DenseAE(nn.Module):
    """MLPerf Tiny anomaly-detection autoencoder: 640 -> 128x4 -> 8 -> 128x4 -> 640 (Linear+BN+ReLU)."""

    def __init__(self, dim: int = 640, hidden: int = 128, code: int = 8) -> None:
        super().__init__()

        def block(i: int, o: int) -> list[nn.Module]:
            return [nn.Linear(i, o), nn.BatchNorm1d(o, momentum=None), nn.ReLU()]

        layers = block(dim, hidden) + block(hidden, hidden) * 1 + block(hidden, hidden) + block(hidden, hidden)
        layers += block(hidden, code)
        layers += block(code, hidden) + block(hidden, hidden) + block(hidden, hidden) + block(hidden, hidden)
        layers += [nn.Linear(hidden, dim)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):  # noqa: D102
        return self.net(x)


def _images(rng: np.random.Generator, n: int, shape: tuple[int, ...]) -> np.ndarray:
    """Smooth random images: low-resolution noise upsampled, plus a little pixel noise (values ~ N(0,1))."""
    c, h, w = shape
    low = rng.standard_normal((n, c, max(h // 4, 1), max(w // 4, 1))).astype(np.float32)
    img = np.repeat(np.repeat(low, 4, axis=2), 4, axis=3)[:, :, :h, :w]
    return (img + 0.3 * rng.standard_normal(img.shape)).astype(np.float32)


ARCHS = {
    "cifar_cnn": (CifarCNN, (3, 32, 32), True),
    "ds_cnn": (DSCNN, (1, 49, 10), True),
    "resnet8": (ResNet8, (3, 32, 32), True),
    "mobilenet_v1_025": (MobileNetV1, (3, 96, 96), True),
    "dense_ae": (DenseAE, (640,), False),
}


def make(name: str, seed: int = 0) -> tuple[nn.Module, np.ndarray, np.ndarray, bool]:
    """(BN-calibrated module in eval mode, calibration inputs, fresh evaluation inputs, is_classifier)."""
    cls, shape, classifier = ARCHS[name]
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = cls()
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.constant_(m.bias, BN_BETA)
    draw = (lambda n: _images(rng, n, shape)) if len(shape) == 3 else \
        (lambda n: rng.standard_normal((n, *shape)).astype(np.float32))
    cal, ev = draw(N_CAL), draw(N_EVAL)
    model.train()
    with torch.no_grad():
        for part in np.array_split(cal, 4):
            model(torch.from_numpy(part))
    model.eval()
    if classifier:
        with torch.no_grad():
            feats = []
            model.fc.register_forward_hook(lambda _m, _i, out: feats.append(out))
            model(torch.from_numpy(cal))
            k = LOGIT_STD / float(feats[0].std())
            model.fc.weight.mul_(k)
            model.fc.bias.mul_(k)
            model.fc._forward_hooks.clear()
    return model, cal, ev, classifier


_CACHE: dict[str, tuple] = {}


def converted(name: str) -> tuple:
    """(ConversionResult, module, eval inputs, classifier), converted once per test session."""
    if name not in _CACHE:
        from mcuml.convert.torch import convert_torch

        model, cal, ev, classifier = make(name)
        res = convert_torch(model, cal[:1], cal, io="int8", evaluate_samples=100, layer_samples=16,
                            classifier=classifier)
        _CACHE[name] = (res, model, ev, classifier)
    return _CACHE[name]


def run_int8(tflite: bytes, xs_nchw: np.ndarray) -> np.ndarray:
    from mcuml import Interpreter, load_model
    from mcuml.interp.interpreter import dequantize_output, quantize_input

    m = load_model(tflite)
    x = xs_nchw.transpose(0, 2, 3, 1) if xs_nchw.ndim == 4 else xs_nchw
    y = Interpreter(model=m).run(quantize_input(np.ascontiguousarray(x), m.main.inputs[0]))[0]
    return dequantize_output(y, m.main.outputs[0])


@pytest.mark.parametrize("name", list(ARCHS))
def test_structure_and_tflm(name):
    from mcuml import load_model
    from mcuml.check import check
    from oracle import differential

    res, _, ev, _ = converted(name)
    m = load_model(res.tflite)
    ops = [op.name for op in m.main.operators]
    assert "TRANSPOSE" not in ops, ops
    assert res.runs_on_tflm and check(m).runs_on_tflm
    assert m.main.inputs[0].dtype.name == "int8" and m.main.outputs[0].dtype.name == "int8"
    if name != "dense_ae":
        assert len(m.main.inputs[0].shape) == 4 and m.main.inputs[0].shape[-1] == ev.shape[1]  # NHWC
    from mcuml.interp.interpreter import quantize_input

    x = ev[:2].transpose(0, 2, 3, 1) if ev.ndim == 4 else ev[:2]
    q = quantize_input(np.ascontiguousarray(x), m.main.inputs[0])
    for i in range(q.shape[0]):
        differential(res.tflite, [q[i:i + 1]])


@pytest.mark.parametrize("name", list(ARCHS))
def test_agreement_with_float_pytorch(name):
    res, model, ev, classifier = converted(name)
    with torch.no_grad():
        want = model(torch.from_numpy(ev)).numpy()
    got = run_int8(res.tflite, ev)
    if classifier:
        top1 = float(np.mean(np.argmax(got, 1) == np.argmax(want, 1)))
        assert top1 >= 0.97, f"{name}: top-1 agreement {top1:.3f}"
    else:
        rel = float(np.linalg.norm(got - want) / np.linalg.norm(want))
        assert rel <= 0.05, f"{name}: relative error {rel:.4f}"
    assert res.report is not None and len(res.report.layers) >= 3
    assert all(np.isfinite(e.sqnr_db) or e.sqnr_db == np.inf for e in res.report.layers)
