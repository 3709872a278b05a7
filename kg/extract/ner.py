"""The trained Chinese NER model that ships in ``kg/models/ner-zh/``.

The model is a plain spaCy pipeline trained on MSRA by :mod:`kg.extract.ner_train`.
Callers never see its tokens: :func:`predict_spans` hands back character
offsets into the text they passed in, so changing the model's internal
tokenisation (characters, jieba words) changes nothing for them.

The pipeline uses two small components defined here, so importing this module
registers them before ``spacy.load`` needs them:

* ``kg_char_bigrams`` puts each character's bigram into ``NORM``. On character
  tokens spaCy's usual lexical features (NORM, PREFIX, SUFFIX, SHAPE) all
  collapse to the character itself, and bigrams are the feature that helps
  Chinese NER most.
* ``kg_jieba_words`` adds what a word lattice would give (the Lattice-LSTM
  idea, made cheap): each character's place in its ``jieba.cut`` word and that
  word's dictionary part of speech go into ``LEMMA`` (``B-ns``, ``I-nr``,
  ``S-v``; ``x`` for words jieba's dictionary does not know), and the word
  itself into ``TAG``. Only the fast ``jieba.cut`` runs; the tag is a lookup
  in jieba's own word→tag table, not ``jieba.posseg.cut``.
* ``kg_lexicon_sets`` adds what the best path hides (the SoftLexicon idea, made
  cheap): every word of jieba's dictionary that covers a character, not only
  the one ``jieba.cut`` chose. Each character gets the coarse class and length
  of the dictionary words that begin or end on it in ``DEP`` (``B:L3.N2|E:N2``)
  and of those it sits inside in ``MORPH`` (``M=O5``). A place or organisation
  name the segmenter split differently still tells the model it is there.
* ``kg_bio_to_ents`` turns per-character BIO tags from a ``tagger`` into
  ``doc.ents``, for pipelines that tag instead of running the transition NER.

Loading is cached per process because reading a pipeline takes a noticeable
fraction of a second and every build worker needs it once, not per document.
The model is loaded with thinc's numpy operations routed to numpy's own BLAS
instead of the bundled BLIS kernels, with identical predictions: on an AMD
EPYC (AVX-512) numpy's OpenBLAS multiplied the tok2vec's matrices 3-4x faster
on one thread. With the cheaper feature components below, ``kg eval-ner`` went
from 11.4k to 18.7k chars/s there, and from 16.3k to 19.0k on an Intel Xeon,
where BLIS does better (benchmarks/README.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from functools import lru_cache
from pathlib import Path

import numpy
import spacy
from spacy.attrs import DEP, IDX, LEMMA, LENGTH, MORPH, NORM, TAG
from spacy.language import Language
from spacy.tokens import Doc, Span
from thinc.api import use_ops
from threadpoolctl import ThreadpoolController

from kg.errors import ModelError
from kg.resources import common_jieba_words, jieba_word_tags, ner_model_dir

#: Labels the model predicts (MSRA's three classes).
NER_LABELS = ("PER", "LOC", "ORG")

#: ``(start, end_exclusive, label)``: character offsets, or token indices in bio_to_spans.
EntitySpan = tuple[int, int, str]

#: Full-width ASCII (U+FF01..U+FF5E) folded to ASCII, one character for one, so
#: offsets stay valid. MSRA's training text has ASCII digits, while news text
#: (and MSRA's own test file) often uses full-width ones.
_WIDTH_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}

#: Where :func:`doc_text` keeps a document's text.
DOC_TEXT_KEY = "kg_text"

#: Where :func:`predict_spans` leaves a text's words for ``kg_jieba_words``.
_WORDS_KEY = "kg_jieba_words"

BIGRAM_COMPONENT = "kg_char_bigrams"
BIO_TO_ENTS_COMPONENT = "kg_bio_to_ents"
WORD_FEATURES_COMPONENT = "kg_jieba_words"
LEXICON_COMPONENT = "kg_lexicon_sets"

#: jieba dictionary part-of-speech tags folded into the classes the lexicon
#: features use; every other tag is ``W`` (any other word).
_LEXICON_CLASSES = {
    "nr": "P", "nrt": "P", "nrfg": "P",  # personal names
    "ns": "L",  # place names
    "nt": "O",  # organisations
    "nz": "Z",  # other proper nouns
    "j": "J",  # abbreviations
    "n": "N", "ng": "N", "vn": "N",  # common nouns
    "v": "V",
}
#: Longer dictionary words share one length bucket.
_LEXICON_MAX_LENGTH = 5


def default_model_dir() -> Path:
    """Where the shipped model lives inside the package."""
    return ner_model_dir()


def fold_width(text: str) -> str:
    """Full-width ASCII letters, digits and punctuation to ASCII, keeping the length."""
    return text.translate(_WIDTH_FOLD)


def load_ner_model(path: Path | None = None) -> Language:
    """Load the NER pipeline at ``path`` (default: the shipped one), once per process.

    Raises ModelError naming the folder when it is missing or not a spaCy pipeline.
    """
    return _load_cached((path or default_model_dir()).resolve())


@lru_cache(maxsize=4)
def _load_cached(path: Path) -> Language:
    if not (path / "config.cfg").is_file():
        raise ModelError(
            f"NER model not found at {path} (no config.cfg); "
            "train one with `kg train-ner` or reinstall kg, which ships kg/models/ner-zh/"
        )
    try:
        with use_ops("numpy", use_blis=False):
            nlp = spacy.load(path)
    except Exception as exc:  # spaCy raises OSError, ValueError, config errors …
        raise ModelError(
            f"NER model at {path} could not be loaded ({exc}); "
            "retrain it with `kg train-ner` or reinstall kg"
        ) from exc
    for char in common_characters():  # kept across the memory zones of predict_spans
        nlp.vocab[char]
    return nlp


@lru_cache(maxsize=1)
def common_characters(count: int = 6_000) -> tuple[str, ...]:
    """The ``count`` characters found in most of jieba's common words (the model's tokens)."""
    found = Counter(char for word in common_jieba_words() for char in word)
    return tuple(sorted(found, key=lambda char: (-found[char], char))[:count])


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def single_threaded_blas() -> AbstractContextManager[object]:
    """A context in which numpy's BLAS runs on one thread.

    Why: the model's matrices are small, and OpenBLAS spreading each product
    over every core cost 60% more CPU for a slower result (``kg eval-ner`` with
    ``OPENBLAS_NUM_THREADS=2``: 15.3 s CPU at 17.6k chars/s; on one thread
    9.5 s at 19.1k). Importing kg asks for one thread through the environment
    (:func:`kg.limit_threads`), which comes too late when numpy was imported
    first, as in a notebook; this limit holds either way. It applies only
    around prediction, so the caller's own numpy work keeps its threads.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


