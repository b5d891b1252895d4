"""A small school data dir for the helper's tests: the sample policy and hand-made lists.

The lists are written in the UT1 format so that every kind of entry is present: whole
domains (gambling, video), a page-level URL entry under an otherwise unlisted host and an
expression (a filter-bypass pattern). Those last two are what a per-host cache could get wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harbour.filtering import ListStore, compile_policy
from harbour.policy.snapshot import DeviceEntry, read_snapshot, write_snapshot
from tests.paths import SAMPLE_POLICY

GAMBLING = "casino-royale.example"
VIDEO = "videos.example"
MIXED_HOST = "news.example"  # unlisted, except one page-level entry under it
MIXED_PAGE = "/betting-tips"
BYPASS_PATH = "/proxy-this/"
PUPIL_IP = "10.10.1.5"  # the policy's pupil Wi-Fi range
STAFF_IP = "10.20.1.5"  # the staff VLAN
LEADER = "dl.pupil"  # a digital leader (nominated pupil): may watch video


def _write_collection(root: Path) -> None:
    files = {
        "gambling/domains": f"{GAMBLING}\n",
        "gambling/urls": f"{MIXED_HOST}{MIXED_PAGE}\n",
        "audio-video/domains": f"{VIDEO}\n",
        "strict_redirector/expressions": f"{BYPASS_PATH}\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        (root / name).with_name("usage").write_text("black\n")


@pytest.fixture
def school(tmp_path: Path) -> Path:
    """A data dir: the sample policy, a pupil device, a digital leader and the lists above."""
    collection = tmp_path / "ut1"
    _write_collection(collection)
    data = tmp_path / "data"
    ListStore(data / "lists").import_categories(collection)
    compile_policy(SAMPLE_POLICY, data)
    snapshot = read_snapshot(data / "policy.json")
    snapshot.users[LEADER] = ["pupils-ks2", "digital-leaders"]
    snapshot.devices.append(DeviceEntry(name="ks2-laptop-07", group="pupils-ks2", ip="10.10.9.9"))
    write_snapshot(data / "policy.json", snapshot)
    return data
