"""Where originals and thumbnails live: a local directory (default), S3 later."""

from imagelens.storage.base import ObjectStore, original_key, thumbnail_key
from imagelens.storage.local import LocalStore
from imagelens.storage.pending import PendingObjects

__all__ = ["LocalStore", "ObjectStore", "PendingObjects", "original_key", "thumbnail_key"]
