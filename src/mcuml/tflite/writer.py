""":class:`mcuml.ir.Model` -> .tflite bytes.

Indices are re-assigned from object identity: buffers keep the model's order (new ones are
appended), tensors keep their subgraph's order. Buffer data is 16-byte aligned like the TFLite
converter writes it (``force_align: 16`` in ``schema.fbs``), because TFLM reads weights in place.
"""

from __future__ import annotations

from typing import Any, Callable

import flatbuffers
import numpy as np

from mcuml.ir.model import (Buffer, Metadata, Model, Operator, OperatorCode, Options, Quantization, SignatureDef,
                            Subgraph, Tensor)
from mcuml.tflite import schema as _schema

BUFFER_ALIGNMENT = 16


def _aligned_buffer_cls(s: Any) -> type:
    class AlignedBufferT(s.BufferT):
        def Pack(self, builder: flatbuffers.Builder) -> int:
            data = None
            if self.data is not None:
                raw = bytes(self.data)
                builder.StartVector(1, len(raw), BUFFER_ALIGNMENT)
                builder.head = builder.head - len(raw)
                builder.Bytes[builder.head:builder.head + len(raw)] = raw
                data = builder.EndVector()
            s.BufferStart(builder)
            if data is not None:
                s.BufferAddData(builder, data)
            s.BufferAddOffset(builder, self.offset)
            s.BufferAddSize(builder, self.size)
            return s.BufferEnd(builder)

    return AlignedBufferT


def _utf8(s: str | None) -> bytes | None:
    """Strings back to the bytes they were read from (the reader decodes with surrogateescape)."""
    return None if s is None else s.encode("utf-8", "surrogateescape")


def _options_obj(s: Any, opts: Options | None, names: dict[int, str]) -> tuple[int, Any]:
    if opts is None:
        return 0, None
    code = {v: k for k, v in names.items()}.get(opts.kind)
    if code is None:
        raise ValueError(f"unknown builtin options table {opts.kind!r}")
    return code, _from_plain(s, opts)


def _from_plain(s: Any, opts: Options) -> Any:
    obj = getattr(s, opts.kind + "T")()
    for k, v in opts.items():
        if isinstance(v, Options):
            v = _from_plain(s, v)
        elif isinstance(v, tuple):
            v = [(_from_plain(s, x) if isinstance(x, Options) else x) for x in v]
        setattr(obj, k, v)
    return obj


def write_model(model: Model) -> bytes:
    """Serialize ``model``: one ``_Writer`` method per schema table, in the order the indices are assigned."""
    return _Writer(model).build()


