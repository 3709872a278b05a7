"""The trained mention tagger (``kg_mention_tagger``): a linear-chain CRF over characters.

Why a CRF over characters: names in this genre are long compounds (a branch
inside a company inside a county), their ends rarely fall where jieba cuts
words, and the annotated corpus is small (some 450,000 characters). A CRF with
rich sparse features learns from that little data, trains in minutes on two
cores, tags at hundreds of thousands of characters a second in C (crfsuite),
and its model is a few megabytes. ``benchmarks/README.md`` has the measured
comparison.

Each character is described by:

- the characters around it and their bigrams and trigrams;
- the jieba word it sits in (its position, the word, its dictionary tag),
  the words on either side and the second words on either side;
- the clause it sits in (the stretch between two punctuation marks): how far
  it is from the clause's start, and the nearest head word ahead in it (公司,
  党支部, 联盟, 镇, 片区 … from the lexicon: its class, its last characters and
  how far off it ends) or just behind it. Names here are long and end in a
  head word, so a character many places before 有限公司 is likely inside a
  company's name; the character n-grams alone see two places either way;
- what is around it: open quotes (“…”, 《…》), the kind of character;
- the *votes of the rules*: for every rule candidate covering the character
  (gazetteer places included), its position in the candidate, its class and
  the rule that proposed it.

The rules' votes make the tagger an end model in the weak-supervision sense:
it learns from annotated articles where the rules are right (a gazetteer name
at a word boundary) and where they are not (文旅兴镇 ends like a town), and it
finds names no rule has a pattern for (a company without a legal suffix).

The tagger's labels are BIO tags over the ontology's classes; each predicted
span becomes a :class:`~kg.extract.rules.mention.Mention` whose rule is
``model.<Class>`` (or ``place.model`` for places, so that the gazetteer links
it), and joins the rule candidates before overlaps are resolved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import ModelError
from kg.extract import lexicon
from kg.extract.lexicon import LEVEL_PREFIXES
from kg.extract.ner import doc_text
from kg.extract.rules.mention import Mention
from kg.extract.tokenizer import kept_words_and_starts
from kg.resources import jieba_word_tags, models_dir

#: Classes whose mentions are places the gazetteer may link.
PLACE_CLASSES = frozenset(
    ("Province", "City", "District", "County", "Township", "Subdistrict", "Village")
)
#: Where doc.user_data carries annotated spans that stand in for the model's
#: predictions (training the relation model on reference mentions).
ORACLE_KEY = "kg_oracle_mentions"
#: The rule name given to a predicted span of class ``cls``.
MODEL_RULE_PREFIX = "model."
PLACE_MODEL_RULE = "place.model"

_OPEN = {"“": "”", "《": "》", "「": "」", "『": "』", '"': '"'}


def tagger_model_path() -> Path:
    return models_dir() / "mentions.crfsuite"


def tagger_model_available(path: Path | None = None) -> bool:
    return (path or tagger_model_path()).is_file()


def _kind(ch: str) -> str:
    if "\u4e00" <= ch <= "\u9fff":
        return "h"
    if ch.isdigit():
        return "d"
    if ch.isascii() and ch.isalpha():
        return "l"
    if ch.isspace():
        return "s"
    return "p" + ch if ch in "、，,。；;：:“”《》（）()·—-" else "o"


def _head_words() -> dict[str, str]:
    """The lexicon's head words and the class each points to (places by their level)."""
    heads = dict(lexicon.ORG_SUFFIXES)
    for group, cls in ((lexicon.REGION_SUFFIXES, "Region"), (lexicon.TOWN_SUFFIXES, "Township"),
                       (lexicon.VILLAGE_SUFFIXES, "Village"), (lexicon.LEVEL_SUFFIXES, "Level")):
        for word in group:
            heads.setdefault(word, cls)
    return heads


HEAD_WORDS = _head_words()
#: Every head word, reversed, longest first: matched at each place of the reversed
#: text, it finds the longest head word *ending* at each place of the text in one
#: pass of the regex engine.
_REVERSED_HEADS = re.compile(
    "(?=(" + "|".join(re.escape(w[::-1]) for w in sorted(HEAD_WORDS, key=len, reverse=True))
    + "))"
)


