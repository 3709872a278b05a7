"""The spaCy pipeline components of kg, each a registered factory.

The pipeline runs on ``spacy.blank("zh")`` with the jieba segmenter, over the
Simplified text of a document. Components share their results through ``Doc``
extensions (``doc._.kg_*``), registered once by :func:`ensure_extensions`
rather than at import time, and each reads only what an earlier one assigned:

``kg_sentences`` → ``kg_entity_rules`` → ``kg_statistical_ner`` (optional) →
``kg_entity_linker`` → ``kg_relations``.

Per-document context that is not in the text (the article title, the
original-script text for Traditional labels) travels in ``doc.user_data``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract import lexicon
from kg.extract.gazetteer import Gazetteer, get_gazetteer
from kg.extract.learned_spans import division_completed, is_learned, prefer_learned
from kg.extract.ner import doc_text
from kg.extract.resolve import resolve_entities
from kg.extract.rules.brands import brands, nested_brands
from kg.extract.rules.containment import adjacency, containment, gazetteer_links
from kg.extract.rules.cooperation import cooperation
from kg.extract.rules.enumerations import find_counted_places, find_enumerations
from kg.extract.rules.leadership import leadership
from kg.extract.rules.location import inclusion, landing, settling, venues
from kg.extract.rules.membership import (
    abbreviated_members,
    group_words,
    joint_founding,
    membership,
)
from kg.extract.rules.mention import RULE_PRIORITY, Mention, resolve_overlaps, token_starts
from kg.extract.rules.organisations import find_organisations, unwrap_party_branch
from kg.extract.rules.people import find_people, find_publications
from kg.extract.rules.places import (
    find_gazetteer_places,
    find_regions,
    find_short_place_forms,
    find_unlisted_places,
)
from kg.extract.rules.publishing import publishing
from kg.extract.rules.quoted import (
    find_quoted_after_places,
    find_quoted_names,
    find_repeated_quotes,
)
from kg.extract.rules.sentence import SentenceView
from kg.extract.tokenizer import kept_words_and_starts
from kg.model import Relation, Span

EXTENSIONS = (
    "kg_sentences",
    "kg_candidates",
    "kg_mentions",
    "kg_nested",
    "kg_entities",
    "kg_keys",
    "kg_relations",
    "kg_home",
)


def ensure_extensions() -> None:
    """Register the ``doc._.kg_*`` attributes once per process."""
    for name in EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


# ---------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------

_SENT_END = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』)）]*|\n+|$)")


def split_sentences(text: str) -> list[Span]:
    """Sentences end at 。！？; or a line break; closing quotes stay with them."""
    out: list[Span] = []
    for m in _SENT_END.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append(Span(s, e, text[s:e]))
    return out


@Language.factory("kg_sentences", assigns=["token.is_sent_start", "doc._.kg_sentences"])
def make_sentences(nlp: Language, name: str) -> SentenceSplitter:
    return SentenceSplitter()


class SentenceSplitter:
    """Marks sentence starts on tokens and keeps character spans of sentences."""

    def __call__(self, doc: Doc) -> Doc:
        sentences = split_sentences(doc_text(doc))
        if len(doc):
            # one array write instead of a Python loop over tokens (the slowest part
            # of the pipeline when written token by token)
            idx = doc.to_array(IDX)
            starts = numpy.where(numpy.isin(idx, [s.start for s in sentences]), 1, -1)
            starts[0] = 1
            doc.from_array([SENT_START], starts.astype("uint64").reshape(-1, 1))
        doc._.kg_sentences = sentences
        return doc


# ---------------------------------------------------------------------------
# Rule-based mentions
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _gazetteer() -> Gazetteer:
    return get_gazetteer()


def token_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) character offsets of the non-space tokens.

    They are the tokenizer's non-space words (:mod:`kg.extract.tokenizer`);
    a Doc made otherwise has them read off its tokens as arrays.
    """
    kept = kept_words_and_starts(doc)
    if kept is not None:
        words, starts = kept
        return [
            (start, start + len(word))
            for start, word in zip(starts, words, strict=True)
            if not word.isspace()
        ]
    if not len(doc):
        return []
    cols = doc.to_array([IDX, LENGTH, IS_SPACE]).tolist()
    return [(i, i + n) for i, n, space in cols if not space]


def enabled_families(
    families: tuple[str, ...], disabled: list[str] | tuple[str, ...], kind: str
) -> set[str]:
    """The rule families left on; a misspelt family is an error, not a silent no-op."""
    unknown = set(disabled) - set(families)
    if unknown:
        raise ValueError(
            f"unknown {kind} rule families {sorted(unknown)}; choose from {', '.join(families)}"
        )
    return set(families) - set(disabled)


