"""A chat-completions client: bounded concurrency, classified errors, retries with backoff."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from imagelens.config import VlmSettings
from imagelens.errors import (
    VlmError,
    VlmRateLimited,
    VlmRequestRejected,
    VlmResourceLimit,
    VlmTimeout,
)
from imagelens.retry import retry_delay


@dataclass(frozen=True, slots=True)
class Completion:
    content: str
    prompt_tokens: int | None
    completion_tokens: int | None
    server_ms: float  # from sending the request to the whole answer read
    attempts: int


def classify(response: httpx.Response) -> VlmError:
    """The contract's error class for a non-2xx answer of the VLM server."""
    status = response.status_code
    text = response.text[:300]
    if status == 429:
        retry_after = _retry_after(response.headers.get("retry-after"))
        return VlmRateLimited(
            f"The VLM server is rate limiting (429): {text}", retry_after=retry_after
        )
    if status in (402, 413) or "quota" in text.lower() or "credit" in text.lower():
        return VlmResourceLimit(f"The VLM server refused for a resource limit ({status}): {text}")
    if status in (408, 504):
        return VlmTimeout(f"The VLM server timed out ({status}).")
    if 400 <= status < 500:
        return VlmRequestRejected(f"The VLM server rejected the request ({status}): {text}")
    return VlmError(f"The VLM server failed ({status}): {text}")


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


class ChatClient:
    """POST {base_url}/chat/completions; thread-safe, at most ``concurrency`` in flight."""

    def __init__(
        self,
        settings: VlmSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        headers = {}
        if settings.api_key is not None:
            headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            headers=headers,
            timeout=settings.timeout,
            transport=transport,
        )
        self._gate = threading.BoundedSemaphore(settings.concurrency)
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        response_format: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        """One completion, retrying timeouts, 429 (after Retry-After) and 5xx."""
        body: dict[str, Any] = {
            "messages": messages,
            "max_tokens": max_tokens or self.settings.max_tokens,
            "temperature": self.settings.temperature,
            "stream": False,
        }
        if self.settings.model:
            body["model"] = self.settings.model
        if response_format is not None:
            body["response_format"] = response_format
        attempt = 0
        while True:
            try:
                return self._once(body, attempt + 1)
            except VlmError as exc:
                if not exc.retryable or attempt >= self.settings.max_retries:
                    raise
                self._sleep(retry_delay(attempt, getattr(exc, "retry_after", None)))
                attempt += 1

    def _once(self, body: dict[str, Any], attempt: int) -> Completion:
        with self._gate:
            start = time.perf_counter()
            try:
                response = self._http.post("/chat/completions", json=body)
            except httpx.TimeoutException as exc:
                raise VlmTimeout(
                    f"No answer from the VLM within {self.settings.timeout:g} s ({exc})."
                ) from exc
            except httpx.TransportError as exc:
                raise VlmError(f"Could not reach the VLM server: {exc}") from exc
            server_ms = (time.perf_counter() - start) * 1000
        if response.status_code >= 400:
            raise classify(response)
        try:
            data = response.json()
            content = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise VlmError(
                f"The VLM answer is not a chat completion: {response.text[:200]}"
            ) from exc
        usage = data.get("usage") or {}
        return Completion(
            content=str(content),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            server_ms=server_ms,
            attempts=attempt,
        )
