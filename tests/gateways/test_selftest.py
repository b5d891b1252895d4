"""The filter self-test asks the live DNS resolver and a real Squid, as each group, and fails
when the filtering is wrong (here: when the pornography row is deliberately made acceptable)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from harbour.cli import main
from harbour.filtering import ListStore
from harbour.gateways.dns.localzone import LocalZone
from harbour.gateways.dns.resolver import Settings
from harbour.gateways.dns.server import start_dns_in_background
from harbour.gateways.selftest import parse_client
from tests.gateways.dns.conftest import PUPIL, STAFF, register_devices
from tests.gateways.squid.squid_run import (
    deployed_fragment,
    find_squid,
    hand_to_squid_user,
    helper_command,
    start_squid,
)
from tests.paths import SAMPLE_POLICY

BLOCK = "127.0.0.1"


def make_school(data: Path) -> Path:
    """The sample school's policy, the shipped UT1 extract and the demo's canary locked feeds."""
    store = ListStore(data / "lists")
    sample = resources.files("harbour.sample")
    store.import_categories(Path(str(sample.joinpath("ut1-starter"))))
    for feed in sorted(Path(str(sample.joinpath("locked"))).glob("*.txt")):
        store.import_locked(feed.stem, feed)
    register_devices(data)
    return data


@pytest.fixture
def school(tmp_path: Path) -> Path:
    return make_school(tmp_path / "data")


@pytest.fixture
def resolver(school: Path) -> Iterator[str]:
    zone = LocalZone({"forcesafesearch.google.com": {"A": ["216.239.38.120"]}})
    zone.start()
    server = start_dns_in_background(
        "127.0.0.1:0", [f"127.0.0.1:{zone.port}"], school, settings=Settings(block_ipv4=BLOCK, block_ipv6="::1")
    )
    yield f"127.0.0.1:{server.port}"
    server.stop()
    zone.stop()


def selftest(data: Path, *gateway: str) -> int:
    return main(["--data", str(data), "filter", "selftest", "--no-record", *gateway,
                 "--client", f"{PUPIL}=pupils-ks2", "--client", f"{STAFF}=staff"])


def test_the_self_test_passes_through_the_live_resolver(school, resolver, capsys) -> None:
    assert selftest(school, "--dns", resolver) == 0
    out = capsys.readouterr().out
    assert "ok   pupils-ks2       dns   safe-search" in out
    assert "locked:iwf" in out and "locked:ctiru" in out and "adult" in out and "bypass" in out
    assert "FAIL" not in out


def test_the_self_test_fails_when_adult_content_is_deliberately_unblocked(school, resolver, tmp_path, capsys) -> None:
    loose = tmp_path / "loose.toml"
    loose.write_text(SAMPLE_POLICY.read_text().replace(
        'title = "Pornography"\nlists = ["adult", "mixed_adult"]\nall = "unacceptable"',
        'title = "Pornography"\nlists = ["adult", "mixed_adult"]\nall = "acceptable"'))
    register_devices(school, loose)
    time.sleep(2.5)  # the resolver notices a new snapshot within about a second
    assert selftest(school, "--dns", resolver) == 1
    out = capsys.readouterr().out
    assert "FAIL pupils-ks2       dns   adult" in out and "FAIL staff            dns   adult" in out
    assert "ok   pupils-ks2       dns   locked:iwf" in out  # the locked tier holds whatever the policy says


@pytest.fixture
def squid_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="harbour-selftest-"))  # the Squid user must reach it
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_self_test_passes_through_a_real_squid_and_fails_when_unblocked(squid_folder, tmp_path, capsys) -> None:
    squid = find_squid()
    if squid is None:
        pytest.skip("Squid is not installed (apt-get install squid); .ci/run installs it")
    school = make_school(squid_folder / "data")
    helper, why_not = helper_command(school, "http://block.harbour.test/blocked")
    if why_not:
        pytest.skip(why_not)
    folder = squid_folder
    hosts = {name: "127.0.0.1" for name in ("www.bbc.co.uk", "en.wikipedia.org", "www.khanacademy.org", "www.google.com")}
    running = start_squid(squid, folder, hosts, deployed_fragment(helper, "block.harbour.test"))
    try:
        proxy = f"127.0.0.1:{running.port}"
        assert selftest(school, "--proxy", proxy) == 0, capsys.readouterr().out
        out = capsys.readouterr().out
        assert "ok   pupils-ks2       proxy safe-search" in out
        loose = tmp_path / "loose.toml"
        loose.write_text(SAMPLE_POLICY.read_text().replace('lists = ["vpn", "redirector", "strict_redirector", "strong_redirector", "doh", "residential-proxies"]\nall = "unacceptable"',
                                                           'lists = ["vpn", "redirector", "strict_redirector", "strong_redirector", "doh", "residential-proxies"]\nall = "acceptable"'))
        register_devices(school, loose)
        hand_to_squid_user(school)
        time.sleep(2.5)
        assert selftest(school, "--proxy", proxy) == 1
        assert "FAIL pupils-ks2       proxy bypass" in capsys.readouterr().out
    finally:
        running.stop()


def test_clients_are_written_addr_equals_group() -> None:
    assert parse_client("127.0.0.2=pupils-ks2") == ("127.0.0.2", "pupils-ks2")
    with pytest.raises(ValueError):
        parse_client("pupils-ks2")
    with pytest.raises(ValueError):
        parse_client("not-an-address=staff")


def test_the_self_test_needs_a_gateway_to_ask(school, capsys) -> None:
    assert main(["--data", str(school), "filter", "selftest"]) == 2
    assert "give --dns" in capsys.readouterr().err
