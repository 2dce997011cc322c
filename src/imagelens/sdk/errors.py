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
    ├── RateLimitError         429 (retry_after)
    └── ServerError            5xx
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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details: dict[str, object] = dict(details or {})
        self.status_code = status_code


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


class RateLimitError(APIStatusError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object):
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(APIStatusError):
    pass


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: ValidationError,
    401: AuthenticationError,
    402: QuotaExceededError,
    403: PermissionError,
    404: NotFoundError,
    413: ValidationError,
    415: ValidationError,
    422: ValidationError,
    429: RateLimitError,
}


def error_for_status(status: int, body: object, retry_after: float | None = None) -> APIStatusError:
    """The typed error for an error response (v2 or describe-image body)."""
    code, message, details = "http_error", f"HTTP {status}", {}
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code = str(error.get("code", code))
            message = str(error.get("message", message))
            raw = error.get("details")
            details = raw if isinstance(raw, dict) else {}
        elif "msg" in body:  # the describe-image API's body
            code = str(body.get("code", code))
            message = str(body.get("detail") or body["msg"])
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else APIStatusError)
    if kind is RateLimitError:
        return RateLimitError(
            message, retry_after=retry_after, code=code, details=details, status_code=status
        )
    return kind(message, code=code, details=details, status_code=status)
