"""Importing UT1 collections and locked feeds: compiled, swapped atomically, never half-done."""

from __future__ import annotations

import http.server
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harbour.filtering import ListImportError, ListStore
from harbour.filtering.matcher import Matcher
from harbour.filtering.urlnorm import normalise_url


def write_collection(root: Path) -> Path:
    """A small UT1-style collection: split files, both kinds of alias, urls and expressions."""
    games = root / "blacklists" / "games"
    games.mkdir(parents=True)
    (games / "domains.0").write_text("arcade.example\nflash-games.example\n")
    (games / "domains.1").write_text("# a comment\n\nBÜCHER-SPIELE.example.\n")
    (games / "urls").write_text("portal.example/games\nportal.example/play/?id=7\n")
    (games / "usage").write_text("black\n")
    adult = root / "blacklists" / "adult"
    adult.mkdir()
    (adult / "domains").write_text("adult.example\n")
    (adult / "expressions").write_text(r"(^|[-./])xxx([-./]|$)" + "\n")
    (adult / "usage").write_text("black\nadult\n")
    (root / "blacklists" / "porn").write_text("adult")  # an alias written as a small file
    (root / "blacklists" / "jeux").symlink_to("games")  # an alias as a symbolic link
    (root / "blacklists" / "README").write_text("not a category\n")
    return root


def categories(store: ListStore, url: str) -> set[str]:
    return {m.category for m in Matcher(store.segments()).match(normalise_url(url))}


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    return write_collection(tmp_path / "ut1")


@pytest.fixture
def store(tmp_path: Path) -> ListStore:
    return ListStore(tmp_path / "lists")


def test_a_folder_import_serves_domains_urls_and_expressions(
    collection: Path, store: ListStore
) -> None:
    store.import_categories(collection)
    assert categories(store, "http://www.arcade.example/") == {"games"}
    assert categories(store, "http://Bücher-Spiele.example/") == {"games"}
    assert categories(store, "http://portal.example/games/chess") == {"games"}
    assert categories(store, "http://portal.example/gamesx") == set()
    assert categories(store, "http://portal.example/play/?id=7") == {"games"}
    assert categories(store, "http://portal.example/play/?id=8") == set()
    assert categories(store, "http://cdn.example/xxx/video") == {"adult"}


def test_aliases_from_symlinks_and_small_files_name_their_target(
    collection: Path, store: ListStore
) -> None:
    store.import_categories(collection)
    assert Matcher(store.segments()).aliases == {"porn": "adult", "jeux": "games"}


def test_a_tarball_import_equals_a_folder_import(
    collection: Path, store: ListStore, tmp_path: Path
) -> None:
    archive = tmp_path / "blacklists.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(collection / "blacklists", arcname="blacklists")
    store.import_categories(archive)
    assert categories(store, "http://flash-games.example/") == {"games"}
    assert store.status()["segments"][0]["categories"]["games"]["domains"] == 3


def test_a_bad_entry_fails_the_import_naming_file_and_line_and_keeps_the_old_lists(
    collection: Path, store: ListStore
) -> None:
    first = store.import_categories(collection)
    (collection / "blacklists" / "games" / "domains.1").write_text(
        "good.example\nbad domain.example\n"
    )
    with pytest.raises(ListImportError) as failure:
        store.import_categories(collection)
    assert f"{collection}/blacklists/games/domains.1:2:" in str(failure.value)
    assert store.generation() == first
    assert categories(store, "http://arcade.example/") == {"games"}


def test_a_truncated_tarball_fails_and_keeps_the_old_lists(
    collection: Path, store: ListStore, tmp_path: Path
) -> None:
    first = store.import_categories(collection)
    archive = tmp_path / "broken.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(collection / "blacklists", arcname="blacklists")
    archive.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(ListImportError, match="damaged or incomplete"):
        store.import_categories(archive)
    assert store.generation() == first
    assert not [p for p in store.root.iterdir() if p.name.startswith((".staging", ".unpack"))]


def test_an_invalid_expression_is_reported_with_its_line(
    collection: Path, store: ListStore
) -> None:
    (collection / "blacklists" / "adult" / "expressions").write_text("ok\n(unclosed\n")
    with pytest.raises(
        ListImportError, match=r"adult/expressions:2: not a valid regular expression"
    ):
        store.import_categories(collection)
    assert store.generation() is None


def test_a_locked_feed_is_kept_across_category_imports(
    collection: Path, store: ListStore, tmp_path: Path
) -> None:
    feed = tmp_path / "iwf.txt"
    feed.write_text("# IWF test feed\nhttp://abuse.example/path/page.html\nwhole-site.example\n")
    store.import_locked("iwf", feed)
    store.import_categories(collection)
    matched = Matcher(store.segments()).match(normalise_url("https://abuse.example/path/page.html"))
    assert [(m.category, m.locked) for m in matched] == [("iwf", True)]
    assert categories(store, "http://www.whole-site.example/") == {"iwf"}
    assert categories(store, "http://abuse.example/other") == set()


def test_an_empty_or_bad_locked_feed_is_refused(store: ListStore, tmp_path: Path) -> None:
    feed = tmp_path / "ctiru.txt"
    feed.write_text("# nothing\n")
    with pytest.raises(ListImportError, match="no entries"):
        store.import_locked("ctiru", feed)
    feed.write_text("ok.example\nhttp://bad host/x\n")
    with pytest.raises(ListImportError, match=r"ctiru.txt:2:"):
        store.import_locked("ctiru", feed)
    assert store.generation() is None


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server on 127.0.0.1 serving ``tmp_path / 'www'``."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):  # type: ignore[no-untyped-def]
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def test_update_downloads_a_tarball_over_http(collection: Path, store: ListStore, web_root) -> None:  # type: ignore[no-untyped-def]
    base, root = web_root
    with tarfile.open(root / "blacklists.tar.gz", "w:gz") as tar:
        tar.add(collection / "blacklists", arcname="blacklists")
    store.update_from(f"{base}/blacklists.tar.gz")
    assert categories(store, "http://arcade.example/") == {"games"}
    with pytest.raises(ListImportError, match="download failed"):
        store.update_from(f"{base}/missing.tar.gz")


def test_status_says_what_is_serving(collection: Path, store: ListStore) -> None:
    assert store.status()["generation"] is None
    generation = store.import_categories(collection, only={"games"})
    status = store.status()
    assert status["generation"] == generation
    assert list(status["segments"][0]["categories"]) == ["games"]


def test_a_file_of_junk_is_reported_briefly_with_a_count(
    collection: Path, store: ListStore
) -> None:
    junk = "\n".join(f"bad entry {n}" for n in range(5000))
    (collection / "blacklists" / "games" / "domains.1").write_text(junk + "\n")
    with pytest.raises(ListImportError) as failure:
        store.import_categories(collection)
    assert failure.value.count == 5000
    message = str(failure.value)
    assert message.count("\n") == 20 and message.endswith("... and 4980 more problems")


def test_deep_url_entries_match_however_deep_they_are(collection: Path, store: ListStore) -> None:
    deep = "/".join(f"d{n}" for n in range(40))
    (collection / "blacklists" / "games" / "urls").write_text(f"portal.example/{deep}\n")
    store.import_categories(collection)
    assert categories(store, f"http://portal.example/{deep}/page.html") == {"games"}
    assert categories(store, f"http://portal.example/{deep[:-3]}") == set()
