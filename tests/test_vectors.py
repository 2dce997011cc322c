"""The pure parts of the vector side: what text an image is found by, float16 storage, and
the exact top-k."""

from __future__ import annotations

import numpy as np

from imagelens.db.vectors import from_bytes, to_bytes
from imagelens.engine.local.embedder import MAX_CHARS, analysis_text
from imagelens.service.vectors import top_k, unit


def test_analysis_text_puts_the_description_first_and_stays_bounded() -> None:
    result = {
        "description": "A receipt from a corner shop.",
        "tags": ["receipt", "paper-towel"],
        "category": "real_estate",
        "visible_text": "TAX   INVOICE\nTOTAL 6.70 " + "x" * 5000,
        "extracted": {"total": 6.7, "merchant": "CORNER SHOP", "items": [None, "Milk"], "ok": True},
    }
    text = analysis_text(result)
    assert text.startswith("A receipt from a corner shop.")
    assert "Tags: receipt, paper towel" in text
    assert "Category: real estate" in text
    assert "6.7; CORNER SHOP; Milk" in text and "True" not in text
    assert "Text: TAX INVOICE TOTAL 6.70" in text
    assert len(text) <= MAX_CHARS
    assert analysis_text({}) == ""
    assert analysis_text({"description": None, "tags": None, "extracted": None}) == ""


def test_vectors_round_trip_through_float16_bytes() -> None:
    vector = np.random.default_rng(1).standard_normal(1280).astype(np.float32)
    data = to_bytes(vector)
    assert len(data) == 2 * 1280
    back = from_bytes(data)
    assert back.dtype == np.float32
    cosine = float(unit(back) @ unit(vector))
    assert cosine > 0.9999


def test_top_k_ranks_by_cosine_and_skips_a_row() -> None:
    matrix = unit(np.array([[1, 0], [0.9, 0.1], [0, 1], [0, 0]], dtype=np.float32))
    assert [i for i, _ in top_k(matrix, np.array([1.0, -0.5]), 3)] == [0, 1, 3]
    assert [i for i, _ in top_k(matrix, np.array([2.0, -1.0]), 2, skip=0)] == [1, 3]
    assert top_k(matrix[:0], np.array([1.0, 0.0]), 5) == []
    scores = [s for _, s in top_k(matrix, np.array([1.0, 1.0]), 10)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 4


def test_big_vectors_are_stored_without_overflowing_float16() -> None:
    vector = np.full(8, 1e6, dtype=np.float32)  # over float16's 65504 before normalising
    back = from_bytes(to_bytes(vector))
    assert np.isfinite(back).all() and abs(float(np.linalg.norm(back)) - 1.0) < 1e-3
    assert not from_bytes(to_bytes(np.zeros(4, np.float32))).any()
