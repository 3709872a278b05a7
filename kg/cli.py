"""The ``kg`` command line: a thin layer over the library.

Each command parses its options, calls one library function, and turns a
``KgError`` into a one-line message and exit code 1. Every command's help ends
with an example.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from kg.errors import KgError, StoreDamagedError
from kg.store.ledger import progress_line, skipped_summary

app = typer.Typer(
    name="kg",
    help="Build, query and explore knowledge graphs from Chinese local-governance news.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# soft_wrap: an error stays on one line however narrow the terminal (or a pipe) is
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _read_graph(directory: Path):
    """The union graph of a build directory, read without taking the writer's lock."""
    from kg.store.graphstore import GraphStore

    with GraphStore.open(directory, create=False, read_only=True) as store:
        return store.rdflib_graph()


class BuildProgress:
    """The progress of a build: a bar with rate and ETA on a terminal, else a line now and then.

    Why both: a bar redrawn in place is noise in a log file or CI output,
    where a line every :attr:`every_seconds` (or every :attr:`every_documents`)
    says the same and stays readable.
    """

    every_seconds = 5.0
    every_documents = 500

    def __init__(self, console: Console, interactive: bool) -> None:
        import time

        self.console = console
        self.interactive = interactive
        self._clock = time.monotonic
        self._started = self._clock()
        self._last_line = (self._started, 0)
        self._task = None
        self._bar = Progress(
            TextColumn("building"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TextColumn("eta"), TimeRemainingColumn(),
            TimeElapsedColumn(), console=console, transient=True, disable=not interactive,
        )

    def __enter__(self) -> BuildProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)

    def update(self, done: int, total: int | None) -> None:
        now = self._clock()
        rate = done / max(now - self._started, 1e-9)
        if self.interactive:
            if self._task is None:
                self._task = self._bar.add_task("build", total=total, rate="")
            self._bar.update(self._task, completed=done, rate=f"{rate:.1f} docs/s")
            return
        last_time, last_done = self._last_line
        finished = total is not None and done >= total
        if (now - last_time < self.every_seconds and done - last_done < self.every_documents
                and not finished):
            return
        self._last_line = (now, done)
        self.console.print(progress_line(done, total, now - self._started), markup=False)


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"error: {one_line(str(exc))}", markup=False)
    return typer.Exit(1)


def one_line(message: str) -> str:
    """Join a multi-line message (a parser's "expected one of" list) into one line."""
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


