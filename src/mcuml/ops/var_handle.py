"""VAR_HANDLE: output the id of the resource variable named by (container, shared_name).

Ports ``tensorflow/lite/micro/kernels/var_handle.cc`` with ``MicroResourceVariables::CreateIdIfNoneFound``
(``tensorflow/lite/micro/micro_resource_variable.cc``): ids are handed out in prepare order
(subgraph 0, 1, ..., nodes in order); a handle matches an earlier one with the same shared_name
and the same container, or any container when its own is null. TFLM points the output tensor at
the id (so the planner never allocates it); mcuml writes the id into it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcuml.ir.dtypes import DType
from mcuml.ir.model import Operator
from mcuml.ops import Cost, Op, OpContext, register


@dataclass(frozen=True, slots=True)
class VarHandleParams:
    resource_id: int
    container: str | None
    shared_name: str


def _name(v) -> str | None:
    if v is None:
        return None
    return v.decode() if isinstance(v, bytes) else str(v)


def _key(node: Operator) -> tuple[str | None, str]:
    o = node.options
    return (_name(o.get("container")) if o is not None else None,
            _name(o.get("shared_name")) or "" if o is not None else "")


def resource_id(ctx: OpContext, node: Operator) -> int:
    """``CreateIdIfNoneFound`` replayed over the VAR_HANDLEs TFLM prepares before and at ``node``."""
    names: list[tuple[str | None, str]] = []
    for s, sg in enumerate(ctx.model.subgraphs):
        for k, op in enumerate(sg.operators):
            if op.name != "VAR_HANDLE":
                continue
            container, shared = _key(op)
            found = next((i for i, (c, n) in enumerate(names) if (container is None or container == c)
                          and shared == n), -1)
            if found < 0:
                found = len(names)
                names.append((container, shared))
            if s == ctx.subgraph_index and k == ctx.node_index:
                return found
    ctx.fail("VAR_HANDLE node not found in its model")


@register("VAR_HANDLE")
class VarHandle(Op):
    def prepare(self, node: Operator, ctx: OpContext) -> VarHandleParams:
        ctx.require(len(node.outputs) == 1, "VAR_HANDLE has one output")
        y = node.outputs[0]
        if y.dtype not in (DType.resource, DType.int32):
            ctx.unsupported_type(y, (DType.resource, DType.int32))
        container, shared = _key(node)
        return VarHandleParams(resource_id(ctx, node), container, shared)

    def eval(self, p: VarHandleParams, inputs, outputs) -> None:
        outputs[0][...] = p.resource_id

    def cost(self, node: Operator) -> Cost:
        return Cost(elementwise=1)
