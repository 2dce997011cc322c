"""Two recognisers in a cascade: the tiny one reads every line, the small one re-reads the
lines the tiny one was unsure of.

Measured on the benchmark's pages and receipts, clean and degraded (blur, noise, JPEG, skew,
downscaling; /benchmarks/engine.py), recognition only, 2 cores: the tiny recogniser is ~4x
faster per line than the small one; alone it matches the small one on clean renders but reads
harsh scans much worse (character error 0.149 against 0.099 on the degraded set). Re-reading
lines whose mean character probability is below the threshold:

    threshold   clean: error / time   degraded: error / time   (time: of the small one's)
    0.90               0.0018 / 0.29            0.104 / 0.62
    0.93               0.0012 / 0.30            0.100 / 0.68
    0.95               0.0004 / 0.34            0.099 / 0.72
    0.97               0.0003 / 0.45            0.099 / 0.83
    small alone        0.0005 / 1.00            0.099 / 1.00

The error stops falling at 0.95 on average, but 0.95 still let confident tiny misreads through
on the long receipt (0.0024 against 0 for the small one; both at 0.97) and read a photo label's
"2.50" as "250"; 0.97 still dropped the space between short tokens ("0 5 km" as "05 km" at
0.9715 on a map's scale bar, "GATE 7" as "GATE7"): 0.98 is the default
(``EngineSettings.ocr_recheck_below``). A line's lowest character probability as the rule did
worse at every cost.
"""

from __future__ import annotations

import numpy as np

from imagelens.engine.local.ocr.recognise import Reading, Recogniser


class Cascade:
    """Reads lines with ``first``; lines it reads with mean confidence below ``recheck_below``
    are read again by ``second``, whose reading is kept."""

    def __init__(self, first: Recogniser, second: Recogniser, *, recheck_below: float) -> None:
        self.first = first
        self.second = second
        self.recheck_below = recheck_below

    def read(self, crops: list[np.ndarray]) -> list[Reading]:
        """A reading per crop, in order."""
        readings = self.first.read(crops)
        doubtful = [i for i, r in enumerate(readings) if r.confidence < self.recheck_below]
        if doubtful:
            again = self.second.read([crops[i] for i in doubtful])
            for i, reading in zip(doubtful, again, strict=True):
                readings[i] = reading
        return readings
