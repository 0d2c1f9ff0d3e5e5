"""Memory planning: usage records (TFLM lifetimes), planners that turn them into arena offsets,
operator reordering and deployable (offline-planned) models."""

from mcuml.plan.core import ALIGNMENT, ArenaPlan, UsageRecord, align_up, needs_allocating, tensor_records
from mcuml.plan.greedy import plan_greedy
from mcuml.plan.planners import get_planner, lower_bound, plan_linear, plan_optimal
from mcuml.plan.records import scratch_requests, usage_records

__all__ = ["ALIGNMENT", "ArenaPlan", "UsageRecord", "align_up", "needs_allocating", "tensor_records", "plan_greedy",
           "get_planner", "lower_bound", "plan_linear", "plan_optimal", "scratch_requests", "usage_records",
           "optimize_model", "plan_model", "plot_plan", "OptimizedPlan", "PlanReport"]


def __getattr__(name: str):  # the optimizer pulls in the arena model: load it on first use
    if name in ("optimize_model", "plan_model", "plot_plan", "OptimizedPlan", "PlanReport"):
        from mcuml.plan import optimize

        return getattr(optimize, name)
    raise AttributeError(name)