#: Rule families of ``kg_entity_rules``; any can be switched off in the config.
ENTITY_RULE_FAMILIES = (
    "gazetteer", "regions", "organisations", "quoted", "enumerations", "people",
    "publications", "unlisted_places", "short_forms",
)  # fmt: skip


@Language.factory(
    "kg_entity_rules",
    requires=["doc._.kg_sentences"],
    assigns=["doc._.kg_candidates"],
    default_config={"disabled": []},
)
def make_entity_rules(nlp: Language, name: str, disabled: list[str]) -> EntityRules:
    return EntityRules(disabled)


class EntityRules:
    """Proposes mentions from suffixes, quotes, lists, bylines and the gazetteer.

    ``disabled`` names rule families to skip, which is how the ablation in
    ``benchmarks/ablation.py`` measures what each family contributes.
    """

    def __init__(self, disabled: list[str] | tuple[str, ...] = ()) -> None:
        self.enabled = enabled_families(ENTITY_RULE_FAMILIES, disabled, "entity")

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        gaz = _gazetteer()
        on = self.enabled
        ends = token_starts(token_bounds(doc))
        places = find_gazetteer_places(text, gaz) if "gazetteer" in on else []
        found: list[Mention] = list(places)
        if "regions" in on:
            found += find_regions(text, ends)
        if "organisations" in on:
            orgs = find_organisations(text, ends)
            found += orgs
            found += [h for h in map(unwrap_party_branch, orgs) if h is not None]
        if "quoted" in on:
            found += find_quoted_names(text, ends)
        if "enumerations" in on:
            found += trim_place_prefixes(find_enumerations(text, ends), places)
            found += find_counted_places(text)
        if "people" in on:
            found += find_people(text, ends)
        if "publications" in on:
            found += find_publications(text)
        if "unlisted_places" in on:
            found += find_unlisted_places(text, ends, places)
        if "short_forms" in on:
            found += find_short_place_forms(text, gaz, places)
        doc._.kg_candidates = found
        return doc


def trim_place_prefixes(items: list[Mention], places: list[Mention]) -> list[Mention]:
    """``木渎镇灵岩村、天平村等``: the first item starts after the place that locates it."""
    starts = {p.start: p for p in places}
    for m in items:
        p = starts.get(m.start)
        if p is not None and m.cls in ("Village", "Township") and m.end - p.end >= 2:
            m.start, m.text = p.end, m.text[p.end - m.start :]
    return items


# ---------------------------------------------------------------------------
# Linking and context resolution
# ---------------------------------------------------------------------------


@Language.factory(
    "kg_entity_linker",
    requires=["doc._.kg_candidates"],
    assigns=["doc._.kg_mentions", "doc._.kg_nested", "doc._.kg_entities", "doc._.kg_keys"],
)
def make_entity_linker(nlp: Language, name: str) -> EntityLinker:
    return EntityLinker()


class EntityLinker:
    """Chooses among overlapping mentions, links places, resolves context."""

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        candidates: list[Mention] = list(doc._.kg_candidates or [])
        # known quoted names recur without their head word: pick those up too
        places = [m for m in candidates if m.rule.startswith("place.")]
        candidates += find_quoted_after_places(text, places)
        known = {
            m.text: m.cls
            for m in candidates
            if m.rule in ("quoted.head_after", "quoted.after_place")
        }
        candidates += find_repeated_quotes(text, known)
        candidates = [
            division_completed(m, text, _gazetteer()) if is_learned(m) else m for m in candidates
        ]
        kept, nested = resolve_overlaps(_dedupe(prefer_learned(candidates)))
        nested = [m for m in nested if _keep_nested(m)]
        # a province named only inside a body's formal name is not a topic of the article
        provinces_on_top = {m.text for m in kept if m.rule.startswith("place.")}
        nested = [
            m
            for m in nested
            if not (
                m.rule.startswith("place.")
                and m.start == m.parent.start
                and m.text not in provinces_on_top
                and not m.parent.rule.startswith("enumeration")
                and _is_province_name(m.text)
            )
        ]
        meta = doc.user_data.get("kg", {})
        res = resolve_entities(
            text,
            meta.get("original", text),
            kept + nested,
            _gazetteer(),
            title=meta.get("title"),
            traditional=meta.get("script") == "Hant",
        )
        kept = [m for m in kept if id(m) in res.keys]
        original = meta.get("original", text)
        kept += anaphora_mentions(text, original, kept, res.keys, res.entities)
        kept += abbreviation_mentions(
            text, original, kept, res.keys, res.entities, doc.user_data
        )
        kept.sort(key=lambda m: m.start)
        doc._.kg_mentions = kept
        doc._.kg_nested = [m for m in nested if id(m) in res.keys]
        doc._.kg_entities = res.entities
        doc._.kg_keys = res.keys
        doc._.kg_home = res.home
        return doc


