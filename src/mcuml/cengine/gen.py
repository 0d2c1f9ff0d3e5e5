"""Model -> standalone C99 library: ``NAME.h``, ``NAME.c`` and mcuml's kernel sources.

No flatbuffer, no resolver, no persistent tail, no heap: weights are ``const`` arrays in the
layout the kernels read, every layer's constants a ``const`` struct, the arena one static array
laid out here (:mod:`mcuml.cengine._memory`). ``NAME.c`` calls ``MCUML_LAYER(i)`` before layer
``i`` and ``MCUML_LAYER(-1)`` after the last (empty unless the includer defines it), for
per-layer instruction counts on an emulator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mcuml.cengine import _layers_data, _layers_state  # noqa: F401  (register their emitters)
from mcuml.cengine._emit import CTYPE, ConstPool, Layer, NotSupported, c_float
from mcuml.cengine._layers import EMITTERS, align4, dsp_use
from mcuml.cengine._memory import Layout, plan_layers
from mcuml.errors import InputError, McumlError, UnsupportedOpError
from mcuml.ir.model import Model

KERNEL_FILES = ("mcuml_kernels.h", "mcuml_dsp.h", "mcuml_requant_fast.h", "mcuml_conv.c", "mcuml_conv_dsp.c",
                "mcuml_conv_f32.c", "mcuml_ops.c", "mcuml_tconv.c", "mcuml_svdf.c")
SHAPE_ONLY_OPS = ("SHAPE", "PACK", "STRIDED_SLICE", "CONCATENATION", "GATHER", "SLICE", "CAST")


@dataclass(frozen=True, slots=True)
class TensorIO:
    """One model input or output of the generated library."""

    name: str
    index: int  # tensor index in subgraph 0
    shape: tuple[int, ...]
    dtype: str  # NumPy dtype name
    ctype: str
    scale: float
    zero_point: int
    offset: int  # arena offset
    nbytes: int


@dataclass(frozen=True, slots=True)
class GeneratedEngine:
    """What :func:`generate` produced; ``sources`` is empty when ops are unsupported (``unsupported`` names all)."""

    name: str
    sources: tuple[tuple[str, str], ...]  # (file name, text)
    arena_bytes: int
    tflm_arena_bytes: int  # TFLM's greedy head for the same model (reference kernels), for comparison
    const_bytes: int  # weights, tables and layer structs' arrays
    inputs: tuple[TensorIO, ...]
    outputs: tuple[TensorIO, ...]
    unsupported: tuple[str, ...]
    layers: tuple[str, ...]  # op name of each MCUML_LAYER(i)
    planner: str
    reordered: bool
    shared_tensors: int  # tensors placed in another tensor's buffer (aliases, in-place outputs)
    state_bytes: int = 0  # static buffers of variable tensors (SVDF state), outside the arena

    @property
    def ok(self) -> bool:
        return not self.unsupported

    def write(self, directory: str | Path) -> list[Path]:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = []
        for fname, text in self.sources:
            p = d / fname
            p.write_text(text)
            paths.append(p)
        return paths


def kernel_sources() -> list[tuple[str, str]]:
    base = resources.files("mcuml.cengine").joinpath("csrc")
    return [(f, base.joinpath(f).read_text()) for f in KERNEL_FILES]


def _load(model) -> Model:
    if isinstance(model, Model):
        return model
    from mcuml import load_model

    return load_model(model)


def _dead_nodes(m: Model) -> set[int]:
    """Ops whose results only feed RESHAPE's shape operand (static shapes make them dead code)."""
    sg = m.main
    outs = {id(t) for t in sg.outputs}
    dead: set[int] = set()
    changed = True
    while changed:
        changed = False
        for k in range(len(sg.operators) - 1, -1, -1):
            op = sg.operators[k]
            if k in dead or op.name not in SHAPE_ONLY_OPS or any(id(t) in outs for t in op.outputs):
                continue
            users = [(j, pos) for j, o in enumerate(sg.operators) if j not in dead
                     for pos, t in enumerate(o.inputs) if t is not None and any(t is y for y in op.outputs)]
            if all(sg.operators[j].name == "RESHAPE" and pos == 1 for j, pos in users):
                dead.add(k)
                changed = True
    return dead


