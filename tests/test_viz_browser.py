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
    FENGJING,
    FORGING,
    HOSTILE,
    KEMAO,
    hostile_graph,
    sample_graph,
)

from kg.netgraph import entity_count
from kg.viz import write_html

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
        return self.page.evaluate("window.kgView.drawnNodeIds()")

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
    count = len(opened.drawn())
    edges = page.evaluate("window.kgView.edges.getIds()")
    for node_id in range(count):
        click_node(page, node_id)  # also hovers: the tooltip path runs too
        page.wait_for_selector("#kg-panel:not([hidden])")
    for lang in ("zh-Hant", "pinyin", "en", "zh-Hans"):
        page.select_option("#kg-lang", lang)
        for node_id in range(count):
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
    assert len(opened.drawn()) == entity_count(seed_graph) > 30
    leaving = [url for url in opened.requests if not url.startswith(("file:", "data:"))]
    assert leaving == []
    assert opened.errors == []
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
