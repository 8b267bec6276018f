"""Reading a knowledge directory: YAML files in, one validated and frozen KnowledgeBase out.

Validation goes on past the first mistake: every problem in every file is collected as a
KnowledgeError naming its file, line and column, so an author who edits the YAML by hand sees all
of them at once (`advisor check`). `advisor.knowledge.load()` raises if there is any.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .errors import KnowledgeError
from .followups import parse as parse_follow_ups
from .interview import parse as parse_interview
from .knowledge import (
    INTENT_KINDS,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    EntityType,
    EntityValue,
    Intent,
    KnowledgeBase,
    Settings,
    Slot,
    Validation,
    Where,
)
from .lexicon import languages

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SHOWN = 60  # characters of a key or id quoted in a message

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

Position = tuple[int, int]


class _Node(dict):
    """A YAML mapping that remembers where it and each of its values stand in the file."""

    def __init__(self) -> None:
        super().__init__()
        self.mark: Position = (0, 0)
        self.marks: dict[Any, Position] = {}
        self.key_marks: dict[Any, Position] = {}
        self.dropped = False  # a key was left out: a duplicate, or not a plain word


class _Seq(list):
    """A YAML sequence that remembers where each of its items stands."""

    def __init__(self, items: list[Any], marks: list[Position]) -> None:
        super().__init__(items)
        self.marks = marks


class _Loader(_BaseLoader):
    """Safe loader that records positions and notes bad keys instead of stopping at the first."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems: list[tuple[str, Position]] = []

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError):  # a date such as 2024-13-45, an integer of 5,000 digits
            message = f"not a valid {str(node.tag).rsplit(':', 1)[-1]}: {_show(node.value)}"
            raise yaml.MarkedYAMLError(None, None, message, node.start_mark) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Node:
        result = _Node()
        result.mark = _pos(node.start_mark)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            where = _pos(key_node.start_mark)
            if not isinstance(key, str | int | float | bool) and key is not None:
                self.problems.append(("mapping keys must be plain words", where))
                result.dropped = True
                continue
            if key in result:
                self.problems.append((f"duplicate key {_show(key)}", where))
                result.dropped = True
                continue
            result[key] = self.construct_object(value_node, deep=True)
            result.marks[key] = _pos(value_node.start_mark)
            result.key_marks[key] = where
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> _Seq:
        return _Seq([self.construct_object(n, deep=True) for n in node.value], [_pos(n.start_mark) for n in node.value])


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)


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


