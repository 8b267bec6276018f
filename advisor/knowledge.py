"""What a knowledge base is: frozen data classes for intents, entities, settings and the rest, and
`load()` / `validate()`, which read a knowledge directory with advisor.loader.

The YAML reader is imported only when a directory is actually read: a start that finds the compiled
knowledge base in the cache (advisor.cache) never imports yaml. Nor is there `from __future__ import
annotations`: the cache decodes by the field types, and as text they would be compiled at every start.
"""

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import KnowledgeError
from .followups import FollowUp
from .interview import Interview
from .text import TEMPLATE_FIELD

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 30
# answer: a topic the bot answers; smalltalk: greetings and the like; decline: questions near the topics
# that the bot must not answer (its answer is the reply's opening line), as Rasa's out_of_scope intent.
INTENT_KINDS = ("answer", "smalltalk", "decline")


@dataclass(frozen=True)
class EntityValue:
    """One thing a question can name, e.g. the city London, with its aliases and facts."""

    id: str
    name: str
    aliases: tuple[str, ...]
    facts: Mapping[str, str]


@dataclass(frozen=True)
class EntityType:
    """A kind of entity (city, role, level...) and its values. A `context` type says where the asker
    is (a city): it narrows an answer but does not choose it (see Matcher._context_capped)."""

    id: str
    name: str
    values: tuple[EntityValue, ...]
    context: bool = False

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
    clause_words: tuple[str, ...] = ()
    language: str | None = "en"  # whose word list tells real words from typos; None: no list


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, validated and read-only."""

    path: str
    intents: tuple[Intent, ...]
    entities: Mapping[str, EntityType]
    synonyms: Mapping[str, str]
    settings: Settings = field(default_factory=Settings)
    interview: Interview | None = None
    follow_ups: Mapping[str, FollowUp] = field(default_factory=lambda: MappingProxyType({}))

    def intent(self, intent_id: str) -> Intent:
        return self.by_id[intent_id]

    @cached_property
    def by_id(self) -> Mapping[str, Intent]:
        return {i.id: i for i in self.intents}


Where = tuple[str, int, int]


@dataclass(frozen=True)
class Validation:
    """The outcome of reading a knowledge directory: every problem found, the knowledge base built from
    the parts that were readable (None when nothing was), and where each intent's parts stand.

    `locations` maps ("intent", id), ("intent", id, "examples", n), ("intent", id, "keywords", n) and
    ("intent", id, "slots", n, "entity" | "template" | "missing" | "compare") and ("intent", id, "slots", n,
    "compare", label) to (file, line, column)."""

    kb: KnowledgeBase | None
    errors: tuple[KnowledgeError, ...]
    locations: Mapping[tuple[Any, ...], Where]

    def where(self, *key: Any) -> Where:
        """The location of a part, or of the nearest enclosing part that has one."""
        while key:
            if key in self.locations:
                return self.locations[key]
            key = key[:-1]
        return (self.kb.path if self.kb else "", 0, 0)


class InvalidKnowledge(KnowledgeError):
    """All the problems of a knowledge directory; it reads as the first one, with a count of the rest."""

    def __init__(self, problems: tuple[KnowledgeError, ...]) -> None:
        first, more = problems[0], len(problems) - 1
        message = first.message
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''}: `advisor check` lists them all)"
        super().__init__(first.path, message, first.line, first.column)
        self.problems = problems


def shipped_path() -> Path:
    """The knowledge directory installed with the package (or beside it, in a source checkout)."""
    spec = importlib.util.find_spec("advisor.knowledge_files")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "knowledge"


def validate(path: str | Path | None = None) -> Validation:
    """Read and check a knowledge directory (or a single YAML file), collecting every problem."""
    from .loader import read

    return read(Path(path) if path is not None else shipped_path())


def load(path: str | Path | None = None) -> KnowledgeBase:
    """Load and validate a knowledge directory (or a single YAML file); any problem raises InvalidKnowledge."""
    result = validate(path)
    if result.errors:
        raise InvalidKnowledge(result.errors)
    assert result.kb is not None  # no intents is an error
    return result.kb


def fields(template: str) -> set[str]:
    """The {fact} names a template uses."""
    return set(TEMPLATE_FIELD.findall(template))