def predict_spans(
    nlp: Language,
    texts: Iterable[str],
    batch_size: int = 256,
    words: Iterable[Sequence[str] | None] | None = None,
) -> Iterator[list[EntitySpan]]:
    """Yield, for each text, its entities as ``(start, end_exclusive, label)`` character offsets.

    Texts are width-folded before tagging; folding keeps the length, so the
    offsets refer to the caller's text unchanged.

    ``words``, one entry per text, may hand over the text's ``jieba.cut``
    words when the caller already has them (kg's pipeline segments every
    document once); the model then does not segment the text again. An entry
    is used only when :func:`reusable_words` accepts it, so the features are
    the ones the model would have computed itself.

    The texts run in one spaCy memory zone of ``nlp``, open until the last
    result is yielded: consume one call's results before the next call.
    """
    folded = (fold_width(text) for text in texts)
    if words is None:
        docs: Iterable[str | Doc] = folded
    else:
        docs = (_with_words(nlp, text, given) for text, given in zip(folded, words, strict=True))
    # the memory zone frees the strings the feature components add per text
    # (bigrams, words, lexicon sets), which would otherwise accumulate
    with single_threaded_blas(), nlp.memory_zone():
        for doc in nlp.pipe(docs, batch_size=batch_size):
            yield [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]


#: Full-width characters that jieba segments differently once folded to ASCII:
#: letters, digits and the symbols its word pattern joins to them (``.+#&_%-``).
_FOLD_CHANGES_WORDS = re.compile("[０-９Ａ-Ｚａ-ｚ．＋＃＆＿％－]")


