"""Shared settings of the reliability suite: hypothesis is derandomized with a modest example count and no
per-example deadline, so the suite cannot flake on a busy machine and gives the same cases on every run."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "reliability",
    derandomize=True,
    deadline=None,
    max_examples=40,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("reliability")
