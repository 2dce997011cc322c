"""Fetch an image from a URL without letting the URL reach inside the network (SSRF).

Each hop's host is resolved once, every address it resolves to must be public (or in an
allow-listed network), and the connection goes to that checked address: the name is not
resolved again, so a DNS answer that changes between check and connect (rebinding) cannot
redirect us. Redirects are followed by hand so each one is checked the same way.
httpx has no hook for this, hence the hand-written hop loop. Every URL (and each redirect's
Location) is first read by :func:`imagelens.intake.urls.check_url_syntax`, and only its
normalised form is checked and opened, so the check and the connection read the same host.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from typing import TypeAlias

import httpx

from imagelens.config import UrlFetchSettings
from imagelens.errors import ImageTooLarge, UrlFetchFailed, UrlNotAllowed
from imagelens.intake.urls import check_url_syntax

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver: TypeAlias = Callable[[str, int], Awaitable[list[IPAddress]]]

_REDIRECTS = {301, 302, 303, 307, 308}


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (the event loop's getaddrinfo)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UrlFetchFailed(f"The host {host!r} could not be resolved: {exc}") from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


class UrlFetcher:
    """Downloads one image per call within a size cap, a deadline and the address rule."""

    def __init__(
        self,
        settings: UrlFetchSettings,
        *,
        max_bytes: int,
        allow_private: bool = False,
        resolver: Resolver = resolve_host,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self._resolve = resolver
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,
            headers={"User-Agent": "imagelens-fetch/1", "Accept": "image/*"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def check_address(self, ip: IPAddress) -> bool:
        """True when ``ip`` may be connected to: a global unicast address, or one in an
        allowed network; an IPv6 address that embeds IPv4 ones only if each of them is."""
        if self.allow_private:
            return True
        if isinstance(ip, ipaddress.IPv6Address):
            if ip in _LOCAL_NAT64:  # RFC 8215 local-use translation: never a public host
                return False
            embedded = _embedded_ipv4(ip)
            if ip.ipv4_mapped is not None:
                return self.check_address(ip.ipv4_mapped)
            if embedded and not all(self.check_address(v4) for v4 in embedded):
                return False
        if any(ip in net for net in self.settings.allow_networks):
            return True
        return ip.is_global and not ip.is_multicast

    async def fetch(self, url: str) -> bytes:
        """The body of ``url``; raises UrlNotAllowed, UrlFetchFailed or ImageTooLarge."""
        try:
            async with asyncio.timeout(self.settings.timeout):
                return await self._follow(url)
        except TimeoutError:
            raise UrlFetchFailed(
                f"Fetching {url} took longer than {self.settings.timeout:g} s.", retryable=True
            ) from None

    async def _follow(self, url: str) -> bytes:
        current = _parse(url)
        for _hop in range(self.settings.max_redirects + 1):
            response = await self._open(current)
            try:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    current = _parse(response.headers["location"], base=str(current))
                    continue
                if response.status_code != 200:
                    raise UrlFetchFailed(
                        f"{current} answered HTTP {response.status_code}.",
                        retryable=response.status_code >= 500,
                    )
                return await self._read_capped(response)
            finally:
                await response.aclose()
        raise UrlFetchFailed(f"{url} redirected more than {self.settings.max_redirects} times.")

    async def check_url(self, url: str, *, endpoint: bool = False) -> str:
        """The normalised ``url`` (the only form to hand to another client, e.g. a bucket's
        endpoint to botocore); raises UrlNotAllowed unless it is http(s), every client
        reads its host alike, and the host resolves to addresses this server may connect
        to. ``endpoint``: a service endpoint (no query, no trailing /)."""
        checked = check_url_syntax(url, endpoint=endpoint)
        await self._addresses(httpx.URL(checked.url))
        return checked.url

    def check_url_blocking(self, url: str, *, endpoint: bool = False) -> str:
        """:meth:`check_url` for threads without an event loop (a bucket client being built
        in a worker thread): resolved again each time, so a name that now points inside is
        refused."""
        return self.resolve_blocking(url, endpoint=endpoint)[0]

    def resolve_blocking(self, url: str, *, endpoint: bool = False) -> tuple[str, IPAddress]:
        """:meth:`check_url_blocking`, and the address to connect to (the one checked: a
        client given the name could resolve it again, elsewhere)."""
        checked = check_url_syntax(url, endpoint=endpoint)
        parsed = httpx.URL(checked.url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            infos = socket.getaddrinfo(parsed.host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise UrlFetchFailed(f"The host {parsed.host!r} could not be resolved: {exc}") from exc
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        self._refuse_private(parsed.host, addresses)
        return checked.url, addresses[0]

    async def _addresses(self, url: httpx.URL) -> list[IPAddress]:
        host = url.host
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = await self._resolve(host, port)
        self._refuse_private(host, addresses)
        return addresses

    def _refuse_private(self, host: str, addresses: list[IPAddress]) -> None:
        refused = [ip for ip in addresses if not self.check_address(ip)]
        if not addresses or refused:
            raise UrlNotAllowed(
                f"The URL host {host!r} resolves to a private or reserved address "
                f"({refused[0] if refused else 'none'}); only public addresses may be used.",
                details={"host": host},
            )

    async def _open(self, url: httpx.URL) -> httpx.Response:
        host = url.host
        pinned = (await self._addresses(url))[0]
        target = url.copy_with(host=str(pinned))
        headers = {"Host": url.netloc.decode("ascii")}
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        request = self._client.build_request("GET", target, headers=headers, extensions=extensions)
        try:
            return await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise UrlFetchFailed(
                f"Could not fetch {url}: {type(exc).__name__}: {exc}", retryable=True
            ) from exc

    async def _read_capped(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise ImageTooLarge(
                f"The URL's image is {int(declared)} bytes, over the limit of {self.max_bytes}."
            )
        body = bytearray()
        try:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise ImageTooLarge(
                        f"The URL's image is over the limit of {self.max_bytes} bytes."
                    )
        except httpx.HTTPError as exc:
            raise UrlFetchFailed(f"The download broke off: {exc}", retryable=True) from exc
        return bytes(body)


_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
_WELL_KNOWN_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a v6 address routes to or names: NAT64 (64:ff9b::/96), the
    deprecated IPv4-compatible form (::a.b.c.d), 6to4 (2002::/16) and Teredo (2001::/32)."""
    found: list[ipaddress.IPv4Address] = []
    if ip in _WELL_KNOWN_NAT64 or (ip in _V4_COMPATIBLE and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def _parse(url: str, base: str | None = None) -> httpx.URL:
    """``url`` (a Location resolved against ``base``) in the one form every client reads
    alike; refused with UrlNotAllowed otherwise."""
    return httpx.URL(check_url_syntax(url, base=base).url)