def anaphora_mentions(
    text: str, original: str, kept: list[Mention], keys: dict[int, str], entities: dict
) -> list[Mention]:
    """该镇/该区/该县: the last place of that level named before."""
    out: list[Mention] = []
    for word, cls in lexicon.ANAPHORA.items():
        if not word.startswith("该"):
            continue
        wanted = {cls, "Subdistrict"} if cls == "Township" else {cls}
        for hit in re.finditer(word, text):
            before = [
                m for m in kept if m.end <= hit.start() and entities[keys[id(m)]].cls in wanted
            ]
            if not before:
                continue
            target = keys[id(before[-1])]
            m = Mention(hit.start(), hit.end(), word, entities[target].cls, "anaphora.previous")
            keys[id(m)] = target
            surface = original[m.start : m.end]
            entities[target].mentions.append((Span(m.start, m.end, surface), m.rule))
            out.append(m)
    return out


_ABBREVIATION_RE = re.compile(
    r"(?<=“)([\u4e00-\u9fff]{3,4})(?=”)|([\u4e00-\u9fff]{3,4})(?=[两三四五]地)"
)


def abbreviation_mentions(
    text: str,
    original: str,
    kept: list[Mention],
    keys: dict[int, str],
    entities: dict,
    user_data: dict,
) -> list[Mention]:
    """苏锡常, 杭嘉湖: a region named by the first characters of places in the article.

    Each character must be the first character of exactly one county-level or
    city place of the article, and the run must stand alone (quoted, or followed
    by a group word such as 三地).
    """
    by_initial: dict[str, set[str]] = {}
    for key, e in entities.items():
        if e.cls in ("District", "County", "City") and e.label:
            by_initial.setdefault(e.label[0], set()).add(key)
    occupied = {(m.start, m.end) for m in kept}
    out: list[Mention] = []
    expansions: dict[str, list[str]] = user_data.setdefault("kg_abbreviations", {})
    pattern = re.compile(
        r"(?<=“)([\u4e00-\u9fff]{3,4})(?=”)|([\u4e00-\u9fff]{3,4})(?=[两三四五]地)"
    )
    for hit in pattern.finditer(text):
        run = hit.group(1) or hit.group(2)
        start = hit.start(1) if hit.group(1) else hit.start(2)
        members: list[str] = []
        for ch in run:
            options = by_initial.get(ch, set())
            if len(options) != 1:
                break
            members.append(next(iter(options)))
        # a run glued to more text before it (…苏锡常) is still fine; overlaps are not
        if len(members) != len(run) or len(set(members)) != len(members):
            continue
        if any(s < start + len(run) and start < e for s, e in occupied):
            continue
        key = f"Region:{run}"
        if key not in entities:
            from kg.model import Entity

            entities[key] = Entity(key=key, cls="Region", label=run)
        m = Mention(start, start + len(run), run, "Region", "region.abbreviation")
        keys[id(m)] = key
        entities[key].mentions.append((Span(m.start, m.end, original[m.start : m.end]), m.rule))
        expansions[key] = members
        out.append(m)
    return out


def _is_province_name(name: str) -> bool:
    return any(d.level == 1 for d in _gazetteer().candidates(name))


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    seen: dict[tuple[int, int], Mention] = {}
    for m in mentions:
        k = (m.start, m.end)
        if k not in seen or RULE_PRIORITY.get(m.rule, 0) > RULE_PRIORITY.get(
            seen[k].rule, 0
        ):
            seen[k] = m
    return list(seen.values())


def _keep_nested(m: Mention) -> bool:
    """Nested places and host bodies give containment; other nested spans are noise."""
    if m.parent is None:
        return False
    if m.rule == "region.suffix":
        return m.start == m.parent.start
    if m.rule in ("quoted.after_place", "quoted.brand_tail"):
        return True  # a brand named inside an alliance's name is an entity of its own
    if m.rule.startswith("place.") or m.rule in ("org.nested", "org.party_branch_host"):
        return (
            m.start == m.parent.start
            or m.parent.text.startswith(("中共", "中国共产党"))
            or (m.rule.startswith("place."))
        )
    return False


# ---------------------------------------------------------------------------
# Relations
# ---------------------------------------------------------------------------


#: Relation rule families of ``kg_relations``; any can be switched off in the config.
RELATION_RULE_FAMILIES = (
    "containment", "place_chain", "cooperation", "group_words", "membership", "brands",
    "leadership", "settling", "landing", "venues", "inclusion", "publishing", "gazetteer",
)  # fmt: skip


@Language.factory(
    "kg_relations",
    requires=["doc._.kg_mentions", "doc._.kg_entities", "doc._.kg_sentences"],
    assigns=["doc._.kg_relations"],
    default_config={"disabled": []},
)
def make_relations(nlp: Language, name: str, disabled: list[str]) -> RelationRules:
    return RelationRules(disabled)


