"""The imagelens Python SDK: ``AsyncImageLens`` and ``ImageLens`` (sync) over httpx.

async with AsyncImageLens(api_key="il_...", base_url="http://127.0.0.1:8000") as client:
    result = await client.files.upload("photo.jpg")
"""

from imagelens.sdk.client import AsyncImageLens, ImageLens
from imagelens.sdk.errors import (
    APIStatusError,
    AuthenticationError,
    ConflictError,
    ConnectionError,
    ImageLensAPIError,
    NotConfiguredError,
    NotFoundError,
    PermissionError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    TimeoutError,
    ValidationError,
)
from imagelens.sdk.pages import Page, SyncPage
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
from imagelens.sdk.webhooks import WebhookVerificationError, verify_webhook
from imagelens.types.people import (
    ComparedFaces,
    FaceCompareResult,
    FaceMatch,
    FaceSearchResult,
    FaceSettings,
    PersonOut,
    SearchedFace,
)

__all__ = [
    "APIStatusError",
    "AsyncImageLens",
    "AuthenticationError",
    "BatchUploadResults",
    "ComparedFaces",
    "ConflictError",
    "ConnectionError",
    "ContentCategory",
    "DescriptionErrorType",
    "DescriptionFailure",
    "DescriptionResult",
    "DescriptionStatus",
    "FaceCompareResult",
    "FaceMatch",
    "FaceSearchResult",
    "FaceSettings",
    "FilePage",
    "ImageLens",
    "ImageLensAPIError",
    "NotConfiguredError",
    "NotFoundError",
    "Page",
    "PermissionError",
    "PersonOut",
    "QuotaExceededError",
    "QuotaInfo",
    "RateLimitError",
    "SearchHit",
    "SearchPage",
    "SearchedFace",
    "ServerError",
    "SimilarImage",
    "SyncPage",
    "SyncSearchPage",
    "TimeoutError",
    "UploadResult",
    "ValidationError",
    "WebhookVerificationError",
    "verify_webhook",
]
