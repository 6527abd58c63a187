"""The benchmarks. A package of the project's own distribution, so that
`.venv/bin/python bench/lifecycle.py` finds `bench.baselines` (and the worker process it starts
finds the same module) without PYTHONPATH or an activated shell."""
