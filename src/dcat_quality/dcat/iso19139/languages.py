"""Languages: ISO 639-2 codes (what ISO 19139 records carry) as BCP 47 tags for literals
and as IRIs of the EU language authority table (GeoDCAT-AP)."""

from __future__ import annotations

EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"

#: ISO 639-2/B codes (what ISO 19139 records carry) → the ISO 639-2/T code the EU
#: language authority list uses in its IRIs (GeoDCAT-AP: "the URI of the relevant
#: language available from the register operated by the EU Publications Office").
_BIBLIOGRAPHIC_TO_TERMINOLOGIC = {
    "alb": "sqi",
    "arm": "hye",
    "baq": "eus",
    "bur": "mya",
    "chi": "zho",
    "cze": "ces",
    "dut": "nld",
    "fre": "fra",
    "geo": "kat",
    "ger": "deu",
    "gre": "ell",
    "ice": "isl",
    "mac": "mkd",
    "mao": "mri",
    "may": "msa",
    "per": "fas",
    "rum": "ron",
    "slo": "slk",
    "tib": "bod",
    "wel": "cym",
}
#: ISO 639-2 → the BCP 47 tag (ISO 639-1) RDF literals take (``xml:lang``), for the
#: languages of the EU and its neighbours; GeoDCAT-AP: "a mapping from the actual value
#: of the metadata language is needed".
_BCP47 = {
    "bul": "bg",
    "hrv": "hr",
    "ces": "cs",
    "dan": "da",
    "nld": "nl",
    "eng": "en",
    "est": "et",
    "fin": "fi",
    "fra": "fr",
    "deu": "de",
    "ell": "el",
    "hun": "hu",
    "gle": "ga",
    "ita": "it",
    "lav": "lv",
    "lit": "lt",
    "mlt": "mt",
    "pol": "pl",
    "por": "pt",
    "ron": "ro",
    "slk": "sk",
    "slv": "sl",
    "spa": "es",
    "swe": "sv",
    "isl": "is",
    "nor": "no",
    "nob": "nb",
    "nno": "nn",
    "cat": "ca",
    "eus": "eu",
    "glg": "gl",
    "ltz": "lb",
    "roh": "rm",
    "cym": "cy",
    "sqi": "sq",
    "mkd": "mk",
    "srp": "sr",
    "bos": "bs",
    "tur": "tr",
    "ukr": "uk",
    "rus": "ru",
}


def language_tag(code: str | None) -> str | None:
    """The BCP 47 tag of an ISO 639-2 code (``fre`` → ``fr``); None when unknown."""
    if not code:
        return None
    code = code.strip().lower()
    if len(code) == 2:
        return code
    return _BCP47.get(_BIBLIOGRAPHIC_TO_TERMINOLOGIC.get(code, code))


def language_iri(code: str | None) -> str | None:
    """The EU language authority IRI of an ISO 639-2 code (``fre`` → ``…/language/FRA``)."""
    if not code or len(code.strip()) != 3:
        return None
    code = code.strip().lower()
    return EU_LANGUAGE + _BIBLIOGRAPHIC_TO_TERMINOLOGIC.get(code, code).upper()


def text_language(text: str | None) -> str | None:
    """The BCP 47 tag of a three-letter language name written as text, if it is one."""
    return language_tag(text) if text and len(text.strip()) == 3 else None
