"""Memory planning: usage records (TFLM lifetimes) and planners that turn them into arena offsets."""

from mcuml.plan.core import ALIGNMENT, ArenaPlan, UsageRecord, align_up, needs_allocating, tensor_records
from mcuml.plan.greedy import plan_greedy

__all__ = ["ALIGNMENT", "ArenaPlan", "UsageRecord", "align_up", "needs_allocating", "tensor_records", "plan_greedy"]
