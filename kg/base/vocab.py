"""The ontology's terms, declared once.

``KG`` is a closed namespace: a misspelt term raises instead of minting an IRI
that no query would ever find. ``tests/test_vocab.py`` checks it against
``ontology/kg.ttl``.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DefinedNamespace, URIRef

ONTOLOGY_IRI = "https://w3id.org/kg-zh/ontology#"
#: Entities, documents and provenance nodes are minted under this base.
DATA_BASE = "https://w3id.org/kg-zh/id/"

ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")


class KG(DefinedNamespace):
    """Classes and properties of ``ontology/kg.ttl``."""

    _fail = True
    _NS = Namespace(ONTOLOGY_IRI)

    # places
    Place: URIRef
    AdministrativeDivision: URIRef
    Province: URIRef
    City: URIRef
    District: URIRef
    County: URIRef
    Township: URIRef
    Subdistrict: URIRef
    Village: URIRef
    Region: URIRef
    Venue: URIRef
    # organisations
    Organization: URIRef
    GovernmentBody: URIRef
    PartyOrganization: URIRef
    MassOrganization: URIRef
    Enterprise: URIRef
    IndustrialPark: URIRef
    Alliance: URIRef
    # other things
    PartyBrand: URIRef
    Project: URIRef
    Event: URIRef
    Person: URIRef
    Publication: URIRef
    # documents and provenance
    Article: URIRef
    Sentence: URIRef
    Mention: URIRef
    Statement: URIRef
    # relations
    locatedIn: URIRef
    memberOf: URIRef
    brandOf: URIRef
    launched: URIRef
    organizedBy: URIRef
    publishedBy: URIRef
    heldIn: URIRef
    settledIn: URIRef
    cooperatesWith: URIRef
    partnerOf: URIRef
    # attributes
    officialCode: URIRef
    adminLevel: URIRef
    crossRegional: URIRef
    province: URIRef
    channel: URIRef
    editor: URIRef
    sourceFile: URIRef
    contentHash: URIRef
    extractor: URIRef
    script: URIRef
    # provenance
    inDocument: URIRef
    sentence: URIRef
    sentenceIndex: URIRef
    text: URIRef
    startOffset: URIRef
    endOffset: URIRef
    page: URIRef
    paragraph: URIRef
    mentionOf: URIRef
    rule: URIRef
    trigger: URIRef
    confidence: URIRef


#: Entity classes of the graph contract, by local name.
ENTITY_CLASSES: tuple[str, ...] = (
    "Province", "City", "District", "County", "Township", "Subdistrict", "Village",
    "Region", "Venue",
    "GovernmentBody", "PartyOrganization", "MassOrganization", "Enterprise",
    "IndustrialPark", "Alliance",
    "PartyBrand", "Project", "Event", "Person", "Publication",
)

#: Administrative classes, ordered from the largest to the smallest.
ADMIN_CLASSES: tuple[str, ...] = (
    "Province", "City", "District", "County", "Township", "Subdistrict", "Village",
)

#: Relation properties of the graph contract, by local name.
RELATION_PROPERTIES: tuple[str, ...] = (
    "locatedIn", "memberOf", "brandOf", "launched", "organizedBy", "publishedBy",
    "heldIn", "settledIn", "cooperatesWith", "partnerOf",
)

SYMMETRIC_PROPERTIES: frozenset[str] = frozenset({"cooperatesWith", "partnerOf"})

#: Prefixes bound in every serialised graph, from one table.
PREFIXES: dict[str, str] = {
    "kg": ONTOLOGY_IRI,
    "kgid": DATA_BASE,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "org": str(ORG),
    "prov": str(PROV),
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}
