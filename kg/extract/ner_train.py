"""Train and evaluate the statistical NER model on MSRA (SIGHAN 2006).

Why a module of its own: the corpus formats (char-per-line BIO in a zip,
word/tag segments in the SIGHAN test file) and the scoring rules are easy to get
subtly wrong, so they live here as small pure functions with tests, next to the
two entry points the CLI calls: :func:`train_ner` and :func:`evaluate_msra`.

Data is read from ``shared/data/ner/msra/`` at training time and the converted
``.spacy`` corpora are written under the output folder (``training/output/`` by
default, git-ignored), never into the package.

Splits (see ``shared/data/ner/msra/SOURCE.md``):

* train: ``peopledaily.zip:train.txt`` minus every 10th block;
* dev: every 10th block of ``train.txt`` (block index % 10 == 9), used for
  model selection;
* test: ``testright1.txt`` only. ``peopledaily.zip:dev.txt`` is the test set
  in disguise and is never read here.

Both train and dev can be augmented with synthetic runs of back-to-back person
names (``[kg_augment] name_run_share`` in the config), each built only from its
own split's names; see :func:`name_run_blocks`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError
from kg.extract.ner import NER_LABELS, EntitySpan, bio_to_spans, load_ner_model, predict_spans

REPO_ROOT = Path(__file__).resolve().parents[2]
MSRA_DIR = REPO_ROOT.parent / "shared" / "data" / "ner" / "msra"
DEFAULT_TRAIN_ZIP = MSRA_DIR / "peopledaily.zip"
DEFAULT_TEST_FILE = MSRA_DIR / "testright1.txt"
DEFAULT_CONFIG = REPO_ROOT / "training" / "ner.cfg"
DEFAULT_OUTPUT = REPO_ROOT / "training" / "output"

#: SIGHAN segment tags → our labels; ``o`` is outside.
SIGHAN_TAGS = {"nr": "PER", "ns": "LOC", "nt": "ORG"}


class TrainingDataError(KgError):
    """An MSRA file is missing or not in the expected format."""


@dataclass(frozen=True)
class Sentence:
    """A text with its gold entities as character offsets."""

    text: str
    spans: tuple[EntitySpan, ...]


# --- corpus reading -----------------------------------------------------------------


def parse_bio_blocks(content: str, source: str = "<text>") -> Iterator[Sentence]:
    """Blocks of ``<char> <tag>`` lines separated by blank lines, as Sentences."""
    chars: list[str] = []
    tags: list[str] = []
    for line_number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            if chars:
                yield Sentence("".join(chars), tuple(bio_to_spans(tags)))
                chars, tags = [], []
            continue
        char, sep, tag = line.rpartition(" ")
        if not sep or len(char) != 1:
            raise TrainingDataError(
                f"{source}:{line_number}: expected '<char> <tag>', got {line!r}"
            )
        chars.append(char)
        tags.append(tag)
    if chars:
        yield Sentence("".join(chars), tuple(bio_to_spans(tags)))


def read_msra_train(zip_path: Path = DEFAULT_TRAIN_ZIP) -> list[Sentence]:
    """All blocks of ``train.txt`` inside MSRA's ``peopledaily.zip``."""
    if not zip_path.is_file():
        raise TrainingDataError(
            f"{zip_path}: MSRA training zip not found; it is expected in shared/data/ner/msra/"
        )
    with zipfile.ZipFile(zip_path) as archive:
        content = archive.read("train.txt").decode("utf-8")
    return list(parse_bio_blocks(content, source=f"{zip_path}:train.txt"))


def split_train_dev(
    sentences: Sequence[Sentence], dev_every: int = 10
) -> tuple[list[Sentence], list[Sentence]]:
    """Deterministic split: block ``i`` goes to dev when ``i % dev_every == dev_every - 1``."""
    train = [s for i, s in enumerate(sentences) if i % dev_every != dev_every - 1]
    dev = [s for i, s in enumerate(sentences) if i % dev_every == dev_every - 1]
    return train, dev


def fold_digits(text: str) -> str:
    """NFKC on full-width digits only (the one difference between train and test text)."""
    return "".join(unicodedata.normalize("NFKC", c) if "０" <= c <= "９" else c for c in text)


