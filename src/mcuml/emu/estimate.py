"""Estimate the C engine's instructions on a Cortex-M4 without running it: a per-op linear model fitted on
``mcuml measure`` results (``tools/calibrate_cengine.py`` writes ``mcuml/data/cengine_m4_cost.json`` and reports
its leave-one-model-out error).

Per node: ``instructions = a * MACs + b * output elements + c * input elements + d`` with coefficients per op
group (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD/SUB/MUL, pooling, other); cycles = instructions x the
measured cycles-per-instruction of the group. Static and deterministic (no timing), like ``mcuml profile``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

FEATURES = ("macs", "out_elems", "in_elems", "one")
GROUPS = {"CONV_2D": "conv", "DEPTHWISE_CONV_2D": "dwconv", "FULLY_CONNECTED": "fc", "ADD": "binary",
          "SUB": "binary", "MUL": "binary", "AVERAGE_POOL_2D": "pool", "MAX_POOL_2D": "pool", "MEAN": "pool"}


def group(op: str) -> str:
    """The coefficient group of an op name (a fused ``CONV_2D+ADD`` counts as its first op)."""
    return GROUPS.get(op.split("+")[0], "other")


def features(node) -> dict[str, float]:
    """The regression features of one node (from :func:`mcuml.profile.features.layer_features`)."""
    from mcuml.profile.features import layer_features, node_macs

    f = layer_features(node)
    return {"macs": float(node_macs(node)), "out_elems": float(f.out_elems), "in_elems": float(f.in_elems), "one": 1.0}


@dataclass(frozen=True, slots=True)
class NodeEstimate:
    """One node's estimated instructions and cycles."""

    index: int
    op: str
    instructions: int
    cycles: int


@dataclass(frozen=True, slots=True)
class CEngineEstimate:
    """Estimated instructions / cycles / ms of the C engine on a Cortex-M4 board."""

    model: str
    board: str
    clock_mhz: float
    instructions: int
    cycles: int
    ms: float
    nodes: tuple[NodeEstimate, ...]
    heldout_median_error: float  # leave-one-model-out |error| of model totals, from the calibration
    heldout_max_error: float
    calibrated_on: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def coefficients() -> dict:
    """The fitted coefficients (package data written by tools/calibrate_cengine.py)."""
    return json.loads(resources.files("mcuml").joinpath("data/cengine_m4_cost.json").read_text())


def estimate_node(node, coef: dict | None = None) -> tuple[int, int]:
    """(instructions, cycles) of one node."""
    from mcuml.ops import lookup

    kernel = lookup(node.name)
    if kernel is not None and kernel.aliases_input:  # RESHAPE family: an alias in the C engine, no instructions
        return 0, 0
    c = (coef or coefficients())["groups"]
    g = c.get(group(node.name), c["other"])
    f = features(node)
    n = max(0.0, sum(g["coef"][k] * f[k] for k in FEATURES))
    return round(n), round(n * g["cycles_per_instruction"])


def estimate_c(model_path, board: str = "nano33ble") -> CEngineEstimate:
    """Estimate MODEL's C-engine instructions, cycles and ms on BOARD (a Cortex-M4) per node and in total."""
    from pathlib import Path

    from mcuml.boards import get_board
    from mcuml.errors import InputError
    from mcuml.tflite import load_model

    b = get_board(board)
    if b.core_class != "cortex-m4":
        raise InputError(f"the C-engine estimate is fitted on an emulated Cortex-M4; {b.name} has a {b.core_class}")
    m = load_model(model_path)
    coef = coefficients()
    nodes = []
    for i, node in enumerate(m.main.operators):
        n, c = estimate_node(node, coef)
        nodes.append(NodeEstimate(i, node.name, n, c))
    n_tot, c_tot = sum(x.instructions for x in nodes), sum(x.cycles for x in nodes)
    h = coef["heldout"]
    return CEngineEstimate(Path(model_path).name, b.id, b.clock_mhz, n_tot, c_tot, c_tot / (b.clock_mhz * 1e3),
                           tuple(nodes), h["median_abs_rel_error"], h["max_abs_rel_error"], tuple(coef["models"]))
