"""``mercwatch run``: every stage in order, outputs written atomically."""

from mercwatch.pipeline.config import RunConfig
from mercwatch.pipeline.run import RunResult, run_pipeline

__all__ = ["RunConfig", "RunResult", "run_pipeline"]
