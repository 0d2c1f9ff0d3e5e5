""".tflite bytes -> :class:`mcuml.ir.Model`.

Every malformed input raises :class:`ModelFormatError` with a one-line reason: the flatbuffer
reads are bounds-checked (``schema.CheckedTable``), then indices and the graph are validated.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from mcuml.errors import McumlError, ModelFormatError
from mcuml.ir.dtypes import DType
from mcuml.ir.model import (Buffer, Metadata, Model, Operator, OperatorCode, Options, Quantization,
                            SignatureDef, Subgraph, Tensor)
from mcuml.tflite import schema as _schema

MAX_RANK = 16
MAX_DIM = 1 << 31


def load_model(source: "str | os.PathLike[str] | bytes | bytearray | memoryview") -> Model:
    """Read a .tflite file (path or bytes) into the IR; raises ``ModelFormatError`` on bad input."""
    return read_model(read_bytes(source))


def read_bytes(source: "str | os.PathLike[str] | bytes | bytearray | memoryview") -> bytes:
    """The raw bytes of a model given as a path or bytes; a missing/unreadable file is a ``McumlError``."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    try:
        with open(source, "rb") as f:
            return f.read()
    except OSError as e:
        raise McumlError(f"cannot read {os.fspath(source)!r}: {e.strerror or e}") from None


def read_model(data: bytes) -> Model:
    if len(data) < 8:
        raise ModelFormatError(f"not a .tflite file: only {len(data)} bytes")
    if data[4:8] != b"TFL3":
        raise ModelFormatError(f"not a .tflite file: file identifier is {data[4:8]!r}, expected b'TFL3'")
    s = _schema.schema()
    _schema.set_budget(16 * len(data) + 4096)
    try:
        mt = s.ModelT.InitFromPackedBuf(data, 0)
        return _to_ir(mt)
    except ModelFormatError:
        raise
    except RecursionError:
        raise ModelFormatError("corrupt flatbuffer: nesting too deep") from None
    except MemoryError:
        raise ModelFormatError("corrupt flatbuffer: sizes beyond available memory") from None
    except Exception as e:  # the generated reader raises struct/Index/Type/Unicode errors on junk
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelFormatError(f"corrupt flatbuffer ({type(e).__name__}: {msg})") from None
    finally:
        _schema.end_budget()


def _s(b: Any) -> str | None:
    if b is None:
        return None
    if isinstance(b, (bytes, bytearray)):
        return bytes(b).decode("utf-8", "surrogateescape")
    return str(b)


def _tuple(v: Any, kind=int) -> tuple:
    if v is None:
        return ()
    if isinstance(v, np.ndarray):
        return tuple(kind(x) for x in v.tolist())
    return tuple(kind(x) for x in v)


def _plain(v: Any) -> Any:
    """Object-API values -> plain Python (arrays become tuples) for Options."""
    if isinstance(v, np.ndarray):
        return tuple(v.tolist())
    if isinstance(v, list):
        return tuple(_plain(x) for x in v)
    if isinstance(v, bytes):
        return v
    if hasattr(v, "__dict__"):
        return Options(type(v).__name__.removesuffix("T"), {k: _plain(x) for k, x in vars(v).items()})
    return v


def _options(obj: Any, code: int, names: dict[int, str]) -> Options | None:
    if obj is None:
        if code:
            raise ModelFormatError(f"corrupt flatbuffer: builtin options type {code} is unknown or empty")
        return None
    kind = names.get(code, type(obj).__name__.removesuffix("T"))
    return Options(kind, {k: _plain(v) for k, v in vars(obj).items()})


def _index(i: int, n: int, what: str, allow_none: bool = False) -> int | None:
    if allow_none and i == -1:
        return None
    if not 0 <= i < n:
        raise ModelFormatError(f"{what} index {i} out of range (0..{n - 1})")
    return i


def _to_ir(mt: Any) -> Model:
    """The flatbuffers object tree -> IR, table by table, every index checked."""
    buffers = [Buffer(bytes(b.data.tobytes() if isinstance(b.data, np.ndarray) else (b.data or b"")),
                      int(b.offset or 0), int(b.size or 0)) for b in (mt.buffers or [])]
    if not buffers:
        buffers = [Buffer()]
    codes = [OperatorCode(builtin_code=int(oc.builtinCode), custom_code=_s(oc.customCode), version=int(oc.version),
                          deprecated_builtin_code=int(oc.deprecatedBuiltinCode)) for oc in mt.operatorCodes or []]
    names = (_schema.builtin_options_names(), _schema.builtin_options2_names())
    subgraphs = [_subgraph(si, sgt, buffers, codes, names) for si, sgt in enumerate(mt.subgraphs or [])]
    metadata = [Metadata(_s(m.name) or "", buffers[_index(int(m.buffer), len(buffers), "metadata buffer")])
                for m in mt.metadata or []]
    sigs = [_signature_def(sd, subgraphs) for sd in mt.signatureDefs or []]
    return Model(version=int(mt.version), description=_s(mt.description) or "", subgraphs=subgraphs,
                 buffers=buffers, operator_codes=codes, metadata=metadata, signature_defs=sigs,
                 metadata_buffer=_tuple(mt.metadataBuffer))


def _subgraph(si: int, sgt: Any, buffers: list[Buffer], codes: list[OperatorCode], names: tuple) -> Subgraph:
    tensors = [_tensor(si, ti, tt, buffers) for ti, tt in enumerate(sgt.tensors or [])]
    nt = len(tensors)
    ops = [_operator(si, oi, ot, tensors, codes, names) for oi, ot in enumerate(sgt.operators or [])]
    sg = Subgraph(name=_s(sgt.name) or "", tensors=tensors,
                  inputs=[tensors[_index(int(i), nt, f"subgraph {si} input tensor")] for i in _tuple(sgt.inputs)],
                  outputs=[tensors[_index(int(i), nt, f"subgraph {si} output tensor")] for i in _tuple(sgt.outputs)],
                  operators=ops)
    _validate_graph(sg, si)
    return sg


