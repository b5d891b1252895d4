"""A data dir with the sample policy and the UT1 categories its matrix names, imported once."""

from __future__ import annotations

from pathlib import Path

import pytest

from harbour.filtering import FilterEngine, ListStore, compile_policy
from tests.paths import SAMPLE_POLICY, UT1

# The categories the sample policy's rows name (importing all 69 takes several seconds).
POLICY_CATEGORIES = {
    "adult",
    "mixed_adult",
    "games",
    "educational_games",
    "gambling",
    "arjel",
    "shopping",
    "social_networks",
    "chat",
    "filehosting",
    "audio-video",
    "dating",
    "vpn",
    "drogue",
    "porn",
    "malware",
}


@pytest.fixture(scope="session")
def ut1() -> Path:
    if not (UT1 / "games" / "domains").is_file():
        pytest.skip(f"the UT1 lists are not at {UT1}")
    return UT1


@pytest.fixture(scope="session")
def school_data(tmp_path_factory: pytest.TempPathFactory, ut1: Path) -> Path:
    """A data dir: sample policy snapshot plus the policy's UT1 categories, compiled."""
    data = tmp_path_factory.mktemp("school")
    ListStore(data / "lists").import_categories(ut1, POLICY_CATEGORIES)
    compile_policy(SAMPLE_POLICY, data)
    return data


@pytest.fixture(scope="session")
def engine(school_data: Path) -> FilterEngine:
    return FilterEngine.open(school_data)


def is_ip(domain: str) -> bool:
    return domain.replace(".", "").isdigit()


def only_in(
    engine: FilterEngine, category: str, count: int = 3, want=lambda d: not is_ip(d)
) -> list[str]:  # type: ignore[no-untyped-def]
    """Domains from the UT1 ``category`` that match that category and nothing else (and
    satisfy ``want``; by default: not IP literals)."""
    found = []
    with open(UT1 / category / "domains", encoding="utf-8") as handle:
        for line in handle:
            domain = line.strip()
            if not domain or not want(domain):
                continue
            if {m.category for m in engine.matcher.match_host(domain)} == {category}:
                found.append(domain)
                if len(found) == count:
                    break
    return found