class RelationRules:
    """Applies the trigger patterns sentence by sentence, then adds gazetteer facts."""

    def __init__(self, disabled: list[str] | tuple[str, ...] = ()) -> None:
        self.enabled = enabled_families(RELATION_RULE_FAMILIES, disabled, "relation")

    def __call__(self, doc: Doc) -> Doc:
        on = self.enabled
        text = doc_text(doc)
        sentences: list[Span] = doc._.kg_sentences
        entities = doc._.kg_entities
        keys = doc._.kg_keys
        top = doc._.kg_mentions
        nested = doc._.kg_nested
        gaz = _gazetteer()
        sentence_of = _sentence_index(sentences, len(text))
        out: list[Relation] = []
        if "containment" in on:
            out += containment(nested, keys, entities, sentence_of, text, sentences, gaz)
        if "brands" in on:
            out += nested_brands(nested, keys, sentence_of, sentences, entities, text)
        history: list[tuple[Mention, str]] = []
        places_all = [
            m for m in top + nested if m.rule.startswith("place.") or entities[keys[id(m)]].cls in
            ("Village", "Township", "Subdistrict")
        ]
        abbreviations = doc.user_data.get("kg_abbreviations", {})
        top_by_sentence = _by_sentence(top, sentences, sentence_of)
        places_by_sentence = _by_sentence(places_all, sentences, sentence_of)
        for idx, sent in enumerate(sentences):
            in_sent = top_by_sentence[idx]
            view = SentenceView(idx, sent, in_sent, keys, entities, text)
            sent_places = places_by_sentence[idx]
            if "place_chain" in on:
                out += adjacency(view, sent_places, gaz)
            if "group_words" in on:
                out += group_words(
                    view,
                    history + [(m, keys[id(m)]) for m in in_sent],
                    abbreviations,
                )
            if "membership" in on:
                out += abbreviated_members(view, abbreviations)
            for family, rule in SENTENCE_RULES:
                if family in on:
                    out += rule(view)
            history += [(m, keys[id(m)]) for m in in_sent]
        out = _dedupe_relations([r for r in out if r is not None])
        stated = {(r.subject, r.object) for r in out if r.predicate == "locatedIn"}
        first_mention = {k: e.mentions[0][0] for k, e in entities.items() if e.mentions}
        links = gazetteer_links(entities, gaz) if "gazetteer" in on else iter(())
        for child, parent in links:
            if (child, parent) in stated:
                continue
            span = first_mention[child]
            idx = sentence_of.get(span.start, 0)
            out.append(
                Relation(
                    child,
                    "locatedIn",
                    parent,
                    idx,
                    Span(span.start, span.end, text[span.start : span.end]),
                    "relation.gazetteer",
                    None,
                    0.99,
                    "gazetteer",
                )
            )
        doc._.kg_relations = out
        return doc


#: Rules that look at one sentence at a time, by family.
SENTENCE_RULES = (
    ("cooperation", cooperation),
    ("membership", membership),
    ("membership", joint_founding),
    ("brands", brands),
    ("leadership", leadership),
    ("settling", settling),
    ("landing", landing),
    ("venues", venues),
    ("inclusion", inclusion),
    ("publishing", publishing),
)


def _by_sentence(
    mentions: list[Mention], sentences: list[Span], sentence_of: dict[int, int]
) -> list[list[Mention]]:
    """The mentions that lie wholly inside each sentence, in their given order."""
    out: list[list[Mention]] = [[] for _ in sentences]
    for m in mentions:
        idx = sentence_of.get(m.start)
        if idx is not None and m.end <= sentences[idx].end:
            out[idx].append(m)
    return out


def _sentence_index(sentences: list[Span], length: int) -> dict[int, int]:
    """Map every character offset to the index of the sentence containing it."""
    index: dict[int, int] = {}
    for i, s in enumerate(sentences):
        for pos in range(s.start, s.end):
            index[pos] = i
    return index


def _dedupe_relations(relations: list[Relation]) -> list[Relation]:
    """One relation per (subject, predicate, object); the most confident wins."""
    best: dict[tuple[str, str, str], Relation] = {}
    for r in relations:
        s, o = r.subject, r.object
        if r.predicate in ("cooperatesWith", "partnerOf") and o < s:
            s, o = o, s
            r = Relation(
                s,
                r.predicate,
                o,
                r.sentence_index,
                r.evidence,
                r.rule,
                r.trigger,
                r.confidence,
                r.source,
            )
        k = (s, r.predicate, o)
        if k not in best or r.confidence > best[k].confidence:
            best[k] = r
    # a partnership is also a cooperation: keep only the more specific one
    partners = {(r.subject, r.object) for r in best.values() if r.predicate == "partnerOf"}
    return [
        r for k, r in best.items() if not (k[1] == "cooperatesWith" and (k[0], k[2]) in partners)
    ]