def _tensor(si: int, ti: int, tt: Any, buffers: list[Buffer]) -> Tensor:
    if tt.shape is not None and len(tt.shape) > MAX_RANK:
        raise ModelFormatError(f"subgraph {si} tensor {ti}: rank {len(tt.shape)} is over {MAX_RANK}")
    shape = _tuple(tt.shape)
    if len(shape) > MAX_RANK or any(d < 0 or d >= MAX_DIM for d in shape):
        raise ModelFormatError(f"subgraph {si} tensor {ti}: invalid shape {list(shape)[:MAX_RANK + 1]}")
    bi = _index(int(tt.buffer), len(buffers), f"subgraph {si} tensor {ti}: buffer")
    q = None
    if tt.quantization is not None:
        qt = tt.quantization
        q = Quantization(scale=_tuple(qt.scale, float), zero_point=_tuple(qt.zeroPoint, int),
                         quantized_dimension=int(qt.quantizedDimension), min=_tuple(qt.min, float),
                         max=_tuple(qt.max, float),
                         details=None if qt.details is None else (int(qt.detailsType), qt.details))
    extras = {}
    for k in ("sparsity", "variantTensors"):
        v = getattr(tt, k, None)
        if v is not None:
            extras[k] = v
    # buffer 0 is the schema's empty sentinel: such tensors have no buffer (None) in the IR
    buf = None if bi == 0 and not buffers[0].data else buffers[bi]
    t = Tensor(name=_s(tt.name) or "", shape=shape, dtype=DType.parse(int(tt.type)), buffer=buf,
               quantization=q, is_variable=bool(tt.isVariable),
               shape_signature=None if tt.shapeSignature is None else _tuple(tt.shapeSignature),
               has_rank=bool(tt.hasRank), extras=extras)
    if t.is_constant and isinstance(t.dtype, DType) and t.dtype not in (DType.string, DType.int4, DType.int2) \
            and len(t.buffer.data) < t.nbytes:
        raise ModelFormatError(f"subgraph {si} tensor {ti} ({t.name!r}): buffer has {len(t.buffer.data)} "
                               f"bytes, shape {list(shape)} needs {t.nbytes}")
    return t


def _operator(si: int, oi: int, ot: Any, tensors: list[Tensor], codes: list[OperatorCode], names: tuple) -> Operator:
    nt = len(tensors)
    ci = _index(int(ot.opcodeIndex), len(codes), f"subgraph {si} operator {oi}: opcode")
    ins = [None if i is None else tensors[i] for i in
           (_index(int(i), nt, f"subgraph {si} operator {oi}: input tensor", True) for i in _tuple(ot.inputs))]
    outs = [tensors[_index(int(i), nt, f"subgraph {si} operator {oi}: output tensor")] for i in _tuple(ot.outputs)]
    inter = [tensors[_index(int(i), nt, f"subgraph {si} operator {oi}: intermediate tensor")]
             for i in _tuple(ot.intermediates)]
    extras = {}
    if ot.mutatingVariableInputs is not None:
        extras["mutatingVariableInputs"] = _tuple(ot.mutatingVariableInputs, bool)
    for k in ("customOptionsFormat", "largeCustomOptionsOffset", "largeCustomOptionsSize"):
        v = getattr(ot, k, 0)
        if v:
            extras[k] = int(v)
    custom = None
    if ot.customOptions is not None:
        co = ot.customOptions
        custom = co.tobytes() if isinstance(co, np.ndarray) else bytes(co)
    return Operator(opcode=codes[ci], inputs=ins, outputs=outs,
                    options=_options(ot.builtinOptions, int(ot.builtinOptionsType), names[0]),
                    custom_options=custom, intermediates=inter,
                    options_2=_options(getattr(ot, "builtinOptions2", None),
                                       int(getattr(ot, "builtinOptions2Type", 0) or 0), names[1]),
                    extras=extras)


def _signature_def(sd: Any, subgraphs: list[Subgraph]) -> SignatureDef:
    sg = subgraphs[_index(int(sd.subgraphIndex), len(subgraphs), "signature subgraph")]

    def tmap(lst: Any) -> list:
        return [(_s(x.name) or "", sg.tensors[_index(int(x.tensorIndex), len(sg.tensors), "signature tensor")])
                for x in lst or []]
    return SignatureDef(key=_s(sd.signatureKey) or "", subgraph=sg, inputs=tmap(sd.inputs), outputs=tmap(sd.outputs))


def _validate_graph(sg: Subgraph, si: int) -> None:
    """Each tensor has at most one producer, and no op reads a tensor produced by a later op."""
    produced_at: dict[int, int] = {}
    for oi, op in enumerate(sg.operators):
        for t in op.outputs:
            if id(t) in produced_at:
                raise ModelFormatError(f"subgraph {si}: tensor {t.name!r} is written by operators "
                                       f"{produced_at[id(t)]} and {oi}")
            produced_at[id(t)] = oi
    graph_inputs = {id(t) for t in sg.inputs}
    for oi, op in enumerate(sg.operators):
        for t in op.inputs:
            if t is None or id(t) in graph_inputs or t.is_variable:
                continue
            p = produced_at.get(id(t))
            if p is not None and p >= oi:
                raise ModelFormatError(f"subgraph {si}: operator {oi} reads tensor {t.name!r} before operator {p} "
                                       "writes it (cycle or mis-ordered graph)")
