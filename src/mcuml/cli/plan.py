"""``mcuml plan``: arena sizes, the memory plan, and a deployable optimized model."""

from __future__ import annotations

import click

from mcuml.cli._common import emit, json_option, log


@click.command("plan")
@click.argument("model_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--planner", type=click.Choice(["greedy", "linear", "optimal"]), default="greedy", show_default=True)
@click.option("--reorder", is_flag=True, help="Search an operator order with a smaller peak.")
@click.option("--target", type=click.Choice(["host", "cortex-m"]), default="host", show_default=True)
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), default="reference", show_default=True)
@click.option("-o", "output", type=click.Path(dir_okay=False), help="Write the (optimized) model here.")
@click.option("--plot", type=click.Path(dir_okay=False), help="Write a picture of the plan (.svg or .png).")
@json_option
def command(model_path: str, planner: str, reorder: bool, target: str, kernels: str, output: str | None,
            plot: str | None, as_json: bool) -> None:
    """Predict the arena TFLM needs for MODEL_PATH and show its memory plan."""
    from pathlib import Path

    from mcuml import load_model
    from mcuml.memmap import check_plot_path
    from mcuml.plan import plan_model, plot_plan

    if plot:
        check_plot_path(plot)  # before any work: a .jpg would get SVG text

    from mcuml.check import check

    model = load_model(model_path)
    chk = check(model)  # the plan is still shown (it is an analysis), but the verdict sets the exit code
    report, out = plan_model(model, planner=planner, reorder=reorder, target=target,
                             kernels=kernels, name=Path(model_path).name)
    if output:
        Path(output).write_bytes(out.to_bytes())
        log(f"wrote {output} (arena {report.arena_bytes} B, was {report.baseline_arena_bytes} B)")
    if plot:
        plot_plan(report, plot)
        log(f"wrote {plot}")
    emit(report, as_json, _render)
    if not chk.runs_on_tflm:
        log(f"warning: TFLM cannot run this model ({len(chk.problems)} problem(s), see `mcuml check`): "
            "an arena for a build that fails on the board")
        raise SystemExit(1)


def _render(r) -> None:
    click.echo(r.render_ascii())
    click.echo(f"\n{r.model} [{r.target}, {r.kernels}, {r.planner}{', reordered' if r.reorder else ''}]")
    click.echo(f"head {r.head_bytes:,} B (activations & scratch; greedy {r.greedy_head_bytes:,}, lower bound "
               f"{r.lower_bound_bytes:,}), tail {r.tail_bytes:,} B (persistent)")
    click.echo(f"arena {r.arena_bytes:,} B minimum (original {r.baseline_arena_bytes:,} B); "
               f"kTensorArenaSize {r.recommended_arena_bytes:,} B (arena + margin, what codegen writes)")
    if r.target == "host":
        click.echo("note: host = 64-bit; `fit`, `codegen` and `deploy` use --target cortex-m (32-bit, "
                   "cmsis-nn kernels by default)")