class _Gen:
    def __init__(self, m: Model, name: str) -> None:
        self.model = m
        self.sg = m.main
        self.pool = ConstPool(name)
        self.pack = True
        self.states: dict[int, tuple[str, str, int, int]] = {}  # tensor index -> (symbol, ctype, size, reset)

    def state(self, index: int, t) -> str:
        """Symbol of the static buffer of variable tensor ``index`` (kept across invokes, reset by NAME_reset)."""
        if not t.is_variable:
            raise NotSupported(f"state tensor {t.name!r} is not a variable tensor")
        if t.dtype not in CTYPE:
            raise NotSupported(f"{t.dtype.name} state")
        if index not in self.states:
            reset = t.zero_point if t.dtype.name == "int8" else 0  # TFLM ResetVariableTensors
            self.states[index] = (f"{self.pool.prefix}_state{len(self.states)}", CTYPE[t.dtype], t.size, reset)
        return self.states[index][0]

    def tensor(self, i: int):
        return self.sg.tensors[i]


def generate(model, name: str = "model", *, reorder: bool = True, inplace: bool = True, fuse: bool = True,
             pack: bool = True, strict: bool = True) -> GeneratedEngine:
    """Generate the C engine for ``model`` (path, bytes or :class:`Model`).

    ``pack``: FULLY_CONNECTED / 1x1 CONV_2D weights in 4-row blocks (the Cortex-M layout; hosts without the DSP
    path run the plain layout faster). ``strict``: raise :class:`UnsupportedOpError` naming every node the C
    engine cannot run;
    otherwise return a result with ``unsupported`` filled and no sources.
    """
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise InputError(f"name {name!r} is not a C identifier")
    from mcuml.compile import compile as compile_model

    m = _load(model)
    problems: list[str] = []
    try:
        cm = compile_model(m)
    except UnsupportedOpError as e:
        probs = getattr(e, "problems", ()) or ()
        problems = [f"{p.op} (node {p.node}): {p.reason}" for p in probs] or [e.message]
        return _fail(name, problems, strict)
    if len(m.subgraphs) > 1 or any(bn.op.needs_graph for bn in cm.nodes):
        return _fail(name, ["control flow / resource variables (more than one subgraph)"], strict)
    g = _Gen(m, name)
    g.pack = pack
    dead = _dead_nodes(m)
    layers: dict[int, Layer] = {}
    for bn in cm.nodes:
        if bn.index in dead:
            continue
        fn = EMITTERS.get(bn.node.name)
        try:
            if fn is None:
                raise NotSupported("no C kernel")
            layers[bn.index] = fn(g, bn)
        except McumlError as e:
            problems.append(f"{bn.node.name} (node {bn.index}): {e.message}")
    if problems:
        return _fail(name, problems, strict)
    if fuse:
        _fuse_conv_add(g, layers)
    base_order = sorted(layers)
    orders = [base_order]
    if reorder and len(base_order) > 2:
        from mcuml.plan.reorder import best_order

        alt = [k for k in best_order(g.sg)[0] if k in layers]
        if alt != base_order:
            orders.append(alt)
    best = None
    for order in orders:
        for ip in ((True, False) if inplace else (False,)):
            lay = plan_layers(g.sg, [layers[k] for k in order], inplace=ip)
            if best is None or lay.size < best[1].size:
                best = (order, lay)
    order, layout = best
    return _assemble(g, name, [layers[k] for k in order], layout, cm.arena_bytes, order != base_order)