def parse_sighan_line(line: str) -> Sentence:
    """One line of ``testright1.txt``: space-separated ``text/tag`` segments.

    Digits are width-folded; this does not change any offset.
    """
    parts: list[str] = []
    spans: list[EntitySpan] = []
    offset = 0
    for segment in line.split():
        text, sep, tag = segment.rpartition("/")
        if not sep or not text:
            raise TrainingDataError(f"bad SIGHAN segment {segment!r} in line {line[:40]!r}…")
        label = SIGHAN_TAGS.get(tag)
        if label is None and tag != "o":
            raise TrainingDataError(f"unknown SIGHAN tag {tag!r} in segment {segment!r}")
        if label:
            spans.append((offset, offset + len(text), label))
        parts.append(text)
        offset += len(text)
    return Sentence(fold_digits("".join(parts)), tuple(spans))


def read_sighan_test(test_file: Path = DEFAULT_TEST_FILE) -> list[Sentence]:
    """All sentences of the SIGHAN 2006 MSRA gold test file (blank lines skipped)."""
    if not test_file.is_file():
        raise TrainingDataError(f"{test_file}: MSRA test file not found")
    lines = test_file.read_text(encoding="utf-8").splitlines()
    return [parse_sighan_line(line) for line in lines if line.strip()]


# --- name-run augmentation -------------------------------------------------------------
#
# News text prints lists of people (committee members, delegates, award
# winners) as names written back to back with no separator, sometimes with a
# parenthesised note such as "（女）" or an ethnic group after a name. MSRA's
# training text has few such runs (under 2 % of its PER entities), so a model
# trained on it merges a run into one long PER or skips it. These functions
# build synthetic runs from a split's *own* PER entities and plain context, so
# the model sees the pattern; nothing is taken from another split.

#: Config section and key that hold the share of synthetic name-run blocks.
AUGMENT_SECTION = "kg_augment"
NAME_RUN_SHARE_KEY = "name_run_share"
TRAIN_ON_DEV_KEY = "train_on_dev"

_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
#: An ethnic group named after an enumeration comma or an opening parenthesis ("、X族").
_ENUMERATED_GROUP = re.compile(r"(?<=[、（])[\u4e00-\u9fff]{1,3}族")
_FEMALE = "女"
#: Characters before 族 that make a generic word (民族 nation, 种族 race, 家族 clan).
_NOT_A_GROUP = frozenset("民种家")


def person_names(sentences: Iterable[Sentence]) -> list[str]:
    """Distinct PER entities of 2-4 Han characters, sorted (the pool runs draw from).

    Sorted so that the draw depends only on the corpus and the seed, not on
    set iteration order.
    """
    names = {
        s.text[start:end]
        for s in sentences
        for start, end, label in s.spans
        if label == "PER" and _HAN_NAME.fullmatch(s.text[start:end])
    }
    return sorted(names)


def ethnic_groups(sentences: Iterable[Sentence], min_count: int = 2) -> list[str]:
    """Words ending in 族 that follow 、 or （ in the corpus at least ``min_count`` times.

    Mined rather than hard-coded so the markers come from the training text
    itself; the enumeration context keeps out words like 上班族.
    """
    counts: dict[str, int] = {}
    for sentence in sentences:
        for match in _ENUMERATED_GROUP.finditer(sentence.text):
            counts[match.group(0)] = counts.get(match.group(0), 0) + 1
    return sorted(w for w, n in counts.items() if n >= min_count and w[-2] not in _NOT_A_GROUP)


def entity_free_contexts(
    sentences: Iterable[Sentence], max_chars: int = 8
) -> tuple[list[str], list[str]]:
    """Texts seen right before and right after a PER entity, without any entity in them.

    These give the synthetic runs realistic edges (a heading before the list,
    a verb after it) while keeping every entity of the block gold-labelled.
    """
    prefixes: set[str] = set()
    suffixes: set[str] = set()
    for sentence in sentences:
        spans = sorted(sentence.spans)
        for index, (start, end, label) in enumerate(spans):
            if label != "PER":
                continue
            previous_end = spans[index - 1][1] if index else 0
            next_start = spans[index + 1][0] if index + 1 < len(spans) else len(sentence.text)
            before = sentence.text[max(previous_end, start - max_chars) : start]
            after = sentence.text[end : min(next_start, end + max_chars)]
            if len(before) >= 2:
                prefixes.add(before)
            if len(after) >= 2:
                suffixes.add(after)
    return sorted(prefixes), sorted(suffixes)


