"""Shared set-up for the registers' tests: a private data dir with a tiny category list."""

from __future__ import annotations

from pathlib import Path

import pytest

from harbour.filtering import ListStore
from harbour.paths import DATA_ENV

SOCIAL_SITE = "chatter.example"  # in the social_networks list: staff may, visitors may not


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HARBOUR_DATA_DIR pointed at a fresh folder whose lists hold one social network."""
    source = tmp_path / "ut1" / "social_networks"
    source.mkdir(parents=True)
    (source / "domains").write_text(f"{SOCIAL_SITE}\n")
    data = tmp_path / "data"
    ListStore(data / "lists").import_categories(tmp_path / "ut1", {"social_networks"})
    monkeypatch.setenv(DATA_ENV, str(data))
    return data


def staff_member(username: str = "bob", external_id: str = "S100", **extra):  # type: ignore[no-untyped-def]
    """A member of staff in the directory, linked to a login by username."""
    from harbour.apps.people.models import Person

    values = {
        "kind": "staff",
        "external_id": external_id,
        "first_name": username.title(),
        "last_name": "Example",
        "username": username,
        "role": "staff",
        **extra,
    }
    return Person.objects.create(**values)
