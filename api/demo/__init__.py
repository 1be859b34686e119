"""The product demo (``liftledger demo`` / ``make demo``): timed, readable sections on the embedded store."""

from api.demo.run import DemoRun, run_demo

__all__ = ["DemoRun", "run_demo"]
