"""One reading of a URL that every client we hand it to agrees with.

We check a URL with httpx's parser, but botocore connects through urllib3, and the standard
library's ``urlsplit`` is a third reading: ``http://127.0.0.1:8793\\@8.8.8.8`` is 8.8.8.8 to
httpx and 127.0.0.1:8793 to urllib3. So a URL is parsed once, anything the parsers are known
to read differently is refused (userinfo, ``\\``, whitespace and control characters,
percent-escapes and non-ASCII in the host part), the URL is rebuilt from the parsed parts,
and the rebuilt string must read the same (scheme, host, port, no userinfo) to all three.
Only that normalised string is used afterwards: checked, stored, connected to.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from imagelens.errors import UrlNotAllowed

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Backslash, whitespace, control characters: each parser treats them its own way.
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
# The last label starts with a letter: 0x7f.1 or 2130706433 would be an IPv4 address to
# getaddrinfo, in a form the parsers do not all normalise alike.
_HOSTNAME = re.compile(rf"(?:{_LABEL}\.)*[a-z_](?:[a-z0-9_-]{{0,61}}[a-z0-9_])?")


@dataclass(frozen=True)
class CheckedUrl:
    """A URL as every client reads it: ``url`` is the normalised string to use."""

    url: str
    scheme: str
    host: str  # lower case; an IPv6 address without brackets
    port: int  # the effective port (80/443 when none is given)


def check_url_syntax(raw: str, *, base: str | None = None, endpoint: bool = False) -> CheckedUrl:
    """``raw`` (resolved against ``base``, for a redirect's Location) as a CheckedUrl, or
    UrlNotAllowed. ``endpoint``: a service endpoint (no query or fragment, no trailing /)."""
    shown = raw if len(raw) <= 200 else raw[:200] + "..."
    if _FORBIDDEN.search(raw):
        raise UrlNotAllowed(
            f"The URL {shown!r} contains a backslash, whitespace or a control character."
        )
    try:
        parsed = httpx.URL(base).join(raw) if base is not None else httpx.URL(raw)
    except (httpx.InvalidURL, ValueError) as exc:
        raise UrlNotAllowed(f"Not a valid URL: {shown!r} ({exc}).") from exc
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.host:
        raise UrlNotAllowed(f"Only http(s) URLs with a host can be used, not {shown!r}.")
    authority = urlsplit(raw).netloc  # empty for a relative Location
    if parsed.userinfo or "@" in authority:
        raise UrlNotAllowed(f"The URL {shown!r} carries a user name or password; remove it.")
    if "%" in authority or not authority.isascii():
        raise UrlNotAllowed(f"The URL {shown!r} has an escaped or non-ASCII host.")
    host = _host(parsed.host, shown)
    port = parsed.port or _DEFAULT_PORTS[parsed.scheme]
    if endpoint and (parsed.query or parsed.fragment):
        raise UrlNotAllowed(f"An endpoint URL takes no query or fragment: {shown!r}.")
    netloc = f"[{host}]" if ":" in host else host
    if parsed.port is not None:
        netloc += f":{port}"
    path = parsed.raw_path.decode("ascii")  # path and query, percent-encoded by httpx
    if endpoint:
        path = path.rstrip("/")
    checked = CheckedUrl(f"{parsed.scheme}://{netloc}{path}", parsed.scheme, host, port)
    _agree(checked, shown)
    return checked


def _host(host: str, shown: str) -> str:
    """The host as a plain name or IP literal; anything else is refused."""
    host = host.lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOSTNAME.fullmatch(host) or len(host) > 253:
        raise UrlNotAllowed(f"The URL {shown!r} has a host that is not a plain name or address.")
    return host


def _agree(checked: CheckedUrl, shown: str) -> None:
    """Refuse unless urlsplit (botocore's reading) and urllib3 (its connection's) see the
    same scheme, host and port, and no userinfo, in the normalised string."""
    split = urlsplit(checked.url)
    try:
        pooled = parse_url(checked.url)
    except LocationParseError as exc:
        raise UrlNotAllowed(f"Not a valid URL: {shown!r} ({exc}).") from exc
    readings = {
        (split.scheme, split.hostname, split.port or _DEFAULT_PORTS.get(split.scheme)),
        (
            pooled.scheme,
            (pooled.host or "").strip("[]").lower(),
            pooled.port or _DEFAULT_PORTS.get(pooled.scheme or ""),
        ),
        (checked.scheme, checked.host, checked.port),
    }
    if len(readings) != 1 or split.username is not None or pooled.auth is not None:
        raise UrlNotAllowed(f"The URL {shown!r} is read differently by different clients.")
