"""The one place ``measure`` touches the C engine generator (:func:`mcuml.cengine.generate`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_MARK = re.compile(r"MCUML_LAYER\((\d+)\);\s*/\*\s*node\s+(\d+):\s*(\w+)")


@dataclass(frozen=True, slots=True)
class EngineBuild:
    """Written sources of one generated engine and what each layer marker stands for."""

    sources: tuple[Path, ...]   # the .c files to compile
    include_dir: Path
    layer_nodes: tuple[int, ...]  # marker i -> node index in the main subgraph
    layer_ops: tuple[str, ...]    # marker i -> op name
    arena_bytes: int
    zero_copy: bool = False       # NAME_run() + NAME_INPUTk/OUTPUTk_PTR: I/O lives in the arena (as in TFLM)
    reset: bool = False           # NAME_reset(): stateful layers' start-up state, set before the window


def write_sources(model, name: str, directory: Path) -> EngineBuild:
    """Generate the engine for ``model`` as ``name`` into ``directory``; raises if an op is unsupported."""
    from mcuml.cengine import generate

    eng = generate(model, name)
    paths = eng.write(directory)
    nodes = getattr(eng, "layer_nodes", None)
    if nodes is None:  # the generator names the node of each marker in a comment next to it
        c_text = dict(eng.sources)[f"{name}.c"]
        found = {int(i): int(n) for i, n, _ in _MARK.findall(c_text)}
        nodes = tuple(found.get(i, -1) for i in range(len(eng.layers)))
    header = dict(eng.sources).get(f"{name}.h", "")
    zero_copy = f"int {name}_run(void);" in header
    return EngineBuild(tuple(p for p in paths if p.suffix == ".c"), Path(directory), tuple(nodes),
                       tuple(eng.layers), int(eng.arena_bytes), zero_copy, f"void {name}_reset(void);" in header)
