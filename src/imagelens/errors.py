"""One error tree for everything imagelens refuses or fails at.

    ImageLensError                    code, http_status, retryable, details
    ├── InvalidInput                  400 invalid_input
    │   ├── InvalidImage              400 invalid_image      corrupt, empty, undecodable
    │   ├── UrlNotAllowed             400 url_not_allowed    private address, bad scheme (SSRF)
    │   ├── HarmfulContent            400 harmful_content    moderation flagged (describe-image)
    │   └── UrlFetchFailed            400 url_fetch_failed   the URL did not give an image
    ├── Unauthorized                  401 unauthorized       missing, unknown or expired key
    │   └── InvalidSignature          401 invalid_signature  a signed request that does not verify
    ├── QuotaExceeded                 402 quota_exceeded     monthly analyses used up
    ├── Forbidden                     403 forbidden          the key lacks a scope
    ├── UnsupportedMediaType          415 unsupported_media_type
    ├── ImageTooLarge                 413 image_too_large    bytes or pixels over the limit
    │   └── DecompressionBomb         413 decompression_bomb declared pixels far over the limit
    ├── NotFound                      404 not_found          also another tenant's ids
    ├── RecognitionDisabled           409 face_recognition_disabled  the tenant has it off
    ├── RateLimited                   429 rate_limited       requests/minute (retryable)
    ├── ServerBusy                    503 server_busy        decode memory budget full (retryable)
    ├── InsufficientStorage           507 insufficient_storage  disk or database full (retryable)
    ├── StorageUnavailable            503 storage_unavailable  the object store failed (retryable)
    ├── NotConfigured                 501 not_configured     a setting the feature needs is unset
    └── AnalysisError                 500 analysis_error     an analyzer failed
        ├── ModelUnavailable          503 model_unavailable  a model could not load (retryable)
        ├── VlmError                  502 vlm_error          the VLM failed or wrote bad output
        │   ├── VlmTimeout            504 timeout            (retryable)
        │   ├── VlmRateLimited        429 rate_limit         (retryable, retry_after)
        │   ├── VlmRequestRejected    502 validation         4xx for our request (permanent)
        │   └── VlmResourceLimit      502 resource_limit     quota/credits/too large (permanent)
        ├── AnalysisTimeout           504 timeout            (retryable)
        └── TimeBudgetExceeded        422 analysis_timeout   over IMAGELENS_JOBS__MAX_SECONDS

Third-party errors (PIL, onnxruntime, torch, the database drivers, the file system) are
translated into these where they enter. An error with a ``retry_after`` attribute (seconds)
is answered with a ``Retry-After`` header.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ImageLensError(Exception):
    """Base of every error imagelens raises on purpose."""

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        retryable: bool | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = self.default_retryable if retryable is None else retryable
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The error as the ``{type, message, retryable}`` record results and the CLI carry."""
        return {"type": self.code, "message": self.message, "retryable": self.retryable}


class InvalidInput(ImageLensError):
    code = "invalid_input"
    http_status = 400


class InvalidImage(InvalidInput):
    code = "invalid_image"


class UrlNotAllowed(InvalidInput):
    code = "url_not_allowed"


class HarmfulContent(InvalidInput):
    code = "harmful_content"


class UrlFetchFailed(InvalidInput):
    code = "url_fetch_failed"


class Unauthorized(ImageLensError):
    code = "unauthorized"
    http_status = 401


class QuotaExceeded(ImageLensError):
    code = "quota_exceeded"
    http_status = 402


class InvalidSignature(Unauthorized):
    code = "invalid_signature"


class Forbidden(ImageLensError):
    code = "forbidden"
    http_status = 403


class RateLimited(ImageLensError):
    code = "rate_limited"
    http_status = 429
    default_retryable = True

    def __init__(self, message: str, *, retry_after: int, limit: int) -> None:
        super().__init__(message, details={"retry_after": retry_after, "limit": limit})
        self.retry_after = retry_after


class ServerBusy(ImageLensError):
    code = "server_busy"
    http_status = 503
    default_retryable = True

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class InsufficientStorage(ImageLensError):
    code = "insufficient_storage"
    http_status = 507
    default_retryable = True


class StorageUnavailable(ImageLensError):
    code = "storage_unavailable"
    http_status = 503
    default_retryable = True


class NotConfigured(ImageLensError):
    code = "not_configured"
    http_status = 501


class UnsupportedMediaType(ImageLensError):
    code = "unsupported_media_type"
    http_status = 415


class ImageTooLarge(ImageLensError):
    code = "image_too_large"
    http_status = 413


class DecompressionBomb(ImageTooLarge):
    code = "decompression_bomb"


class NotFound(ImageLensError):
    code = "not_found"
    http_status = 404


class RecognitionDisabled(ImageLensError):
    """The tenant has face recognition off: there are no people to show or search."""

    code = "face_recognition_disabled"
    http_status = 409


class AnalysisError(ImageLensError):
    code = "analysis_error"
    http_status = 500
    default_retryable = True


class ModelUnavailable(AnalysisError):
    code = "model_unavailable"
    http_status = 503


class VlmError(AnalysisError):
    code = "vlm_error"
    http_status = 502


class VlmTimeout(VlmError):
    code = "timeout"
    http_status = 504


class VlmRateLimited(VlmError):
    code = "rate_limit"
    http_status = 429

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class VlmRequestRejected(VlmError):
    code = "validation"
    default_retryable = False


class VlmResourceLimit(VlmError):
    code = "resource_limit"
    default_retryable = False


class AnalysisTimeout(AnalysisError):
    code = "timeout"
    http_status = 504


class TimeBudgetExceeded(AnalysisError):
    """A job ran past its time budget and was stopped; running it again would too."""

    code = "analysis_timeout"
    http_status = 422
    default_retryable = False


def error_from_record(record: dict[str, Any]) -> ImageLensError:
    """The error a ``to_dict`` record describes (a job's error, raised again where a request
    waits on it); an unknown or unbuildable type becomes an :class:`AnalysisError`."""
    message = str(record.get("message") or "The analysis failed.")
    retryable = bool(record.get("retryable", False))
    pending: list[type[ImageLensError]] = [ImageLensError]
    while pending:  # breadth first: of two classes sharing a code, the more general wins
        cls = pending.pop(0)
        if cls.code == record.get("type"):
            try:
                return cls(message, retryable=retryable)
            except TypeError:  # needs more than a message (retry_after, ...)
                break
        pending.extend(cls.__subclasses__())
    return AnalysisError(message, retryable=retryable)
