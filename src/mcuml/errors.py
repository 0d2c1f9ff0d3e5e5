"""The one exception hierarchy of mcuml.

Every error a user can cause is a :class:`McumlError` with a one-line message and structured
fields; the CLI maps ``exit_code`` to the process exit status (0 ok, 1 finding, 2 bad input, 101
internal error).
"""

from __future__ import annotations

from dataclasses import dataclass


class McumlError(Exception):
    """Base of every user-facing mcuml error."""

    exit_code = 2
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None, **context: object) -> None:
        # one line, whatever a file's names hold (a custom op called "\n..." is still one error line)
        message = message.replace("\r", "\\r").replace("\n", "\\n")
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint
        self.context = context

    def to_dict(self) -> dict[str, object]:
        return {"type": type(self).__name__, "message": self.message,
                **{k: v for k, v in self.context.items() if _jsonable(v)}}


def _jsonable(v: object) -> bool:
    return isinstance(v, (str, int, float, bool, type(None), list, tuple))


class ModelFormatError(McumlError):
    """The bytes are not a well-formed .tflite flatbuffer (truncated, bad offsets, bad indices...)."""


class UnsupportedOpError(McumlError):
    """One or more operators cannot be handled; ``problems`` lists every one of them.

    A finding about the model (exit 1), like every "TFLM / mcuml cannot run it" verdict."""

    exit_code = 1

    def __init__(self, message: str, problems: "tuple[OpProblem, ...]" = (), **kw: object) -> None:
        super().__init__(message, **kw)
        self.problems = tuple(problems)


class UnsupportedTypeError(UnsupportedOpError):
    """An operator is supported but not for these tensor types."""


class ShapeError(McumlError):
    """Declared and inferred shapes disagree, or a shape is invalid for the op."""


class InvalidModelError(UnsupportedOpError, ShapeError):
    """The model is invalid the way TFLM sees it: its ``AllocateTensors`` (allocator or a kernel's Prepare)
    refuses it or aborts on it. ``problems`` lists every such problem found (see :mod:`mcuml.validate`).

    Both an :class:`UnsupportedOpError` (the node cannot run) and a :class:`ShapeError` (counts, shapes and
    quantization parameters that do not fit), so code catching either keeps working."""


class ResourceLimitError(McumlError):
    """Preparing the model would need more host memory than the budget allows (``mcuml.validate``)."""


class InputError(McumlError):
    """Data handed to the interpreter has the wrong shape/dtype/count."""


class ArenaTooSmallError(McumlError):
    """The arena cannot hold the plan; carries TFLM's three numbers."""

    def __init__(self, requested: int, available: int) -> None:
        missing = requested - available
        super().__init__(
            f"arena too small: requested {requested} bytes, available {available}, missing {missing}",
            hint=f"use an arena of at least {requested} bytes",
            requested=requested, available=available, missing=missing)
        self.requested, self.available, self.missing = requested, available, missing


class BoardNotFoundError(McumlError):
    """No board of that name; the message suggests close matches."""


class ConversionError(McumlError):
    """A model could not be converted to TFLite."""


class MissingDependencyError(McumlError):
    """An optional extra is not installed."""


class UsageError(McumlError):
    """An argument names nothing mcuml knows (a planner, kernel set, ...) or is out of range."""


class InternalError(McumlError):
    """An internal invariant failed (a bug in mcuml, not in the input): exit code 101."""

    exit_code = 101


class DoesNotFitError(McumlError):
    """The model does not fit the board (a finding, not a failure)."""

    exit_code = 1


class NotRunnableError(McumlError):
    """Stock TFLM cannot run the model (``mcuml check``'s verdict): a finding, exit 1; ``--force`` goes on."""

    exit_code = 1

    def __init__(self, command: str, reasons: tuple[str, ...]) -> None:
        shown = "; ".join(reasons[:3]) + (f"; ... ({len(reasons)} problems)" if len(reasons) > 3 else "")
        super().__init__(f"TFLM cannot run this model, so {command} has nothing honest to report: {shown}",
                         hint=f"fix the model (see `mcuml check`), or pass --force to {command} it anyway",
                         reasons=list(reasons))
        self.reasons = tuple(reasons)


class MismatchError(McumlError):
    """mcuml and the reference disagree (a finding)."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class OpProblem:
    """One problem with one operator: where it is and why."""

    op: str
    node: int
    reason: str
    subgraph: int = 0
    severity: str = "error"  # "error" | "needs-registration" | "warning"


def node_context(subgraph: int, node: int, op: str) -> str:
    """The prefix every node error carries: ``subgraph 0, node 12 (CONV_2D)``."""
    return f"subgraph {subgraph}, node {node} ({op})"
