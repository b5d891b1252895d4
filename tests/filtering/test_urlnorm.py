"""URL normalisation: every spelling of an address becomes one canonical string."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harbour.filtering.urlnorm import (
    UrlError,
    _canonical_host,
    _normalise_slowly,
    normalise_host,
    normalise_url,
)

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
HOST = st.lists(LABEL, min_size=1, max_size=4).map(lambda ls: ".".join([*ls, "example"]))
# Browsers drop raw tabs and newlines from URLs, so generated paths hold no control characters.
SEGMENT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_characters="/?#", exclude_categories=("Cc", "Cs")
    ),
    max_size=8,
)
PATH = st.lists(SEGMENT, max_size=5).map(lambda segs: "/" + "/".join(segs))


@pytest.mark.parametrize(
    "spelling",
    [
        "http://3232235777/",
        "http://0xC0A80101/",
        "http://0300.0250.1.1/",
        "http://0xc0.0xa8.0x1.0x1/",
        "http://192.168.257/",
        "http://192.11010305/",
        "http://[::ffff:192.168.1.1]/",
        "HTTP://192.168.1.1:80",
    ],
)
def test_every_ipv4_spelling_becomes_dotted_decimal(spelling: str) -> None:
    assert normalise_url(spelling).url == "http://192.168.1.1/"


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("HTTP://WWW.Example.COM/", "http://www.example.com/"),
        ("http://user:secret@example.com/", "http://example.com/"),
        ("http://example.com./", "http://example.com/"),
        ("http://example.com:80/", "http://example.com/"),
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com:8443/", "https://example.com:8443/"),
        ("example.com", "http://example.com/"),
        ("//example.com/a", "http://example.com/a"),
        ("http://example.com/a/../b/./c", "http://example.com/b/c"),
        ("http://example.com/a/%2e%2e/b", "http://example.com/b"),
        ("http://example.com/a//b", "http://example.com/a/b"),
        ("http://example.com/%41%62c", "http://example.com/Abc"),
        ("http://example.com/%2541", "http://example.com/A"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com/a#fragment", "http://example.com/a"),
        ("http://example.com/search?q=%41", "http://example.com/search?q=A"),
        ("http://exa%6Dple.com/", "http://example.com/"),
        ("http://Bücher.example/", "http://xn--bcher-kva.example/"),
        ("http://bücher\u3002example/", "http://xn--bcher-kva.example/"),
        ("http://[2001:DB8:0:0::1]:8080/x", "http://[2001:db8::1]:8080/x"),
        ("http://[2001:db8::1]:80/", "http://[2001:db8::1]/"),
    ],
)
def test_spellings_of_one_address_normalise_alike(spelling: str, canonical: str) -> None:
    assert normalise_url(spelling).url == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "http://",
        "http:///path",
        "http://exa mple.com/",
        "http://1.2.3.4.5/",
        "http://256.0.0.1/",
        "http://[::g]/",
        "http://[::1/",
        "http://example.com:99999/",
        "http://example.com:port/",
        "http://-bad-.example/",
    ],
)
def test_unparseable_urls_raise_a_typed_error(bad: str) -> None:
    with pytest.raises(UrlError):
        normalise_url(bad)


def test_a_bare_host_normalises_like_the_host_of_a_url() -> None:
    assert normalise_host("WWW.Bücher.Example.") == "www.xn--bcher-kva.example"
    assert normalise_host("[2001:DB8::1]") == "2001:db8::1"
    assert normalise_host("0x7f.1") == "127.0.0.1"


@settings(deadline=None)  # timing-free: a busy machine must not fail it
@given(HOST, PATH)
def test_normalising_twice_changes_nothing(host: str, path: str) -> None:
    once = normalise_url(f"http://{host}{path}")
    assert normalise_url(once.url) == once


@settings(deadline=None)  # timing-free: a busy machine must not fail it
@given(HOST, PATH)
def test_host_case_trailing_dot_userinfo_and_default_port_do_not_matter(
    host: str, path: str
) -> None:
    plain = normalise_url(f"http://{host}{path}#")  # '#' keeps trailing spaces in the path
    dressed = normalise_url(f"HTTP://someone:pw@{host.upper()}.:80{path}#top")
    assert dressed == plain


@settings(deadline=None)  # timing-free: a busy machine must not fail it
@given(HOST, PATH, st.integers(min_value=0, max_value=4))
def test_dot_segments_never_climb_above_the_root(host: str, path: str, ups: int) -> None:
    url = normalise_url(f"http://{host}/{'../' * ups}{path.lstrip('/')}")
    assert ".." not in url.path.split("/")
    assert url.path.startswith("/")


@settings(deadline=None)  # timing-free: a busy machine must not fail it
@given(HOST, PATH)
def test_percent_encoding_any_path_byte_gives_the_same_url(host: str, path: str) -> None:
    escaped = "".join(f"%{b:02X}" if chr(b) not in "/" else "/" for b in path.encode())
    # '#' ends the URL explicitly, so a trailing space stays part of the path
    assert normalise_url(f"http://{host}{escaped}#") == normalise_url(f"http://{host}{path}#")


@settings(deadline=None)  # timing-free: a busy machine must not fail it
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_decimal_hex_and_octal_ipv4_literals_agree(number: int) -> None:
    dotted = str(ipaddress.IPv4Address(number))
    octal = ".".join(f"0{int(p):o}" for p in dotted.split("."))
    for spelling in (str(number), hex(number), dotted, octal):
        assert normalise_url(f"http://{spelling}/").host == dotted


URLISH = st.text(alphabet=st.sampled_from("abcAZ09-._~/?#%:@[]!$&'()*+,;= \u00e9"), max_size=30)


# Host names near the edges of the fast path: numeric and hex last labels, hyphens at the ends.
ODD_LABEL = st.sampled_from(
    ["a", "b-", "-c", "0x1f", "0x", "12", "0777", "x1", "_", "a" * 64, "Ab"]
)
ODD_HOST = st.one_of(HOST, st.lists(ODD_LABEL, min_size=1, max_size=3).map(".".join))


@settings(deadline=None)  # timing-free: a busy machine must not fail it
@given(st.sampled_from(["http://", "https://", "HTTP://", ""]), ODD_HOST, URLISH)
def test_the_fast_path_for_canonical_urls_agrees_with_full_normalisation(
    scheme: str, host: str, rest: str
) -> None:
    text = f"{scheme}{host}/{rest}"
    try:
        slow = _normalise_slowly(text)
    except UrlError:
        with pytest.raises(UrlError):
            normalise_url(text)
        return
    assert normalise_url(text) == slow
    assert normalise_url(slow.url) == slow


@settings(deadline=None)
@given(ODD_HOST)
def test_the_fast_path_for_plain_host_names_agrees_with_full_normalisation(host: str) -> None:
    try:
        slow = _canonical_host(host)
    except UrlError:
        with pytest.raises(UrlError):
            normalise_host(host)
        return
    assert normalise_host(host) == slow


PIECES = st.sampled_from(
    [
        *"abcXYZ019-._~/?#%:@[]!$&'()*+,;= \t\n\x00\u00e9\u3002\u0300",
        "%2e",
        "%zz",
        "0x",
        "..",
        "xn--",
    ]
)


@settings(deadline=None)  # timing-free: a busy machine must not fail it
@given(
    st.sampled_from(["http://", "https://", "", "//", "HTTP://u:p@"]), st.lists(PIECES, max_size=25)
)
def test_any_text_either_normalises_stably_or_raises_url_error(
    prefix: str, pieces: list[str]
) -> None:
    for normalise, text, spell in (
        (normalise_url, prefix + "".join(pieces), lambda u: u.url),
        (normalise_host, "".join(pieces), str),
    ):
        try:
            once = normalise(text)
        except UrlError:
            continue
        assert normalise(spell(once)) == once
