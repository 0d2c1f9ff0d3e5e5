import os
import sys

from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))

settings.register_profile("ci", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_report_header(config):
    from oracle import IN_CI, MODELS

    if (MODELS / "manifest.json").exists():
        return f"shared models: {MODELS}"
    return (f"shared models: MISSING at {MODELS} (set MCUML_SHARED): the model tests are not collected or skip"
            + ("; CI=true makes that a failure" if not IN_CI else ""))
