"""imagelens: self-hosted image analysis."""

__version__ = "0.1.0"
