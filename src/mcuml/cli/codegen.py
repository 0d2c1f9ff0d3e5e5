"""``mcuml codegen MODEL --target c-array|arduino|tflm-app -o DIR``: wraps :func:`mcuml.codegen.generate`."""

from __future__ import annotations

import click

from mcuml.cli._common import console, emit, force_option, json_option, log


def _render(r) -> None:
    out = console()
    if r.forced:
        out.print("[bold red]FORCED[/bold red]: this code will not run as generated:")
        for p in r.tflm_problems:
            out.print(f"  {p}")
    out.print(f"[bold]{r.target}[/bold] for [bold]{r.name}[/bold] ({r.model_bytes:,} model bytes) in {r.out_dir}")
    for f in r.files:
        out.print(f"  wrote {f}")
    if r.resolver:
        out.print(f"ops: {len(r.resolver)} registrations ({', '.join(r.resolver)})")
    if r.arena_bytes is not None:
        how = "user-chosen" if r.arena.source == "user" else (
            f"predicted {r.arena.predicted_bytes:,} + {r.arena.margin_bytes:,} margin, {r.kernels} kernels")
        out.print(f"kTensorArenaSize: {r.arena_bytes:,} bytes on 32-bit targets ({how})")
    if r.host_arena_bytes is not None:
        out.print(f"kTensorArenaSize: {r.host_arena_bytes:,} bytes on 64-bit hosts")
    if r.optimized and r.baseline_arena_bytes is not None:
        out.print(f"optimized plan: arena {r.baseline_arena_bytes:,} -> {r.arena_bytes or 0:,} bytes")


@click.command("codegen")
@click.argument("model", type=click.Path(exists=True, dir_okay=False))
@click.option("--target", "-t", type=click.Choice(["c-array", "arduino", "tflm-app", "c"]), default="c-array",
              show_default=True, help="What to generate (c: mcuml's standalone C engine library).")
@click.option("--output", "-o", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--name", help="C identifier / sketch name (default: the model file's stem).")
@click.option("--board", help="Board the code is for (sets the kernel set; see `mcuml boards`).")
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), help="Kernel set the arena is sized for.")
@click.option("--arena-size", type=click.IntRange(min=1), help="Use this kTensorArenaSize instead of predicting.")
@click.option("--optimized", is_flag=True, help="Embed the model rewritten by the optimal plan (smaller arena).")
@click.option("--self-test", is_flag=True,
              help="Arduino: embed one input and its expected output (mcuml's bit-exact run), checked at start-up.")
@click.option("--engine", type=click.Choice(["tflm", "c"]), default="tflm", show_default=True,
              help="arduino: sketch around TFLM or around mcuml's C engine.")
@force_option
@json_option
def command(model, target, out_dir, name, board, kernels, arena_size, optimized, self_test, engine, force,
            as_json) -> None:
    """Generate a C array, an Arduino sketch or a plain TFLM app for MODEL.

    Example: mcuml codegen person_detect.tflite --target arduino -o sketches/
    """
    if target == "c" or engine == "c":
        from mcuml.cli._cengine import render_codegen
        from mcuml.codegen import standalone

        return emit(standalone(model, out_dir, name, arduino=target == "arduino"), as_json, render_codegen)
    from mcuml.codegen import generate

    result = generate(model, target, out_dir, name=name, board=board, optimized=optimized, kernels=kernels,
                      arena_bytes=arena_size, force=force, self_test=self_test)
    for w in result.warnings:
        log(f"warning: {w}")
    emit(result, as_json, _render)
    if result.forced:
        raise SystemExit(1)