def reusable_words(folded_text: str, words: Sequence[str]) -> list[str] | None:
    """``words``, folded, if they are what ``jieba.cut(folded_text)`` would give; else None.

    The caller's words come from the unfolded text. Folding turns a full-width
    digit or letter into one jieba joins with its neighbours, so such a text is
    segmented anew; otherwise folding each word gives the same segmentation.
    The words must also spell out the text exactly.
    """
    if _FOLD_CHANGES_WORDS.search("".join(words)):
        return None
    folded = [fold_width(word) for word in words]
    return folded if "".join(folded) == folded_text else None


def _with_words(nlp: Language, folded_text: str, words: Sequence[str] | None) -> str | Doc:
    if words is None:
        return folded_text
    usable = reusable_words(folded_text, words)
    if usable is None:
        return folded_text
    doc = nlp.make_doc(folded_text)
    doc.user_data[_WORDS_KEY] = usable
    return doc


def bio_to_spans(tags: Sequence[str]) -> list[EntitySpan]:
    """``(start, end_exclusive, label)`` index spans from BIO tags.

    An ``I-X`` that does not continue an ``X`` entity (at the start, after
    ``O`` or after another label) opens a new one. MSRA's 100-character
    training blocks cut a few entities this way, and a per-token tagger can
    produce the same pattern; both are read as ``B-X``.
    """
    spans: list[EntitySpan] = []
    start, label = -1, ""
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, tag_label = tag.partition("-")
        if prefix == "I" and tag_label == label and start >= 0:
            continue
        if start >= 0:
            spans.append((start, index, label))
            start, label = -1, ""
        if prefix in ("B", "I"):
            start, label = index, tag_label
    return spans


