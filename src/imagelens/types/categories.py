"""The content categories of the v2 API."""

from __future__ import annotations

from enum import StrEnum


class ContentCategory(StrEnum):
    """A hint for tailored analysis; ``auto`` asks the engine to classify first."""

    AUTO = "auto"
    GENERAL = "general"
    REAL_ESTATE = "real_estate"
    ARCHITECTURAL_DESIGN = "architectural_design"
    PRODUCT_PHOTO = "product_photo"
    BLUEPRINT = "blueprint"
    CE_PLAN = "ce_plan"
    TECHNICAL_DIAGRAM = "technical_diagram"
    MINING = "mining"
    ROBOTICS = "robotics"
    ARTWORK = "artwork"
    SCREENSHOT = "screenshot"
    DOCUMENT = "document"
    MAP = "map"
    PID = "pid"
    PFD = "pfd"
    CONSTRUCTION = "construction"
    FACILITY_ASSESSMENT = "facility_assessment"
