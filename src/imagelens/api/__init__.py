"""The HTTP API: app factory, dependencies, one route module per resource."""

from imagelens.api.app import create_app

__all__ = ["create_app"]