@Language.component(BIGRAM_COMPONENT, assigns=["token.norm"])
def char_bigrams(doc: Doc) -> Doc:
    """Set each token's NORM to its text plus the next token's (``"</s>"`` after the last)."""
    if not len(doc):
        return doc
    text = doc_text(doc)
    cols = doc.to_array([IDX, LENGTH]).tolist()
    texts = [text[start : start + length] for start, length in cols]
    bigrams = [a + b for a, b in zip(texts, [*texts[1:], "</s>"], strict=True)]
    doc.from_array([NORM], _hash_column(doc, bigrams).reshape(-1, 1))
    return doc


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per document and kept in ``doc.user_data``.

    spaCy rebuilds ``Doc.text`` from the tokens at every access, which made it
    the hottest line of kg's pipeline, and the model's three feature components
    need it too. A caller that already holds the text may store it under
    :data:`DOC_TEXT_KEY` (spaCy's tokenization is lossless).
    """
    text = doc.user_data.get(DOC_TEXT_KEY)
    if text is None:
        text = doc.user_data[DOC_TEXT_KEY] = doc.text
    return text


def _hash_column(doc: Doc, values: Sequence[str]) -> numpy.ndarray:
    """The string-store hashes of ``values``, each distinct string added once."""
    add = doc.vocab.strings.add
    table = {value: add(value) for value in set(values)}
    return numpy.fromiter(map(table.__getitem__, values), dtype="uint64", count=len(values))


def word_positions(words: Iterable[str], word_tags: dict[str, str]) -> list[tuple[str, str]]:
    """For each character of the joined ``words``: ``(place-tag, word)``.

    The place is ``S`` for a one-character word, else ``B``/``I``/``E``; the
    tag is the word's dictionary part of speech, ``x`` when it has none.
    """
    features: list[tuple[str, str]] = []
    for word in words:
        tag = word_tags.get(word, "x")
        if len(word) == 1:
            features.append((f"S-{tag}", word))
            continue
        features.append((f"B-{tag}", word))
        features.extend((f"I-{tag}", word) for _ in range(len(word) - 2))
        features.append((f"E-{tag}", word))
    return features


@Language.component(WORD_FEATURES_COMPONENT, assigns=["token.lemma", "token.tag"])
def jieba_word_features(doc: Doc) -> Doc:
    """Set LEMMA to the token's place-and-tag in its jieba word and TAG to the word."""
    if not len(doc):
        return doc
    import jieba

    text = doc_text(doc)
    words = doc.user_data.get(_WORDS_KEY) or jieba.cut(text)
    features = word_positions(words, jieba_word_tags())
    if len(features) != len(text):  # jieba is expected to keep every character
        features = [("S-x", char) for char in text]
    return _set_character_features(doc, features, (LEMMA, TAG))


def _set_character_features(
    doc: Doc, features: Sequence[tuple[str, str]], attrs: tuple[int, int]
) -> Doc:
    """Write each token's pair of strings, looked up by its first character's offset.

    By offset, not by token index: whitespace that spaCy folds into a token
    must not shift the features of the tokens after it.
    """
    starts = doc.to_array(IDX).tolist()
    columns = [
        _hash_column(doc, [features[start][column] for start in starts])
        for column in range(len(attrs))
    ]
    doc.from_array(list(attrs), numpy.stack(columns, axis=1))
    return doc


def lexicon_sets(
    text: str, dag: dict[int, list[int]], word_tags: dict[str, str]
) -> list[tuple[str, str]]:
    """For each character of ``text``: its ``(boundary, inside)`` lexicon features.

    ``dag`` maps a start offset to the end offsets (inclusive) of dictionary
    words starting there, as ``jieba``'s ``get_DAG`` returns it. Only words of
    two or more characters count. ``boundary`` lists the ``class+length`` of
    the words beginning (``B:``) and ending (``E:``) on the character,
    ``inside`` those that strictly contain it (``M=``); ``-`` marks an empty set.
    """
    begins: dict[int, set[str]] = {}
    ends: dict[int, set[str]] = {}
    inside: dict[int, set[str]] = {}
    for start, stops in dag.items():
        for stop in stops:
            if stop <= start:
                continue
            word = text[start : stop + 1]
            key = _lexicon_key(word_tags.get(word, ""), len(word))
            begins.setdefault(start, set()).add(key)
            ends.setdefault(stop, set()).add(key)
            for middle in range(start + 1, stop):
                inside.setdefault(middle, set()).add(key)
    empty: set[str] = set()
    return [
        (
            _boundary_feature(frozenset(begins.get(i, empty)), frozenset(ends.get(i, empty))),
            _inside_feature(frozenset(inside.get(i, empty))),
        )
        for i in range(len(text))
    ]


@lru_cache(maxsize=4096)
def _lexicon_key(tag: str, length: int) -> str:
    return _LEXICON_CLASSES.get(tag, "W") + str(min(length, _LEXICON_MAX_LENGTH))


@lru_cache(maxsize=65536)
def _boundary_feature(begins: frozenset[str], ends: frozenset[str]) -> str:
    return f"B:{_joined(begins, '.')}|E:{_joined(ends, '.')}"


@lru_cache(maxsize=16384)
def _inside_feature(inside: frozenset[str]) -> str:
    return f"M={_joined(inside, ',')}"


def _joined(keys: frozenset[str], separator: str) -> str:
    return separator.join(sorted(keys)) if keys else "-"


@Language.component(LEXICON_COMPONENT, assigns=["token.dep", "token.morph"])
def lexicon_features(doc: Doc) -> Doc:
    """Set DEP and MORPH to the lexicon words that cover each token's first character."""
    if not len(doc):
        return doc
    import jieba

    word_tags = jieba_word_tags()  # also initialises jieba's dictionary
    text = doc_text(doc)
    features = lexicon_sets(text, jieba.dt.get_DAG(text), word_tags)
    return _set_character_features(doc, features, (DEP, MORPH))


@Language.factory(
    BIO_TO_ENTS_COMPONENT,
    assigns=["doc.ents"],
    requires=["token.tag"],
    default_config={"scorer": {"@scorers": "spacy.ner_scorer.v1"}},
)
def make_bio_to_ents(nlp: Language, name: str, scorer):
    """Build the BIO-tags-to-entities step (scored like spaCy's own NER)."""
    return BioToEnts(scorer)


class BioToEnts:
    """Reads ``token.tag_`` as BIO and writes ``doc.ents``."""

    def __init__(self, scorer) -> None:
        self.scorer = scorer

    def __call__(self, doc: Doc) -> Doc:
        strings = doc.vocab.strings
        tags = [strings[h] if h else "O" for h in doc.to_array(TAG).tolist()]
        entities = [Span(doc, start, end, label) for start, end, label in bio_to_spans(tags)]
        doc.set_ents(entities, default="outside")
        return doc

    def score(self, examples, **kwargs):
        return self.scorer(examples, **kwargs)