def head_word_ends(text: str) -> dict[int, tuple[str, str]]:
    """Where head words end in ``text``: end offset → (class, longest head word ending there)."""
    n = len(text)
    ends: dict[int, tuple[str, str]] = {}
    for hit in _REVERSED_HEADS.finditer(text[::-1]):
        word = hit.group(1)[::-1]
        ends[n - hit.start()] = (HEAD_WORDS[word], word)
    return ends


def _distance(d: int) -> str:
    """A distance in characters, coarsely: 1, 2, 3, up to 6, up to 10, further."""
    return str(d) if d <= 3 else ("6" if d <= 6 else ("10" if d <= 10 else "20"))


def clause_features(text: str) -> list[list[str]]:
    """Per character: its distance from the clause start and the head words around it."""
    n = len(text)
    ends = head_word_ends(text)
    ahead: list[tuple[int, tuple[str, str]] | None] = [None] * n
    nearest = None
    for i in range(n - 1, -1, -1):
        if text[i] in lexicon.NAME_BREAK_CHARS:
            nearest = None
            continue
        if i + 1 in ends:
            nearest = (i + 1, ends[i + 1])
        ahead[i] = nearest
    out: list[list[str]] = []
    since = 0
    for i in range(n):
        since = 0 if text[i] in lexicon.NAME_BREAK_CHARS else since + 1
        f = ["cs=" + _distance(since)]
        if ahead[i] is not None:
            end, (cls, word) = ahead[i]
            if end - i <= 20:
                f += [f"h>={cls}:{_distance(end - i)}", "h>w=" + word[-2:]]
        if i in ends:
            f.append("h<=" + ends[i][0])
        out.append(f)
    return out


def _word_position(length: int, k: int) -> str:
    if length == 1:
        return "S"
    if k == 0:
        return "B"
    return "E" if k == length - 1 else "M"


def char_features(
    text: str,
    words: Sequence[str],
    starts: Sequence[int],
    candidates: Sequence[Mention],
) -> list[list[str]]:
    """The feature strings of every character of ``text`` (see the module docstring).

    ``words``/``starts`` are the jieba words spelling ``text`` and their
    offsets; ``candidates`` are the rule mentions (their votes).
    """
    n = len(text)
    tags = jieba_word_tags()
    padded = "\x02\x02" + text + "\x03\x03"
    feats: list[list[str]] = []
    word_of: list[tuple[str, str, str, str, str]] = [("-0", "", "", "", "")] * n
    second: list[tuple[str, str] | None] = [None] * n
    for idx, (word, start) in enumerate(zip(words, starts, strict=True)):
        length = len(word)
        pair = (words[idx - 2][-3:] if idx >= 2 else "^",
                words[idx + 2][:3] if idx + 2 < len(words) else "$")
        for k in range(length):
            second[start + k] = pair
        if word.isspace():
            continue
        tag = tags.get(word, "x")
        shown = word if length <= 6 else "~" + word[-2:]
        before = words[idx - 1] if idx else "^"
        after = words[idx + 1] if idx + 1 < len(words) else "$"
        for k in range(length):
            pos = _word_position(length, k) + str(min(length, 5))
            word_of[start + k] = (pos, shown, tag, before[-3:], after[:3])
    votes: list[list[str]] = [[] for _ in range(n)]
    for m in candidates:
        length = m.end - m.start
        family = m.rule.split(".")[0]
        for i in range(max(m.start, 0), min(m.end, n)):
            pos = _word_position(length, i - m.start)
            votes[i].append(f"rc={pos}{m.cls}")
            votes[i].append(f"rr={pos}{family}")
    clauses = clause_features(text)
    quote = ""
    for i in range(n):
        ch = text[i]
        j = i + 2
        pos, word, tag, before, after = word_of[i]
        f = [
            "c=" + ch,
            "c-1=" + padded[j - 1],
            "c+1=" + padded[j + 1],
            "c-2=" + padded[j - 2],
            "c+2=" + padded[j + 2],
            "b-=" + padded[j - 1 : j + 1],
            "b+=" + padded[j : j + 2],
            "t-=" + padded[j - 2 : j + 1],
            "t0=" + padded[j - 1 : j + 2],
            "t+=" + padded[j : j + 3],
            "k=" + _kind(ch),
            "wp=" + pos,
            "w=" + word,
            "wt=" + pos[0] + tag,
            "wb=" + before,
            "wa=" + after,
            "q=" + quote,
        ]
        if votes[i]:
            f.extend(votes[i])
        else:
            f.append("r=0")
        f.extend(clauses[i])
        if second[i] is not None:
            f += ["wb2=" + second[i][0], "wa2=" + second[i][1]]
        feats.append(f)
        if quote and ch == _OPEN.get(quote, ""):
            quote = ""
        elif not quote and ch in _OPEN:
            quote = ch
    return feats