def _fuse_conv_add(g: _Gen, layers: dict[int, Layer]) -> None:
    """CONV_2D whose only reader is an int8 ADD/SUB of the same shape: one fused layer at the ADD.

    The fused kernel combines each output pixel with the other operand's pixel right away, so the
    ADD's output may take the other operand's buffer and the convolution's output is never stored.
    """
    readers: dict[int, list[int]] = {}
    for k, lay in layers.items():
        for t in lay.inputs:
            readers.setdefault(t, []).append(k)
    outs = {g.sg.index_of(t) for t in g.sg.outputs}
    for k in sorted(layers):
        lay = layers[k]
        kind = lay.meta.get("kind", "")
        if kind not in ("add_s8", "add_f32"):
            continue
        suffix, ct = kind[4:], ("int8_t" if kind == "add_s8" else "float")
        for pos in (0, 1):
            t = lay.inputs[pos]
            prod = next((j for j, c in layers.items() if t in c.outputs), None)
            if prod is None or prod >= k or t in outs or readers.get(t) != [k]:
                continue
            conv = layers[prod]
            if conv.meta.get("kind") != "conv_" + suffix:
                continue
            other = lay.inputs[1 - pos]
            call = (f"mcuml_conv_add_{suffix}({conv.meta['ref']}, {lay.meta['ref']}, {pos}, (const {ct} *){{i0}}, "
                    f"(const {ct} *){{i1}}, ({ct} *){{o0}}, ({ct} *){{s0}});")
            esize = 1 if suffix == "s8" else 4
            scratch, dsp = conv.meta["out_c"] * esize, conv.meta.get("dsp_add", 0)
            if dsp:  # the DSP kernel's scratch after the portable kernel's out_c bytes
                call, scratch = dsp_use(align4(scratch), dsp) + call, align4(scratch) + dsp
            layers[k] = Layer("CONV_2D+" + lay.op, k, call, [conv.inputs[0], other], list(lay.outputs), inplace=(1,),
                              scratch=scratch)
            del layers[prod]
            break


def _fail(name: str, problems: list[str], strict: bool) -> GeneratedEngine:
    if strict:
        raise UnsupportedOpError(f"the C engine cannot run {len(problems)} node(s): " + "; ".join(problems))
    return GeneratedEngine(name, (), 0, 0, 0, (), (), tuple(problems), (), "", False, 0)


def _io(g: _Gen, tensors, layout: Layout) -> tuple[TensorIO, ...]:
    res = []
    for t in tensors:
        i = g.sg.index_of(t)
        res.append(TensorIO(t.name, i, tuple(int(d) for d in t.shape), t.dtype.numpy.name, CTYPE[t.dtype],
                            t.scale, t.zero_point, layout.offsets[i], t.nbytes))
    return tuple(res)


