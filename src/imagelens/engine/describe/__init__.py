"""Descriptions composed from the local signals, in the twelve describe-image languages."""

from imagelens.engine.describe.composer import compose_description

__all__ = ["compose_description"]
