"""ONNX Runtime sessions for the local models, all opened with the same options.

By default ONNX Runtime's pool threads spin after each run, waiting for the next one. The
analyzers run many small models one after another and side by side (the text gate, two
detectors, the layout model, the tagger, NudeNet), so the threads one session left spinning
held the cores the next model needed. Measured on 2 cores, OCR alone, same images,
alternating processes: a text page 151 -> 134 ms, a receipt 138 -> 119 ms, a long receipt
308 -> 279 ms, a 300 dpi A4 page 740 -> 728 ms, with 15-25% less CPU time per image.
RapidOCR and rapid-layout open their own sessions with no way to say this: theirs are
opened again here (:func:`reopened`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import onnxruntime as ort


def options(threads: int, *, arena: bool = True) -> ort.SessionOptions:
    """``threads`` intra-op threads that sleep when idle, one inter-op thread, full graph
    optimisation, quiet logs; ``arena``: ONNX Runtime's memory arena (off for models whose
    inputs change size every call: it would keep the largest)."""
    opts = ort.SessionOptions()
    opts.log_severity_level = 4
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = arena
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return opts


def open_session(model: Path | bytes, threads: int, *, arena: bool = True) -> ort.InferenceSession:
    """A CPU session for ``model`` (a file or the graph's bytes) with :func:`options`."""
    source = str(model) if isinstance(model, Path) else model
    return ort.InferenceSession(
        source, options(threads, arena=arena), providers=["CPUExecutionProvider"]
    )


def reopened(wrapper: Any, model: Path, threads: int) -> None:
    """Replace the session inside a RapidOCR or rapid-layout session wrapper (its
    ``session`` attribute, read on each call) with one opened with :func:`options`, without
    the memory arena as both libraries open theirs."""
    wrapper.session = open_session(model, threads, arena=False)
