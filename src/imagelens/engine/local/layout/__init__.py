"""Layout: which text boxes form a line, which lines a block, and in what order they are read.

``box`` holds the box and line grouping, ``skew`` takes a scan's slight rotation out of the
boxes, ``cut`` orders blocks and columns (a recursive XY-cut that tolerates narrow gutters and
lines the detector joined across them).
"""

from imagelens.engine.local.layout.box import Box, reading_order
from imagelens.engine.local.layout.cut import blocks

__all__ = ["Box", "blocks", "reading_order"]
