"""The public entry point: load a knowledge base once, then open conversations on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .cache import load_compiled
from .dialogue import Chat
from .knowledge import KnowledgeBase
from .matcher import Matcher


@dataclass(frozen=True)
class TopicEntry:
    """One intent as /topics lists it."""

    id: str
    title: str
    example: str


@dataclass(frozen=True)
class Topic:
    """A group of intents (by default, the knowledge file they come from)."""

    name: str
    intents: tuple[TopicEntry, ...]


class Advisor:
    """A loaded and compiled knowledge base; cheap to open chats on. The compiled form is kept in the
    user's cache directory (see advisor.cache), so only the first start on given files compiles."""

    def __init__(self, kb_path: str | Path | None = None, compiling: Callable[[], None] | None = None) -> None:
        self.kb: KnowledgeBase
        self.matcher: Matcher
        self.kb, self.matcher = load_compiled(kb_path, compiling)

    def chat(self) -> Chat:
        """A new conversation with an empty context."""
        return Chat(self.kb, self.matcher)

    def topics(self) -> list[Topic]:
        """The answerable intents grouped by topic, each with an example question."""
        groups: dict[str, list[TopicEntry]] = {}
        for intent in self.kb.intents:
            if intent.kind == "answer":
                example = intent.examples[0] if intent.examples else ""
                groups.setdefault(intent.topic, []).append(TopicEntry(intent.id, intent.title, example))
        return [Topic(name, tuple(entries)) for name, entries in groups.items()]

    def vocabulary(self) -> list[str]:
        """Words and phrases worth completing: intent titles and entity names."""
        names = [i.title for i in self.kb.intents if i.kind == "answer"]
        names += [v.name for e in self.kb.entities.values() for v in e.values]
        return sorted(set(names), key=str.casefold)
