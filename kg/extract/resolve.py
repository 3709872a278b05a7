"""Turn mentions into the document's entities.

Three jobs, all within one article:

* gazetteer linking: a place mention gets its official code when the names
  around it decide between same-named divisions, and stays unlinked otherwise;
* context resolution: 我区/全区 point to the article's own district, 区司法局
  becomes <district>司法局, 镇团委 belongs to the town last named;
* merging: short and long forms of the same platform (暖“心”平台 and
  暖“心”行动服务平台) become one entity with an alternative label.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from kg.base.vocab import ADMIN_CLASSES
from kg.extract import lexicon as lx
from kg.extract.gazetteer import Division, Gazetteer
from kg.extract.rules.mention import Mention
from kg.model import Entity, Span

_PLACE_RULES = ("place.",)
_QUOTES_RE = re.compile(r"[“”‘’「」『』\"']")

#: Levels of the division list, by the class the gazetteer gives a division.
_DISTRICT_LIKE = ("District", "County")


def is_place(m: Mention) -> bool:
    return m.rule.startswith(_PLACE_RULES) or m.rule == "ner.place"


@dataclass
class Resolution:
    """Entities of one document and which entity each mention refers to."""

    entities: dict[str, Entity]
    #: id(mention) → entity key
    keys: dict[int, str]
    #: The article's own district/county (for 我区, 区司法局), if any.
    home: Division | None


def link_places(mentions: Sequence[Mention], gaz: Gazetteer) -> dict[int, Division | None]:
    """Choose a division for every place mention, or ``None`` when undecided.

    Full names go through :meth:`Gazetteer.resolve` together, so that the
    article's other places pick between homonyms. A short form (海宁, 吴中)
    is kept only when it is a province or when another linked place of the
    article lies in the same province: a lone 新华 is more likely a word
    than a district.
    """
    places = [m for m in mentions if is_place(m)]
    # a counted item (A of A、B两镇) is looked up by its name with the level (A镇)
    names = [m.canonical or m.text for m in places if m.rule != "place.short_form"]
    full = gaz.resolve(names) if names else {}
    linked: dict[int, Division | None] = {}
    for m in places:
        if m.rule != "place.short_form":
            linked[id(m)] = full.get(m.canonical or m.text)
    anchors = [d for d in linked.values() if d is not None]
    anchor_provinces = {_province_code(gaz, d) for d in anchors}
    for m in places:
        if m.rule != "place.short_form":
            continue
        options = [d for d in gaz.candidates(m.text, allow_short=True) if d.level <= 3]
        if not options:
            linked[id(m)] = None
            continue
        provinces = [d for d in options if d.level == 1]
        if provinces:
            linked[id(m)] = provinces[0]
            continue
        # an anchor inside it (吴中区 under 苏州) or beside it in the same province
        inside = [d for d in options if any(_is_ancestor(gaz, d, a) for a in anchors)]
        same_province = [d for d in options if _province_code(gaz, d) in anchor_provinces]
        pick = inside or same_province
        linked[id(m)] = pick[0] if len({d.code for d in pick}) == 1 else None
    return linked


def _common_word(name: str) -> bool:
    """城区, 合作区, 新区: a division name that is also an everyday word.

    Such a name only counts as a place when the gazetteer could link it.
    """
    from jieba import posseg

    stem = name[:-2] if name.endswith("街道") else name[:-1]
    if len(stem) < 2:
        return True
    return posseg.dt.word_tag_tab.get(stem) not in (None, "ns", "nr", "nz", "nrt")


def _province_code(gaz: Gazetteer, d: Division) -> str:
    province = gaz.province_of(d.code)
    return province.code if province else d.code


def _is_ancestor(gaz: Gazetteer, ancestor: Division, d: Division) -> bool:
    return any(p.code == ancestor.code for p in gaz.parents(d.code))


def home_division(
    text: str, mentions: Sequence[Mention], linked: dict[int, Division | None], title: str | None
) -> Division | None:
    """The district or county the article is about.

    The title's first district wins; otherwise the one named most often.
    """
    title_end = -1
    if title:
        at = text.find(title)
        if at >= 0:
            title_end = at + len(title)
    counts: Counter[str] = Counter()
    by_code: dict[str, Division] = {}
    for m in mentions:
        d = linked.get(id(m))
        if d is None or d.level != 3:
            continue
        if m.start < title_end:
            return d
        counts[d.code] += 1
        by_code[d.code] = d
    if not counts:
        return None
    best = counts.most_common()
    if len(best) > 1 and best[0][1] == best[1][1]:
        return None
    return by_code[best[0][0]]


def resolve_entities(
    text: str,
    original: str,
    mentions: Sequence[Mention],
    gaz: Gazetteer,
    *,
    title: str | None = None,
    traditional: bool = False,
) -> Resolution:
    """Group mentions into entities with canonical labels and keys."""
    linked = link_places(mentions, gaz)
    # drop short forms nobody vouched for
    mentions = [
        m for m in mentions if not (m.rule == "place.short_form" and linked.get(id(m)) is None)
    ]
    home = home_division(text, mentions, linked, title)
    entities: dict[str, Entity] = {}
    keys: dict[int, str] = {}
    last_town: Division | None = None
    last_town_name: str | None = None

    def add(m: Mention, key: str, cls: str, label: str, div: Division | None = None) -> None:
        ent = entities.get(key)
        if ent is None:
            ent = Entity(key=key, cls=cls, label=label)
            if div is not None:
                ent.code = div.code
                ent.admin_level = div.level
            entities[key] = ent
        surface = m.text
        if surface != ent.label:
            ent.alt_labels.add(surface)
        if traditional:
            hant = original[m.start : m.end]
            if hant != surface and ent.label_hant is None and surface == ent.label:
                ent.label_hant = hant
        ent.mentions.append((Span(m.start, m.end, original[m.start : m.end]), m.rule))
        keys[id(m)] = key

    for m in sorted(mentions, key=lambda m: m.start):
        if is_place(m):
            div = linked.get(id(m))
            if div is not None:
                cls = gaz.entity_class(div)
                add(m, f"place:{div.code}", cls, div.name, div)
                if cls in ("Township", "Subdistrict"):
                    last_town, last_town_name = div, div.name
            else:
                add(m, f"{m.cls}:{m.text}", m.cls, m.text)
                if m.cls in ("Township", "Subdistrict"):
                    last_town, last_town_name = None, m.text
            continue
        canonical = m.canonical or _expand_level_prefix(m, text, home, last_town_name)
        alts: list[str] = []
        inner = _innermost_place_start(m, gaz, mentions)
        if inner is not None and m.cls not in ("Enterprise", "Publication", "Person"):
            alts.append(canonical)
            canonical = canonical[inner - m.start :]
        bare = _without_places(m, mentions)
        if bare and bare != canonical and m.cls not in ("Publication", "Person"):
            alts.append(bare)
        if canonical != m.text:
            m.canonical = canonical
        key = f"{m.cls}:{_merge_name(canonical)}"
        add(m, key, m.cls, canonical)
        entities[key].alt_labels.update(a for a in alts if a != canonical)
        if canonical == m.text and _is_relative_name(m):
            entities[key].local = True
    _ = last_town
    _merge_short_forms(entities, keys)
    _merge_contained_names(entities, keys)
    _merge_joint_bodies(entities, keys)
    _resolve_anaphora(text, original, home, entities, keys, gaz)
    return Resolution(entities, keys, home)


def _expand_level_prefix(
    m: Mention, text: str, home: Division | None, last_town: str | None
) -> str:
    """区司法局 → <home district>司法局; 镇团委 → <last town>团委."""
    name = m.text
    if len(name) < 3 or m.cls in ADMIN_CLASSES or m.cls in ("Person", "Publication"):
        return name
    level = name[0]
    if level not in lx.LEVEL_PREFIXES:
        return name
    prev = text[m.start - 1 : m.start]
    if prev and re.match(r"[\u4e00-\u9fff]", prev) and prev not in "在由与和及了、,":
        # glued to a word before it: not an abbreviation of the home division
        pass
    if level == "镇":
        return f"{last_town}{name[1:]}" if last_town else name
    if home is None:
        return name
    if home.name.endswith(level) or (level == "区" and home.name.endswith("区")):
        return f"{home.name}{name[1:]}"
    return name


def _is_relative_name(m: Mention) -> bool:
    """A body named from a bare level word: 区司法局, 县委组织部."""
    return (
        len(m.text) >= 3
        and m.text[0] in lx.LEVEL_PREFIXES
        and m.cls not in ADMIN_CLASSES
        and m.cls not in ("Person", "Publication")
    )


def _merge_name(name: str) -> str:
    return name


def _nested_places(m: Mention, mentions: Sequence[Mention]) -> list[Mention]:
    return sorted((x for x in mentions if x.parent is m and is_place(x)), key=lambda x: x.start)


def _innermost_place_start(
    m: Mention, gaz: Gazetteer, mentions: Sequence[Mention] = ()
) -> int | None:
    """Where the last place of a leading chain of two or more places starts.

    吴中区木渎镇党委 is the party committee of 木渎镇: the outer places only say
    where the town is, so the body is named from the innermost place on.
    Formal names that start with 中共/中国共产党 are kept whole.
    """
    if m.text.startswith(("中共", "中国共产党")):
        return None
    pieces = list(gaz.split_admin_prefix(m.text))
    covered = sum(len(p) for p in pieces)
    if m.text[:covered] != "".join(pieces):
        return None
    # villages and communities the gazetteer does not list continue the chain
    nested = {x.start: x for x in _nested_places(m, mentions)}
    while pieces and (m.start + covered) in nested:
        x = nested[m.start + covered]
        pieces.append(x.text)
        covered += len(x.text)
    if len(pieces) < 2 or covered >= len(m.text):
        return None
    return m.start + covered - len(pieces[-1])


def _without_places(m: Mention, mentions: Sequence[Mention]) -> str | None:
    """The name with its leading places removed (长安镇远景花卉有限公司 → 远景花卉有限公司)."""
    pos = m.start
    for x in _nested_places(m, mentions):
        if x.start != pos:
            break
        pos = x.end
    rest = m.text[pos - m.start :]
    if pos == m.start or len(rest) < 4:
        return None
    from kg.extract.rules.organisations import org_suffix_class

    hit = org_suffix_class(rest)
    return None if hit and len(rest) - len(hit[0]) < 2 else rest


def _merge_short_forms(entities: dict[str, Entity], keys: dict[int, str]) -> None:
    """Fold a short platform name into the long one it abbreviates.

    暖“心”平台 and 暖“心”行动服务平台 share their quoted head and their last
    word: the short one is an alternative label of the long one.
    """
    groups = ("Project", "Venue", "Alliance", "PartyBrand")
    cands = [e for e in entities.values() if e.cls in groups]
    for short in sorted(cands, key=lambda e: len(e.label)):
        for long in cands:
            if long is short or len(long.label) <= len(short.label) or long.key not in entities:
                continue
            if short.key not in entities:
                break
            if _abbreviates(short.label, long.label):
                _fold(short, long, entities, keys)
                break


_COMPANY_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团有限公司", "公司")


def _merge_contained_names(entities: dict[str, Entity], keys: dict[int, str]) -> None:
    """青山农场 is 上海市青山农场有限公司; 睦邻党建联盟 is 沪苏“睦邻党建”联盟.

    An enterprise named by the core of another enterprise's full name (places
    and company form removed), or an alliance whose name ends another
    alliance's name, is the same entity under a shorter label.
    """
    for cls in ("Enterprise", "Alliance"):
        group = [e for e in entities.values() if e.cls == cls]
        for short in sorted(group, key=lambda e: len(e.label)):
            if short.key not in entities:
                continue
            for long in group:
                if long is short or long.key not in entities or len(long.label) <= len(short.label):
                    continue
                plain_long = strip_quotes(long.label)
                plain_short = strip_quotes(short.label)
                if cls == "Enterprise":
                    core = plain_long
                    for form in _COMPANY_FORMS:
                        if core.endswith(form):
                            core = core[: -len(form)]
                            break
                    same = len(plain_short) >= 4 and core.endswith(plain_short)
                else:
                    same = len(plain_short) >= 4 and plain_long.endswith(plain_short)
                if same:
                    _fold(short, long, entities, keys)
                    break


def _merge_joint_bodies(entities: dict[str, Entity], keys: dict[int, str]) -> None:
    """联村党委 and 灵岩片区联村党委 are 某镇灵岩片区联村党委 when it is the only one.

    A joint party committee is named in full once and then by a shorter
    tail, down to the bare head noun. A shorter name folds into the one
    longer committee whose name ends with it; with two such committees it
    stays apart. Longer tails fold first, so a chain of forms ends in one.
    """
    group = [
        e for e in entities.values()
        if e.cls == "PartyOrganization" and any(m in e.label for m in lx.JOINT_BODY_MARKS)
    ]
    for short in sorted(group, key=lambda e: -len(e.label)):
        if short.key not in entities:
            continue
        longer = [
            e for e in group
            if e.key in entities and len(e.label) > len(short.label)
            and e.label.endswith(short.label)
        ]
        if len(longer) == 1:
            _fold(short, longer[0], entities, keys)


def _fold(short: Entity, long: Entity, entities: dict[str, Entity], keys: dict[int, str]) -> None:
    long.alt_labels.add(short.label)
    long.alt_labels.update(short.alt_labels)
    long.mentions.extend(short.mentions)
    del entities[short.key]
    for mid, k in list(keys.items()):
        if k == short.key:
            keys[mid] = long.key


def _abbreviates(short: str, long: str) -> bool:
    if "”" not in short or "”" not in long:
        return False
    head_s = short[: short.index("”") + 1]
    head_l = long[: long.index("”") + 1]
    return head_s == head_l and short[-2:] == long[-2:]


def _resolve_anaphora(
    text: str,
    original: str,
    home: Division | None,
    entities: dict[str, Entity],
    keys: dict[int, str],
    gaz: Gazetteer,
) -> None:
    """我区/全区/本区 become alternative labels (and mentions) of the home district."""
    if home is None:
        return
    key = f"place:{home.code}"
    if key not in entities:
        return
    home_cls = gaz.entity_class(home)
    for word, cls in lx.ANAPHORA.items():
        if cls != home_cls or word.startswith("该"):
            continue
        for m in re.finditer(word, text):
            entities[key].alt_labels.add(word)
            surface = original[m.start() : m.end()]
            entities[key].mentions.append((Span(m.start(), m.end(), surface), "anaphora.home"))


def strip_quotes(name: str) -> str:
    return _QUOTES_RE.sub("", name)
