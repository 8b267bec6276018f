"""Slash commands: registered with @command; /help is generated from the registry.

A command takes the session State and the text after its name, and returns text to show.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.render import plain, sanitize

if TYPE_CHECKING:
    from advisor import Advisor, Chat, Reply

KEYS_HELP = (
    "Keys: Tab completes · Up/Down recall history · Ctrl-R searches it · F1 help · F2 topics · "
    "Ctrl-C clears the line · Ctrl-D quits"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DATE = re.compile(r"\d{4}-\d\d-\d\d|\d\d?[./-]\d\d?[./-]\d{4}")
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{5,}\d(?!\w)")


@dataclass
class Turn:
    question: str
    reply: Reply


@dataclass
class State:
    """What commands may look at and change: the engine, the conversation and its record."""

    advisor: Advisor
    chat: Chat
    transcript: list[Turn] = field(default_factory=list)
    last: Reply | None = None
    done: bool = False

    def ask(self, text: str) -> Reply:
        """One turn of the conversation, recorded for /why and /save."""
        self.last = self.chat.ask(text)
        self.transcript.append(Turn(text, self.last))
        return self.last


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    help: str
    run: Callable[[State, str], str]
    aliases: tuple[str, ...] = ()


REGISTRY: dict[str, Command] = {}


def command(name: str, help: str, args: str = "", aliases: tuple[str, ...] = ()) -> Callable:
    """Register the decorated function as /NAME (and /ALIAS...)."""

    def register(func: Callable[[State, str], str]) -> Callable[[State, str], str]:
        cmd = Command(name, args, help, func, aliases)
        for key in (name, *aliases):
            REGISTRY[key] = cmd
        return func

    return register


def names() -> list[str]:
    """Every name a command answers to, with its slash."""
    return ["/" + key for key in REGISTRY]


def run(state: State, line: str) -> str:
    """Run one '/name args' line; an unknown name gets the closest command suggested."""
    name, _, arg = line.strip().removeprefix("/").partition(" ")
    name = name.strip().lower()
    if not name:
        return help_text()
    cmd = REGISTRY.get(name)
    if cmd is None:
        from rapidfuzz import fuzz, process

        best = process.extractOne(name, list(REGISTRY), scorer=fuzz.WRatio, score_cutoff=60)
        hint = f"Did you mean /{best[0]}?" if best else "Type /help for the list."
        return f"Unknown command /{name}. {hint}"
    return cmd.run(state, arg.strip())


def help_text() -> str:
    """The command list, one line each, built from the registry."""
    seen = list(dict.fromkeys(REGISTRY.values()))
    heads = [" ".join(["/" + c.name, *(f"(/{a})" for a in c.aliases), c.args]).strip() for c in seen]
    pad = max(map(len, heads)) + 2
    lines = [f"  {head:<{pad}}{c.help}" for head, c in zip(heads, seen, strict=True)]
    return "\n".join(["Commands:", *lines, "", KEYS_HELP])


def topics_text(advisor: Advisor) -> str:
    """Topics with an example question for each intent."""
    lines: list[str] = []
    for topic in advisor.topics():
        lines += ["", topic.name] if lines else [topic.name]
        lines += [f'  - {e.title} — e.g. "{e.example}"' for e in topic.intents]
    return "\n".join(lines) or "No topics in this knowledge base."


def mask(text: str) -> str:
    """Hide e-mail addresses and phone numbers."""
    text = _EMAIL.sub("[email]", text)
    def phone(m: re.Match[str]) -> str:
        digits = sum(c.isdigit() for c in m[0])
        return "[phone]" if digits >= 7 and not _DATE.fullmatch(m[0]) else m[0]

    return _PHONE.sub(phone, text)


def to_markdown(transcript: list[Turn]) -> str:
    """The conversation as Markdown, with what the person typed masked."""
    out = [f"# Conversation with advisor\n\n_Saved {datetime.now():%Y-%m-%d %H:%M}_\n"]
    for turn in transcript:
        out.append(f"**You:** {mask(sanitize(turn.question))}\n")
        out.append(_EMAIL.sub("[email]", sanitize(turn.reply.text)).strip() + "\n")
        if turn.reply.sources:
            out.append(f"_Source: {'; '.join(map(sanitize, turn.reply.sources))}_\n")
    return "\n".join(out)


def write_private(path: Path, text: str) -> None:
    """Write atomically (temp file in the same directory, then rename), readable by the owner only."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@command("help", "list the commands and keys")
def _help(state: State, arg: str) -> str:
    return help_text()


@command("topics", "what you can ask about, with examples")
def _topics(state: State, arg: str) -> str:
    return topics_text(state.advisor)


@command("why", "how the last answer was chosen")
def _why(state: State, arg: str) -> str:
    if state.last is None or state.last.explain is None:
        return "Nothing to explain yet."
    return state.last.explain.format()


@command("context", "what I remember from this conversation")
def _context(state: State, arg: str) -> str:
    described = state.chat.context.describe()
    return described or "No context yet: mention a role, a city or a level and I will keep it in mind."


@command("reset", "forget the context and start afresh")
def _reset(state: State, arg: str) -> str:
    state.chat.reset()
    state.last = None
    return "Context cleared."


@command("save", "save the conversation as Markdown (e-mails and phone numbers masked)", args="FILE")
def _save(state: State, arg: str) -> str:
    if not arg:
        return "Usage: /save FILE"
    if not state.transcript:
        return "Nothing to save yet."
    path = Path(arg).expanduser()
    try:
        write_private(path, to_markdown(state.transcript))
    except OSError as exc:
        return f"Could not save to {path}: {exc.strerror or exc}"
    return f"Saved {len(state.transcript)} turn(s) to {path}."


@command("quit", "leave (Ctrl-D does too)", aliases=("exit",))
def _quit(state: State, arg: str) -> str:
    state.done = True
    return ""


@command("quiz", "a few questions, then the track that fits you (\"stop\" leaves)")
def _quiz(state: State, arg: str) -> str:
    reply = state.chat.start_interview()
    state.last = reply
    state.transcript.append(Turn("/quiz", reply))
    return plain(reply)
