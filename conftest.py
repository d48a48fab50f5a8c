"""pytest's root configuration: the test tiers and the shared notebook runs (tests/notebook_runs.py)."""
pytest_plugins = ["tests.notebook_runs"]