class _Writer:
    """Builds the flatbuffers object tree of one model, assigning buffer and operator-code indices."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.s = _schema.schema()
        self.buffers: list[Buffer] = list(model.buffers) or [Buffer()]
        self.buf_ix = {id(b): i for i, b in enumerate(self.buffers)}
        self.codes = list(model.operator_codes)
        self.code_ix = {id(c): i for i, c in enumerate(self.codes)}
        self.opt_names = _schema.builtin_options_names()
        self.opt2_names = _schema.builtin_options2_names()

    def build(self) -> bytes:
        model, s = self.model, self.s
        mt = s.ModelT()
        mt.version = model.version
        mt.description = _utf8(model.description)
        mt.subgraphs = [self.subgraph(sg) for sg in model.subgraphs]  # assigns buffers and codes first
        mt.metadata = [self.metadata(m) for m in model.metadata] or None
        mt.signatureDefs = [self.signature_def(sd) for sd in model.signature_defs] or None
        mt.metadataBuffer = list(model.metadata_buffer) if model.metadata_buffer else None
        mt.operatorCodes = [self.operator_code(c) for c in self.codes]
        aligned = _aligned_buffer_cls(s)
        mt.buffers = [self.buffer(aligned, b) for b in self.buffers]
        builder = flatbuffers.Builder(1024 + sum(len(b.data) + BUFFER_ALIGNMENT for b in self.buffers))
        builder.Finish(mt.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())

    def buffer_index(self, b: Buffer | None) -> int:
        if b is None:
            return 0
        if id(b) not in self.buf_ix:
            self.buf_ix[id(b)] = len(self.buffers)
            self.buffers.append(b)
        return self.buf_ix[id(b)]

    def subgraph(self, sg: Subgraph) -> Any:
        t_ix = {id(t): i for i, t in enumerate(sg.tensors)}

        def tix(t: Tensor | None) -> int:
            if t is None:
                return -1
            if id(t) not in t_ix:
                raise ValueError(f"{t!r} is used in subgraph {sg.name!r} but not in its tensor list")
            return t_ix[id(t)]

        sgt = self.s.SubGraphT()
        sgt.name = _utf8(sg.name)
        sgt.tensors = [self.tensor(t) for t in sg.tensors]
        sgt.inputs = [tix(t) for t in sg.inputs]
        sgt.outputs = [tix(t) for t in sg.outputs]
        sgt.operators = [self.operator(op, tix) for op in sg.operators]
        return sgt

    def tensor(self, t: Tensor) -> Any:
        tt = self.s.TensorT()
        tt.shape = list(t.shape)
        tt.type = int(t.dtype)
        tt.buffer = self.buffer_index(t.buffer)
        tt.name = _utf8(t.name)
        tt.isVariable = t.is_variable
        tt.shapeSignature = None if t.shape_signature is None else list(t.shape_signature)
        tt.hasRank = t.has_rank
        for k, v in t.extras.items():
            setattr(tt, k, v)
        if t.quantization is not None:
            tt.quantization = self.quantization(t.quantization)
        return tt

    def quantization(self, q: Quantization) -> Any:
        qt = self.s.QuantizationParametersT()
        qt.scale = list(q.scale) if q.scale else None
        qt.zeroPoint = list(q.zero_point) if q.zero_point else None
        qt.min = list(q.min) if q.min else None
        qt.max = list(q.max) if q.max else None
        qt.quantizedDimension = q.quantized_dimension
        if q.details is not None:
            qt.detailsType, qt.details = q.details
        return qt

    def operator(self, op: Operator, tix: Callable[[Tensor | None], int]) -> Any:
        ot = self.s.OperatorT()
        if id(op.opcode) not in self.code_ix:
            self.code_ix[id(op.opcode)] = len(self.codes)
            self.codes.append(op.opcode)
        ot.opcodeIndex = self.code_ix[id(op.opcode)]
        ot.inputs = [tix(t) for t in op.inputs]
        ot.outputs = [tix(t) for t in op.outputs]
        ot.intermediates = [tix(t) for t in op.intermediates] if op.intermediates else None
        ot.builtinOptionsType, ot.builtinOptions = _options_obj(self.s, op.options, self.opt_names)
        if hasattr(ot, "builtinOptions2Type"):
            ot.builtinOptions2Type, ot.builtinOptions2 = _options_obj(self.s, op.options_2, self.opt2_names)
        ot.customOptions = None if op.custom_options is None else np.frombuffer(op.custom_options, np.uint8)
        for k, v in op.extras.items():
            setattr(ot, k, list(v) if isinstance(v, tuple) else v)
        return ot

    def metadata(self, m: Metadata) -> Any:
        mdt = self.s.MetadataT()
        mdt.name = _utf8(m.name)
        mdt.buffer = self.buffer_index(m.buffer)
        return mdt

    def signature_def(self, sd: SignatureDef) -> Any:
        sdt = self.s.SignatureDefT()
        sdt.signatureKey = _utf8(sd.key)
        sdt.subgraphIndex = {id(sg): i for i, sg in enumerate(self.model.subgraphs)}[id(sd.subgraph)]
        t_ix = {id(t): i for i, t in enumerate(sd.subgraph.tensors)}
        for attr, lst in (("inputs", sd.inputs), ("outputs", sd.outputs)):
            maps = []
            for name, t in lst:
                tm = self.s.TensorMapT()
                tm.name = _utf8(name)
                tm.tensorIndex = t_ix[id(t)]
                maps.append(tm)
            setattr(sdt, attr, maps)
        return sdt

    def operator_code(self, c: OperatorCode) -> Any:
        oc = self.s.OperatorCodeT()
        oc.builtinCode = c.builtin_code
        oc.deprecatedBuiltinCode = c.deprecated_builtin_code
        oc.customCode = _utf8(c.custom_code)
        oc.version = c.version
        return oc

    @staticmethod
    def buffer(aligned: type, b: Buffer) -> Any:
        bt = aligned()
        bt.data = b.data if b.data else None
        bt.offset = b.offset
        bt.size = b.size
        return bt
