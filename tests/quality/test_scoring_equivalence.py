"""The scoring hot path against plain reference implementations: byte-identical results.

``score_dataset``, ``summarise`` (the summary without the full result) and the
Ecosphères, SHACL and warehouse-row code the parse workers run per dataset are written
for speed: tables built once per registry, shared rows, fewer Python calls. The
references below are the direct transcription of the rules, one object per check, as
the code read before it was optimised. Every dataset of the real files, of generated
pages and of random records must come out exactly the same, in every scoring context
(no link check, some, all; SHACL not run, passed, failed).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import replace
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest

from dcat_quality.dcat.parse import parse_page
from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.errors import PageError
from dcat_quality.quality import ecospheres, vocabularies
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.geo import parse_insee
from dcat_quality.quality.mqa import (
    FULL,
    MAX_POINTS,
    METHODOLOGY_VERSION,
    RATINGS,
    WITHOUT_DCAT_AP,
    WITHOUT_LINK_CHECKS,
    WITHOUT_LINK_CHECKS_AND_DCAT_AP,
    CheckRow,
    DistributionScore,
    MqaResult,
    ScoreSummary,
    rating_for,
    score_dataset,
    summarise,
)
from dcat_quality.quality.registry import (
    MQA_DIMENSIONS,
    CheckContext,
    Outcome,
    RegisteredIndicator,
    Registry,
)
from dcat_quality.quality.vocabularies import load_vocabularies
from dcat_quality.sample import build_page, serialize_page

# -- references ------------------------------------------------------------------------


def _reference_row(
    entry: RegisteredIndicator, distribution_id: str | None, outcome: Outcome
) -> CheckRow:
    ind = entry.indicator
    passed = None if outcome is None else bool(outcome)
    return CheckRow(
        indicator_id=ind.id,
        dimension=ind.dimension,
        distribution_id=distribution_id,
        passed=passed,
        points_won=ind.points if passed else 0,
        points_at_stake=0 if passed is None else ind.points,
    )


def _reference_by_dimension(rows: list[CheckRow], attr: str) -> dict[str, int]:
    sums = dict.fromkeys(MQA_DIMENSIONS, 0)
    for row in rows:
        sums[row.dimension] += getattr(row, attr)
    return sums


def _reference_rating(total: int, max_points: int) -> str:
    if max_points <= 0:
        return "bad"
    projected = Fraction(total * MAX_POINTS, max_points)
    for name, lowest in RATINGS:
        if projected >= lowest:
            return name
    return "bad"


def reference_score(
    record: DatasetRecord,
    link_status: Mapping[str, int] | None,
    dcat_ap_compliant: bool | None,
    registry: Registry | None = None,
) -> MqaResult:
    """The MQA rules read literally (piveau's scoreMetrics): every check of every
    distribution, its two dates included, becomes a row; the first best one in the page
    counts; the dataset's dates only without distributions; the variant is the run's."""
    registry = registry or default_registry()
    context = CheckContext(link_status, dcat_ap_compliant, load_vocabularies())
    entries = registry.family("mqa")
    per_dataset = [e for e in entries if e.indicator.level == "dataset"]
    per_distribution = [e for e in entries if e.indicator.level == "distribution"]
    dates = [e for e in entries if e.indicator.level == "dataset+distribution"]

    candidates: list[tuple[str, list[CheckRow], int]] = []
    in_page_order = sorted(record.distributions, key=lambda d: d.position)
    for dist in in_page_order:
        rows = [
            _reference_row(e, dist.distribution_id, e.check(dist, context))
            for e in per_distribution + dates
        ]
        candidates.append((dist.distribution_id, rows, sum(r.points_won for r in rows)))
    best = None
    for candidate in candidates:
        if best is None or candidate[2] > best[2]:
            best = candidate

    counted: dict[str, CheckRow] = {}
    if best is not None:
        counted.update((row.indicator_id, row) for row in best[1])
    else:
        counted.update((e.indicator.id, _reference_row(e, None, False)) for e in per_distribution)
        counted.update(
            (e.indicator.id, _reference_row(e, None, e.check(record, context))) for e in dates
        )
    counted.update(
        (e.indicator.id, _reference_row(e, None, e.check(record, context))) for e in per_dataset
    )
    rows = [counted[e.indicator.id] for e in entries]

    no_links = link_status is None
    no_shacl = dcat_ap_compliant is None
    variant = (
        WITHOUT_LINK_CHECKS_AND_DCAT_AP
        if no_links and no_shacl
        else WITHOUT_LINK_CHECKS
        if no_links
        else WITHOUT_DCAT_AP
        if no_shacl
        else FULL
    )
    total = sum(row.points_won for row in rows)
    max_points = sum(row.points_at_stake for row in rows)
    return MqaResult(
        dataset_id=record.dataset_id,
        methodology_version=METHODOLOGY_VERSION,
        variant=variant,
        rows=tuple(rows),
        by_dimension=_reference_by_dimension(rows, "points_won"),
        max_by_dimension=_reference_by_dimension(rows, "points_at_stake"),
        total=total,
        max_points=max_points,
        rating=_reference_rating(total, max_points),
        best_distribution_id=best[0] if best else None,
        distributions=tuple(
            DistributionScore(
                dist_id,
                _reference_by_dimension(dist_rows, "points_won"),
                dist_total,
                best is not None and dist_id == best[0] and dist_rows is best[1],
            )
            for dist_id, dist_rows, dist_total in candidates
        ),
    )


# -- the records -----------------------------------------------------------------------


@cache
def _realdata_records(realdata: Path) -> tuple[DatasetRecord, ...]:
    records: list[DatasetRecord] = []
    for path in sorted(realdata.rglob("*")):
        if not path.is_file() or path.suffix == ".md":
            continue
        try:
            page = parse_page(path.read_bytes(), str(path.relative_to(realdata)))
        except PageError:
            continue
        records.extend(page.datasets)
    return tuple(records)


@cache
def _generated_records() -> tuple[DatasetRecord, ...]:
    records: list[DatasetRecord] = []
    for page in range(1, 4):
        document, _ = build_page(7, page, pages=3, count=100, total=300, page_size=100)
        records.extend(parse_page(serialize_page(document, "jsonld"), "g.json").datasets)
    return tuple(records)


_VALUES = (
    None,
    "",
    "  ",
    "CSV",
    "text/csv",
    "https://www.iana.org/assignments/media-types/text/csv",
    "http://publications.europa.eu/resource/authority/file-type/CSV",
    "http://publications.europa.eu/resource/authority/file-type/PDF",
    "https://spdx.org/licenses/etalab-2.0",
    "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
    "https://example.org/a",
    "https://example.org/b",
    "2024-05-31",
)


def _pick(rng: random.Random) -> str | None:
    return rng.choice(_VALUES)


def random_records(seed: int, count: int) -> Iterator[DatasetRecord]:
    """Records mixing present, blank, label and vocabulary values, 0 to 4 distributions."""
    rng = random.Random(seed)
    for n in range(count):
        dists = tuple(
            DistributionRecord(
                # duplicates on purpose: the best distribution is told apart by position
                distribution_id=f"d{rng.randrange(3)}",
                access_url=_pick(rng),
                download_url=_pick(rng),
                format=_pick(rng),
                media_type=_pick(rng),
                license=_pick(rng),
                byte_size=rng.choice((None, 0, 12)),
                issued=_pick(rng),
                modified=_pick(rng),
                rights=_pick(rng),
            )
            for _ in range(rng.randrange(5))
        )
        yield DatasetRecord(
            dataset_id=f"r{n}",
            keywords=rng.choice(((), ("eau",))),
            themes=rng.choice(((), ("t",))),
            spatial=rng.choice(((), ("http://id.insee.fr/geo/commune/97411",))),
            bbox=_pick(rng),
            temporal_start=_pick(rng),
            temporal_end=_pick(rng),
            access_rights=rng.choice(((), ("public",))),
            access_rights_iris=rng.choice(
                ((), ("http://publications.europa.eu/resource/authority/access-right/PUBLIC",))
            ),
            contact_name=_pick(rng),
            contact_email=_pick(rng),
            publisher=_pick(rng),
            issued=_pick(rng),
            modified=_pick(rng),
            has_contact_point=rng.random() < 0.3,
            has_publisher=rng.random() < 0.3,
            has_spatial=rng.random() < 0.3,
            has_temporal=rng.random() < 0.3,
            distributions=dists,
        )


def _urls(record: DatasetRecord) -> list[str]:
    return [u for d in record.distributions for u in (d.access_url, d.download_url) if u]


def contexts(record: DatasetRecord) -> Iterator[tuple[Mapping[str, int] | None, bool | None]]:
    """No link check; every URL 200; URLs half measured with mixed codes; × SHACL."""
    urls = _urls(record)
    rng = random.Random(record.dataset_id)
    mixed = {u: rng.choice((200, 204, 301, 404, 1100)) for u in urls if rng.random() < 0.5}
    for links in (None, dict.fromkeys(urls, 200), mixed):
        for compliant in (None, True, False):
            yield links, compliant


def _assert_same_scores(records: tuple[DatasetRecord, ...] | list[DatasetRecord]) -> None:
    """``score_dataset`` equals the reference, and ``summarise`` equals its summary."""
    assert records
    registry = default_registry()
    # the warehouse's bit positions: MQA checks in registry order
    checks = [i.id for i in registry if i.family == "mqa" and i.kind == "check"]
    positions = {indicator_id: bit for bit, indicator_id in enumerate(checks)}
    for record in records:
        for links, compliant in contexts(record):
            context = (record.dataset_id, links, compliant)
            full = score_dataset(
                record, link_status=links, dcat_ap_compliant=compliant, registry=registry
            )
            # repr: also the key order of the dimension mappings and the types
            assert repr(full) == repr(reference_score(record, links, compliant)), context
            lean = summarise(record, positions, link_status=links, dcat_ap_compliant=compliant)
            assert repr(lean) == repr(ScoreSummary.of(full, positions)), context


# -- MQA -------------------------------------------------------------------------------


def test_score_equals_the_reference_on_the_real_files(realdata: Path) -> None:
    _assert_same_scores(_realdata_records(realdata))


def test_score_equals_the_reference_on_generated_pages() -> None:
    _assert_same_scores(_generated_records())


def test_score_equals_the_reference_on_random_records() -> None:
    _assert_same_scores(list(random_records(1, 400)))


def test_score_equals_the_reference_on_a_custom_registry() -> None:
    """Tables are per registry: a registry whose checks differ gets its own."""

    def no_keywords(record: DatasetRecord, context: CheckContext) -> Outcome:
        return not record.keywords

    custom = Registry()
    for entry in default_registry().family("mqa"):
        # the opposite rule, so a table shared with the default registry would show
        check = no_keywords if entry.indicator.id == "mqa.keyword_availability" else entry.check
        custom.register(entry.indicator, check=check)
    for record in random_records(2, 50):
        expected = reference_score(record, None, True, registry=custom)
        assert score_dataset(record, dcat_ap_compliant=True, registry=custom) == expected
        assert score_dataset(record, dcat_ap_compliant=True) == reference_score(record, None, True)


def test_registry_tables_are_rebuilt_after_a_registration() -> None:
    registry = Registry()
    for entry in list(default_registry().family("mqa"))[:-1]:
        registry.register(entry.indicator, check=entry.check)
    record = next(random_records(3, 1))
    with pytest.raises(ValueError, match="holds 22 MQA indicators, not 23"):
        score_dataset(record, registry=registry)
    last = default_registry().family("mqa")[-1]
    registry.register(last.indicator, check=last.check)
    assert score_dataset(record, registry=registry) == reference_score(record, None, None)


def test_mqa_indicator_outside_the_five_dimensions_is_refused() -> None:
    registry = Registry()
    for entry in default_registry().family("mqa"):
        indicator = entry.indicator
        if indicator.id == "mqa.keyword_availability":
            indicator = replace(indicator, dimension="completeness")
        registry.register(indicator, check=entry.check)
    with pytest.raises(ValueError, match="no MQA dimension"):
        score_dataset(DatasetRecord("d"), registry=registry)


@pytest.mark.parametrize("max_points", [0, 1, 7, 295, 325, 375, 405])
def test_rating_equals_the_fraction_reference(max_points: int) -> None:
    for total in range(max_points + 1):
        assert rating_for(total, max_points) == _reference_rating(total, max_points)


def test_memoised_vocabulary_checks_equal_the_plain_lookups(realdata: Path) -> None:
    vocab = load_vocabularies()
    context = CheckContext(None, None, vocab)
    check = {e.indicator.id: e.check for e in default_registry().family("mqa")}
    long_iri = "http://publications.europa.eu/resource/authority/file-type/" + "C" * 300
    records = [*_realdata_records(realdata), *_generated_records(), *random_records(4, 300)]
    records.append(
        DatasetRecord(
            "long",
            access_rights_iris=(long_iri,),
            distributions=(DistributionRecord("d", format=long_iri, license=long_iri),),
        )
    )
    for _ in range(2):  # cold, then memoised
        for record in records:
            assert check["mqa.access_rights_vocabulary_alignment"](record, context) == any(
                iri in vocab.access_rights for iri in record.access_rights_iris
            )
            for d in record.distributions:
                assert check["mqa.format_media_type_vocabulary_alignment"](d, context) == (
                    d.format in vocab.file_types and d.media_type in vocab.media_types
                )
                assert check["mqa.format_media_type_non_proprietary"](
                    d, context
                ) == vocab.non_proprietary.matches(d.format, d.media_type)
                assert check["mqa.format_media_type_machine_readable"](
                    d, context
                ) == vocab.machine_readable.matches(d.format, d.media_type)
                assert check["mqa.known_licence"](d, context) == (d.license in vocab.licences)


def test_vocabulary_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabularies, "MEMO_SIZE", 3)
    licences = replace(load_vocabularies().licences)  # a fresh memo
    values = [f"https://example.org/licence/{n}" for n in range(10)]
    values += [value for value in _VALUES if value is not None]
    for _ in range(3):
        for value in values:
            assert (value in licences) == licences._lookup(value)
    assert 0 < len(licences._memo) <= 3


def test_vocabulary_memo_belongs_to_its_vocabulary() -> None:
    licences = load_vocabularies().licences
    etalab = "http://publications.europa.eu/resource/authority/licence/ETALAB_2_0"
    assert etalab in licences
    for n in range(10):  # a changed copy answers from its own keys, not a shared memo
        exact = frozenset() if n % 2 else licences.exact
        vocabulary = replace(licences, name=f"copy {n}", exact=exact)
        assert (etalab in vocabulary) == (n % 2 == 0)
        assert vocabulary == replace(licences, name=f"copy {n}", exact=exact)  # memo not compared
    long_value = "http://publications.europa.eu/resource/authority/licence/" + "x" * 300
    assert long_value not in licences
    assert long_value not in licences._memo  # long values are never kept


# -- Ecosphères ------------------------------------------------------------------------


def _reference_strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _reference_open_access(labels: tuple[str, ...], iris: tuple[str, ...] = ()) -> bool:
    open_iris = (
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
        "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations",
    )
    if any(iri in open_iris for iri in iris):
        return True
    markers = (
        "pas de restriction d'accès public selon inspire",
        "licence ouverte",
        "open licence",
    )

    def normal(label: str) -> str:
        for apostrophe in ("\u2019", "\u2018", "\u02bc"):
            label = label.replace(apostrophe, "'")
        return " ".join(label.lower().split())

    return any(any(m in normal(label) for m in markers) for label in labels)


_TEXTS = (
    "",
    "PPRN",
    "Plan de prévention des risques naturels",
    "PLAN DE PRÉVENTION DES RISQUES NATURELS",
    "pre\u0301vention de\u0301ja\u0300",  # marks already decomposed
    "ｐｐｒｎ",  # full width: NFKD makes it ASCII
    "ﬁchier ǅ Å ﬀ",  # ligatures, title case, compatibility forms
    "e\u0301\u0327\u0308\u20dd\u1dc0 क्षि \u0e48",  # stacked, enclosing and non-Latin marks
    "\udcff lone surrogate é",
    "Pas de restriction  d'accès\npublic selon INSPIRE",
    "Pas de restriction d\u2019accès public selon INSPIRE",
    "pas de restriction d\u02bcaccès public selon inspire",
    "Licence\tOuverte",
    "OPEN LICENCE",
    "licence",
)


def test_strip_accents_equals_the_reference_on_every_code_point() -> None:
    every = "".join(map(chr, range(0x110000)))
    step = 1 << 12
    for start in range(0, len(every), step):
        chunk = every[start : start + step]
        assert ecospheres._strip_accents(chunk) == _reference_strip_accents(chunk), hex(start)
    for text in _TEXTS:
        assert ecospheres._strip_accents(text) == _reference_strip_accents(text), text


def test_open_access_equals_the_reference() -> None:
    for text in _TEXTS:
        assert ecospheres.is_open_access((text,)) == _reference_open_access((text,)), text
    assert ecospheres.is_open_access(_TEXTS) == _reference_open_access(_TEXTS)


def _reference_compute(record: DatasetRecord) -> ecospheres.EcospheresIndicators:
    territories = tuple(t for t in map(parse_insee, record.spatial) if t is not None)
    code = ecospheres.status_code(record.status)
    values = {
        "catalog": record.catalog,
        "contact_point": record.contact_email,
        "licenses": record.licenses,
        "modification": record.modified,
        "rights_holder": record.rights_holder,
        "right_statement": record.access_rights,
        "spatial": tuple(t.iri for t in territories),
        "status": code,
        "title": record.title,
    }
    filled = sum(1 for name in ecospheres.FILL_RATE_FIELDS if ecospheres.is_filled(values[name]))
    text = _reference_strip_accents(f"{record.title or ''} {record.description or ''}").lower()
    return replace(
        ecospheres.compute(record),
        fill_rate=round(100.0 * filled / len(ecospheres.FILL_RATE_FIELDS), 2),
        filled_fields=filled,
        universe="PPRN" if "pprn" in text or "prevention des risques naturels" in text else None,
        open_access=_reference_open_access(record.access_rights, record.access_rights_iris),
        status_code=code,
    )


def test_ecospheres_equals_the_reference(realdata: Path) -> None:
    records = [*_realdata_records(realdata), *_generated_records()]
    records += [
        DatasetRecord(f"t{n}", title=text, description=text, access_rights=(text,))
        for n, text in enumerate(_TEXTS)
    ]
    for record in records:
        assert repr(ecospheres.compute(record)) == repr(_reference_compute(record))
