"""``mcuml inspect MODEL``: inputs/outputs, operator table with MACs, tensor table, totals."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, json_option


def _txt(s: object):
    from rich.text import Text

    return Text(str(s).encode("utf-8", "replace").decode("utf-8"))  # no markup, no lone surrogates


def _shape(shape) -> str:
    return "x".join(map(str, shape)) or "scalar"


def _q(t) -> str:
    if not t.scale:
        return ""
    if len(t.scale) > 1:
        return f"per-channel ({len(t.scale)}, dim {t.quantized_dimension})"
    return f"{t.scale[0]:.6g} / {t.zero_point[0] if t.zero_point else 0}"


def render(r) -> None:
    """Print the inspect report: header, I/O table, operator table."""
    from rich.table import Table

    con = console()
    con.print(_txt(f"tflite v{r.version}, {r.subgraphs} subgraph(s), {r.size_bytes or '?'} bytes"
                   + (f", signatures {list(r.signatures)}" if r.signatures else "")))
    io = Table("", "#", "name", "shape", "dtype", "scale / zero point", title="inputs and outputs")
    for kind, ts in (("input", r.inputs), ("output", r.outputs)):
        for t in ts:
            io.add_row(kind, str(t.index), _txt(t.name), _shape(t.shape), t.dtype, _q(t))
    con.print(io)
    ops = Table("#", "op", "inputs", "outputs", "MACs", "param B", title="operators")
    for o in r.operators:
        fmt = lambda ts: _txt(", ".join(f"{t.index}:{_shape(t.shape)} {t.dtype}" for t in ts))  # noqa: E731
        ops.add_row(str(o.index), _txt(f"{o.op} v{o.version}"), fmt(o.inputs), fmt(o.outputs),
                    f"{o.macs:,}" if o.cost_known else "0 (no kernel)" if not o.has_kernel else "0 (?)",
                    f"{o.param_bytes:,}")
    con.print(ops)
    ts = Table("#", "name", "shape", "dtype", "kind", "bytes", "scale / zero point", title="tensors")
    for t in r.tensors:
        kind = "const" if t.is_constant else "variable" if t.is_variable else "activation"
        ts.add_row(str(t.index), _txt(t.name), _shape(t.shape), t.dtype, kind, f"{t.nbytes:,}", _q(t))
    con.print(ts)
    tot = r.totals
    hist = ", ".join(f"{k} x{v}" for k, v in tot.op_histogram.items())
    con.print(_txt(f"MACs {tot.macs:,}" + (f" (0 counted for {', '.join(tot.ops_without_cost)})"
                                            if tot.ops_without_cost else "")
                   + f"; weights {tot.weight_bytes:,} B; activations {tot.activation_bytes:,} B "
                   f"(largest {tot.largest_activation_bytes:,} B); {tot.operators} ops: {hist}"))


@click.command("inspect")
@click.argument("model", type=click.Path(dir_okay=False))
@json_option
def command(model: str, as_json: bool) -> None:
    """Show a model's inputs/outputs, operators (with MACs), tensors and totals."""
    from mcuml.inspect import inspect

    emit(inspect(model), as_json, render)
