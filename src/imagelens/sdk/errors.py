"""The SDK's errors, one tree, typed by HTTP status.

ImageLensAPIError              code, message, details, status_code
├── ConnectionError            the server could not be reached
├── TimeoutError               no answer within the client's timeout
└── APIStatusError             the server answered 4xx/5xx
    ├── ValidationError        400, 413, 415, 422
    ├── AuthenticationError    401
    ├── QuotaExceededError     402
    ├── PermissionError        403
    ├── NotFoundError          404
    ├── ConflictError          409 (e.g. face_recognition_disabled: the tenant has it off)
    ├── RateLimitError         429 (retry_after)
    └── ServerError            5xx
        └── NotConfiguredError 501 (a server setting the feature needs is off)

``retryable`` is the server's own word on whether the same request may succeed later (None
when the body does not say); the client does not retry an error the server calls permanent.
"""

from __future__ import annotations

from collections.abc import Mapping


class ImageLensAPIError(Exception):
    """Base of every error the SDK raises."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "error",
        details: Mapping[str, object] | None = None,
        status_code: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details: dict[str, object] = dict(details or {})
        self.status_code = status_code
        self.retryable = retryable


class ConnectionError(ImageLensAPIError):
    pass


class TimeoutError(ImageLensAPIError):
    pass


class APIStatusError(ImageLensAPIError):
    pass


class ValidationError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class QuotaExceededError(APIStatusError):
    pass


class PermissionError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object):
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(APIStatusError):
    pass


class NotConfiguredError(ServerError):
    pass


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: ValidationError,
    401: AuthenticationError,
    402: QuotaExceededError,
    403: PermissionError,
    404: NotFoundError,
    409: ConflictError,
    413: ValidationError,
    415: ValidationError,
    422: ValidationError,
    429: RateLimitError,
    501: NotConfiguredError,
}


def error_for_status(status: int, body: object, retry_after: float | None = None) -> APIStatusError:
    """The typed error for an error response (v2 or describe-image body)."""
    code, message, details = "http_error", f"HTTP {status}", {}
    retryable: bool | None = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code = str(error.get("code", code))
            message = str(error.get("message", message))
            raw = error.get("details")
            details = raw if isinstance(raw, dict) else {}
            said = error.get("retryable")
            retryable = said if isinstance(said, bool) else None
        elif "msg" in body:  # the describe-image API's body
            code = str(body.get("code", code))
            message = str(body.get("detail") or body["msg"])
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else APIStatusError)
    if kind is RateLimitError:
        return RateLimitError(
            message,
            retry_after=retry_after,
            code=code,
            details=details,
            status_code=status,
            retryable=retryable,
        )
    return kind(message, code=code, details=details, status_code=status, retryable=retryable)
