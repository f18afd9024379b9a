"""Every input that changes a score besides the record itself, named in one place.

A score depends on the dataset's content and on choices made for the whole run: the
methodology, the vocabularies (each with its version; the HVD category and licence lists
too, as they decide the HVD checks and the category labels stored), which licence lists
count as "known", the DCAT-AP version the compliance is checked against, and which checks
could be measured (the variant: link checks, SHACL). ``ScoringProfile`` holds the choices a user
makes (settings ``DCAT_QUALITY_DCAT_AP_VERSION``, ``DCAT_QUALITY_LICENCE_EXTRAS``);
``scoring_identity`` lists every input with its version, and ``scoring_digest`` hashes it:
a stored score can be reused for an unchanged dataset exactly when the digest it was
computed under equals the run's (incremental scoring, issue 16). Anything added to the
scoring must appear here, or a reused score would silently be the old one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

import orjson

from dcat_quality.errors import ConfigError
from dcat_quality.quality import shacl
from dcat_quality.quality.hvd_vocabulary import load_hvd_vocabulary
from dcat_quality.quality.mqa import METHODOLOGY_VERSION
from dcat_quality.quality.vocabularies import (
    DEFAULT_LICENCE_LISTS,
    LICENCE_LISTS,
    Vocabularies,
    load_vocabularies,
)


@dataclass(frozen=True, slots=True)
class ScoringProfile:
    """The run-wide choices a score depends on (defaults: what data.europa.eu computes)."""

    dcat_ap_version: str = shacl.DEFAULT_DCAT_AP_VERSION
    licence_lists: tuple[str, ...] = DEFAULT_LICENCE_LISTS

    def __post_init__(self) -> None:
        if self.dcat_ap_version not in shacl.DCAT_AP_VERSIONS:
            raise ConfigError(
                f"DCAT-AP version {self.dcat_ap_version!r} is not one we check: choose "
                + " or ".join(shacl.DCAT_AP_VERSIONS)
            )
        unknown = [name for name in self.licence_lists if name not in LICENCE_LISTS]
        if unknown or not self.licence_lists:
            raise ConfigError(
                f"unknown licence list(s) {unknown}: choose among {sorted(LICENCE_LISTS)}"
            )

    @classmethod
    def of(cls, dcat_ap_version: str, licence_extras: bool) -> ScoringProfile:
        """The profile the settings describe."""
        lists = DEFAULT_LICENCE_LISTS + (("dcat-quality-extras",) if licence_extras else ())
        return cls(dcat_ap_version, lists)

    @classmethod
    def of_run(cls, licence_list: str | None, dcat_ap_version: str | None) -> ScoringProfile:
        """The profile a run recorded (``runs.licence_list``, ``runs.dcat_ap_version``);
        the defaults for a run older than these columns."""
        lists = tuple(
            list_id
            for list_id in LICENCE_LISTS
            if licence_list and load_vocabularies((list_id,)).licences.name in licence_list
        )
        return cls(dcat_ap_version or shacl.DEFAULT_DCAT_AP_VERSION, lists or DEFAULT_LICENCE_LISTS)

    @property
    def vocabularies(self) -> Vocabularies:
        """The vocabularies the checks match against (licences: the chosen lists)."""
        return load_vocabularies(self.licence_lists)

    @property
    def licence_list(self) -> str:
        """The licence lists used, as every output names them."""
        return self.vocabularies.licences.name


DEFAULT_PROFILE = ScoringProfile()


def scoring_identity(
    profile: ScoringProfile = DEFAULT_PROFILE, *, link_checks: bool, dcat_ap: bool = True
) -> dict[str, str]:
    """Each input of a score and its version, in a fixed order.

    ``link_checks``/``dcat_ap``: whether the run measures the URL status checks and the
    DCAT-AP compliance (together: the score variant).
    """
    return _identity(profile, link_checks, dcat_ap).copy()


@cache
def _identity(profile: ScoringProfile, link_checks: bool, dcat_ap: bool) -> dict[str, str]:
    identity = {"methodology": METHODOLOGY_VERSION}
    identity.update(profile.vocabularies.describe())
    identity.update(load_hvd_vocabulary().describe())
    identity["licence lists"] = profile.licence_list
    compiled = shacl.shapes(profile.dcat_ap_version)
    identity["DCAT-AP"] = (
        f"{profile.dcat_ap_version} ({compiled.name}; {shacl.shapes_digest(compiled.version)})"
        if dcat_ap
        else "not checked"
    )
    identity["link checks"] = "measured" if link_checks else "not measured"
    return identity


def scoring_digest(
    profile: ScoringProfile = DEFAULT_PROFILE, *, link_checks: bool, dcat_ap: bool = True
) -> str:
    """A short hash of ``scoring_identity``: equal digests, interchangeable scores."""
    text = orjson.dumps(list(_identity(profile, link_checks, dcat_ap).items()))
    return hashlib.sha256(text).hexdigest()[:16]
