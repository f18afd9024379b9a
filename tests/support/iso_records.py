"""The ISO 19139 records of shared/realdata, with the values read by hand from each XML
file (the element named in the comment). Where the GeoDCAT-AP mapping moves a value
elsewhere (the metadata contact goes to the catalogue record, a licence lives on the
distributions), the comment says so. Read by the ISO 19139 mapping tests and the CSW tests.
"""

from __future__ import annotations

from dataclasses import dataclass

ETALAB_PDF = "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf"
NO_LIMITATIONS = (
    "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations"
)
PARIS_BOX = (
    "POLYGON((2.46962285 48.90165329,2.22396016 48.90165329,2.22396016 48.81560898,"
    "2.46962285 48.81560898,2.46962285 48.90165329))"
)
OGC_GEOIDE = "https://ogc.geo-ide.developpement-durable.gouv.fr/wxs?map=/opt/data/carto/geoide-catalogue/1.4/"
OGC_RIE = "https://ogc.geo-ide.e2.rie.gouv.fr/wxs?map=/opt/data/carto/geoide-catalogue/1.4/"
LICENCE_OUVERTE_TEXT = (
    "Licence Ouverte / Open Licence Version 2.0 "
    "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf"
)
NO_ARTICLE = (
    "Aucun des articles de la loi ne peut être invoqué pour justifier d'une restriction "
    "d'accès public."
)


@dataclass(frozen=True)
class Expected:
    """Values read by hand from the XML."""

    title: str
    email: str | None  # the resource's pointOfContact e-mail (dcat:contactPoint)
    licences: frozenset[str]  # every dct:license of the distributions (IRI or label)
    bbox: str | None  # the first gmd:EX_GeographicBoundingBox as a WKT polygon
    boxes: int  # how many bounding boxes
    access_urls: frozenset[str]  # distribution URLs (download functions and services)
    record_email: str | None = None  # the metadata contact (gmd:contact), on the record
    series: bool = False


def _urls(*urls: str) -> frozenset[str]:
    return frozenset(urls)


