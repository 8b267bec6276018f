"""Loading a knowledge directory: YAML files in, one validated and frozen KnowledgeBase out.

Every problem is reported as a KnowledgeError that names the file, line and column, so an author
who edits the YAML by hand can go straight to the mistake.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .errors import KnowledgeError

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 30
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_FIELD = re.compile(r"\{(\w+)\}")

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


@dataclass(frozen=True)
class EntityValue:
    """One thing a question can name, e.g. the city London, with its aliases and facts."""

    id: str
    name: str
    aliases: tuple[str, ...]
    facts: Mapping[str, str]


@dataclass(frozen=True)
class EntityType:
    """A kind of entity (city, role, level...) and its values."""

    id: str
    name: str
    values: tuple[EntityValue, ...]

    def value(self, value_id: str) -> EntityValue:
        return next(v for v in self.values if v.id == value_id)


@dataclass(frozen=True)
class Slot:
    """An entity type that narrows an intent's answer to the values the question names."""

    entity: str
    template: str
    missing: str = ""
    compare: tuple[tuple[str, str], ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Intent:
    """Something people ask, how to recognise it, and what to answer."""

    id: str
    title: str
    topic: str
    kind: str
    source: str
    examples: tuple[str, ...]
    keywords: tuple[tuple[tuple[str, ...], float], ...]
    answer: str
    more: str = ""
    why: str = ""
    slots: tuple[Slot, ...] = ()
    combined: str = ""
    file: str = ""


@dataclass(frozen=True)
class Settings:
    """Language and matching settings of a knowledge base."""

    stop_words: frozenset[str] = frozenset()
    answer_threshold: float = 30.0
    clarify_margin: float = 6.0
    min_coverage: float = 0.0


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, validated and read-only."""

    path: str
    intents: tuple[Intent, ...]
    entities: Mapping[str, EntityType]
    synonyms: Mapping[str, str]
    settings: Settings = field(default_factory=Settings)

    def intent(self, intent_id: str) -> Intent:
        return self.by_id[intent_id]

    @cached_property
    def by_id(self) -> Mapping[str, Intent]:
        return {i.id: i for i in self.intents}


class _Node(dict):
    """A YAML mapping that remembers where it and each of its values stand in the file."""

    def __init__(self) -> None:
        super().__init__()
        self.mark: tuple[int, int] = (0, 0)
        self.marks: dict[Any, tuple[int, int]] = {}
        self.key_marks: dict[Any, tuple[int, int]] = {}


class _Loader(_BaseLoader):
    """Safe loader that records where each mapping and value stands."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Node:
        result = _Node()
        result.mark = _pos(node.start_mark)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise KnowledgeError("", "mapping keys must be plain words", *_pos(key_node.start_mark))
            if key in result:
                raise KnowledgeError("", f"duplicate key {key!r}", *_pos(key_node.start_mark))
            result[key] = self.construct_object(value_node, deep=True)
            result.marks[key] = _pos(value_node.start_mark)
            result.key_marks[key] = _pos(key_node.start_mark)
        return result


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)


def _screen(text: str) -> None:
    """Refuse aliases (the "billion laughs" bomb) and deep nesting before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.MarkedYAMLError(None, None, "anchors and aliases (*name) are not allowed", event.start_mark)
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.MarkedYAMLError(None, None, f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def shipped_path() -> Path:
    """The knowledge directory installed with the package (or beside it, in a source checkout)."""
    spec = importlib.util.find_spec("advisor.knowledge_files")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "knowledge"


def read_file(path: Path) -> _Node:
    """Parse one YAML file safely; any problem becomes a located KnowledgeError."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise KnowledgeError(path, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        raw = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise KnowledgeError(path, "not valid UTF-8 text; save the file as UTF-8", line, column) from None
    try:
        _screen(text)
        data = yaml.load(text, Loader=_Loader)
    except KnowledgeError as exc:
        raise KnowledgeError(path, exc.message, exc.line, exc.column) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise KnowledgeError(path, message, *_pos(mark)) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise KnowledgeError(path, f"invalid YAML: {exc}") from None
    if data is None:
        data = _Node()
    if not isinstance(data, _Node):
        raise KnowledgeError(path, "the file must be a mapping with keys such as intents:, entities:", 1, 1)
    return data


def load(path: str | Path | None = None) -> KnowledgeBase:
    """Load and validate a knowledge directory (or a single YAML file)."""
    root = Path(path) if path is not None else shipped_path()
    if root.is_dir():
        files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise KnowledgeError(root, "no .yaml files in this directory")
    elif root.is_file():
        files = [root]
    else:
        raise KnowledgeError(root, "no such knowledge directory")
    return _build(str(root), [(f, read_file(f)) for f in files])