@app.command()
def build(
    inputs: list[Path] = typer.Argument(
        ..., help="Files or folders (.txt .md .html .htm .jsonl .pdf .docx)."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="Graph directory to create or update."),
    workers: int = typer.Option(1, "--workers", "-w", help="Extraction processes."),
    dask: str | None = typer.Option(None, "--dask", help="Dask scheduler, e.g. tcp://HOST:8786."),
    endpoint: str | None = typer.Option(
        None, "--endpoint", help="Also PUT each document graph to this Graph Store endpoint."
    ),
    max_bytes: int = typer.Option(20_000_000, "--max-bytes", help="Largest input file accepted."),
    no_html: bool = typer.Option(False, "--no-html", help="Skip writing graph.html."),
    html: bool = typer.Option(
        False, "--html", help="Write graph.html whatever the size (above 250,000 triples a "
        "build otherwise leaves it to `kg viz`)."
    ),
) -> None:
    """Extract entities and relations from documents into a graph directory.

    Writes DIR/graph.ttl, DIR/graph.trig, DIR/graph.html and the store DIR/store/.
    Unchanged documents are skipped; changed ones replace their named graph.
    Above 250,000 triples graph.html says to run `kg viz DIR` (or pass --html).

    Example: kg build seeds/ -o build/
    """
    from kg.build import HTML_TRIPLE_LIMIT
    from kg.build import build as run_build
    from kg.errors import BuildInterrupted

    reporter = BuildProgress(err, interactive=sys.stderr.isatty())
    try:
        with reporter:
            report = run_build(
                inputs, output, workers=workers, dask_address=dask, max_bytes=max_bytes,
                write_html=not no_html, endpoint=endpoint, progress=reporter.update,
                html_limit=None if html else HTML_TRIPLE_LIMIT,
            )
    except BuildInterrupted as exc:
        err.print(f"{exc}", markup=False)
        raise typer.Exit(130) from exc
    except KgError as exc:
        raise _fail(exc) from exc
    for failure in report.failures:
        err.print(f"error: {one_line(str(failure))}", markup=False)
    if report.skipped_files:
        err.print(skipped_summary(report.skipped_files), markup=False)
    skipped = f", {len(report.skipped_files)} files skipped" if report.skipped_files else ""
    out.print(f"documents: {report.built} built, {report.skipped} unchanged, "
              f"{len(report.failures)} failed{skipped}")
    if report.superseded:
        out.print(f"replaced: {report.superseded} earlier version(s) of edited files removed")
    if report.entities_by_class:
        out.print("entities: " + ", ".join(
            f"{k} {v}" for k, v in sorted(report.entities_by_class.items())))
    if report.relations_by_property:
        out.print("relations: " + ", ".join(
            f"{k} {v}" for k, v in sorted(report.relations_by_property.items())))
    for name, path in report.outputs.items():
        out.print(f"{name}: {path}")
    if report.html_deferred:
        out.print(f"viewer: not written ({report.html_deferred:,} triples, above "
                  f"{HTML_TRIPLE_LIMIT:,}); write it with `kg viz {output}`", markup=False)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def query(
    directory: str | None = typer.Argument(None, help="Graph directory (omit with --endpoint)."),
    sparql: str | None = typer.Argument(None, help="A SPARQL query."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Read the query from a .rq file."),
    named: str | None = typer.Option(None, "--named", "-n", help="A named query; see --list."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME=VALUE for a named query."),
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    endpoint: str | None = typer.Option(
        None, "--endpoint", help="Query a SPARQL endpoint instead."
    ),
    list_queries: bool = typer.Option(False, "--list", help="List the named queries."),
    plan: bool = typer.Option(
        False, "--plan", help="Print the query as it would run (join order planned), not its rows."
    ),
) -> None:
    """Answer a SPARQL query over a graph directory, or over a SPARQL endpoint.

    Example: kg query build --named cross-regional-alliances
    Example: kg query --endpoint http://127.0.0.1:7878 --named documents
    """
    from kg.store import named_queries, results
    from kg.store import query as q
    from kg.store.graphstore import damaged_store_error
    from kg.store.results import print_result

    if endpoint and directory is not None and sparql is None:
        directory, sparql = None, directory  # with --endpoint the one argument is the query
    try:
        if list_queries:
            for nq in named_queries.list_named_queries():
                params = " ".join(f"--param {p}=…" for p in nq.params)
                about = nq.summary if not nq.description else f"{nq.summary} {nq.description}"
                out.print(f"{nq.name}  {params}\n    {about}", markup=False)
            return
        bindings = q.parse_params(param)
        if sum(x is not None for x in (sparql, file, named)) != 1:
            raise KgError("give exactly one of: a SPARQL string, --file Q.rq, or --named NAME")
        if fmt not in ("table", "csv", "json"):
            raise KgError(f"unknown --format {fmt!r}; use table, csv or json")
        if file is not None:
            if not file.is_file():
                raise KgError(f"{file}: no such query file")
            sparql = file.read_text(encoding="utf-8")
        if plan and endpoint:
            raise KgError("--plan shows how a graph directory runs a query, not an endpoint")
        if endpoint:
            from kg.store.server import query_endpoint

            if named is not None:
                standalone = named_queries.standalone_named_query(named, bindings)
            else:
                standalone = q.standalone_query(sparql or "", bindings)
            result = query_endpoint(endpoint, standalone)
        else:
            if directory is None:
                raise KgError("give a graph directory (or --endpoint URL)")
            from kg.store.graphstore import GraphStore

            with GraphStore.open(directory, create=False, read_only=True) as store:
                if plan:
                    planned = (
                        named_queries.planned_named_query(store, named, bindings) if named
                        else q.planned_query(store, sparql or "", bindings)
                    )
                    out.print(planned, markup=False)
                    return
                try:
                    if named:
                        result = named_queries.run_named_query(store, named, bindings)
                    else:
                        result = q.run_query(store, sparql or "", bindings)
                    labels = results.entity_labels(store, result) if fmt == "table" else {}
                    if named and "doc" in bindings and not result.rows:
                        from kg.store.names import document_iris

                        if not document_iris(store, bindings["doc"]):
                            raise KgError(
                                f"no document {bindings['doc']!r} in {directory}; give its id, "
                                "IRI, source file or title (see --named documents)")
                except StoreDamagedError as exc:
                    raise damaged_store_error(directory, exc) from exc
                print_result(out, result, fmt, labels)
                return
        print_result(out, result, fmt, {})
    except KgError as exc:
        raise _fail(exc) from exc


@app.command()
def merges(
    directory: Path = typer.Argument(..., help="Graph directory."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """List the cross-document merges of a graph directory, with their reasons.

    owl:sameAs links between two IRIs minted for one thing (with the rule, the
    explanation and the documents behind each), then every entity's other
    forms (skos:altLabel) with the documents and extraction rules they came from.

    Example: kg merges build
    """
    import json

    from kg.store.merge import format_merges, merge_report, merge_report_json

    try:
        if fmt not in ("text", "json"):
            raise KgError(f"unknown --format {fmt!r}; use text or json")
        report = merge_report(directory)
    except KgError as exc:
        raise _fail(exc) from exc
    if fmt == "json":
        out.print(json.dumps(merge_report_json(report), ensure_ascii=False, indent=2),
                  markup=False)
    else:
        out.print(format_merges(report), markup=False, end="")


@app.command()
def viz(
    directory: Path = typer.Argument(..., help="Graph directory."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="HTML file to write (default: DIR/graph.html)."
    ),
    max_nodes: int = typer.Option(1500, "--max-nodes", help="Cap of the default view."),
) -> None:
    """Write one self-contained, offline, interactive HTML network of the graph.

    Example: kg viz build -o graph.html
    """
    from kg.explore.netgraph import to_networkx
    from kg.explore.viz import write_html
    from kg.store.graphstore import GraphStore

    output = output if output is not None else directory / "graph.html"
    try:
        with GraphStore.open(directory, create=False, read_only=True) as store:
            net = to_networkx(store.union_view())
        write_html(net, output, max_nodes=max_nodes)
    except KgError as exc:
        raise _fail(exc) from exc
    out.print(f"graph.html: {output}")


@app.command()
def validate(directory: Path = typer.Argument(..., help="Graph directory.")) -> None:
    """Check the graph against the SHACL shapes in ontology/shapes.ttl.

    Example: kg validate build
    """
    from kg.store.validate import validate_graph

    try:
        graph = _read_graph(directory)
        conforms, report = validate_graph(graph)
    except KgError as exc:
        raise _fail(exc) from exc
    if conforms:
        out.print("conforms: the graph satisfies every shape")
        return
    err.print(report, markup=False)
    raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: Path = typer.Argument(
        ..., help="A gold .json file, or a folder of dNN.gold.json + dNN.txt."
    ),
    directory: Path | None = typer.Argument(None, help="Built graph directory (with a gold file)."),
    misses: bool = typer.Option(True, "--misses/--no-misses", help="List what was missed."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Also write the report here."),
    folds: int = typer.Option(
        0, "--folds", help="Cross-validate: train on silver + the other folds, score each fold."
    ),
    config: Path = typer.Option(
        REPO_ROOT / "training" / "learned.cfg", "--config", help="Training config (with --folds)."
    ),
) -> None:
    """Score graphs against reference annotations (see shared/eval/README.md).

    With a gold file and a graph directory, scores that graph. With a folder,
    builds each article in it and prints a per-document table and micro totals.
    With --folds N (a folder), every article is scored by models trained
    without it: the tagger and relation classifier are trained on the silver
    corpus plus the other folds (minutes per fold).

    Example: kg eval ../shared/eval/seed.gold.json build/
    """
    from kg.evaluate import score as ev

    try:
        if folds:
            if not gold.is_dir():
                raise KgError("--folds needs a folder of dNN.gold.json + dNN.txt")
            from kg.evaluate.crossval import cross_validation_report

            report = cross_validation_report(gold, folds, config, REPO_ROOT, misses,
                                             log=lambda line: err.print(line, markup=False))
        elif gold.is_dir():
            rows = ev.evaluate_folder(gold, ev.graph_in_memory)
        else:
            if directory is None:
                raise KgError("give the graph directory to score, e.g. kg eval GOLD.json build/")

            graph = _read_graph(directory)
            score = ev.score_graph(ev.load_gold(gold), graph)
            rows = [(gold.name.replace(".gold.json", ""), score)]
        if not folds:
            report = ev.format_report(rows, show_misses=misses)
    except KgError as exc:
        raise _fail(exc) from exc
    out.print(report, markup=False)
    if output:
        from kg.base.fsutil import atomic_write_text

        atomic_write_text(output, report)


@app.command()
def train(
    output: Path = typer.Option(
        REPO_ROOT / "kg" / "models", "-o", "--output", help="Folder for the two model files."
    ),
    config: Path = typer.Option(
        REPO_ROOT / "training" / "learned.cfg", "--config", help="Training config."
    ),
) -> None:
    """Train the mention tagger and the relation classifier (reads ../shared/ only).

    They are trained on the silver genre corpus and every dev article, with the
    settings of training/learned.cfg, and written to OUTPUT (by default into
    the package, where builds pick them up). Takes several minutes.

    Example: kg train -o kg/models
    """
    from kg.extract.training import read_config, train_shipped

    try:
        paths = train_shipped(read_config(config, REPO_ROOT), output,
                              log=lambda line: err.print(line, markup=False))
    except KgError as exc:
        raise _fail(exc) from exc
    for path in paths:
        out.print(f"written: {path}")


@app.command()
def remove(
    directory: Path = typer.Argument(..., help="Graph directory."),
    doc: str = typer.Argument(..., help="Document id, IRI or source path."),
    endpoint: str | None = typer.Option(
        None, "--endpoint", help="Also remove it from this Graph Store endpoint."
    ),
) -> None:
    """Delete one document's statements (and nothing else) from a graph directory.

    Example: kg remove build seeds/000_7df76e14de67d081.txt
    """
    from kg.remove import remove_document

    try:
        remove_document(directory, doc, endpoint=endpoint)
    except KgError as exc:
        raise _fail(exc) from exc
    out.print(f"removed: {doc}")


@app.command()
def restore(directory: Path = typer.Argument(..., help="Graph directory.")) -> None:
    """Rebuild a damaged store (DIR/store/) from DIR/graph.trig, which every build writes.

    The damaged store is kept as DIR/store.damaged-N; the next build continues
    from the restored one.

    Example: kg restore build
    """
    from kg.store.restore import restore_store

    try:
        documents, moved = restore_store(directory)
    except KgError as exc:
        raise _fail(exc) from exc
    out.print(f"restored: {documents} documents into {directory / 'store'}")
    if moved is not None:
        out.print(f"the old store is kept in {moved}; delete it when you no longer need it")


@app.command()
def stats(directory: Path = typer.Argument(..., help="Graph directory.")) -> None:
    """Counts, central entities, communities and cross-regional links.

    Example: kg stats build
    """
    from kg.explore.analytics import format_stats, graph_stats

    try:
        graph = _read_graph(directory)
        out.print(format_stats(graph_stats(graph)), markup=False)
    except KgError as exc:
        raise _fail(exc) from exc


@app.command()
def export(
    directory: Path = typer.Argument(..., help="Graph directory."),
    fmt: str = typer.Option(
        ..., "--format", help="csv (a folder), xlsx, graphml, gexf, jsonld or nquads."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="File (or, for csv, folder)."),
) -> None:
    """Export the graph for a spreadsheet, for Gephi or Cytoscape, or for other RDF tools.

    csv writes FOLDER/entities.csv and FOLDER/relations.csv (UTF-8 with a BOM,
    for Excel); xlsx writes the same tables as two sheets of one workbook.

    Example: kg export build --format csv -o tables/
    Example: kg export build --format graphml -o graph.graphml
    """
    from kg.explore.analytics import EXPORT_FORMATS

    try:
        if fmt not in ("csv", "xlsx", *EXPORT_FORMATS):
            raise KgError(f"unknown export format {fmt!r}; use one of csv, xlsx, "
                          f"{', '.join(EXPORT_FORMATS)}")
        if fmt in ("csv", "xlsx"):
            from kg.explore.tables import export_tables

            for path in export_tables(directory, fmt, output):
                out.print(f"{fmt}: {path}")
            return
        from kg.explore.analytics import export as run_export

        graph = _read_graph(directory)
        path = run_export(graph, output, fmt)
    except KgError as exc:
        raise _fail(exc) from exc
    except OSError as exc:
        raise _fail(KgError(f"cannot write {output}: {exc.strerror}")) from exc
    out.print(f"{fmt}: {path}")


@app.command()
def serve(
    directory: Path = typer.Argument(..., help="Graph directory."),
    port: int = typer.Option(7878, "--port", help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Bind address (loopback by default)."),
) -> None:
    """Serve the graph read-only: a SPARQL 1.1 endpoint, a query page and the viewer, offline.

    http://HOST:PORT/ is kg's query page (prefixes and named queries built in),
    /viewer the network viewer, /query the SPARQL endpoint (Oxigraph). Stops
    on Ctrl-C, SIGTERM or SIGHUP, and takes its Oxigraph process with it.

    Example: kg serve build --port 7878   # then open http://127.0.0.1:7878/
    """
    from kg.store.server import serve as run_serve

    def announce(url: str) -> None:
        err.print(f"serving {directory} at {url}/ (query page), {url}/viewer, {url}/query "
                  "(SPARQL); Ctrl-C stops", markup=False)

    try:
        run_serve(directory, host=host, port=port, announce=announce)
    except KgError as exc:
        raise _fail(exc) from exc


@app.command("train-ner")
def train_ner(
    output: Path = typer.Option(REPO_ROOT / "training" / "output", "-o", "--output"),
    config: Path | None = typer.Option(None, "--config", help="spaCy training config."),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Stop after N updates."),
    ship: bool = typer.Option(False, "--ship", help="Copy model-best into kg/models/ner-zh/."),
) -> None:
    """Train the statistical NER on MSRA (reads ../shared/data, writes OUTPUT).

    Example: kg train-ner -o training/output --ship
    """
    from kg.extract.ner_train import ship_model
    from kg.extract.ner_train import train_ner as run_train

    overrides = {"training.max_steps": max_steps} if max_steps else None
    try:
        best = run_train(output, config, overrides=overrides)
        out.print(f"model-best: {best}")
        if ship:
            out.print(f"shipped: {ship_model(best)}")
    except KgError as exc:
        raise _fail(exc) from exc


@app.command("eval-ner")
def eval_ner(
    test_file: Path = typer.Argument(
        REPO_ROOT.parent / "shared" / "data" / "ner" / "msra" / "testright1.txt",
        help="MSRA test file in word/tag format.",
    ),
    model: Path | None = typer.Option(None, "--model", help="Model folder (default: shipped)."),
) -> None:
    """Score the NER model on MSRA test: exact-span micro P/R/F1 and per label.

    Example: kg eval-ner ../shared/data/ner/msra/testright1.txt
    """
    from kg.extract.ner_train import evaluate_msra, format_scores

    try:
        scores = evaluate_msra(model, test_file)
    except KgError as exc:
        raise _fail(exc) from exc
    out.print(format_scores(scores), markup=False)


def main() -> None:  # pragma: no cover
    app(prog_name="kg")