def _pos(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _offset(raw: bytes, position: int, in_bytes: bool = True) -> Position:
    """Line and column (in characters) of an offset into the file, given in bytes or in characters."""
    if not in_bytes:
        position = len(raw.decode("utf-8")[:position].encode("utf-8"))
    start = raw.rfind(b"\n", 0, position) + 1
    return raw.count(b"\n", 0, position) + 1, len(raw[start:position].decode("utf-8", "replace")) + 1


def _show(value: Any) -> str:
    """A key or id quoted for a message, cut short: a file may hold a key of a megabyte."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 4] + "...'"

def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        message = f"not valid UTF-8 text{hint}; save the file as UTF-8"
        raise KnowledgeError(path, message, *_offset(raw, exc.start)) from None


def read_file(path: Path, problems: list[KnowledgeError]) -> _Node:
    """Parse one YAML file safely. A file that cannot be parsed raises a located KnowledgeError;
    duplicate or unusable keys in a file that can are added to `problems`."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise KnowledgeError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        size = max(len(raw), path.stat().st_size)
        raise KnowledgeError(path, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    text = _decode(path, raw)
    try:
        _screen(text)
        loader = _Loader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        line, column = _pos(mark)
        lines = text.split("\n")
        if 0 < line <= len(lines) and lines[line - 1][column - 1 : column] == "\t":
            message += " (a tab: YAML indents with spaces)"
        raise KnowledgeError(path, message, line, column) from None
    except yaml.reader.ReaderError as exc:  # a control character: located by an offset, not a mark
        code = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        message = f"unacceptable character {code}: {exc.reason}"
        libyaml = _BaseLoader is not yaml.SafeLoader  # libyaml counts bytes, PyYAML's own reader characters
        raise KnowledgeError(path, message, *_offset(raw, exc.position, libyaml)) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise KnowledgeError(path, f"invalid YAML: {exc}") from None
    problems.extend(KnowledgeError(path, message, *where) for message, where in loader.problems)
    if data is None:
        return _Node()
    if not isinstance(data, _Node):
        raise KnowledgeError(path, "the file must be a mapping with keys such as intents:, entities:", 1, 1)
    return data


def read(root: Path) -> Validation:
    """Read and check a knowledge directory (or a single YAML file), collecting every problem."""
    if root.is_dir():
        files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            return Validation(None, (KnowledgeError(root, "no .yaml files in this directory"),), {})
    elif root.is_file():
        files = [root]
    else:
        return Validation(None, (KnowledgeError(root, "no such knowledge directory"),), {})
    problems: list[KnowledgeError] = []
    read: list[tuple[Path, _Node]] = []
    for file in files:
        try:
            read.append((file, read_file(file, problems)))
        except KnowledgeError as exc:
            problems.append(exc)
    builder = _Builder(str(root), problems, complete=len(read) == len(files))
    kb = builder.build(read)
    order = {str(file): n for n, file in enumerate(files)}
    ordered = sorted(problems, key=lambda p: (order.get(p.path, len(files)), p.line, p.column))
    return Validation(kb, tuple(ordered), MappingProxyType(builder.locations))


class _Checker:
    """Reads raw nodes of one file, noting each problem with its location and going on with a default."""

    def __init__(self, path: Path, problems: list[KnowledgeError]) -> None:
        self.path = path
        self.problems = problems

    def at(self, where: Position, message: str) -> None:
        self.problems.append(KnowledgeError(self.path, message, *where))

    def fail(self, node: _Node, key: Any, message: str, at_key: bool = False) -> None:
        self.at((node.key_marks if at_key else node.marks).get(key, node.mark), message)

    def mapping(self, node: Any, where: Position, what: str) -> _Node | None:
        if isinstance(node, _Node):
            return node
        self.at(where, f"{what} must be a mapping")
        return None

    def keys(self, node: _Node, allowed: tuple[str, ...], required: tuple[str, ...], what: str) -> bool:
        """Note unknown keys (with the closest valid one) and missing ones; True if all required are there."""
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key)[:100], allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (valid: {', '.join(allowed)})"
                self.fail(node, key, f"{what}: unknown key {_show(key)}{hint}", at_key=True)
        complete = True
        for key in required:
            if key not in node or node[key] in (None, "", [], {}):
                self.at(node.mark, f"{what}: {key!r} is missing or empty")
                complete = False
        return complete

    def text(self, node: _Node, key: str, what: str, default: str = "") -> str:
        value = node.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(node, key, f"{what}: {key!r} must be text")
            return default
        return str(value).strip()

    def texts(self, node: _Node, key: str, what: str) -> list[tuple[str, Position]]:
        """The non-empty text items of a list, each with its position."""
        value = node.get(key, [])
        if value is None:
            return []
        if isinstance(value, str) or not isinstance(value, list):
            self.fail(node, key, f"{what}: {key!r} must be a list")
            return []
        marks = getattr(value, "marks", None) or [node.marks.get(key, node.mark)] * len(value)
        out = []
        for item, where in zip(value, marks):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                hint = " (YAML reads yes, no, on, off, true and false as true/false: quote them)"
                self.at(where, f"{what}: every item of {key!r} must be text" + (hint if isinstance(item, bool) else ""))
                return out
            if str(item).strip():
                out.append((str(item).strip(), where))
        return out

    def number(self, node: _Node, key: str, what: str, default: float, low: float, high: float) -> float:
        value = node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            self.fail(node, key, f"{what}: {key!r} must be a number from {low:g} to {high:g}")
            return default
        return float(value)

    def flag(self, node: _Node, key: str, what: str) -> bool:
        value = node.get(key, False)
        if not isinstance(value, bool):
            self.fail(node, key, f"{what}: {key!r} must be true or false")
            return False
        return value

    def items(self, node: _Node, key: str, what: str = "") -> list[tuple[Any, Position]]:
        """The items of a list under `key`, each with its position ([] with a problem if it is not a list)."""
        value = node.get(key) or []
        if not isinstance(value, list):
            self.fail(node, key, f"{what}{key!r} must be a list")
            return []
        return list(zip(value, getattr(value, "marks", [node.marks.get(key, node.mark)] * len(value))))


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
_SETTINGS_KEYS = ("stop_words", "answer_threshold", "clarify_margin", "min_coverage", "clause_words", "language")


class _Builder:
    """Turns the parsed files into a KnowledgeBase, noting every problem on the way.

    `complete` is False when a file could not be parsed at all: then the checks across files
    (undefined entities, no intents) are skipped, since the missing file may hold what they look for.
    """

    def __init__(self, root: str, problems: list[KnowledgeError], complete: bool) -> None:
        self.root = root
        self.problems = problems
        self.complete = complete
        self.locations: dict[tuple[Any, ...], Where] = {}

    def build(self, files: list[tuple[Path, _Node]]) -> KnowledgeBase | None:
        settings = Settings()
        synonyms: dict[str, str] = {}
        entities: dict[str, EntityType] = {}
        intents: list[Intent] = []
        seen: dict[str, tuple[Path, _Node]] = {}
        settings_file: Path | None = None
        once: dict[str, tuple[_Checker, Any, Position]] = {}  # sections at most one file may have
        for path, data in files:
            check = _Checker(path, self.problems)
            check.keys(data, ("settings", "synonyms", "entities", "intents", "interview", "follow_ups"), (), "file")
            for key in ("interview", "follow_ups"):
                if key in data and key in once:
                    check.fail(data, key, f"{key}: already given in {once[key][0].path.name}")
                elif key in data:
                    once[key] = (check, data[key], data.marks[key])
            if "settings" in data:
                if settings_file is not None:
                    check.fail(data, "settings", f"settings: already given in {settings_file.name}")
                else:
                    settings_file = path
                    settings = self._settings(check, data["settings"], data.marks["settings"])
            synonyms.update(_synonyms(check, data, synonyms))
            for etype in self._entities(check, data):
                if etype.id in entities:
                    check.fail(data["entities"], etype.id, f"entity type {etype.id!r} is defined twice", at_key=True)
                else:
                    entities[etype.id] = etype
            for node, where in check.items(data, "intents"):
                intent = self._intent(check, node, where, path.stem)
                if intent is None:
                    continue
                if intent.id in seen:
                    other_path, other = seen[intent.id]
                    message = f"intent id {intent.id!r} is already used in {other_path.name}:{other.mark[0]}"
                    check.fail(node, "id", message)
                    continue
                seen[intent.id] = (path, node)
                intents.append(intent)
        if self.complete:
            self._cross_check(intents, entities, seen)
        interview = None
        if "interview" in once and self.complete:
            interview = parse_interview(*once["interview"], entities, {i.id for i in intents})
        follow_ups = parse_follow_ups(*once["follow_ups"]) if "follow_ups" in once else MappingProxyType({})
        if not intents:
            return None
        return KnowledgeBase(
            path=self.root,
            intents=tuple(intents),
            entities=MappingProxyType(entities),
            synonyms=MappingProxyType(synonyms),
            settings=settings,
            interview=interview,
            follow_ups=follow_ups,
        )

    def _cross_check(self, intents: list[Intent], entities: dict[str, EntityType], seen: dict) -> None:
        if not intents:
            self.problems.append(KnowledgeError(self.root, "no intents: at least one file needs an 'intents:' list"))
        for intent in intents:
            path, node = seen[intent.id]
            for n, slot in enumerate(intent.slots):
                if slot.entity not in entities:
                    close = difflib.get_close_matches(slot.entity, list(entities), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    _, line, column = self.locations.get(("intent", intent.id, "slots", n, "entity"), ("", 0, 0))
                    where = (line, column) if line else node.marks.get("slots", node.mark)
                    message = f"intent {intent.id!r}: slot entity {slot.entity!r} is not defined{hint}"
                    self.problems.append(KnowledgeError(path, message, *where))

    def _note(self, path: Path, where: Position, *key: Any) -> None:
        self.locations[key] = (str(path), *where)

    def _settings(self, check: _Checker, node: Any, where: Position) -> Settings:
        node = check.mapping(node, where, "settings")
        if node is None:
            return Settings()
        check.keys(node, _SETTINGS_KEYS, (), "settings")
        return Settings(
            stop_words=frozenset(w.casefold() for w, _ in check.texts(node, "stop_words", "settings")),
            answer_threshold=check.number(node, "answer_threshold", "settings", Settings.answer_threshold, 0, 100),
            clarify_margin=check.number(node, "clarify_margin", "settings", Settings.clarify_margin, 0, 100),
            min_coverage=check.number(node, "min_coverage", "settings", Settings.min_coverage, 0, 1),
            clause_words=tuple(w.casefold() for w, _ in check.texts(node, "clause_words", "settings")),
            language=self._language(check, node),
        )

    @staticmethod
    def _language(check: _Checker, node: _Node) -> str | None:
        """The settings' language: a code that a word list is shipped for, or none."""
        if "language" not in node:
            return Settings.language
        language = check.text(node, "language", "settings").casefold()
        if language in ("", "none"):
            return None
        known = languages()
        if language not in known:
            listed = ", ".join((*known, "none"))
            check.fail(node, "language", f"settings: no word list for language {language!r} (there are: {listed})")
            return Settings.language
        return language

    def _entities(self, check: _Checker, data: _Node) -> list[EntityType]:
        node = data.get("entities") or _Node()
        if not isinstance(node, _Node):
            check.fail(data, "entities", "'entities' must be a mapping of type -> {name, values}")
            return []
        types = []
        for type_id, body in node.items():
            what = f"entity type {_show(type_id)}"
            if not isinstance(type_id, str) or not _ID.fullmatch(type_id):
                check.fail(node, type_id, f"{what}: ids use letters, digits and _", at_key=True)
                continue
            body = check.mapping(body, node.marks[type_id], what)
            if body is None:
                continue
            check.keys(body, ("name", "values", "context"), ("values",), what)
            values, ids = [], set()
            for item, where in check.items(body, "values", f"{what}: "):
                value = _entity_value(check, item, where, what)
                if value is None:
                    continue
                if value.id in ids:
                    check.fail(item, "id", f"{what}: value id {value.id!r} is used twice")
                    continue
                ids.add(value.id)
                values.append(value)
                self._note(check.path, where, "entity", str(type_id), value.id)
            name = check.text(body, "name", what, str(type_id))
            types.append(EntityType(str(type_id), name, tuple(values), check.flag(body, "context", what)))
        return types

    def _intent(self, check: _Checker, node: Any, where: Position, stem: str) -> Intent | None:
        node = check.mapping(node, where, "every item of 'intents'")
        if node is None:
            return None
        what = f"intent {_show(node.get('id', '?'))}"
        check.keys(node, _INTENT_KEYS, ("id", "answer"), what)
        intent_id = check.text(node, "id", what)
        valid_id = bool(_ID.fullmatch(intent_id))
        if intent_id and not valid_id:
            check.fail(node, "id", f"{what}: ids use letters, digits and _")
        kind = check.text(node, "kind", what, "answer")
        if kind not in INTENT_KINDS:
            check.fail(node, "kind", f"{what}: kind must be 'answer', 'smalltalk' or 'decline'")
        examples = check.texts(node, "examples", what)
        keywords = _keywords(check, node, what)
        misspelt = node.dropped or any(key not in _INTENT_KEYS for key in node)  # examples under a bad key?
        if not examples and not keywords and "id" in node and not misspelt:
            check.fail(node, "id", f"{what}: give at least one example question or keyword")
        slots = [(_slot(check, s, w, what), s, w) for s, w in check.items(node, "slots", f"{what}: ")]
        if not valid_id:
            return None
        path = check.path
        self._note(path, node.marks.get("id", node.mark), "intent", intent_id)
        for n, (_, at) in enumerate(examples):
            self._note(path, at, "intent", intent_id, "examples", n)
        for n, (_, _, at) in enumerate(keywords):
            self._note(path, at, "intent", intent_id, "keywords", n)
        kept = [(slot, raw, at) for slot, raw, at in slots if slot is not None]
        for n, (_, raw, at) in enumerate(kept):
            self._note(path, at, "intent", intent_id, "slots", n)
            for part in ("entity", "template", "missing", "compare"):
                if part in raw.marks:
                    self._note(path, raw.marks[part], "intent", intent_id, "slots", n, part)
            compare = raw.get("compare")
            for label, at in compare.key_marks.items() if isinstance(compare, _Node) else ():
                self._note(path, at, "intent", intent_id, "slots", n, "compare", str(label))
        return Intent(
            id=intent_id,
            title=check.text(node, "title", what, intent_id.replace("_", " ").capitalize()),
            topic=check.text(node, "topic", what, stem.replace("_", " ").capitalize()),
            kind=kind if kind in INTENT_KINDS else "answer",
            source=check.text(node, "source", what),
            examples=tuple(text for text, _ in examples),
            keywords=tuple((group, weight) for group, weight, _ in keywords),
            answer=check.text(node, "answer", what),
            more=check.text(node, "more", what),
            why=check.text(node, "why", what),
            slots=tuple(slot for slot, _, _ in kept),
            combined=check.text(node, "combined", what),
            file=str(path),
        )


def _synonyms(check: _Checker, data: _Node, known: Mapping[str, str]) -> dict[str, str]:
    node = data.get("synonyms") or _Node()
    if not isinstance(node, _Node):
        check.fail(data, "synonyms", "'synonyms' must be a mapping of word -> list of aliases")
        return {}
    out: dict[str, str] = {}
    for canon in node:
        for alias, where in check.texts(node, canon, f"synonyms {_show(canon)}"):
            alias = alias.casefold()
            previous = out.get(alias) or known.get(alias)
            if previous is not None and previous != str(canon).casefold():
                check.at(where, f"synonym {_show(alias)} is given for both {_show(previous)} and {_show(canon)}")
                continue
            out[alias] = str(canon).casefold()
    return out


def _entity_value(check: _Checker, item: Any, where: Position, what: str) -> EntityValue | None:
    vwhat = f"{what} value"
    item = check.mapping(item, where, vwhat)
    if item is None:
        return None
    check.keys(item, ("id", "name", "aliases", "facts"), ("id",), vwhat)
    vid = check.text(item, "id", vwhat)
    name = check.text(item, "name", vwhat, vid)
    facts = item.get("facts") or _Node()
    if not isinstance(facts, _Node):
        check.fail(item, "facts", f"{vwhat} {_show(vid)}: 'facts' must be a mapping")
        facts = _Node()
    fact_map = {str(k): check.text(facts, k, f"{vwhat} {_show(vid)} fact") for k in facts}
    aliases = tuple(dict.fromkeys(a.casefold() for a in (name, *(t for t, _ in check.texts(item, "aliases", vwhat)))))
    if not vid:
        return None
    return EntityValue(vid, name, tuple(a for a in aliases if a), MappingProxyType(fact_map))


def _keywords(check: _Checker, node: _Node, what: str) -> list[tuple[tuple[str, ...], float, Position]]:
    raw = node.get("keywords") or _Node()
    if not isinstance(raw, _Node):
        check.fail(node, "keywords", f"{what}: 'keywords' must be a mapping of word -> weight")
        return []
    out = []
    for key in raw:
        weight = check.number(raw, key, f"{what} keyword {_show(key)}", 1.0, 0, 10)
        group = tuple(w.strip() for w in str(key).split("|") if w.strip())
        if not group:
            check.fail(raw, key, f"{what}: empty keyword", at_key=True)
            continue
        out.append((group, weight, raw.key_marks[key]))
    return out


def _slot(check: _Checker, node: Any, where: Position, what: str) -> Slot | None:
    swhat = f"{what} slot"
    node = check.mapping(node, where, swhat)
    if node is None:
        return None
    complete = check.keys(node, ("entity", "template", "missing", "compare", "source"), ("entity", "template"), swhat)
    compare = node.get("compare") or _Node()
    if not isinstance(compare, _Node):
        check.fail(node, "compare", f"{what}: 'compare' must map a label to a fact name")
        compare = _Node()
    slot = Slot(
        entity=check.text(node, "entity", what),
        template=check.text(node, "template", what),
        missing=check.text(node, "missing", what),
        compare=tuple((str(label), check.text(compare, label, what)) for label in compare),
        source=check.text(node, "source", what),
    )
    return slot if complete and slot.entity and slot.template else None
