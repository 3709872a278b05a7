"""Hand-built RDF graphs in the shape a build produces (docs/architecture.md).

The extraction pipeline is written in parallel, so the viewer and the analytics are
tested on graphs assembled here triple by triple: two provinces, townships on both
sides of the Shanghai–Zhejiang border, an alliance across them, a party-building
brand, enterprises, and reified statements with their sentences and articles.
``GraphBuilder`` is also used by ``benchmarks/viz_bench.py`` for random graphs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from kg.base.vocab import DATA_BASE, KG, PREFIXES

KGID = Namespace(DATA_BASE)


def place_iri(code: str) -> URIRef:
    return KGID[f"place/{code}"]


def org_iri(cls: str, name: str) -> URIRef:
    return KGID[f"org/{cls}/{quote(name, safe='')}"]


@dataclass
class GraphBuilder:
    """Adds entities, articles and reified relations to one rdflib Graph."""

    graph: Graph = field(default_factory=Graph)
    _statements: int = 0

    def __post_init__(self) -> None:
        for prefix, ns in PREFIXES.items():
            self.graph.bind(prefix, ns)

    def entity(self, iri: URIRef, cls: str, zh: str, *, hant: str | None = None,
               pinyin: str | None = None, en: str | None = None, code: str | None = None,
               level: int | None = None, province: URIRef | None = None,
               cross_regional: bool = False) -> URIRef:
        g = self.graph
        g.add((iri, RDF.type, KG[cls]))
        g.add((iri, RDFS.label, Literal(zh, lang="zh-Hans")))
        g.add((iri, SKOS.prefLabel, Literal(zh, lang="zh-Hans")))
        for text, lang in ((hant, "zh-Hant"), (pinyin, "zh-Latn-pinyin"), (en, "en")):
            if text:
                g.add((iri, SKOS.altLabel, Literal(text, lang=lang)))
        if code:
            g.add((iri, KG.officialCode, Literal(code)))
        if level is not None:
            g.add((iri, KG.adminLevel, Literal(level)))
        if province is not None:
            g.add((iri, KG.province, province))
        if cross_regional:
            g.add((iri, KG.crossRegional, Literal(True)))
        return iri

    def article(self, doc_id: str, title: str, issued: str) -> URIRef:
        doc = KGID[f"doc/{doc_id}"]
        self.graph.add((doc, RDF.type, KG.Article))
        self.graph.add((doc, DCTERMS.title, Literal(title)))
        self.graph.add((doc, DCTERMS.issued, Literal(issued, datatype=XSD.dateTime)))
        return doc

    def sentence(self, doc: URIRef, index: int, text: str, start: int) -> URIRef:
        doc_id = str(doc).rsplit("/", 1)[-1]
        node = KGID[f"sent/{doc_id}/{index}"]
        g = self.graph
        g.add((node, RDF.type, KG.Sentence))
        g.add((node, KG.text, Literal(text)))
        g.add((node, KG.sentenceIndex, Literal(index)))
        g.add((node, KG.startOffset, Literal(start)))
        g.add((node, KG.endOffset, Literal(start + len(text))))
        g.add((node, KG.inDocument, doc))
        return node

    def relation(self, subject: URIRef, predicate: str, obj: URIRef, *,
                 sentence: URIRef | None = None, doc: URIRef | None = None,
                 span: tuple[int, int] = (0, 0), rule: str = "relation.trigger",
                 trigger: str | None = None, confidence: float = 0.9) -> URIRef | None:
        """Assert the triple and, when a sentence is given, its statement node."""
        g = self.graph
        g.add((subject, KG[predicate], obj))
        if sentence is None:
            return None
        self._statements += 1
        doc_id = str(doc).rsplit("/", 1)[-1]
        stmt = KGID[f"stmt/{doc_id}/{self._statements:06d}"]
        g.add((stmt, RDF.type, KG.Statement))
        g.add((stmt, RDF.subject, subject))
        g.add((stmt, RDF.predicate, KG[predicate]))
        g.add((stmt, RDF.object, obj))
        g.add((stmt, KG.inDocument, doc))
        g.add((stmt, KG.sentence, sentence))
        g.add((stmt, KG.startOffset, Literal(span[0])))
        g.add((stmt, KG.endOffset, Literal(span[1])))
        g.add((stmt, KG.rule, Literal(rule)))
        if trigger:
            g.add((stmt, KG.trigger, Literal(trigger)))
        g.add((stmt, KG.confidence, Literal(confidence, datatype=XSD.decimal)))
        return stmt

    def mention(self, entity: URIRef, doc: URIRef, text: str, start: int, *,
                sentence: URIRef | None = None, rule: str = "entity.admin_suffix") -> URIRef:
        """A ``kg:Mention`` of ``entity`` in ``doc`` (docs/architecture.md)."""
        doc_id = str(doc).rsplit("/", 1)[-1]
        node = KGID[f"mention/{doc_id}/{start}-{start + len(text)}"]
        g = self.graph
        g.add((node, RDF.type, KG.Mention))
        g.add((node, KG.mentionOf, entity))
        g.add((node, KG.text, Literal(text)))
        g.add((node, KG.startOffset, Literal(start)))
        g.add((node, KG.endOffset, Literal(start + len(text))))
        g.add((node, KG.rule, Literal(rule)))
        g.add((node, KG.inDocument, doc))
        if sentence is not None:
            g.add((node, KG.sentence, sentence))
        return node


# Entities of the sample graph, so tests can refer to them by name.
SHANGHAI = place_iri("310000")
ZHEJIANG = place_iri("330000")
JINSHAN = place_iri("310116")
PINGHU = place_iri("330482")
FENGJING = place_iri("310116102")
LVXIANG = place_iri("310116104")
XINDAI = place_iri("330482102")
ALLIANCE = org_iri("Alliance", "长三角产业集群联盟")
BRAND = KGID[f"brand/{quote('邻里新事', safe='')}"]
FORGING = org_iri("Enterprise", "上海长特锻造有限公司")
KEMAO = org_iri("Enterprise", "浙江柯茂")
COMMITTEE = org_iri("GovernmentBody", "金山区社工委")
PLATFORM = KGID[f"project/{quote('暖“新”行动服务平台', safe='')}"]

ARTICLE_TITLE = "金山区十多个党建创新项目“同台竞技”"
ARTICLE_DATE = "2022-01-19T12:20:00+08:00"
ALLIANCE_SENTENCE = ("枫泾镇依托“邻里新事”党建品牌，牵手平湖市新埭镇成立长三角产业集群联盟，"
                     "用党建链串起产业链。")


def sample_graph() -> Graph:
    """Thirteen entities in two provinces, with statements from two articles."""
    return sample_builder().graph


def sample_builder() -> GraphBuilder:
    """The builder of :func:`sample_graph`, for graphs that add to it."""
    b = GraphBuilder()
    b.entity(SHANGHAI, "Province", "上海市", hant="上海市", pinyin="Shànghǎi Shì",
             en="Shanghai", code="310000", level=1)
    b.entity(ZHEJIANG, "Province", "浙江省", hant="浙江省", pinyin="Zhèjiāng Shěng",
             en="Zhejiang Province", code="330000", level=1)
    b.entity(JINSHAN, "District", "金山区", hant="金山區", pinyin="Jīnshān Qū",
             en="Jinshan District", code="310116", level=3, province=SHANGHAI)
    b.entity(PINGHU, "County", "平湖市", hant="平湖市", pinyin="Pínghú Shì",
             en="Pinghu City", code="330482", level=3, province=ZHEJIANG)
    b.entity(FENGJING, "Township", "枫泾镇", hant="楓涇鎮", pinyin="Fēngjīng Zhèn",
             en="Fengjing Town", code="310116102", level=4, province=SHANGHAI)
    b.entity(LVXIANG, "Township", "吕巷镇", hant="呂巷鎮", pinyin="Lǚxiàng Zhèn",
             en="Lvxiang Town", code="310116104", level=4, province=SHANGHAI)
    b.entity(XINDAI, "Township", "新埭镇", hant="新埭鎮", pinyin="Xīndài Zhèn",
             en="Xindai Town", code="330482102", level=4, province=ZHEJIANG)
    b.entity(ALLIANCE, "Alliance", "长三角产业集群联盟", hant="長三角產業集群聯盟",
             pinyin="Chángsānjiǎo Chǎnyè Jíqún Liánméng", cross_regional=True)
    b.entity(BRAND, "PartyBrand", "邻里新事", hant="鄰里新事", pinyin="Línlǐ Xīnshì")
    b.entity(FORGING, "Enterprise", "上海长特锻造有限公司", pinyin="Shànghǎi Chángtè Duànzào")
    b.entity(KEMAO, "Enterprise", "浙江柯茂", pinyin="Zhèjiāng Kēmào")
    b.entity(COMMITTEE, "GovernmentBody", "金山区社工委", pinyin="Jīnshān Qū Shègōngwěi")
    b.entity(PLATFORM, "Project", "暖“新”行动服务平台", pinyin="Nuǎn Xīn Xíngdòng Fúwù Píngtái")

    doc = b.article("7df76e14de67d081", ARTICLE_TITLE, ARTICLE_DATE)
    s0 = b.sentence(doc, 0, "日前，金山区“两新”组织党建创新项目评审会在枫泾镇举行。", 0)
    s1 = b.sentence(doc, 1, "区社工委牵头设立了暖“新”行动服务平台。", 40)
    s2 = b.sentence(doc, 2, ALLIANCE_SENTENCE, 90)
    s3 = b.sentence(doc, 3, "上海长特锻造等五家沪企与浙江柯茂等七家企业达成合作意向。", 150)
    s4 = b.sentence(doc, 4, "吕巷镇以“田园五镇”为平台探索合作社党建工作。", 200)
    for town, county in ((FENGJING, JINSHAN), (LVXIANG, JINSHAN), (XINDAI, PINGHU)):
        b.relation(town, "locatedIn", county, sentence=s2 if town == XINDAI else s0, doc=doc,
                   span=(90, 100), rule="gazetteer.parent", confidence=1.0)
    b.relation(JINSHAN, "locatedIn", SHANGHAI)
    b.relation(PINGHU, "locatedIn", ZHEJIANG)
    b.relation(FENGJING, "memberOf", ALLIANCE, sentence=s2, doc=doc, span=(90, 135),
               trigger="成立")
    b.relation(XINDAI, "memberOf", ALLIANCE, sentence=s2, doc=doc, span=(110, 135),
               trigger="牵手")
    b.relation(BRAND, "brandOf", FENGJING, sentence=s2, doc=doc, span=(90, 104),
               rule="relation.brand.pattern", trigger="依托", confidence=0.8)
    b.relation(COMMITTEE, "launched", PLATFORM, sentence=s1, doc=doc, span=(40, 60),
               trigger="设立")
    b.relation(FORGING, "locatedIn", FENGJING)
    b.relation(KEMAO, "locatedIn", XINDAI)
    b.relation(FORGING, "cooperatesWith", KEMAO, sentence=s3, doc=doc, span=(150, 180),
               trigger="合作", confidence=0.7)
    b.relation(COMMITTEE, "locatedIn", JINSHAN)
    b.relation(LVXIANG, "cooperatesWith", FENGJING, sentence=s4, doc=doc, span=(200, 220),
               trigger="合作", confidence=0.6)

    second = b.article("a1b2c3d4e5f60718", "长三角产业集群联盟举行年会",
                       "2023-03-02T09:00:00+08:00")
    t0 = b.sentence(second, 0, "新埭镇与枫泾镇共同成立的长三角产业集群联盟举行年会。", 0)
    b.relation(XINDAI, "memberOf", ALLIANCE, sentence=t0, doc=second, span=(0, 25),
               trigger="成立")
    return b


# What corpus_graph() adds: a third article, its firm, and entities with no relation.
FIRM = org_iri("Enterprise", "平湖新材料有限公司")
PERSON = KGID[f"person/{quote('李明', safe='')}"]
PAPER = org_iri("Publication", "金山报")
THIRD_TITLE = "平湖市新材料企业落户新埭镇"
THIRD_DATE = "2024-06-10T08:00:00+08:00"
SECOND_TITLE = "长三角产业集群联盟举行年会"
FIRM_SENTENCE = "平湖新材料有限公司落户新埭镇，李明出席签约仪式。"


def corpus_graph() -> Graph:
    """The sample graph as a small corpus: three dated articles, mentions, unrelated entities.

    The third article states one relation (a firm located in 新埭镇) and names a
    person who takes part in no relation; the first names a newspaper that takes
    part in none either. 枫泾镇 is mentioned in the first two articles.
    """
    b = sample_builder()
    first = KGID["doc/7df76e14de67d081"]
    second = KGID["doc/a1b2c3d4e5f60718"]
    third = b.article("c0ffee0000000003", THIRD_TITLE, THIRD_DATE)
    u0 = b.sentence(third, 0, FIRM_SENTENCE, 0)
    b.entity(FIRM, "Enterprise", "平湖新材料有限公司", pinyin="Pínghú Xīncáiliào")
    b.entity(PERSON, "Person", "李明", pinyin="Lǐ Míng")
    b.entity(PAPER, "Publication", "金山报", pinyin="Jīnshān Bào")
    b.relation(FIRM, "locatedIn", XINDAI, sentence=u0, doc=third, span=(0, 14),
               rule="relation.settled", trigger="落户")
    b.mention(FIRM, third, "平湖新材料有限公司", 0, sentence=u0, rule="entity.org_suffix")
    b.mention(XINDAI, third, "新埭镇", 11, sentence=u0)
    b.mention(PERSON, third, "李明", 15, sentence=u0, rule="entity.person_model")
    b.mention(PERSON, third, "李明", 40, rule="entity.person_model")
    b.mention(PERSON, first, "李明", 230, rule="entity.person_model")
    b.mention(PAPER, first, "金山报", 300, rule="entity.byline")
    s0 = KGID["sent/7df76e14de67d081/0"]
    t0 = KGID["sent/a1b2c3d4e5f60718/0"]
    b.mention(FENGJING, first, "枫泾镇", 22, sentence=s0)
    b.mention(FENGJING, second, "楓涇鎮", 4, sentence=t0)
    return b.graph


def star_graph(arms: int = 60, leaves: int = 6) -> Graph:
    """A hub with ``arms`` districts of ``leaves`` townships each: labels crowd when zoomed out."""
    b = GraphBuilder()
    hub = b.entity(place_iri("900000"), "Province", "中心省", level=1)
    for a in range(arms):
        arm = b.entity(place_iri(f"9{a:03d}00"), "District", f"第{a}区", level=3)
        b.relation(arm, "locatedIn", hub)
        for leaf in range(leaves):
            town = b.entity(place_iri(f"9{a:03d}{leaf + 1:02d}"), "Township",
                            f"第{a}区第{leaf}镇", level=4)
            b.relation(town, "locatedIn", arm)
    return b.graph


#: Strings that would run script if any part of the viewer treated data as HTML.
HOSTILE = (
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    "</script><script>window.__xss=1</script>",
    "\"'><svg onload=window.__xss=1>",
    "&lt;b&gt;\u2028\u2029`${window.__xss=1}`",
)


def hostile_graph() -> Graph:
    """Entities, titles and sentences made of markup, quotes and line separators."""
    b = GraphBuilder()
    a = b.entity(place_iri("110000"), "Province", "北京市" + HOSTILE[0], hant=HOSTILE[1],
                 pinyin=HOSTILE[3], en=HOSTILE[2], code="110000" + HOSTILE[4], level=1)
    c = b.entity(org_iri("Enterprise", HOSTILE[1]), "Enterprise", HOSTILE[1], pinyin=HOSTILE[0])
    d = b.entity(org_iri("Alliance", HOSTILE[2]), "Alliance", HOSTILE[2] + "联盟",
                 pinyin=HOSTILE[4], cross_regional=True)
    e = b.entity(KGID[f"brand/{quote(HOSTILE[3], safe='')}"], "PartyBrand", HOSTILE[3])
    doc = b.article("hostile", HOSTILE[2] + "标题" + HOSTILE[0], "2024-01-01T00:00:00+08:00")
    sentence = b.sentence(doc, 0, "句子" + "".join(HOSTILE), 0)
    b.relation(c, "locatedIn", a, sentence=sentence, doc=doc, rule=HOSTILE[0], trigger=HOSTILE[1])
    b.relation(c, "memberOf", d, sentence=sentence, doc=doc, rule=HOSTILE[3], trigger=HOSTILE[4])
    b.relation(e, "brandOf", c, sentence=sentence, doc=doc, rule=HOSTILE[2], trigger=HOSTILE[2])
    lonely = b.entity(org_iri("Publication", HOSTILE[0]), "Publication", HOSTILE[0] + "报",
                      pinyin=HOSTILE[1])
    for n, hostile in enumerate(HOSTILE):
        b.mention(lonely, doc, hostile, 100 * n, sentence=sentence, rule=hostile)
        b.mention(c, doc, hostile + "公司", 100 * n + 50, rule=hostile)
    return b.graph
