"""The compiled segment format: what goes in comes out, in memory and memory-mapped."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest

from harbour.filtering import compiled
from harbour.filtering.compiled import Segment, SegmentBuilder, key_hash


def build(builder: SegmentBuilder) -> None:
    builder.add_domains("games", ["arcade.example", "shared.example"])
    builder.add_domains("gambling", ["casino.example", "shared.example", "shared.example"])
    builder.add_urls("games", [("portal.example", "/play")])
    builder.add_expressions("gambling", ["poker"])


def test_a_written_segment_maps_back_with_every_entry(tmp_path: Path) -> None:
    builder = SegmentBuilder("categories")
    build(builder)
    builder.write(tmp_path / "seg")
    segment = Segment.open(tmp_path / "seg")
    assert segment.domain_categories(key_hash("arcade.example")) == ("games",)
    assert set(segment.domain_categories(key_hash("shared.example"))) == {"games", "gambling"}
    assert segment.domain_categories(key_hash("other.example")) == ()
    assert segment.has_url_host(key_hash("portal.example"))
    assert segment.url_categories("portal.example/play") == ("games",)
    assert segment.expressions == {"gambling": ["poker"]}
    assert segment.manifest["counts"]["gambling"] == {"domains": 3, "urls": 0, "expressions": 1}


@pytest.mark.parametrize("small", [True, False])
def test_large_and_small_merges_give_the_same_lookups(
    monkeypatch: pytest.MonkeyPatch, small: bool
) -> None:
    monkeypatch.setattr(compiled, "_SMALL", 10**9 if small else -1)
    builder = SegmentBuilder("local")
    build(builder)
    segment = builder.build()
    assert isinstance(segment.domain_hashes, array)
    assert list(segment.domain_hashes) == sorted(segment.domain_hashes)
    assert set(segment.domain_categories(key_hash("shared.example"))) == {"games", "gambling"}
    assert segment.domain_categories(key_hash("casino.example")) == ("gambling",)
