"""Where originals and thumbnails live: a local directory (default), S3 later."""

from imagelens.storage.base import ObjectStore, original_key, thumbnail_key
from imagelens.storage.local import LocalStore

__all__ = ["LocalStore", "ObjectStore", "original_key", "thumbnail_key"]
