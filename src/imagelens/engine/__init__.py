"""The analysis engine: analyzers behind one protocol, run by a pipeline."""

from imagelens.engine.base import AnalysisOptions, Analyzer, Signals
from imagelens.engine.pipeline import Engine

__all__ = ["AnalysisOptions", "Analyzer", "Engine", "Signals"]
