"""How fast the HTML viewer opens on large graphs, and how big the file gets.

Why: the viewer must be usable at once on a corpus-sized graph. The goal is a
drawn, clickable network in under 3 s at 2,000 entities, and a 20,000-entity
file that opens on its capped view (the top ``--max-nodes`` by PageRank).

Random graphs follow the RDF shape of a build (docs/architecture.md): an
administrative tree of provinces, cities, districts and townships, organisations
located in it, brands, projects and alliances across provinces, and a reified
statement with a sentence and an article for every relation.

Next to them, a real corpus (issue 22): the first ``--genre`` articles of
``../shared/data/genre/genre.jsonl`` (500 by default, about 325,000 characters),
built once with ``kg build`` into benchmarks/results/tmp/ and read from its store.

For each graph the table reports the time to build the RDF (or to read the
network from the store, ``GraphStore.union_view``) and the page in Python, the
file size, the time from navigation start to the first drawing
(``window.__kgReady``), the time from a click on a node to the filled side
panel, a search, three filters (one document, a province, a date range: from
the call to the next frame drawn), and how many nodes are drawn.

Usage: ``python benchmarks/viz_bench.py [--sizes 2000 20000] [--genre 500] [--max-nodes 1500]``
(needs /usr/bin/chromium). Pages go to benchmarks/results/tmp/ (git-ignored).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from rdflib import Graph

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser import CHROMIUM, chromium, click_node, wait_until_drawn  # noqa: E402
from sample_graph import KGID, GraphBuilder, org_iri, place_iri  # noqa: E402

from kg.explore.viz import write_html  # noqa: E402

OUT = REPO / "benchmarks" / "results" / "tmp"
GENRE = REPO.parent / "shared" / "data" / "genre" / "genre.jsonl"
SYLLABLES = [("枫", "fēng"), ("泾", "jīng"), ("新", "xīn"), ("埭", "dài"), ("金", "jīn"),
             ("山", "shān"), ("平", "píng"), ("湖", "hú"), ("吕", "lǚ"), ("巷", "xiàng"),
             ("长", "cháng"), ("宁", "níng"), ("嘉", "jiā"), ("兴", "xīng"), ("安", "ān"),
             ("华", "huá"), ("东", "dōng"), ("南", "nán"), ("西", "xī"), ("北", "běi"),
             ("江", "jiāng"), ("河", "hé"), ("桥", "qiáo"), ("松", "sōng"), ("青", "qīng")]
PLACE_LEVELS = (("Province", "省", "Shěng", "Province", 1), ("City", "市", "Shì", "City", 2),
                ("District", "区", "Qū", "District", 3), ("Township", "镇", "Zhèn", "Town", 4))
OTHER_CLASSES = (("Enterprise", "有限公司"), ("GovernmentBody", "委员会"),
                 ("PartyOrganization", "党委"), ("PartyBrand", "品牌"), ("Project", "平台"),
                 ("Event", "论坛"), ("IndustrialPark", "产业园"))


def random_name(rng: random.Random, suffix: str, suffix_pinyin: str) -> tuple[str, str]:
    picks = [rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))]
    zh = "".join(c for c, _ in picks) + suffix
    pinyin = "".join(p for _, p in picks).capitalize() + (f" {suffix_pinyin}" if suffix_pinyin
                                                          else "")
    return zh, pinyin


def random_graph(n: int, seed: int = 1) -> Graph:
    """About ``n`` entities and 2n relations, each relation with its statement."""
    rng = random.Random(seed)
    b = GraphBuilder()
    docs = [b.article(f"bench{d:05d}", f"第{d}篇 区域合作新闻",
                      f"2023-{1 + d % 12:02d}-01T08:00:00+08:00")
            for d in range(max(1, n // 20))]
    sentence_pool: list = []

    def evidence() -> dict:
        doc = rng.choice(docs)
        if len(sentence_pool) < n // 2 or rng.random() < 0.3:
            text = "".join(rng.choice(SYLLABLES)[0] for _ in range(rng.randint(20, 60))) + "。"
            sentence_pool.append((doc, b.sentence(doc, len(sentence_pool), text, 0)))
        doc, sentence = rng.choice(sentence_pool)
        start = rng.randint(0, 2000)
        return {"doc": doc, "sentence": sentence, "span": (start, start + 20),
                "confidence": round(rng.uniform(0.5, 1.0), 2)}

    levels: list[list] = []
    place_budget = int(n * 0.45)
    counts = [max(2, n // 2000), max(4, n // 400), max(8, n // 100)]
    counts.append(max(8, place_budget - sum(counts)))
    province_of: dict = {}
    serial = 0
    for (cls, suffix, suffix_py, en_suffix, level), count in zip(PLACE_LEVELS, counts,
                                                                 strict=True):
        current = []
        for _ in range(count):
            serial += 1
            code = f"{level}{serial:08d}"
            zh, pinyin = random_name(rng, suffix, suffix_py)
            parent = rng.choice(levels[-1]) if levels else None
            iri = place_iri(code)
            province = province_of[parent] if parent is not None else iri
            province_of[iri] = province
            b.entity(iri, cls, zh, pinyin=pinyin, en=f"{pinyin.split(' ')[0]} {en_suffix}",
                     code=code, level=level, province=province if parent is not None else None)
            if parent is not None:
                b.relation(iri, "locatedIn", parent, rule="gazetteer.parent", **evidence())
            current.append(iri)
        levels.append(current)
    places = [iri for level in levels[2:] for iri in level]

    others = []
    for i in range(n - serial):
        cls, suffix = rng.choice(OTHER_CLASSES)
        zh, pinyin = random_name(rng, suffix, "")
        iri = org_iri(cls, f"{zh}{i}")
        b.entity(iri, cls, zh, pinyin=pinyin)
        others.append((iri, cls))
        if cls == "PartyBrand":
            b.relation(iri, "brandOf", rng.choice(places), **evidence())
        elif cls in ("Event",):
            b.relation(iri, "heldIn", rng.choice(places), **evidence())
        else:
            b.relation(iri, "locatedIn", rng.choice(places), **evidence())
    agents = [iri for iri, cls in others if cls in ("GovernmentBody", "PartyOrganization",
                                                      "Enterprise")]
    targets = [iri for iri, cls in others if cls in ("Project", "Event", "IndustrialPark")]
    for _ in range(n // 3):
        b.relation(rng.choice(agents), "launched", rng.choice(targets), **evidence())
    for _ in range(n // 3):
        a, c = rng.sample(agents, 2)
        b.relation(a, "cooperatesWith", c, **evidence())
    for i in range(max(2, n // 100)):
        zh, pinyin = random_name(rng, "联盟", "Liánméng")
        alliance = KGID[f"org/Alliance/bench{i}"]
        towns = rng.sample(levels[-1], rng.randint(2, 6))
        cross = len({province_of[t] for t in towns}) > 1
        b.entity(alliance, "Alliance", zh, pinyin=pinyin, cross_regional=cross)
        for town in towns:
            b.relation(town, "memberOf", alliance, **evidence())
    return b.graph


def measure(browser, path: Path) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    leaving: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else
            leaving.append(r.url))
    page.goto(path.as_uri())
    ready_ms = wait_until_drawn(page, timeout_ms=120_000)
    drawn = page.evaluate("window.kgView.drawnNodeIds().length")
    top = page.evaluate("""() => {
        const ids = window.kgView.drawnNodeIds(), m = window.kgView.data.nodes;
        return ids.reduce((a, b) => m[b].pr > m[a].pr ? b : a);
    }""")
    page.evaluate("window.__kgPanelAt = undefined; window.__kgClickAt = performance.now()")
    click_node(page, top)
    page.wait_for_function("() => window.__kgPanelAt !== undefined", timeout=30_000)
    click_ms = page.evaluate("window.__kgPanelAt - window.__kgClickAt")
    search_ms = page.evaluate("""() => { const t = performance.now();
        window.kgView.search('枫泾'); return performance.now() - t; }""")
    page.evaluate("window.kgView.search('')")
    filters = page.evaluate("""async () => {
        const v = window.kgView, d = v.data;
        const frame = () => new Promise(r => requestAnimationFrame(r));
        const facts = new Array(d.documents.length).fill(0);
        d.edges.forEach(e => e.ev.forEach(ev => { if (ev.doc !== undefined) facts[ev.doc]++; }));
        const doc = facts.indexOf(Math.max(...facts));
        const provinces = d.nodes.map((n, i) => i).filter(i => d.nodes[i].cls === 'Province');
        const province = provinces.reduce((a, b) => d.nodes[b].pr > d.nodes[a].pr ? b : a,
                                          provinces[0]);
        const days = d.documents.map(x => (x.date || '').slice(0, 10)).filter(Boolean).sort();
        const timed = async (call) => {
            const t = performance.now(); const n = call(); await frame();
            const ms = performance.now() - t; v.resetFilters(); await frame(); return [ms, n];
        };
        return {
            doc: await timed(() => v.setDocuments([doc])),
            place: province === undefined ? [0, 0] : await timed(() => v.setPlace(province)),
            dates: days.length ? await timed(() => v.setDateRange(
                days[Math.floor(days.length / 4)], days[Math.floor(days.length / 2)])) : [0, 0],
        };
    }""")
    page.close()
    return {"ready_ms": ready_ms, "click_ms": click_ms, "search_ms": search_ms, "drawn": drawn,
            "external_requests": len(leaving), "doc_ms": filters["doc"][0],
            "place_ms": filters["place"][0], "dates_ms": filters["dates"][0]}


def genre_store(count: int) -> Path:
    """The first ``count`` genre articles built with ``kg build`` (once; reused after)."""
    from kg.build import build

    out = OUT / f"genre-{count}"
    if not (out / ".export-state").is_file():
        OUT.mkdir(parents=True, exist_ok=True)
        source = OUT / f"genre-{count}.jsonl"
        with GENRE.open(encoding="utf-8") as lines:
            source.write_text("".join(line for _, line in zip(range(count), lines, strict=False)),
                              encoding="utf-8")
        build([source], out, write_html=False)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--max-nodes", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--genre", type=int, default=500,
                        help="articles of the genre corpus (0: leave it out)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing; install Debian's chromium package")
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    graphs = [(f"generated {size}", size) for size in args.sizes]
    if args.genre:
        graphs.insert(0, (f"genre {args.genre} docs", -args.genre))
    with chromium() as browser:
        for name, size in graphs:
            if size < 0:
                from kg.explore.netgraph import to_networkx
                from kg.store.graphstore import GraphStore

                folder = genre_store(-size)  # built once, outside the clock
                started = time.perf_counter()
                with GraphStore.open(folder, read_only=True) as store:
                    graph = to_networkx(store.union_view())
                    triples = store.triple_count()
                size = graph.number_of_nodes()
            else:
                started = time.perf_counter()
                graph = random_graph(size, args.seed)
                triples = len(graph)
            built = time.perf_counter() - started
            path = OUT / f"viz_bench_{name.replace(' ', '_')}.html"
            started = time.perf_counter()
            write_html(graph, path, max_nodes=args.max_nodes, title=f"benchmark {name}")
            rendered = time.perf_counter() - started
            result = measure(browser, path)
            rows.append((name, size, triples, built, rendered, path.stat().st_size / 1e6,
                         result))
            print(f"done {name}", file=sys.stderr)
    print("| graph | entities | triples | RDF or store read s | render s | file MB "
          "| first draw ms | click ms | search ms | 1 document ms | province ms "
          "| date range ms | drawn | requests out |")
    print("|---" * 14 + "|")
    for name, size, triples, built, rendered, megabytes, r in rows:
        print(f"| {name} | {size} | {triples} | {built:.1f} | {rendered:.1f} | {megabytes:.1f} "
              f"| {r['ready_ms']:.0f} | {r['click_ms']:.0f} | {r['search_ms']:.1f} "
              f"| {r['doc_ms']:.0f} | {r['place_ms']:.0f} | {r['dates_ms']:.0f} "
              f"| {r['drawn']} | {r['external_requests']} |")


if __name__ == "__main__":
    main()
