"""Layout: which text boxes form a line, which lines a block, and in what order they are read.

``box`` holds the box and line grouping, ``skew`` takes a scan's slight rotation out of the
boxes, ``cut`` orders blocks and columns (a recursive XY-cut that tolerates narrow gutters and
lines the detector joined across them), ``regions`` takes a layout model's blocks as column
evidence, ``vertical`` reads text set in columns (Japanese, Chinese) right to left.
"""

from imagelens.engine.local.layout.box import Box, reading_order
from imagelens.engine.local.layout.cut import blocks
from imagelens.engine.local.layout.regions import Region

__all__ = ["Box", "Region", "blocks", "reading_order"]
