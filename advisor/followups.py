"""Follow-up phrases ("tell me more", "why?"): the optional top-level ``follow_ups:`` key of a knowledge file.

A follow-up asks for more of the last answer, so it is recognised as a whole line (after the same
normalisation, typo repair and stop words as questions) rather than ranked against the intents: it
names no topic of its own, and leaving it out of the intents keeps their weights as they are.
"""

# no `from __future__ import annotations`: the cache decodes these classes by their field types (see
# knowledge.py), and as text they would be compiled at every start
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .text import words

KINDS = ("more", "why")  # what of the last topic each kind gives: its `more` or its `why` text


@dataclass(frozen=True)
class FollowUp:
    """The phrases of one kind of follow-up and what to say when it has nothing to give."""

    phrases: tuple[str, ...]
    missing: str = ""  # the last topic has no such text; {topic} is its title
    no_topic: str = ""  # nothing was answered yet


def find(
    follow_ups: Mapping[str, FollowUp], text: str, content: Callable[[str], list[str]]
) -> tuple[str, str] | None:
    """The kind and phrase a whole line is, if it is a follow-up: same content words as a phrase
    ("why is that?" is "why"), or, for a phrase of stop words only ("go on"), the same words (a line
    with content words cannot have those: its words are only read when it has none)."""
    meant = content(text)
    typed: list[str] | None = None
    for kind, follow_up in follow_ups.items():
        for phrase in follow_up.phrases:
            wanted = content(phrase)
            if meant:
                if meant == wanted:
                    return kind, phrase
            elif not wanted:
                typed = words(text) if typed is None else typed
                if typed == words(phrase):
                    return kind, phrase
    return None


def parse(check: Any, node: Any, where: tuple[int, int]) -> Mapping[str, FollowUp]:
    """Read the ``follow_ups:`` section; problems are noted on `check` (knowledge.py's checker)."""
    node = check.mapping(node, where, "follow_ups")
    if node is None:
        return MappingProxyType({})
    check.keys(node, KINDS, (), "follow_ups")
    out: dict[str, FollowUp] = {}
    for kind in KINDS:
        if kind not in node:
            continue
        what = f"follow_ups {kind}"
        body = check.mapping(node[kind], node.marks[kind], what)
        if body is None or not check.keys(body, ("phrases", "missing", "no_topic"), ("phrases",), what):
            continue
        phrases = tuple(text for text, _ in check.texts(body, "phrases", what))
        if phrases:
            out[kind] = FollowUp(phrases, check.text(body, "missing", what), check.text(body, "no_topic", what))
    return MappingProxyType(out)