def spans_from_tags(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """``B-X I-X …`` runs as ``(start, end, X)``; an ``I-`` after another class starts anew."""
    out: list[tuple[int, int, str]] = []
    start, cls = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        kind, _, label = tag.partition("-")
        if kind == "I" and label == cls and start >= 0:
            continue
        if start >= 0:
            out.append((start, i, cls))
            start, cls = -1, ""
        if kind in ("B", "I"):
            start, cls = i, label
    return out


def bio_tags(length: int, spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """The BIO tags of ``length`` characters with ``spans`` labelled (spans must not overlap)."""
    tags = ["O"] * length
    for start, end, cls in spans:
        tags[start] = "B-" + cls
        for i in range(start + 1, end):
            tags[i] = "I-" + cls
    return tags


def sentence_ranges(text: str, bounds: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches the tagger reads one at a time: the sentences, as the pipeline split them."""
    return [(s, e) for s, e in bounds if e > s]


def mention_for(text: str, start: int, end: int, cls: str) -> Mention:
    """A predicted span as a candidate mention; places are linked like the rules' places."""
    rule = PLACE_MODEL_RULE if cls in PLACE_CLASSES else MODEL_RULE_PREFIX + cls
    return Mention(start, end, text[start:end], cls, rule, certain=False)


@lru_cache(maxsize=4)
def load_tagger(path: str):
    """The crfsuite tagger of the model file at ``path`` (once per process)."""
    import pycrfsuite

    if not Path(path).is_file():
        raise ModelError(f"no mention-tagger model at {path}; run `make train` to train one")
    tagger = pycrfsuite.Tagger()
    try:
        tagger.open(path)
    except Exception as error:  # crfsuite raises a bare exception for a bad file
        raise ModelError(f"{path}: not a crfsuite model ({error}); run `make train`") from error
    return tagger


def predict_mentions(
    tagger, text: str, words, starts, candidates, sentences: Sequence[tuple[int, int]]
) -> list[Mention]:
    """Tag every sentence of ``text``; the spans found, as candidate mentions."""
    feats = char_features(text, words, starts, candidates)
    out: list[Mention] = []
    for s, e in sentences:
        labels = tagger.tag(feats[s:e])
        for a, b, cls in spans_from_tags(labels):
            a, b = trimmed(text, s + a, s + b)
            if b - a >= 2:
                out.append(mention_for(text, a, b, cls))
    return out


_EDGE_JUNK = re.compile(r"[^\w“”《》〈〉「」『』\-—·+]+|[0-9]+[条个家项支](?=\w)")


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A predicted span without the symbols at its edges (■, ▲, stray punctuation).

    Why: bullets and dingbats in front of a headline or a byline are not
    letters, and no name begins or ends with one; nor does a name begin with
    a count (1条…联盟).
    """
    head = _EDGE_JUNK.match(text, start, end)
    if head:
        start = head.end()
    while end > start and _EDGE_JUNK.fullmatch(text[end - 1]):
        end -= 1
    return start, end


#: Which rule candidates the tagger may overrule by tagging none of their
#: characters: ``none``; ``guessed`` (the rules that guess a name from its last
#: characters, :data:`_GUESSING_RULES`); ``uncertain`` (all but full gazetteer
#: names, people, publications, quoted names and list items); ``all``.
VETO_MODES = ("none", "guessed", "uncertain", "all")
#: Measured under cross-validation with the rules' relations (5 folds, 40 dev
#: articles): ``guessed`` 0.836 typed entity F1 / 0.668 strict relation F1,
#: ``uncertain`` 0.838 / 0.663, ``none`` 0.823 / 0.664. ``uncertain`` also let the
#: tagger drop organisations named by their suffix that the rules had right (a
#: …合作社 of the seed article; a …党建联盟 and so its members' ``memberOf``), so
#: the tagger vetoes only guesses.
DEFAULT_VETO = "guessed"


@Language.factory(
    "kg_mention_tagger",
    requires=["doc._.kg_candidates", "doc._.kg_sentences"],
    assigns=["doc._.kg_candidates"],
    default_config={"model_path": None, "veto": DEFAULT_VETO},
)
def make_mention_tagger(
    nlp: Language, name: str, model_path: str | None, veto: str
) -> MentionTagger:
    return MentionTagger(model_path, veto)


#: Rules whose candidates stand even where the tagger sees nothing (``uncertain``):
#: full gazetteer names, people by title or byline, publications, metadata, names
#: in quotes with their head word and the items of an enumeration. Measured: the
#: tagger's veto on quoted names and list items cost the seed article six
#: entities and the unseen dev articles (d21–d40) 0.002 of entity F1.
_CERTAIN_RULES = (
    "place.gazetteer", "person.", "publication.", "metadata", "quoted.", "enumeration.",
)
#: The rules that guess a name from its last characters alone (``guessed``):
#: places the gazetteer does not list, short place forms, zones. Measured over
#: the dev articles the tagger did not see, its veto on these was right 47
#: times in 49; on the other rules (quoted names, organisations) it was wrong
#: more often than right.
_GUESSING_RULES = ("place.short_form", "place.suffix", "region.suffix", "quoted.brand_tail")


def _is_relative_body(m: Mention) -> bool:
    """区司法局, 县委组织部: a body named after "the" district, resolved by the article."""
    return m.rule.startswith("org.") and m.text[:1] in LEVEL_PREFIXES and len(m.text) >= 4


def vetoed(candidates: Sequence[Mention], found: Sequence[Mention], mode: str) -> list[Mention]:
    """The rule candidates left once the tagger has had its say.

    Why: the tagger read every rule candidate as a feature; where it tagged
    not one character of a candidate as part of a name, it learned from the
    annotated articles that such candidates are wrong (文旅兴镇, 所在村).
    """
    covered = bytearray(max((m.end for m in [*candidates, *found]), default=0))
    for m in found:
        covered[m.start : m.end] = b"\x01" * (m.end - m.start)
    out = []
    for m in candidates:
        if mode == "uncertain":
            certain = m.rule.startswith(_CERTAIN_RULES) or _is_relative_body(m)
        else:
            certain = mode == "guessed" and not m.rule.startswith(_GUESSING_RULES)
        if certain or any(covered[m.start : m.end]):
            out.append(m)
    return out


class MentionTagger:
    """Adds the CRF's mentions to the rule candidates (see the module docstring)."""

    def __init__(self, model_path: str | None = None, veto: str = DEFAULT_VETO) -> None:
        if veto not in VETO_MODES:
            raise ModelError(f"unknown veto mode {veto!r}; choose from {', '.join(VETO_MODES)}")
        self.model_path = str(model_path or tagger_model_path())
        self.veto = veto
        self._tagger = None

    @property
    def tagger(self):
        """The CRF, read on first use (a pipeline fed reference mentions never needs it)."""
        if self._tagger is None:
            self._tagger = load_tagger(self.model_path)
        return self._tagger

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        candidates: list[Mention] = list(doc._.kg_candidates or [])
        oracle = doc.user_data.get(ORACLE_KEY)
        if oracle is not None:
            found = [mention_for(text, s, e, cls) for s, e, cls in oracle]
        else:
            kept = kept_words_and_starts(doc)
            if kept is None:
                raise ModelError("kg_mention_tagger needs kg's jieba tokenizer")
            words, starts = kept
            bounds = [(s.start, s.end) for s in doc._.kg_sentences or []]
            found = predict_mentions(self.tagger, text, words, starts, candidates, bounds)
        if self.veto != "none":
            candidates = vetoed(candidates, found, self.veto)
        doc._.kg_candidates = candidates + found
        return doc
