"""The imagelens Python SDK: ``AsyncImageLens`` and ``ImageLens`` (sync) over httpx.

async with AsyncImageLens(api_key="il_...", base_url="http://127.0.0.1:8000") as client:
    result = await client.files.upload("photo.jpg")
"""

from imagelens.sdk.client import AsyncImageLens, ImageLens
from imagelens.sdk.errors import (
    APIStatusError,
    AuthenticationError,
    ConnectionError,
    ImageLensAPIError,
    NotFoundError,
    PermissionError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    TimeoutError,
    ValidationError,
)
from imagelens.sdk.resources import FilePage
from imagelens.sdk.search import SearchPage, SyncSearchPage
from imagelens.sdk.types import (
    BatchUploadResults,
    ContentCategory,
    DescriptionErrorType,
    DescriptionFailure,
    DescriptionResult,
    DescriptionStatus,
    QuotaInfo,
    SearchHit,
    SimilarImage,
    UploadResult,
)

__all__ = [
    "APIStatusError",
    "AsyncImageLens",
    "AuthenticationError",
    "BatchUploadResults",
    "ConnectionError",
    "ContentCategory",
    "DescriptionErrorType",
    "DescriptionFailure",
    "DescriptionResult",
    "DescriptionStatus",
    "FilePage",
    "ImageLens",
    "ImageLensAPIError",
    "NotFoundError",
    "PermissionError",
    "QuotaExceededError",
    "QuotaInfo",
    "RateLimitError",
    "SearchHit",
    "SearchPage",
    "ServerError",
    "SimilarImage",
    "SyncSearchPage",
    "TimeoutError",
    "UploadResult",
    "ValidationError",
]
