"""Local analyzers: models that ship inside PyPI wheels, run on the CPU."""
