"""The SSRF address rule and DNS pinning, with an injected resolver (no network)."""

from __future__ import annotations

import asyncio
import ipaddress

import httpx
import pytest

from imagelens.config import UrlFetchSettings
from imagelens.errors import UrlNotAllowed
from imagelens.intake.fetch import IPAddress, UrlFetcher
from imagelens.intake.urls import check_url_syntax


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


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8793\\@8.8.8.8",  # httpx: 8.8.8.8; urllib3 (botocore): 127.0.0.1
        "http://8.8.8.8\\.evil.example/",
        "http://user:pw@8.8.8.8/",
        "http://127.0.0.1:8793%5C@8.8.8.8",
        "http://%31%32%37.0.0.1/",
        "http://8.8.8.8 @127.0.0.1/",
        "http://8.8.8.8\t/x",
        "http://8.8.8.8\n.evil/x",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://exämple.com/",
        "http://[::1%25eth0]/",
        "ftp://8.8.8.8/",
        "http:///x.jpg",
    ],
)
def test_urls_two_clients_could_read_differently_are_refused(url: str) -> None:
    with pytest.raises(UrlNotAllowed):
        check_url_syntax(url)


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("HTTP://Images.Example./a%20b.jpg?x=1#frag", "http://images.example/a%20b.jpg?x=1"),
        ("https://images.example:443/café.jpg", "https://images.example/caf%C3%A9.jpg"),
        ("http://[::FFFF:8.8.8.8]:8080", "http://[::ffff:808:808]:8080/"),
        ("http://s3.example/a/../b", "http://s3.example/b"),
    ],
)
def test_urls_are_normalised(url: str, normalised: str) -> None:
    assert check_url_syntax(url).url == normalised


def test_an_endpoint_has_no_query_and_no_trailing_slash() -> None:
    assert check_url_syntax("http://minio.example:9000/", endpoint=True).url == (
        "http://minio.example:9000"
    )
    with pytest.raises(UrlNotAllowed, match="no query"):
        check_url_syntax("http://minio.example:9000/?x=1", endpoint=True)


@pytest.mark.parametrize(
    "location", ["http://127.0.0.1:80\\@8.8.8.8/x", "/\\evil.example/x", "http://u@8.8.8.8/"]
)
def test_fetched_urls_and_redirects_obey_the_same_rule(location: str) -> None:
    seen: list[str] = []

    async def resolver(host: str, port: int) -> list[IPAddress]:
        del port
        seen.append(host)
        return [ipaddress.ip_address("93.184.215.14")]

    def handler(request: httpx.Request) -> httpx.Response:
        del request
        return httpx.Response(302, headers={"Location": location})

    fetcher = UrlFetcher(
        UrlFetchSettings(),
        max_bytes=1000,
        resolver=resolver,
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(UrlNotAllowed):
        asyncio.run(fetcher.fetch(location if location.startswith("http") else "http://a.example/"))
    assert seen in ([], ["a.example"])  # refused before the hop that would follow it