class _Checker:
    """Reads raw nodes into data classes, raising located errors."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: _Node | None, key: Any, message: str, at_key: bool = False) -> KnowledgeError:
        line, column = (0, 0)
        if isinstance(node, _Node):
            line, column = (node.key_marks if at_key else node.marks).get(key, node.mark)
        return KnowledgeError(self.path, message, line, column)

    def keys(self, node: Any, allowed: tuple[str, ...], required: tuple[str, ...], what: str) -> _Node:
        if not isinstance(node, _Node):
            raise KnowledgeError(self.path, f"{what} must be a mapping")
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (valid: {', '.join(allowed)})"
                raise self.fail(node, key, f"{what}: unknown key {key!r}{hint}", at_key=True)
        for key in required:
            if key not in node or node[key] in (None, "", [], {}):
                raise KnowledgeError(self.path, f"{what}: {key!r} is missing or empty", *node.mark)
        return node

    def text(self, node: _Node, key: str, what: str, default: str = "") -> str:
        value = node.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(node, key, f"{what}: {key!r} must be text")
        return str(value).strip()

    def texts(self, node: _Node, key: str, what: str) -> tuple[str, ...]:
        value = node.get(key, [])
        if value is None:
            return ()
        if isinstance(value, str) or not isinstance(value, list):
            raise self.fail(node, key, f"{what}: {key!r} must be a list")
        if any(isinstance(v, bool) or not isinstance(v, str | int | float) for v in value):
            raise self.fail(node, key, f"{what}: every item of {key!r} must be text")
        return tuple(str(v).strip() for v in value if str(v).strip())

    def number(self, node: _Node, key: str, what: str, default: float, low: float, high: float) -> float:
        value = node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise self.fail(node, key, f"{what}: {key!r} must be a number from {low:g} to {high:g}")
        return float(value)


def _build(root: str, files: list[tuple[Path, _Node]]) -> KnowledgeBase:
    settings = Settings()
    synonyms: dict[str, str] = {}
    entities: dict[str, EntityType] = {}
    intents: list[Intent] = []
    seen: dict[str, tuple[Path, _Node]] = {}
    settings_file: Path | None = None
    for path, data in files:
        check = _Checker(path)
        check.keys(data, ("settings", "synonyms", "entities", "intents"), (), "file")
        if "settings" in data:
            if settings_file is not None:
                raise check.fail(data, "settings", f"settings: already given in {settings_file.name}")
            settings_file = path
            settings = _settings(check, data["settings"])
        synonyms.update(_synonyms(check, data, synonyms))
        for etype in _entities(check, data):
            if etype.id in entities:
                raise check.fail(data["entities"], etype.id, f"entity type {etype.id!r} is defined twice")
            entities[etype.id] = etype
        for node in _list(check, data, "intents"):
            intent = _intent(check, node, path.stem)
            if intent.id in seen:
                other = seen[intent.id]
                line = other[1].mark[0]
                raise check.fail(node, "id", f"intent id {intent.id!r} is already used in {other[0].name}:{line}")
            seen[intent.id] = (path, node)
            intents.append(intent)
    if not intents:
        raise KnowledgeError(root, "no intents: at least one file needs an 'intents:' list")
    for intent in intents:
        path, node = seen[intent.id]
        for slot in intent.slots:
            if slot.entity not in entities:
                close = difflib.get_close_matches(slot.entity, list(entities), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise _Checker(path).fail(
                    node, "slots", f"intent {intent.id!r}: slot entity {slot.entity!r} is not defined{hint}"
                )
    return KnowledgeBase(
        path=root,
        intents=tuple(intents),
        entities=MappingProxyType(entities),
        synonyms=MappingProxyType(synonyms),
        settings=settings,
    )


def _list(check: _Checker, data: _Node, key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise check.fail(data, key, f"{key!r} must be a list")
    return value


def _settings(check: _Checker, node: Any) -> Settings:
    node = check.keys(node, ("stop_words", "answer_threshold", "clarify_margin", "min_coverage"), (), "settings")
    return Settings(
        stop_words=frozenset(w.casefold() for w in check.texts(node, "stop_words", "settings")),
        answer_threshold=check.number(node, "answer_threshold", "settings", Settings.answer_threshold, 0, 100),
        clarify_margin=check.number(node, "clarify_margin", "settings", Settings.clarify_margin, 0, 100),
        min_coverage=check.number(node, "min_coverage", "settings", Settings.min_coverage, 0, 1),
    )


def _synonyms(check: _Checker, data: _Node, known: Mapping[str, str]) -> dict[str, str]:
    node = data.get("synonyms") or _Node()
    if not isinstance(node, _Node):
        raise check.fail(data, "synonyms", "'synonyms' must be a mapping of word -> list of aliases")
    out: dict[str, str] = {}
    for canon in node:
        for alias in check.texts(node, canon, f"synonyms {canon!r}"):
            alias = alias.casefold()
            previous = out.get(alias) or known.get(alias)
            if previous is not None and previous != str(canon):
                raise check.fail(node, canon, f"synonym {alias!r} is given for both {previous!r} and {canon!r}")
            out[alias] = str(canon).casefold()
    return out


def _entities(check: _Checker, data: _Node) -> list[EntityType]:
    node = data.get("entities") or _Node()
    if not isinstance(node, _Node):
        raise check.fail(data, "entities", "'entities' must be a mapping of type -> {name, values}")
    types = []
    for type_id, body in node.items():
        what = f"entity type {type_id!r}"
        if not _ID.match(str(type_id)):
            raise check.fail(node, type_id, f"{what}: ids use letters, digits and _")
        body = check.keys(body, ("name", "values"), ("values",), what)
        values, ids = [], set()
        for item in _list(check, body, "values"):
            vwhat = f"{what} value"
            item = check.keys(item, ("id", "name", "aliases", "facts"), ("id",), vwhat)
            vid = check.text(item, "id", vwhat)
            if vid in ids:
                raise check.fail(item, "id", f"{what}: value id {vid!r} is used twice")
            ids.add(vid)
            name = check.text(item, "name", vwhat, vid)
            facts = item.get("facts") or _Node()
            if not isinstance(facts, _Node):
                raise check.fail(item, "facts", f"{vwhat} {vid!r}: 'facts' must be a mapping")
            fact_map = {str(k): check.text(facts, k, f"{vwhat} {vid!r} fact") for k in facts}
            aliases = tuple(dict.fromkeys(a.casefold() for a in (name, *check.texts(item, "aliases", vwhat))))
            values.append(EntityValue(vid, name, aliases, MappingProxyType(fact_map)))
        types.append(EntityType(str(type_id), check.text(body, "name", what, str(type_id)), tuple(values)))
    return types


_INTENT_KEYS = (
    "id",
    "title",
    "topic",
    "kind",
    "source",
    "examples",
    "keywords",
    "answer",
    "more",
    "why",
    "slots",
    "combined",
)


def _intent(check: _Checker, node: Any, stem: str) -> Intent:
    if not isinstance(node, _Node):
        raise KnowledgeError(check.path, "every item of 'intents' must be a mapping with id:, answer:, ...")
    what = f"intent {node.get('id', '?')!r}"
    check.keys(node, _INTENT_KEYS, ("id", "answer"), what)
    intent_id = check.text(node, "id", what)
    if not _ID.match(intent_id):
        raise check.fail(node, "id", f"{what}: ids use letters, digits and _")
    kind = check.text(node, "kind", what, "answer")
    if kind not in ("answer", "smalltalk"):
        raise check.fail(node, "kind", f"{what}: kind must be 'answer' or 'smalltalk'")
    examples = check.texts(node, "examples", what)
    keywords = _keywords(check, node, what)
    if not examples and not keywords:
        raise check.fail(node, "id", f"{what}: give at least one example question or keyword")
    slots = tuple(_slot(check, s, what) for s in _list(check, node, "slots"))
    return Intent(
        id=intent_id,
        title=check.text(node, "title", what, intent_id.replace("_", " ").capitalize()),
        topic=check.text(node, "topic", what, stem.replace("_", " ").capitalize()),
        kind=kind,
        source=check.text(node, "source", what),
        examples=examples,
        keywords=keywords,
        answer=check.text(node, "answer", what),
        more=check.text(node, "more", what),
        why=check.text(node, "why", what),
        slots=slots,
        combined=check.text(node, "combined", what),
        file=str(check.path),
    )


def _keywords(check: _Checker, node: _Node, what: str) -> tuple[tuple[tuple[str, ...], float], ...]:
    raw = node.get("keywords") or _Node()
    if not isinstance(raw, _Node):
        raise check.fail(node, "keywords", f"{what}: 'keywords' must be a mapping of word -> weight")
    out = []
    for key in raw:
        weight = check.number(raw, key, f"{what} keyword {key!r}", 1.0, 0, 10)
        group = tuple(w.strip().casefold() for w in str(key).split("|") if w.strip())
        if not group:
            raise check.fail(raw, key, f"{what}: empty keyword")
        out.append((group, weight))
    return tuple(out)


def _slot(check: _Checker, node: Any, what: str) -> Slot:
    node = check.keys(
        node, ("entity", "template", "missing", "compare", "source"), ("entity", "template"), f"{what} slot"
    )
    compare = node.get("compare") or _Node()
    if not isinstance(compare, _Node):
        raise check.fail(node, "compare", f"{what}: 'compare' must map a label to a fact name")
    return Slot(
        entity=check.text(node, "entity", what),
        template=check.text(node, "template", what),
        missing=check.text(node, "missing", what),
        compare=tuple((str(label), check.text(compare, label, what)) for label in compare),
        source=check.text(node, "source", what),
    )


def fields(template: str) -> set[str]:
    """The {fact} names a template uses."""
    return set(_FIELD.findall(template))