def _assemble(g: _Gen, name: str, layers: list[Layer], layout: Layout, tflm_head: int,
              reordered: bool) -> GeneratedEngine:
    ins, outs = _io(g, g.sg.inputs, layout), _io(g, g.sg.outputs, layout)
    arena = f"{name}_arena"

    def ptr(i: int) -> str:
        return f"({arena} + {layout.offsets[i]})"

    body, names = [], []
    for pos, lay in enumerate(layers):
        if lay.alias:
            continue
        subs = {f"i{k}": ptr(t) for k, t in enumerate(lay.inputs)}
        subs.update({f"o{k}": ptr(t) for k, t in enumerate(lay.outputs)})
        if pos in layout.scratch:
            subs["s0"] = f"({arena} + {layout.scratch[pos]})"
        call = lay.inplace_call if pos in layout.ring else lay.call
        how = " (in place)" if pos in layout.ring else ""
        body.append(f"    MCUML_LAYER({len(names)}); /* node {lay.node}: {lay.op}{how} */")
        body.append("    " + call.format(**subs))
        names.append(lay.op)
    args = [f"const {t.ctype} *input{k}" for k, t in enumerate(ins)] + \
        [f"{t.ctype} *output{k}" for k, t in enumerate(outs)]
    sig = f"int {name}_invoke({', '.join(args) or 'void'})"
    copy_in = [f"    if ((const void *)input{k} != (const void *)({arena} + {t.offset})) "
               f"memcpy({arena} + {t.offset}, input{k}, {t.nbytes});" for k, t in enumerate(ins)]
    copy_out = [f"    if ((void *)output{k} != (void *)({arena} + {t.offset})) "
                f"memcpy(output{k}, {arena} + {t.offset}, {t.nbytes});" for k, t in enumerate(outs)]
    state_decls, reset_body, prologue, state_bytes = _state_code(g)
    up = name.upper()
    names_tbl = ", ".join(f'"{n}"' for n in names) or '""'
    c_text = "\n".join([
        f"/* {name}.c: generated by mcuml (C engine). Do not edit. */",
        "#include <math.h>", "#include <string.h>", f'#include "{name}.h"', '#include "mcuml_kernels.h"', "",
        *g.pool.decls, "",
        f"static uint8_t MCUML_ALIGNED(16) {arena}[{max(layout.size, 1)}];", *state_decls, "",
        "#ifdef MCUML_LAYER_NAMES",
        f"const char *const {name}_layer_names[{max(len(names), 1)}] = {{{names_tbl}}};", "#endif", "",
        f"uint8_t *{name}_arena_ptr(void) {{ return {arena}; }}", "",
        f"void {name}_reset(void) {{", *reset_body, "}", "",

        f"int {name}_run(void) {{", *prologue, *body, "    MCUML_LAYER(-1);", "    return 0;", "}", "",
        sig + " {", *copy_in, f"    {name}_run();", *copy_out, "    return 0;", "}", ""])
    h_lines = [f"/* {name}.h: generated by mcuml (C engine). */", f"#ifndef {up}_H", f"#define {up}_H", "",
               "#include <stdint.h>", "", f"#define {up}_ARENA_BYTES {layout.size}",
               f"#define {up}_NUM_LAYERS {len(names)}", f"#define {up}_STATE_BYTES {state_bytes}",
               f"#define {up}_NUM_INPUTS {len(ins)}", f"#define {up}_NUM_OUTPUTS {len(outs)}"]
    for kind, group in (("INPUT", ins), ("OUTPUT", outs)):
        for k, t in enumerate(group):
            p = f"{up}_{kind}{k}"
            n = 1
            for d in t.shape:
                n *= d
            h_lines += [f"#define {p}_SIZE {n}", f"#define {p}_BYTES {t.nbytes}", f"#define {p}_RANK {len(t.shape)}",
                        f"#define {p}_OFFSET {t.offset}",
                        f"#define {p}_PTR(type) ((type *)({name}_arena_ptr() + {t.offset}))",
                        f"#define {p}_SHAPE {{{', '.join(str(d) for d in t.shape) or '1'}}}",
                        f"#define {p}_SCALE {c_float(t.scale)}", f"#define {p}_ZERO_POINT {t.zero_point}"]
    h_lines += ["", "#ifdef __cplusplus", 'extern "C" {', "#endif",
                "/* Runs the model: inputs are copied into the arena, outputs out of it (no copy when a pointer",
                f"   already is the tensor's place, {up}_INPUT0_PTR(type) ...). Returns 0. */", sig + ";",
                f"/* Zero-copy: write inputs at {up}_INPUTk_PTR, run, read outputs at {up}_OUTPUTk_PTR (like TFLM). */",
                f"int {name}_run(void);",
                f"uint8_t *{name}_arena_ptr(void);",
                "/* Restores the state of stateful layers (SVDF) to its start-up value, like TFLM's reset(). */",
                f"void {name}_reset(void);", "#ifdef __cplusplus", "}", "#endif", "", f"#endif /* {up}_H */", ""]
    sources = ((f"{name}.h", "\n".join(h_lines)), (f"{name}.c", c_text), *kernel_sources())
    return GeneratedEngine(name, tuple(sources), layout.size, tflm_head, g.pool.const_bytes, ins, outs, (),
                           tuple(names), layout.planner, reordered, layout.shared, state_bytes)


def _state_code(g: _Gen) -> tuple[list[str], list[str], list[str], int]:
    """Declarations of the variable tensors' static buffers (zero-initialised .bss), the body of NAME_reset,
    NAME_run's prologue (a non-zero reset value, int8 zero points, is written on the first run), their bytes."""
    decls, body, total, started = [], [], 0, f"{g.pool.prefix}_started"
    for sym, ct, n, reset in g.states.values():
        decls.append(f"static {ct} MCUML_ALIGNED(4) {sym}[{max(n, 1)}];")
        if reset:
            body.append(f"    for (size_t i = 0; i < {n}u; ++i) {sym}[i] = {reset};")
        else:
            body.append(f"    memset({sym}, 0, sizeof({sym}));")
        total += n * {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "int64_t": 8}.get(ct, 4)
    prologue = []
    if any(reset for *_, reset in g.states.values()):
        decls.append(f"static uint8_t {started};")
        body.append(f"    {started} = 1;")
        prologue = [f"    if (!{started}) {g.pool.prefix}_reset();"]
    return decls, body or ["    /* no state */"], prologue, total
