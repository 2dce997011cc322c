"""The SSRF address rule and DNS pinning, with an injected resolver (no network)."""

from __future__ import annotations

import asyncio
import ipaddress

import httpx
import pytest

from imagelens.config import UrlFetchSettings
from imagelens.errors import UrlNotAllowed
from imagelens.intake.fetch import IPAddress, UrlFetcher


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),  # reserved
        ("192.0.2.1", False),  # documentation
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        # IPv4 embedded in IPv6: refused when the IPv4 address would be
        ("::127.0.0.1", False),  # IPv4-compatible (deprecated form)
        ("::a00:1", False),
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::7f00:1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of the metadata address
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b:1::a00:1", False),  # local-use NAT64
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("2002:a9fe:a9fe::", False),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
    ],
)
def test_address_rule(address: str, allowed: bool) -> None:
    fetcher = UrlFetcher(UrlFetchSettings(), max_bytes=1000)
    assert fetcher.check_address(ipaddress.ip_address(address)) is allowed


def test_allow_networks_and_the_switch() -> None:
    listed = UrlFetcher(
        UrlFetchSettings(allow_networks=[ipaddress.ip_network("10.1.2.0/24")]), max_bytes=1
    )
    assert listed.check_address(ipaddress.ip_address("10.1.2.3"))
    assert not listed.check_address(ipaddress.ip_address("10.1.3.3"))
    anything = UrlFetcher(UrlFetchSettings(), max_bytes=1, allow_private=True)
    assert anything.check_address(ipaddress.ip_address("127.0.0.1"))


def test_one_private_answer_among_public_ones_is_refused() -> None:
    connected: list[str] = []

    async def resolver(host: str, port: int) -> list[IPAddress]:
        del host, port
        return [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.0.0.7")]

    def handler(request: httpx.Request) -> httpx.Response:
        connected.append(str(request.url))
        return httpx.Response(200, content=b"x")

    fetcher = UrlFetcher(
        UrlFetchSettings(),
        max_bytes=1000,
        resolver=resolver,
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(UrlNotAllowed):
        asyncio.run(fetcher.fetch("http://rebind.example/x.jpg"))
    assert connected == []


def test_connection_goes_to_the_checked_address() -> None:
    seen: list[httpx.Request] = []

    async def resolver(host: str, port: int) -> list[IPAddress]:
        del host, port
        return [ipaddress.ip_address("93.184.215.14")]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"image bytes")

    fetcher = UrlFetcher(
        UrlFetchSettings(),
        max_bytes=1000,
        resolver=resolver,
        transport=httpx.MockTransport(handler),
    )
    assert asyncio.run(fetcher.fetch("https://images.example/cat.jpg")) == b"image bytes"
    [request] = seen
    assert request.url.host == "93.184.215.14"
    assert request.headers["host"] == "images.example"
    assert request.extensions["sni_hostname"] == "images.example"
