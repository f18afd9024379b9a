"""Local folder and file sources: listing, skipping, gunzip, corrupt pages, prefetch."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from dcat_quality.config import Settings
from dcat_quality.errors import EmptySourceError, PageError, SourceError
from dcat_quality.sources import (
    LocalSource,
    PageRef,
    Source,
    is_page_name,
    iter_pages,
    open_source,
    require_pages,
)


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    root = tmp_path / "dump"
    (root / "sub dir").mkdir(parents=True)
    (root / "b.json").write_bytes(b'{"b": 1}')
    (root / "a.ttl").write_bytes(b"<a> <b> <c> .")
    (root / "sub dir" / "é+1.jsonld.gz").write_bytes(gzip.compress(b'{"gz": true}'))
    (root / "sub dir" / "c.RDF").write_bytes(b"<rdf/>")
    (root / "README.md").write_text("not a page")
    (root / "sub dir" / ".DS_Store").write_bytes(b"\0")
    return root


def test_lists_pages_sorted_and_reports_skipped(dump: Path) -> None:
    source = open_source(str(dump), Settings())
    assert isinstance(source, Source)
    refs = list(source.list_pages())
    assert [r.key for r in refs] == ["a.ttl", "b.json", "sub dir/c.RDF", "sub dir/é+1.jsonld.gz"]
    assert refs[1].size == 8
    assert list(source.skipped) == ["README.md", "sub dir/.DS_Store"]
    assert "dump" in source.describe()


def test_reads_plain_and_gzipped_pages(dump: Path) -> None:
    source = LocalSource(dump)
    pages = {ref.key: source.read(ref) for ref in source.list_pages()}
    assert pages["b.json"] == b'{"b": 1}'
    assert pages["sub dir/é+1.jsonld.gz"] == b'{"gz": true}'


def test_gzip_detected_by_magic_number(tmp_path: Path) -> None:
    (tmp_path / "page.json").write_bytes(gzip.compress(b"{}"))
    source = LocalSource(tmp_path)
    [ref] = source.list_pages()
    assert source.read(ref) == b"{}"


@pytest.mark.parametrize(
    "payload",
    [
        gzip.compress(b'{"x": "' + b"y" * 5000 + b'"}')[:-20],
        b"not gzip at all",
        b"\x1f\x8b\x08junk",
    ],
    ids=["truncated", "not-gzip", "corrupt"],
)
def test_corrupt_gzip_is_a_page_error(tmp_path: Path, payload: bytes) -> None:
    (tmp_path / "bad.json.gz").write_bytes(payload)
    source = LocalSource(tmp_path)
    [ref] = source.list_pages()
    with pytest.raises(PageError) as info:
        source.read(ref)
    assert info.value.file == "bad.json.gz"
    assert "gunzip" in info.value.reason
    assert info.value.hint


def test_single_file_is_a_page_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "catalog.dump"
    path.write_bytes(b"data")
    source = open_source(str(path), Settings())
    assert [r.key for r in source.list_pages()] == ["catalog.dump"]
    assert source.read(PageRef("catalog.dump")) == b"data"


def test_missing_folder_is_a_clear_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found") as info:
        open_source(str(tmp_path / "nowhere"), Settings())
    assert "nowhere" in str(info.value)


def test_empty_source_names_location_and_what_was_looked_for(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(EmptySourceError) as info:
        require_pages(open_source(str(tmp_path), Settings()))
    message = str(info.value)
    assert str(tmp_path) in message
    assert "*.json" in message
    assert "notes.txt" in message


def test_page_disappearing_after_listing_is_a_page_error(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text("{}")
    source = LocalSource(tmp_path)
    refs = require_pages(source)
    (tmp_path / "p.json").unlink()
    with pytest.raises(PageError, match="disappeared"):
        source.read(refs[0])


@pytest.mark.parametrize("prefetch", [0, 1, 3])
def test_iter_pages_keeps_order_and_quarantines_bad_pages(tmp_path: Path, prefetch: int) -> None:
    for i in range(10):
        data = b"\x1f\x8b broken" if i == 4 else gzip.compress(f"page {i}".encode())
        (tmp_path / f"p{i:02d}.json.gz").write_bytes(data)
    source = LocalSource(tmp_path)
    results = list(iter_pages(source, source.list_pages(), prefetch=prefetch))
    assert [ref.key for ref, _ in results] == [f"p{i:02d}.json.gz" for i in range(10)]
    assert isinstance(results[4][1], PageError)
    assert results[7][1] == b"page 7"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.json", True),
        ("a.JSONLD.GZ", True),
        ("a.owl", True),
        ("a.nt.gz", True),
        ("a.xml", True),
        ("a.json.bak", False),
        ("a.csv", False),
        ("a.gz", False),
        ("dir/", False),
    ],
)
def test_page_names(name: str, expected: bool) -> None:
    assert is_page_name(name) is expected