def name_run(
    rng: random.Random,
    names: Sequence[str],
    groups: Sequence[str],
    prefixes: Sequence[str],
    suffixes: Sequence[str],
    *,
    min_names: int = 3,
    max_names: int = 12,
    marker_rate: float = 0.15,
    context_rate: float = 0.5,
) -> Sentence:
    """One synthetic block: names back to back, each gold PER, with optional notes and edges."""
    parts: list[str] = []
    spans: list[EntitySpan] = []
    offset = 0

    def add(text: str, label: str | None = None) -> None:
        nonlocal offset
        parts.append(text)
        if label:
            spans.append((offset, offset + len(text), label))
        offset += len(text)

    if prefixes and rng.random() < context_rate:
        add(rng.choice(prefixes))
    for _ in range(rng.randint(min_names, max_names)):
        add(rng.choice(names), "PER")
        if rng.random() < marker_rate:
            add(_marker(rng, groups))
    if suffixes and rng.random() < context_rate:
        add(rng.choice(suffixes))
    return Sentence("".join(parts), tuple(spans))


def _marker(rng: random.Random, groups: Sequence[str]) -> str:
    """``（女）``, ``（X族）`` or ``（女，X族）``; just ``（女）`` without groups."""
    if not groups:
        return f"（{_FEMALE}）"
    kind = rng.random()
    if kind < 0.4:
        return f"（{_FEMALE}）"
    group = rng.choice(groups)
    return f"（{group}）" if kind < 0.8 else f"（{_FEMALE}，{group}）"


def name_run_blocks(sentences: Sequence[Sentence], count: int, seed: int = 0) -> list[Sentence]:
    """``count`` synthetic name-run blocks built only from ``sentences`` (deterministic per seed).

    Returns an empty list when ``count`` is 0 or the split has no usable names.
    """
    names = person_names(sentences)
    if count <= 0 or not names:
        return []
    groups = ethnic_groups(sentences)
    prefixes, suffixes = entity_free_contexts(sentences)
    rng = random.Random(seed)
    return [name_run(rng, names, groups, prefixes, suffixes) for _ in range(count)]


def with_name_runs(sentences: Sequence[Sentence], share: float, seed: int) -> list[Sentence]:
    """``sentences`` followed by ``round(share * len(sentences))`` synthetic name-run blocks."""
    return [*sentences, *name_run_blocks(sentences, round(share * len(sentences)), seed)]


# --- conversion to spaCy ------------------------------------------------------------


def sentence_to_doc(nlp, sentence: Sentence):
    """A spaCy Doc with gold entities, tokenised by ``nlp``'s own tokenizer.

    Entities that do not fall on token boundaries (possible with word
    tokenisers such as jieba) are marked *missing* rather than outside, so the
    model is not taught that those characters are no entity.
    """
    from spacy.util import filter_spans

    doc = nlp.make_doc(sentence.text)
    entities, missing = [], []
    for start, end, label in sentence.spans:
        span = doc.char_span(start, end, label=label)
        if span is not None:
            entities.append(span)
        else:
            expanded = doc.char_span(start, end, alignment_mode="expand")
            if expanded is not None:
                missing.append(expanded)
    missing = filter_spans(m for m in missing if not any(_overlaps(m, e) for e in entities))
    doc.set_ents(entities, missing=missing, default="outside")
    for token in doc:  # the same gold as BIO tags, for pipelines that use a tagger
        if token.ent_iob_ in ("B", "I"):
            token.tag_ = f"{token.ent_iob_}-{token.ent_type_}"
        elif token.ent_iob_ == "O":
            token.tag_ = "O"
    return doc


