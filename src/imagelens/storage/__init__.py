"""Where originals and thumbnails live: a local directory (default) or an S3 bucket."""

from imagelens.storage.base import ObjectStore, original_key, thumbnail_key, upload_key
from imagelens.storage.factory import build_store
from imagelens.storage.local import LocalStore
from imagelens.storage.pending import PendingObjects

__all__ = [
    "LocalStore",
    "ObjectStore",
    "PendingObjects",
    "build_store",
    "original_key",
    "thumbnail_key",
    "upload_key",
]