EXPECTED: dict[str, Expected] = {
    "ecospheres-iso-dcat/geoide_1.xml": Expected(
        # gmd:title; the pointOfContact of identificationInfo carries the e-mail
        title="Délimitation des Zones d’Aménagement Concerté (ZAC) de Paris",
        email="pect.sadct.udea75.driea-if@developpement-durable.gouv.fr",
        # MD_LegalConstraints with useConstraints: otherConstraints/gmx:Anchor
        licences=frozenset({ETALAB_PDF}),
        # west 2.46962285 east 2.22396016 south 48.81560898 north 48.90165329 (sic)
        bbox=PARIS_BOX,
        boxes=1,
        # two Atom downloads (function download) and four OGC:WMS / OGC:WFS endpoints
        access_urls=_urls(
            "https://atom.geo-ide.developpement-durable.gouv.fr/atomArchive/GetResource?"
            "id=23811dae-62cc-439c-bcf2-9159fe92cba2&dataType=dataset",
            "https://atom.geo-ide.e2.rie.gouv.fr/atomArchive/GetResource?"
            "id=23811dae-62cc-439c-bcf2-9159fe92cba2&dataType=dataset",
            OGC_GEOIDE + "org_4942761/23811dae-62cc-439c-bcf2-9159fe92cba2.internet.map"
            "&service=WMS&request=GetCapabilities",
            OGC_GEOIDE + "org_4942761/23811dae-62cc-439c-bcf2-9159fe92cba2.internet.map"
            "&service=WFS&request=GetCapabilities",
            OGC_RIE + "org_4942761/23811dae-62cc-439c-bcf2-9159fe92cba2.intranet.map"
            "&service=WMS&request=GetCapabilities",
            OGC_RIE + "org_4942761/23811dae-62cc-439c-bcf2-9159fe92cba2.intranet.map"
            "&service=WFS&request=GetCapabilities",
        ),
        record_email="pect.sadct.udea75.driea-if@developpement-durable.gouv.fr",
    ),
    "ecospheres-iso-dcat/geoide_2.xml": Expected(
        title=(
            "Campagne d'irrigation hors-étiage 2022-2023, période hivernale, hors ZRE - "
            "Département des Landes"
        ),
        # the resource's parties are "owner" (dct:rightsHolder); the only pointOfContact
        # is the metadata contact, which GeoDCAT-AP puts on the catalogue record
        email=None,
        # TG 1.3 useLimitation (×2) → licence; otherConstraints sits in the block with
        # accessConstraints → access rights
        licences=frozenset({LICENCE_OUVERTE_TEXT, NO_ARTICLE}),
        bbox=(
            "POLYGON((0.13680026 44.53219604,-1.52486992 44.53219604,-1.52486992 43.48859406,"
            "0.13680026 43.48859406,0.13680026 44.53219604))"
        ),
        boxes=1,
        access_urls=_urls(
            "https://atom.geo-ide.developpement-durable.gouv.fr/atomArchive/GetResource?"
            "id=90dd3756-8b73-4dbc-a99f-01503b507228&dataType=dataset",
            "https://atom.geo-ide.e2.rie.gouv.fr/atomArchive/GetResource?"
            "id=90dd3756-8b73-4dbc-a99f-01503b507228&dataType=dataset",
            OGC_GEOIDE + "org_38022/90dd3756-8b73-4dbc-a99f-01503b507228.internet.map"
            "&service=WMS&request=GetCapabilities",
            OGC_GEOIDE + "org_38022/90dd3756-8b73-4dbc-a99f-01503b507228.internet.map"
            "&service=WFS&request=GetCapabilities",
            OGC_RIE + "org_38022/90dd3756-8b73-4dbc-a99f-01503b507228.intranet.map"
            "&service=WMS&request=GetCapabilities",
            OGC_RIE + "org_38022/90dd3756-8b73-4dbc-a99f-01503b507228.intranet.map"
            "&service=WFS&request=GetCapabilities",
        ),
        record_email="ddtm-adl@landes.gouv.fr",
    ),
    "ecospheres-iso-dcat/naturefrance_1.xml": Expected(
        title="Caractérisation des sites Natura 2000",
        email=None,  # the pointOfContact PATRINAT has an empty electronicMailAddress
        licences=frozenset(),  # no distribution: the licence has nowhere to go
        bbox=None,  # no EX_GeographicBoundingBox
        boxes=0,
        access_urls=frozenset(),  # one WWW:LINK without function code: a landing page
    ),
    "ecospheres-iso-dcat/sextant_1.xml": Expected(
        title=(
            "0-Distribution des espèces invertébrés benthiques observées par les campagnes "
            "halieutiques en Atlantique"
        ),
        email=None,  # author ×3, publisher, resourceProvider: no resource pointOfContact
        # useLimitation "Données sous Licence ouverte / Open licence : http://…"
        licences=frozenset(
            {
                "Données sous Licence ouverte / Open licence : "
                "http://www.etalab.gouv.fr/pages/licence-ouverte-open-licence-5899923.html"
            }
        ),
        bbox=(
            "POLYGON((-11.333 51.867,-1.133 51.867,-1.133 43.667,-11.333 43.667,-11.333 51.867))"
        ),
        boxes=1,
        access_urls=_urls("https://sextant.ifremer.fr/services/wms/atlas_benthal"),  # OGC:WMS
        record_email="Pascal.Laffargue@ifremer.fr",
    ),
    "plume-mtes/iso19139/iso_datara_territoire_fonds_air_bois.xml": Expected(
        title="Périmètres des territoires fonds air bois en Auvergne-Rhône-Alpes",
        email=None,  # distributor only, with an empty address
        licences=frozenset(
            {
                "Utilisation libre sous réserve de mentionner la source (a minima le nom du "
                "producteur) et la date de sa dernière mise à jour"
            }
        ),
        bbox=(
            "POLYGON((2.0629141330719 46.8040313720703,7.18588781356812 46.8040313720703,"
            "7.18588781356812 44.1153793334961,2.0629141330719 44.1153793334961,"
            "2.0629141330719 46.8040313720703))"
        ),
        boxes=1,
        access_urls=_urls(  # OGC:WMS-1.1.1-http-get-map, OGC:WFS-1.0.0-… ×2
            "https://datacarto.datara.gouv.fr/wms?service=WMS&request=GetCapabilities",
            "https://datacarto.datara.gouv.fr/wfs?service=WFS&request=GetCapabilities",
            "https://datacarto.datara.gouv.fr/wfs/5333a7cb-115d-431c-b1c2-55325304f921"
            "?service=WFS&request=GetCapabilities",
        ),
    ),
    "plume-mtes/iso19139/iso_geoide_lot_ppr_montardon.xml": Expected(
        title=(
            "PPR MONTARDON (64DDTM20050014) - Plan de Prévention des risques naturels (PPRN) "
            "de la commune de MONTARDON (64399) - département des Pyrénées-Atlantiques"
        ),
        email="ddtm-mot@pyrenees-atlantiques.gouv.fr",
        licences=frozenset(),  # no function code, no service protocol: no distribution
        bbox=(
            "POLYGON((-0.32536644 43.38634109,-0.37994623 43.38634109,-0.37994623 43.34681320,"
            "-0.32536644 43.34681320,-0.32536644 43.38634109))"
        ),
        boxes=1,
        access_urls=frozenset(),
        record_email="ddtm-mot@pyrenees-atlantiques.gouv.fr",
    ),
    "plume-mtes/iso19139/iso_geoide_quartiers_cucs_paris.xml": Expected(
        title="Périmètres des quartiers du Contrat Urbain de Cohésion Sociale 2007-2014 de Paris",
        email="pect.sadct.udea75.driea-if@developpement-durable.gouv.fr",
        licences=frozenset(),
        bbox=PARIS_BOX,
        boxes=1,
        access_urls=frozenset(),
        record_email="pect.sadct.udea75.driea-if@developpement-durable.gouv.fr",
    ),
    "plume-mtes/iso19139/iso_geoide_zac_paris.xml": Expected(
        title="Délimitation des Zones d’Aménagement Concerté (ZAC) de Paris",
        email="pect.sadct.udea75.driea-if@developpement-durable.gouv.fr",
        licences=frozenset(),
        bbox=PARIS_BOX,
        boxes=1,
        access_urls=frozenset(),
        record_email="pect.sadct.udea75.driea-if@developpement-durable.gouv.fr",
    ),
    "plume-mtes/iso19139/iso_geolittoral_sentier_du_littoral.xml": Expected(
        title="Sentier du Littoral français (métropole et outre-mer)",
        email=None,  # the resource has an owner and a custodian, no pointOfContact
        licences=frozenset(
            {
                "« Licence Ouverte / Open Licence » Version 2.0 (avril 2017) , définie par la "
                "mission Etalab placée sous l'autorité du Premier ministre. Utilisation libre "
                "sous réserve de mentionner la source (« Source : © Typologie et usage - sentier "
                "du littoral français (métropole et outre-mer) - Ministère en charge de "
                "l’environnement ») et la date de sa dernière mise à jour.",
                "Ressource disponible du 1/3.000.000 au 1/5.000",
            }
        ),
        # five boxes (metropole and four overseas ones); the record keeps the smallest WKT
        bbox=(
            "POLYGON((-5.857279826455812 51.43245199253582,10.666157673544188 "
            "51.43245199253582,10.666157673544188 41.15261992754145,-5.857279826455812 "
            "41.15261992754145,-5.857279826455812 51.43245199253582))"
        ),
        boxes=5,
        access_urls=_urls(  # the two function="download" links
            "http://www.geolittoral.developpement-durable.gouv.fr/"
            "telechargement-des-donnees-du-site-geolittoral-a802.html#sommaire_9",
            "http://geolittoral.din.developpement-durable.gouv.fr/telechargement/"
            "dictionnaire_donnees/N_sentier_littoral_L_metropole_outremer.pdf",
        ),
        record_email="geolittoral.geel.dadt.dternc@cerema.fr",
    ),
    "plume-mtes/iso19139/iso_ignf_bdaltir_2_0.xml": Expected(
        title="BD ALTI®",
        email="sav.bd@ign.fr",
        licences=frozenset(),  # information links and a PDF without function: no distribution
        bbox="POLYGON((-5.15 51.10,8.24 51.10,8.24 42.33,-5.15 42.33,-5.15 51.10))",
        boxes=13,
        access_urls=frozenset(),
        record_email="sav.bd@ign.fr",
        series=True,  # hierarchyLevel series
    ),
}
