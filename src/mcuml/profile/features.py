"""Static per-layer features for the latency model: MACs, element counts, channels, kernel geometry.

Works for every operator, registered or not (the op registry is consulted only for MAC counts in
the profile; the latency model always uses these features so that calibration and prediction see
exactly the same numbers). MAC convention is the one of ``mcuml.ops._base.Cost``.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.model import Operator, Tensor

_CONV_LIKE = ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV")


@dataclass(frozen=True, slots=True)
class LayerFeatures:
    """What the latency model knows about one node (all counts for one inference)."""

    op: str
    dtype: str          # dtype of the first activation input ("int8", "int16", "float32", ...)
    out_dtype: str
    macs: int
    in_elems: int       # activation (non-constant) input elements
    out_elems: int
    param_bytes: int
    in_ch: int = 0
    out_ch: int = 0
    kh: int = 1
    kw: int = 1
    stride: int = 1
    out_pixels: int = 0
    ch_mult: int = 1
    pad_same: bool = False

    @property
    def kernel_taps(self) -> int:
        """Filter height times width."""
        return self.kh * self.kw

    @property
    def in_ch_mult4(self) -> bool:
        """Input channels are a multiple of 4 (CMSIS-NN's fast paths)."""
        return self.in_ch % 4 == 0


def _dt(t: Tensor | None) -> str:
    if t is None:
        return "none"
    return getattr(t.dtype, "name", str(t.dtype))


def _prod(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def layer_features(node: Operator) -> LayerFeatures:
    """Features of one node from its tensors and builtin options."""
    acts = [t for t in node.inputs if t is not None and not t.is_constant]
    consts = [t for t in node.inputs if t is not None and t.is_constant]
    first = acts[0] if acts else (node.inputs[0] if node.inputs else None)
    out = node.outputs[0] if node.outputs else None
    in_elems = sum(t.size for t in acts)
    out_elems = sum(t.size for t in node.outputs)
    pbytes = sum(len(t.buffer.data) for t in consts)
    base = dict(op=node.name, dtype=_dt(first), out_dtype=_dt(out), in_elems=in_elems, out_elems=out_elems,
                param_bytes=pbytes)
    name = node.name
    opts = node.options
    w = node.inputs[1] if len(node.inputs) > 1 else None
    if name in ("CONV_2D", "DEPTHWISE_CONV_2D") and w is not None and out is not None and len(w.shape) == 4:
        oc = out.shape[-1]
        ic = first.shape[-1] if first is not None and first.shape else 1
        kh, kw = int(w.shape[1]), int(w.shape[2])
        pixels = out.size // max(oc, 1)
        stride = int(opts.get("stride_w", 1)) if opts is not None else 1
        pad_same = bool(opts is not None and opts.get("padding", 1) == 0)
        if name == "CONV_2D":
            groups = max(ic // max(int(w.shape[3]), 1), 1)
            macs = out.size * kh * kw * (ic // groups)
            return LayerFeatures(**base, macs=macs, in_ch=ic, out_ch=oc, kh=kh, kw=kw, stride=stride,
                                 out_pixels=pixels, pad_same=pad_same)
        return LayerFeatures(**base, macs=out.size * kh * kw, in_ch=ic, out_ch=oc, kh=kh, kw=kw, stride=stride,
                             out_pixels=pixels, ch_mult=max(oc // max(ic, 1), 1), pad_same=pad_same)
    if name == "TRANSPOSE_CONV" and len(node.inputs) > 2 and node.inputs[1] is not None:
        wt, x = node.inputs[1], node.inputs[2]
        if x is not None and len(wt.shape) == 4:
            oc, kh, kw, ic = (int(v) for v in wt.shape)
            stride = int(opts.get("stride_w", 1)) if opts is not None else 1
            base["in_elems"] = x.size
            base["dtype"] = _dt(x)
            return LayerFeatures(**base, macs=x.size * kh * kw * oc, in_ch=ic, out_ch=oc, kh=kh, kw=kw,
                                 stride=stride, out_pixels=out_elems // max(oc, 1))
    if name in ("FULLY_CONNECTED", "BATCH_MATMUL") and w is not None and out is not None and w.shape:
        depth = int(w.shape[-1]) if name == "FULLY_CONNECTED" else int(w.shape[-2])
        oc = int(out.shape[-1]) if out.shape else 1
        return LayerFeatures(**base, macs=out.size * depth, in_ch=depth, out_ch=oc, out_pixels=out.size // max(oc, 1))
    if name == "SVDF" and len(node.inputs) > 2 and first is not None:
        wf, wt = node.inputs[1], node.inputs[2]
        batch = first.shape[0] if first.shape else 1
        macs = batch * (_prod(wf.shape) + _prod(wt.shape))
        return LayerFeatures(**base, macs=macs, in_ch=int(wf.shape[-1]), out_ch=int(wf.shape[0]))
    if name in ("UNIDIRECTIONAL_SEQUENCE_LSTM", "LSTM") and first is not None and len(node.inputs) > 8:
        # gates: 4 input-to-gate and 4 recurrent-to-gate matrices (+ optional projection) per time step
        steps = _prod(first.shape[:-1])
        mats = [t for t in node.inputs[1:9] if t is not None]
        proj = node.inputs[16] if len(node.inputs) > 16 else None
        macs = steps * (sum(_prod(t.shape) for t in mats) + (_prod(proj.shape) if proj is not None else 0))
        return LayerFeatures(**base, macs=macs, in_ch=int(first.shape[-1]), out_ch=int(out.shape[-1]) if out else 0)
    if name in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D") and opts is not None and out is not None:
        kh, kw = int(opts.get("filter_height", 1)), int(opts.get("filter_width", 1))
        oc = out.shape[-1]
        return LayerFeatures(**base, macs=0, in_ch=oc, out_ch=oc, kh=kh, kw=kw, stride=int(opts.get("stride_w", 1)),
                             out_pixels=out.size // max(oc, 1))
    return LayerFeatures(**base, macs=0)


def node_macs(node: Operator) -> int:
    """MACs of a node: the registered op's ``cost`` when there is one, else :func:`layer_features`."""
    from mcuml.ops import lookup

    op = lookup(node.name)
    if op is not None:
        try:
            return int(op.cost(node).macs)
        except Exception:  # noqa: BLE001 - a cost bug must not break profiling; fall back
            pass
    return layer_features(node).macs
