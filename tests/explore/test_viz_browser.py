"""The viewer in headless Chromium: offline, interactive, and inert to hostile text.

One browser serves the whole module; each test opens the page it needs from a
file:// URL and records every request, console error and dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser import ARTIFACTS, chromium, click_node, require_chromium, wait_until_drawn
from sample_graph import (
    ALLIANCE,
    ALLIANCE_SENTENCE,
    ARTICLE_TITLE,
    COMMITTEE,
    FENGJING,
    FIRM,
    FIRM_SENTENCE,
    FORGING,
    HOSTILE,
    JINSHAN,
    KEMAO,
    LVXIANG,
    PAPER,
    PERSON,
    PINGHU,
    SECOND_TITLE,
    THIRD_TITLE,
    XINDAI,
    ZHEJIANG,
    corpus_graph,
    hostile_graph,
    org_iri,
    place_iri,
    sample_graph,
    star_graph,
)

from kg.explore.netgraph import entity_count, simple_undirected, to_networkx
from kg.explore.viz import write_html

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="module")
def sample_page_file(tmp_path_factory) -> Path:
    return write_html(sample_graph(), tmp_path_factory.mktemp("viz") / "sample.html")


@dataclass
class Opened:
    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def id_of(self, iri) -> int:
        node_id = self.page.evaluate("(iri) => window.kgView.idOf(iri)", str(iri))
        assert node_id >= 0, iri
        return node_id

    def drawn(self) -> list[int]:
        return sorted(self.page.evaluate("window.kgView.drawnNodeIds()"))

    def panel_text(self) -> str:
        return self.page.inner_text("#kg-panel")


@pytest.fixture
def open_page(browser):
    pages = []

    def _open(path: Path) -> Opened:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        opened = Opened(page)
        page.on("request", lambda request: opened.requests.append(request.url))
        page.on("pageerror", lambda error: opened.errors.append(str(error)))
        page.on("console", lambda msg: opened.errors.append(msg.text)
                if msg.type == "error" else None)

        def on_dialog(dialog):
            opened.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(path.as_uri())
        wait_until_drawn(page)
        pages.append(page)
        return opened

    yield _open
    for page in pages:
        page.close()


def test_opens_offline_and_draws_every_entity(open_page, sample_page_file):
    opened = open_page(sample_page_file)
    assert len(opened.drawn()) == entity_count(sample_graph()) == 13
    leaving = [url for url in opened.requests if not url.startswith(("file:", "data:"))]
    assert leaving == []
    assert opened.requests[0] == sample_page_file.as_uri()
    assert opened.errors == []


def test_search_highlights_and_focuses(open_page, sample_page_file):
    opened = open_page(sample_page_file)
    page = opened.page
    town = opened.id_of(FENGJING)
    page.fill("#kg-search", "fengjing")  # pinyin without tone marks
    page.wait_for_function("() => window.kgView.highlighted().length > 0")
    assert page.evaluate("window.kgView.highlighted()") == [town]
    assert page.evaluate("(id) => window.kgView.nodes.get(id).borderWidth", town) == 6
    assert "1" in page.inner_text("#kg-search-status")
    # Focused: the match sits at the centre of the canvas, zoomed in.
    where = page.evaluate("""(id) => {
        const net = window.kgView.network;
        const dom = net.canvasToDOM(net.getPositions([id])[id]);
        const box = document.getElementById('kg-network').getBoundingClientRect();
        return {dx: dom.x - box.width / 2, dy: dom.y - box.height / 2, scale: net.getScale()};
    }""", town)
    assert abs(where["dx"]) < 5 and abs(where["dy"]) < 5
    assert where["scale"] >= 1.2
    # Traditional characters and English find the same place; clearing removes the highlight.
    assert page.evaluate("window.kgView.search('楓涇').length") == 1
    assert page.evaluate("window.kgView.search('Fengjing Town').length") == 1
    page.fill("#kg-search", "")
    page.wait_for_function("() => window.kgView.highlighted().length === 0")


def test_class_and_relation_filters_hide_elements(open_page, sample_page_file):
    opened = open_page(sample_page_file)
    page = opened.page
    page.uncheck("#kg-legend-classes input[value=Township]")
    drawn = opened.drawn()
    assert len(drawn) == 10
    assert opened.id_of(FENGJING) not in drawn
    page.check("#kg-legend-classes input[value=Township]")
    assert len(opened.drawn()) == 13

    edges_before = page.evaluate("window.kgView.edgeView.getIds().length")
    page.uncheck("#kg-legend-relations input[value=locatedIn]")
    assert page.evaluate("window.kgView.edgeView.getIds().length") == edges_before - 8
    page.check("#kg-cross-only")
    # Only the cross-regional pair and the cross-regional alliance with its members remain.
    cross = sorted(opened.drawn())
    expected = sorted(opened.id_of(iri) for iri in (FORGING, KEMAO, ALLIANCE, FENGJING,
                                                     "https://w3id.org/kg-zh/id/place/330482102"))
    assert cross == expected


def test_hovering_a_node_shows_a_text_tooltip(open_page, sample_page_file):
    opened = open_page(sample_page_file)
    page = opened.page
    point = page.evaluate("""(id) => {
        const net = window.kgView.network;
        const dom = net.canvasToDOM(net.getPositions([id])[id]);
        const box = document.getElementById('kg-network').getBoundingClientRect();
        return {x: box.left + dom.x, y: box.top + dom.y};
    }""", opened.id_of(FENGJING))
    page.mouse.move(point["x"] - 30, point["y"] - 30)
    page.mouse.move(point["x"], point["y"], steps=5)
    page.wait_for_selector("#kg-tooltip:not([hidden])")
    assert page.inner_text("#kg-tooltip").splitlines() == ["枫泾镇", "镇/乡 Township", "上海市"]


def test_clicking_a_node_shows_its_statements_with_evidence(open_page, sample_page_file):
    opened = open_page(sample_page_file)
    page = opened.page
    click_node(page, opened.id_of(ALLIANCE))
    page.wait_for_selector("#kg-panel:not([hidden])")
    text = opened.panel_text()
    assert "长三角产业集群联盟" in text
    assert "联盟 Alliance" in text
    assert "上海市 / 浙江省" in text  # cross-regional: the members' provinces
    assert ALLIANCE_SENTENCE in text
    assert f"《{ARTICLE_TITLE}》" in text
    assert "2022-01-19" in text and "2023-03-02" in text
    assert page.locator("#kg-panel .kg-statement").count() == 2
    assert page.locator("#kg-panel .kg-evidence").count() == 3


def test_clicking_an_edge_shows_its_evidence(open_page, sample_page_file):
    opened = open_page(sample_page_file)
    page = opened.page
    a, b = opened.id_of(FORGING), opened.id_of(KEMAO)
    page.evaluate("(ids) => window.kgView.network.fit({nodes: ids, animation: false})", [a, b])
    middle = page.evaluate("""([a, b]) => {
        const net = window.kgView.network;
        const p = net.getPositions([a, b]);
        const dom = net.canvasToDOM({x: (p[a].x + p[b].x) / 2, y: (p[a].y + p[b].y) / 2});
        const box = document.getElementById('kg-network').getBoundingClientRect();
        return {x: box.left + dom.x, y: box.top + dom.y};
    }""", [a, b])
    page.mouse.click(middle["x"], middle["y"])
    page.wait_for_selector("#kg-panel:not([hidden])")
    text = opened.panel_text()
    assert "合作" in text and "跨省 cross-regional" in text
    assert "上海长特锻造等五家沪企与浙江柯茂等七家企业达成合作意向。" in text


def test_language_switch_changes_labels(open_page, sample_page_file):
    opened = open_page(sample_page_file)
    page = opened.page
    town, firm = opened.id_of(FENGJING), opened.id_of(FORGING)
    label = "(id) => window.kgView.labelOf(id)"
    assert page.evaluate(label, town) == "枫泾镇"
    expectations = {
        "zh-Hant": ("楓涇鎮", "上海长特锻造有限公司"),
        "pinyin": ("Fēngjīng Zhèn", "Shànghǎi Chángtè Duànzào"),
        "en": ("Fengjing Town", "Shànghǎi Chángtè Duànzào"),  # no English name: pinyin
        "zh-Hans": ("枫泾镇", "上海长特锻造有限公司"),
    }
    for lang, (town_label, firm_label) in expectations.items():
        page.select_option("#kg-lang", lang)
        assert page.evaluate(label, town) == town_label
        assert page.evaluate(label, firm) == firm_label
    page.select_option("#kg-lang", "en")
    assert page.evaluate("document.documentElement.lang") == "en"


def test_capped_view_grows_on_double_click_and_search(open_page, tmp_path):
    path = write_html(sample_graph(), tmp_path / "capped.html", max_nodes=3)
    opened = open_page(path)
    page = opened.page
    first = opened.drawn()
    assert len(first) == 3
    assert "3 / 13" in page.inner_text("#kg-cap-note")
    click_node(page, first[0], double=True)
    page.wait_for_function("() => window.kgView.drawnNodeIds().length > 3")
    hidden = [i for i in range(13) if i not in opened.drawn()]
    assert hidden, "the sample is larger than one neighbourhood"
    target = page.evaluate("(id) => window.kgView.data.nodes[id].labels['zh-Hans']", hidden[0])
    page.fill("#kg-search", target)
    page.press("#kg-search", "Enter")
    page.wait_for_function("(id) => window.kgView.drawnNodeIds().includes(id)", arg=hidden[0])
    assert hidden[0] in page.evaluate("window.kgView.highlighted()")


def test_hostile_names_and_sentences_stay_text(open_page, tmp_path):
    path = write_html(hostile_graph(), tmp_path / "hostile.html", title=HOSTILE[1])
    opened = open_page(path)
    page = opened.page
    drawn = opened.drawn()
    edges = page.evaluate("window.kgView.edges.getIds()")
    for node_id in drawn:
        click_node(page, node_id)  # also hovers: the tooltip path runs too
        page.wait_for_selector("#kg-panel:not([hidden])")
    for lang in ("zh-Hant", "pinyin", "en", "zh-Hans"):
        page.select_option("#kg-lang", lang)
        for node_id in range(len(drawn) + 1):  # the unrelated one too
            page.evaluate("(id) => window.kgView.openNode(id)", node_id)
        for edge_id in edges:
            page.evaluate("(id) => window.kgView.openEdge(id)", edge_id)
    for hostile in HOSTILE:
        page.evaluate("(q) => window.kgView.search(q)", hostile)
    page.wait_for_timeout(300)  # give any injected handler time to fire
    assert page.evaluate("window.__xss") is None
    assert opened.dialogs == []
    assert page.evaluate("document.querySelectorAll('body img, body svg[onload], "
                         "#kg-panel script').length") == 0
    # The markup is shown as the literal text it is.
    page.evaluate("(id) => window.kgView.openEdge(id)", edges[0])
    text = opened.panel_text()
    for hostile in HOSTILE[:4]:
        assert hostile in text
    assert page.title() == HOSTILE[1]
    assert [e for e in opened.errors if "xss" in e.lower()] == []


def test_screenshot_with_chinese_labels_renders_real_glyphs(open_page, sample_page_file):
    opened = open_page(sample_page_file)
    page = opened.page
    click_node(page, opened.id_of(ALLIANCE))
    page.wait_for_selector("#kg-panel:not([hidden])")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "viewer_sample.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"')") is True
    # fonts.check() is also true for fonts that do not exist, so test the font itself:
    # it changes the width of Latin text against the monospace fallback, and it draws
    # distinct glyphs for distinct characters (missing glyphs all look like one box).
    probe = page.evaluate("""() => {
        const canvas = document.createElement('canvas');
        canvas.width = 64; canvas.height = 64;
        const ctx = canvas.getContext('2d');
        const width = (font) => { ctx.font = font; return ctx.measureText('abcdefghij').width; };
        const pixels = (ch) => {
            ctx.clearRect(0, 0, 64, 64);
            ctx.font = '48px "Noto Sans CJK SC"';
            ctx.fillText(ch, 4, 52);
            return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(',');
        };
        return {
            noto: width('16px "Noto Sans CJK SC", monospace'),
            mono: width('16px monospace'),
            distinct: new Set([pixels('枫'), pixels('泾'), pixels('镇')]).size,
            tofu: pixels('枫') === pixels('\\u0378'),
        };
    }""")
    assert probe["noto"] != probe["mono"]
    assert probe["distinct"] == 3
    assert probe["tofu"] is False


def test_the_built_seed_page_draws_every_entity_offline(open_page, seed_build, seed_graph):
    """Issue 3: ``kg build seeds/`` writes a page that shows each entity, asks nothing of
    the network, and draws Chinese labels with real glyphs."""
    page_file = seed_build / "graph.html"
    opened = open_page(page_file)
    simple = simple_undirected(to_networkx(seed_graph))
    related = [n for n in simple if simple.degree(n)]
    assert len(opened.drawn()) == len(related) > 20
    unrelated = opened.page.evaluate("window.kgView.unrelatedIds().length")
    assert len(opened.drawn()) + unrelated == entity_count(seed_graph)
    leaving = [url for url in opened.requests if not url.startswith(("file:", "data:"))]
    assert leaving == []
    assert opened.errors == []
    assert opened.page.locator("#kg-unrelated-list li").count() == unrelated
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "seed_graph.png"
    opened.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    labels = opened.page.evaluate("() => window.kgView.drawnNodeIds().length")
    assert labels == len(opened.drawn())
    # the label font draws the seed's own names as distinct glyphs, not empty boxes
    distinct = opened.page.evaluate("""() => {
        const canvas = document.createElement('canvas');
        canvas.width = 64; canvas.height = 64;
        const ctx = canvas.getContext('2d');
        const pixels = (ch) => {
            ctx.clearRect(0, 0, 64, 64);
            ctx.font = '48px "Noto Sans CJK SC"';
            ctx.fillText(ch, 4, 52);
            return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(',');
        };
        return new Set([pixels('金'), pixels('山'), pixels('区'), pixels('\\u0378')]).size;
    }""")
    assert distinct == 4


# --------------------------------------------------------------------------- a corpus (issue 22)


@pytest.fixture(scope="module")
def corpus_page_file(tmp_path_factory) -> Path:
    return write_html(corpus_graph(), tmp_path_factory.mktemp("viz") / "corpus.html")


def ids_of(opened: Opened, *iris) -> list[int]:
    return sorted(opened.id_of(iri) for iri in iris)


def left_file(opened: Opened) -> list[str]:
    return [url for url in opened.requests if not url.startswith(("file:", "data:"))]


def test_unrelated_entities_are_listed_beside_the_canvas_not_drawn(open_page, corpus_page_file):
    opened = open_page(corpus_page_file)
    page = opened.page
    person, paper = opened.id_of(PERSON), opened.id_of(PAPER)
    drawn = opened.drawn()
    assert person not in drawn and paper not in drawn
    assert len(drawn) == 14  # the 13 of the sample and the third article's firm
    items = page.locator("#kg-unrelated-list li")
    assert items.count() == 2
    # by mention count: 李明 (three mentions) before 金山报 (one)
    assert items.nth(0).get_attribute("data-node") == str(person)
    assert items.nth(0).locator(".kg-count").inner_text() == "3"
    assert "(2)" in page.inner_text("#kg-unrelated h2")
    page.fill("#kg-unrelated-search", "jinshan bao")
    assert page.locator("#kg-unrelated-list li").count() == 1
    page.fill("#kg-unrelated-search", "")
    page.select_option("#kg-unrelated-class", "Person")
    assert page.locator("#kg-unrelated-list li").count() == 1
    page.click("#kg-unrelated-list li button")
    page.wait_for_selector("#kg-panel:not([hidden])")
    text = opened.panel_text()
    assert "李明" in text and "提及 Mentions (3)" in text and "陈述 Statements (0)" in text
    page.check("#kg-show-unrelated")
    assert person in opened.drawn() and paper in opened.drawn()
    page.uncheck("#kg-show-unrelated")
    assert person not in opened.drawn()
    assert left_file(opened) == [] and opened.errors == []


def test_document_filter_shows_only_what_the_chosen_articles_state(open_page, corpus_page_file):
    opened = open_page(corpus_page_file)
    page = opened.page
    titles = page.locator("#kg-doc-list li").all_inner_texts()
    assert len(titles) == 3
    assert THIRD_TITLE in titles[0] and "2024-06-10" in titles[0]  # newest first
    page.fill("#kg-doc-search", "新材料")
    visible = page.locator("#kg-doc-list li:not([hidden])")
    assert visible.count() == 1
    visible.locator("input").check()
    assert opened.drawn() == ids_of(opened, FIRM, XINDAI)
    edges = page.evaluate("window.kgView.drawnEdgeIds().map(i => window.kgView.data.edges[i].rel)")
    assert edges == ["locatedIn"]
    assert "1" in page.inner_text("#kg-doc-status")
    # a second article adds what it states
    second = page.evaluate("(t) => window.kgView.data.documents.findIndex(d => d.title === t)",
                           SECOND_TITLE)
    page.fill("#kg-doc-search", "")
    page.check(f"#kg-doc-list input[value='{second}']")
    assert opened.drawn() == ids_of(opened, FIRM, XINDAI, ALLIANCE, FENGJING)
    page.click("#kg-doc-clear")
    assert len(opened.drawn()) == 14
    assert left_file(opened) == [] and opened.errors == []


def test_date_range_keeps_the_facts_of_articles_published_in_it(open_page, corpus_page_file):
    opened = open_page(corpus_page_file)
    page = opened.page
    assert page.get_attribute("#kg-date-from", "min") == "2022-01-19"
    assert page.get_attribute("#kg-date-to", "max") == "2024-06-10"
    page.fill("#kg-date-from", "2023-01-01")
    page.fill("#kg-date-to", "2023-12-31")
    page.dispatch_event("#kg-date-to", "change")
    # only the 2023 article: 新埭镇 joins the alliance, and it names 枫泾镇
    assert opened.drawn() == ids_of(opened, XINDAI, ALLIANCE, FENGJING)
    edges = page.evaluate("window.kgView.drawnEdgeIds().map(i => window.kgView.data.edges[i].rel)")
    assert edges == ["memberOf"]
    page.evaluate("window.kgView.setDateRange('2024-01-01', '')")
    assert opened.drawn() == ids_of(opened, FIRM, XINDAI)
    page.evaluate("window.kgView.setDateRange('', '')")
    assert len(opened.drawn()) == 14


def test_place_filter_keeps_a_place_and_what_is_located_in_it(open_page, corpus_page_file):
    opened = open_page(corpus_page_file)
    page = opened.page
    options = page.locator("#kg-place option").all_inner_texts()
    assert any("浙江省" in o for o in options) and any("金山区" in o for o in options)
    page.select_option("#kg-place", str(opened.id_of(JINSHAN)))
    assert opened.drawn() == ids_of(opened, JINSHAN, FENGJING, LVXIANG, FORGING, COMMITTEE)
    page.select_option("#kg-place", str(opened.id_of(ZHEJIANG)))
    assert opened.drawn() == ids_of(opened, ZHEJIANG, PINGHU, XINDAI, KEMAO, FIRM)
    # filters combine: Zhejiang as stated by the 2024 article
    page.evaluate("window.kgView.setDateRange('2024-01-01', '')")
    assert opened.drawn() == ids_of(opened, XINDAI, FIRM)
    page.select_option("#kg-place", "-1")
    assert opened.drawn() == ids_of(opened, XINDAI, FIRM)


def test_a_filter_that_leaves_nothing_says_so_and_leads_back(open_page, corpus_page_file):
    opened = open_page(corpus_page_file)
    page = opened.page
    assert page.is_hidden("#kg-empty")
    page.evaluate("window.kgView.setDateRange('2030-01-01', '2030-12-31')")
    assert opened.drawn() == []
    page.wait_for_selector("#kg-empty:not([hidden])")
    assert "2030-01-01" in page.inner_text("#kg-empty")
    page.click("#kg-empty-reset")
    assert page.is_hidden("#kg-empty")
    assert len(opened.drawn()) == 14
    assert page.input_value("#kg-date-from") == ""
    # the switch that used to leave an empty canvas without a word
    third = page.evaluate("(t) => window.kgView.data.documents.findIndex(d => d.title === t)",
                          THIRD_TITLE)
    page.evaluate("(d) => window.kgView.setDocuments([d])", third)
    page.check("#kg-cross-only")
    assert opened.drawn() == []
    assert "仅跨区域 only cross-regional" in page.inner_text("#kg-empty")
    page.uncheck("#kg-legend-classes input[value=Township]")
    page.click("#kg-empty-reset")
    assert len(opened.drawn()) == 14
    assert page.is_checked("#kg-legend-classes input[value=Township]")
    assert not page.is_checked("#kg-cross-only")


def test_colour_by_community_with_a_legend_named_by_central_members(open_page, corpus_page_file):
    from kg.explore.analytics import communities

    opened = open_page(corpus_page_file)
    page = opened.page
    net = to_networkx(corpus_graph())
    expected = [c for c in communities(net) if c.size > 1]
    assert page.is_hidden("#kg-legend-communities")
    before = {i: page.evaluate("(id) => window.kgView.colourOf(id)", i) for i in opened.drawn()}
    page.check("#kg-colour-community")
    assert page.is_visible("#kg-legend-communities")
    names = page.locator("#kg-legend-communities .kg-community").all_inner_texts()
    assert names == [net.nodes[c.central]["label"] for c in expected]
    legend = page.evaluate("window.kgView.data.communities")
    for n, community in enumerate(expected):
        for member in community.members:
            node = opened.id_of(member)
            assert page.evaluate("(id) => window.kgView.colourOf(id)", node) == legend[n]["color"]
    after = {i: page.evaluate("(id) => window.kgView.colourOf(id)", i) for i in opened.drawn()}
    assert after != before and len(set(after.values())) == len(expected) > 1
    page.uncheck("#kg-colour-community")
    assert {i: page.evaluate("(id) => window.kgView.colourOf(id)", i)
            for i in opened.drawn()} == before


def test_ego_view_from_the_panel_and_the_breadcrumb_back(open_page, corpus_page_file):
    opened = open_page(corpus_page_file)
    page = opened.page
    click_node(page, opened.id_of(XINDAI))
    page.wait_for_selector("#kg-panel:not([hidden])")
    page.click("#kg-panel .kg-ego[data-depth='1']")
    assert opened.drawn() == ids_of(opened, XINDAI, PINGHU, ALLIANCE, KEMAO, FIRM)
    assert page.is_visible("#kg-breadcrumb")
    assert "新埭镇" in page.inner_text("#kg-breadcrumb")
    page.evaluate("(id) => window.kgView.openNode(id)", opened.id_of(FIRM))
    page.click("#kg-panel .kg-ego[data-depth='2']")
    assert opened.drawn() == ids_of(opened, FIRM, XINDAI, PINGHU, ALLIANCE, KEMAO)
    crumbs = page.locator("#kg-breadcrumb .kg-crumb")
    assert crumbs.count() == 2  # the whole graph, then 新埭镇
    crumbs.nth(1).click()
    assert opened.drawn() == ids_of(opened, XINDAI, PINGHU, ALLIANCE, KEMAO, FIRM)
    page.click("#kg-breadcrumb .kg-crumb")
    assert page.is_hidden("#kg-breadcrumb")
    assert len(opened.drawn()) == 14


def test_panel_lists_mentions_and_the_documents_that_mention_the_entity(open_page,
                                                                        corpus_page_file):
    opened = open_page(corpus_page_file)
    page = opened.page
    click_node(page, opened.id_of(FENGJING))
    page.wait_for_selector("#kg-panel:not([hidden])")
    text = opened.panel_text()
    assert "提及 Mentions (2)" in text
    assert "「楓涇鎮」" in text  # as written in that article
    assert "字符 chars 22–25" in text and "规则 rule entity.admin_suffix" in text
    documents = page.locator("#kg-panel .kg-doc").all_inner_texts()
    assert len(documents) == 2
    assert f"《{ARTICLE_TITLE}》" in documents[0] and "2022-01-19" in documents[0]
    assert f"《{SECOND_TITLE}》" in documents[1] and "2023-03-02" in documents[1]
    # the evidence stays: sentence, rule, confidence
    assert ALLIANCE_SENTENCE in text and "置信度 confidence" in text
    # a document in the panel filters the canvas to it
    page.evaluate("(id) => window.kgView.openNode(id)", opened.id_of(FIRM))
    assert FIRM_SENTENCE in opened.panel_text()
    page.click("#kg-panel .kg-doc-only")
    assert opened.drawn() == ids_of(opened, FIRM, XINDAI)


def test_every_corpus_feature_stays_offline(open_page, corpus_page_file):
    opened = open_page(corpus_page_file)
    page = opened.page
    for script in ("window.kgView.setDocuments([0, 1])",
                   "window.kgView.setDateRange('2022-01-01', '')",
                   "window.kgView.setShowUnrelated(true)", "window.kgView.setColourBy('community')",
                   "window.kgView.setEgo(0, 2)", "window.kgView.back(-1)",
                   "window.kgView.resetFilters()", "window.kgView.search('李明')"):
        page.evaluate(script)
    page.evaluate("(id) => window.kgView.openNode(id)", opened.id_of(PERSON))
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(100)
    assert opened.requests == [corpus_page_file.as_uri()]
    assert opened.errors == []


def test_corpus_features_keep_hostile_text_inert(open_page, tmp_path):
    path = write_html(hostile_graph(), tmp_path / "hostile.html", title=HOSTILE[1])
    opened = open_page(path)
    page = opened.page
    lonely = opened.id_of(org_iri("Publication", HOSTILE[0]))
    assert page.locator("#kg-unrelated-list li").count() == 1
    page.click("#kg-unrelated-list li button")
    page.wait_for_selector("#kg-panel:not([hidden])")
    for hostile in HOSTILE[:4]:
        assert hostile in opened.panel_text()  # mentions and their rules, as text
    page.fill("#kg-unrelated-search", HOSTILE[0][:5])
    page.fill("#kg-doc-search", HOSTILE[2][:5])
    page.check("#kg-doc-list input")
    page.check("#kg-colour-community")
    page.check("#kg-show-unrelated")
    for node_id in opened.drawn():
        page.evaluate("(id) => window.kgView.openNode(id)", node_id)
        page.evaluate("(id) => window.kgView.setEgo(id, 2)", node_id)
    assert page.is_visible("#kg-breadcrumb")
    province = opened.id_of(place_iri("110000"))
    page.select_option("#kg-place", str(province))
    page.evaluate("window.kgView.setDateRange('1990-01-01', '1990-01-02')")
    page.wait_for_selector("#kg-empty:not([hidden])")
    page.click("#kg-empty-reset")
    page.evaluate("(id) => window.kgView.openNode(id)", lonely)
    page.mouse.wheel(0, 800)  # zoomed out: the page draws central labels itself
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert opened.dialogs == []
    assert page.evaluate("document.querySelectorAll('body img, body svg[onload], "
                         "#kg-panel script, #kg-sidebar script').length") == 0
    assert left_file(opened) == []


def test_zoomed_out_only_central_nodes_carry_labels_and_they_do_not_overlap(open_page, tmp_path):
    path = write_html(star_graph(), tmp_path / "star.html")
    opened = open_page(path)
    page = opened.page
    scale = page.evaluate("window.kgView.network.getScale()")
    full = page.evaluate("window.kgView.fullLabelScale")
    assert scale < full  # 421 nodes fit only zoomed out
    labelled = page.evaluate("window.kgView.overlayLabels()")
    assert 0 < len(labelled) <= 40 < len(opened.drawn())
    hub = opened.id_of(place_iri("900000"))
    assert labelled[0] == hub  # the most central first
    ranks = page.evaluate("(ids) => ids.map(i => window.kgView.data.nodes[i].pr)", labelled)
    assert ranks == sorted(ranks, reverse=True)
    boxes = page.evaluate("window.kgView.overlayBoxes()")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    # zoomed in, vis-network draws every label and the page draws none of its own
    page.evaluate("(id) => { window.kgView.network.focus(id, {scale: 1.5, animation: false});"
                  " window.kgView.network.redraw(); }", hub)
    page.wait_for_timeout(100)
    assert page.evaluate("window.kgView.overlayLabels()") == []


# --------------------------------------------------------------------------- real articles


def genre_build(tmp_path_factory, shared_dir: Path, count: int) -> Path:
    """The first ``count`` articles of the genre corpus, built with ``kg build``."""
    from kg.build import build

    source = shared_dir / "data" / "genre" / "genre.jsonl"
    if not source.is_file():
        pytest.skip(f"{source} is missing")
    folder = tmp_path_factory.mktemp(f"genre{count}")
    with source.open(encoding="utf-8") as lines:
        chosen = "".join(line for _, line in zip(range(count), lines, strict=False))
    (folder / "articles.jsonl").write_text(chosen, encoding="utf-8")
    report = build([folder / "articles.jsonl"], folder / "build")
    assert report.ok and report.built == count
    return folder / "build"


def check_corpus_page(opened: Opened, documents: int) -> None:
    """What a user opening a corpus sees: the related core, the unrelated listed, filters."""
    page = opened.page
    data = page.evaluate("""() => { const v = window.kgView;
        return {nodes: v.data.nodes.length, unrelated: v.unrelatedIds(),
                docs: v.data.documents.length, cap: v.data.maxNodes}; }""")
    drawn = opened.drawn()
    assert data["docs"] == documents
    assert data["unrelated"] and not set(data["unrelated"]) & set(drawn)
    related = data["nodes"] - len(data["unrelated"])
    assert len(drawn) == min(related, data["cap"])
    assert page.locator("#kg-doc-list li").count() == documents
    assert page.evaluate("window.kgView.overlayLabels().length") > 0 or \
        page.evaluate("window.kgView.network.getScale()") >= page.evaluate(
            "window.kgView.fullLabelScale")
    # the document that states the most: only what it states is left
    doc, nodes = page.evaluate("""() => { const v = window.kgView, d = v.data;
        const facts = new Array(d.documents.length).fill(0);
        d.edges.forEach(e => e.ev.forEach(ev => { if (ev.doc !== undefined) facts[ev.doc]++; }));
        const doc = facts.indexOf(Math.max(...facts));
        v.setDocuments([doc]);
        return [doc, v.drawnNodeIds()]; }""")
    assert 0 < len(nodes) < len(drawn)
    stated = page.evaluate("""(doc) => { const v = window.kgView, d = v.data, ok = new Set();
        d.edges.forEach(e => {
            if (e.ev.some(ev => ev.doc === doc)) { ok.add(e.vis.from); ok.add(e.vis.to); }
        });
        d.nodes.forEach((n, i) => { if (n.m.some(r => r[0] === doc)) ok.add(i); });
        return Array.from(ok); }""", doc)
    assert set(nodes) <= set(stated)
    top = page.evaluate("""() => window.kgView.drawnNodeIds().reduce((a, b) =>
        window.kgView.data.nodes[b].pr > window.kgView.data.nodes[a].pr ? b : a)""")
    page.evaluate("(id) => window.kgView.openNode(id)", top)
    assert "提及 Mentions (" in opened.panel_text()
    assert page.locator("#kg-panel .kg-doc").count() >= 1
    page.evaluate("window.kgView.resetFilters()")
    assert len(opened.drawn()) == len(drawn)
    assert left_file(opened) == [] and opened.errors == []


def test_a_built_corpus_of_real_articles_opens_on_its_related_core(
        open_page, tmp_path_factory, shared_dir):
    build_dir = genre_build(tmp_path_factory, shared_dir, 12)
    check_corpus_page(open_page(build_dir / "graph.html"), 12)


@pytest.mark.slow
def test_the_500_article_corpus_opens_on_its_related_core(open_page, tmp_path_factory,
                                                           shared_dir):
    """Issue 22's corpus: the first 500 genre articles (about 325,000 characters)."""
    build_dir = genre_build(tmp_path_factory, shared_dir, 500)
    opened = open_page(build_dir / "graph.html")
    check_corpus_page(opened, 500)
    assert opened.page.evaluate("window.kgView.data.capped") is True