def _overlaps(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def write_docbin(nlp, sentences: Iterable[Sentence], path: Path) -> int:
    """Write ``sentences`` as a ``.spacy`` file; returns the number of docs."""
    from spacy.tokens import DocBin

    docbin = DocBin(store_user_data=False)
    count = 0
    for sentence in sentences:
        docbin.add(sentence_to_doc(nlp, sentence))
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return count


def tokenizer_only_pipeline(config_path: Path):
    """A pipeline with just the config's tokenizer, to convert corpora consistently."""
    import spacy
    from spacy import util

    config = util.load_config(config_path)
    tokenizer = {"nlp": {"tokenizer": config["nlp"]["tokenizer"]}}
    return spacy.blank(config["nlp"]["lang"], config=tokenizer)


def alignment_rate(nlp, sentences: Iterable[Sentence]) -> float:
    """Share of gold entities whose boundaries fall on token boundaries."""
    total = aligned = 0
    for sentence in sentences:
        doc = nlp.make_doc(sentence.text)
        for start, end, _ in sentence.spans:
            total += 1
            aligned += doc.char_span(start, end) is not None
    return aligned / total if total else 1.0


# --- training -----------------------------------------------------------------------


def augment_settings(config_path: Path) -> dict:
    """The config's ``[kg_augment]`` section, kg's own training settings ({} when absent)."""
    from spacy import util

    return dict(util.load_config(config_path, interpolate=False).get(AUGMENT_SECTION, {}))


def name_run_share(config_path: Path) -> float:
    """The config's ``[kg_augment] name_run_share`` (0.0 when absent, as in older configs)."""
    return float(augment_settings(config_path).get(NAME_RUN_SHARE_KEY, 0.0))


def train_on_dev(config_path: Path) -> bool:
    """The config's ``[kg_augment] train_on_dev`` (False when absent).

    True trains on all of MSRA's train file, the dev blocks included, for a
    final model whose configuration was already chosen on the held-out dev
    split; its dev scores are then not held out, and only the test file says
    how good it is.
    """
    return bool(augment_settings(config_path).get(TRAIN_ON_DEV_KEY, False))


def prepare_corpora(
    output_dir: Path,
    config: Path,
    train_zip: Path = DEFAULT_TRAIN_ZIP,
    dev_every: int = 10,
    name_runs: float = 0.0,
    seed: int = 0,
    include_dev: bool = False,
) -> tuple[Path, Path]:
    """Convert MSRA train to ``output_dir/corpus/{train,dev}.spacy`` with the config's tokenizer.

    ``name_runs`` is the share of synthetic name-run blocks added to each
    split, built from that split's own names (see :func:`name_run_blocks`), so
    that model selection on dev also sees runs. ``include_dev`` also trains on
    the dev blocks (see :func:`train_on_dev`).
    """
    nlp = tokenizer_only_pipeline(config)
    train, dev = split_train_dev(read_msra_train(train_zip), dev_every)
    if include_dev:
        train = [*train, *dev]
    train = with_name_runs(train, name_runs, seed)
    dev = with_name_runs(dev, name_runs, seed + 1)
    corpus_dir = output_dir / "corpus"
    train_path, dev_path = corpus_dir / "train.spacy", corpus_dir / "dev.spacy"
    write_docbin(nlp, train, train_path)
    write_docbin(nlp, dev, dev_path)
    return train_path, dev_path


def train_ner(
    output_dir: Path = DEFAULT_OUTPUT,
    config: Path | None = None,
    *,
    train_zip: Path = DEFAULT_TRAIN_ZIP,
    dev_every: int = 10,
    overrides: dict[str, object] | None = None,
    name_runs: float | None = None,
) -> Path:
    """Convert MSRA, train the pipeline described by ``config`` and return ``model-best``.

    ``overrides`` are spaCy config overrides (``{"training.max_steps": 2000}``).
    ``name_runs`` overrides the config's ``[kg_augment] name_run_share``.
    Training runs on CPU, on one BLAS thread (:func:`kg.limit_threads` runs
    when kg is imported).
    """
    from spacy.cli.train import train as spacy_train

    config = config or DEFAULT_CONFIG
    if not config.is_file():
        raise TrainingDataError(f"{config}: training config not found")
    output_dir = Path(output_dir)
    share = name_run_share(config) if name_runs is None else name_runs
    train_path, dev_path = prepare_corpora(
        output_dir, config, train_zip, dev_every, share, include_dev=train_on_dev(config)
    )
    settings = {"paths.train": str(train_path), "paths.dev": str(dev_path), **(overrides or {})}
    spacy_train(config, output_path=output_dir, overrides=settings, use_gpu=-1)
    return output_dir / "model-best"


def ship_model(model_dir: Path, target: Path | None = None) -> Path:
    """Copy a trained pipeline (e.g. ``model-best``) to ``kg/models/ner-zh/``.

    Only what ``spacy.load`` reads is copied, and the corpus paths recorded in
    its config are cleared, since they point into a training folder that the
    installed package will not have. The vocabulary's string table is emptied
    (:func:`prune_strings`): it only maps hashes back to text, which prediction
    never does, and it is a fifth of the package's size.
    """
    import shutil

    from spacy import util

    from kg.extract.ner import default_model_dir

    target = target or default_model_dir()
    if not (model_dir / "config.cfg").is_file():
        raise TrainingDataError(f"{model_dir}: not a trained spaCy pipeline (no config.cfg)")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(model_dir, target)
    config = util.load_config(target / "config.cfg", interpolate=False)
    config["paths"]["train"] = None
    config["paths"]["dev"] = None
    config.to_disk(target / "config.cfg")
    prune_strings(target)
    return target


def prune_strings(model_dir: Path) -> int:
    """Empty ``vocab/strings.json`` of a saved pipeline; return the bytes saved.

    The string table lists every character, bigram and feature string seen in
    training so that a hash can be printed as text. The model reads hashes
    only (spaCy's hashes do not depend on the table), and the labels the
    NER predicts are stored with the NER itself, so the shipped pipeline tags
    exactly as before without it (tests/extract/test_ner_train.py checks that).
    """
    strings = model_dir / "vocab" / "strings.json"
    if not strings.is_file():
        return 0
    before = strings.stat().st_size
    strings.write_text("[]", encoding="utf-8")
    return before - strings.stat().st_size


# --- evaluation ---------------------------------------------------------------------


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts (0.0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": precision, "r": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def score_spans(
    gold: Iterable[Sequence[EntitySpan]], predicted: Iterable[Sequence[EntitySpan]]
) -> dict[str, dict[str, float]]:
    """Exact-span micro P/R/F1 overall (``"micro"``) and per label."""
    counts = {label: [0, 0, 0] for label in NER_LABELS}
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        gold_set, predicted_set = set(gold_spans), set(predicted_spans)
        for span in predicted_set:
            counts.setdefault(span[2], [0, 0, 0])[0 if span in gold_set else 1] += 1
        for span in gold_set - predicted_set:
            counts.setdefault(span[2], [0, 0, 0])[2] += 1
    scores = {label: prf(*c) for label, c in counts.items()}
    scores["micro"] = prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return scores


def evaluate_msra(model_dir: Path | None, test_file: Path = DEFAULT_TEST_FILE) -> dict:
    """Score the model at ``model_dir`` (None: the shipped one) on ``testright1.txt``.

    Returns ``{"micro": {...}, "PER": {...}, "LOC": {...}, "ORG": {...},
    "chars": n, "seconds": s, "chars_per_second": n/s}``; each score dict has
    ``p``, ``r``, ``f1``, ``tp``, ``fp``, ``fn``.
    """
    sentences = read_sighan_test(test_file)
    nlp = load_ner_model(model_dir)
    started = time.perf_counter()
    predicted = list(predict_spans(nlp, (s.text for s in sentences)))
    seconds = time.perf_counter() - started
    result: dict = score_spans((s.spans for s in sentences), predicted)
    chars = sum(len(s.text) for s in sentences)
    result.update(chars=chars, seconds=seconds, chars_per_second=chars / seconds)
    return result


def format_scores(scores: dict) -> str:
    """A small plain-text table of P/R/F1 per label and micro."""
    lines = [f"{'label':<6} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6}"]
    for label in (*NER_LABELS, "micro"):
        s = scores[label]
        lines.append(
            f"{label:<6} {s['p']:6.2%} {s['r']:6.2%} {s['f1']:6.2%} {s['tp'] + s['fn']:6d}"
        )
    if "chars_per_second" in scores:
        lines.append(
            f"{scores['chars']} chars in {scores['seconds']:.1f} s "
            f"= {scores['chars_per_second']:,.0f} chars/s"
        )
    return "\n".join(lines)


# --- script entry -------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kg.extract.ner_train {train,eval}``: what ``kg train-ner``/``eval-ner`` wrap."""
    parser = argparse.ArgumentParser(
        prog="python -m kg.extract.ner_train", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train_cmd = commands.add_parser("train", help="convert MSRA and train the NER pipeline")
    train_cmd.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    train_cmd.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    train_cmd.add_argument("--max-steps", type=int, default=None)
    train_cmd.add_argument(
        "--name-runs",
        type=float,
        default=None,
        help="share of synthetic name-run blocks (default: the config's [kg_augment])",
    )
    ship_cmd = commands.add_parser("ship", help="copy a trained pipeline to kg/models/ner-zh")
    ship_cmd.add_argument("model", type=Path, help="e.g. training/output/model-best")
    eval_cmd = commands.add_parser("eval", help="score a model on testright1.txt")
    eval_cmd.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    eval_cmd.add_argument("--test-file", type=Path, default=DEFAULT_TEST_FILE)
    eval_cmd.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            overrides = {"training.max_steps": args.max_steps} if args.max_steps else None
            best = train_ner(
                args.output, args.config, overrides=overrides, name_runs=args.name_runs
            )
            print(f"best model: {best}")
        elif args.command == "ship":
            print(f"shipped to {ship_model(args.model)}")
        else:
            scores = evaluate_msra(args.model, args.test_file)
            print(json.dumps(scores, indent=2) if args.json else format_scores(scores))
    except KgError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
