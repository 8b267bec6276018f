"""The interactive session: prompt_toolkit prompt, completion, history, toolbar, key bindings."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.application import get_app, get_app_session, run_in_terminal
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer, Completion, FuzzyWordCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.styles import Style

from advisor import commands, render

if TYPE_CHECKING:
    from advisor import Advisor

Writer = Callable[[str], Any]


def default_history_path() -> Path:
    """$XDG_STATE_HOME/advisor/history, or ~/.local/state/advisor/history."""
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "advisor" / "history"


class PrivateFileHistory(FileHistory):
    """FileHistory whose file is the owner's alone (0600); a failed write is warned about once."""

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        super().__init__(path)
        self.warn, self.broken = warn, False

    def store_string(self, string: str) -> None:
        if self.broken:
            return
        try:
            os.close(os.open(self.filename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            super().store_string(string)
        except OSError as exc:
            self.broken = True
            self.warn(f"warning: history not saved ({exc.strerror or exc})")


def open_history(path: Path, warn: Callable[[str], None]) -> History:
    """The history file, or an in-memory history (after one warning) if it cannot be used."""
    try:
        return PrivateFileHistory(path, warn)
    except OSError as exc:
        warn(f"warning: cannot use history file {path} ({exc.strerror or exc}); history is off")
        return InMemoryHistory()


class AdvisorCompleter(Completer):
    """Slash commands after '/'; otherwise the knowledge base's words and phrases.

    A phrase the last few words begin ("data eng" -> "Data engineer") replaces all of them;
    then single words match fuzzily ("mlo" -> "MLOps engineer").
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        meta = {"/" + key: cmd.help for key, cmd in commands.REGISTRY.items()}
        self.commands = FuzzyWordCompleter(commands.names(), meta_dict=meta, WORD=True)
        self.vocabulary = sorted(set(vocabulary), key=str.lower)
        self.words = FuzzyWordCompleter(self.vocabulary)

    def get_completions(self, document: Document, complete_event: Any) -> Iterable[Completion]:
        text = document.text_before_cursor
        if text.lstrip().startswith("/") and " " not in text.strip():
            yield from self.commands.get_completions(document, complete_event)
            return
        words, seen = text.split(" "), set()
        for k in (4, 3, 2):
            typed = " ".join(words[-k:]).lstrip()
            if len(words) >= k and " " in typed:
                for phrase in self.vocabulary:
                    if phrase not in seen and phrase.lower().startswith(typed.lower()):
                        seen.add(phrase)
                        yield Completion(phrase, -len(typed))
        yield from (c for c in self.words.get_completions(document, complete_event) if c.text not in seen)


def make_key_bindings(show: Callable[[str], None], state: commands.State) -> KeyBindings:
    """Our keys on top of the default Emacs (or Vi) ones."""
    kb = KeyBindings()

    @kb.add("f1")
    def _(event: Any) -> None:
        """F1: show the commands and keys above the prompt."""
        run_in_terminal(lambda: show(commands.help_text()))

    @kb.add("f2")
    def _(event: Any) -> None:
        """F2: show the topics with example questions."""
        run_in_terminal(lambda: show(commands.topics_text(state.advisor)))

    return kb


def welcome(advisor: Advisor) -> str:
    """A greeting naming the topics, with two or three example questions from the knowledge base."""
    topics = [t for t in advisor.topics() if t.intents]
    names = ", ".join(t.name for t in topics[:4]) + (" and more" if len(topics) > 4 else "")
    tries = "\n".join(f"- {t.intents[0].example}" for t in topics[:3])
    return f"Ask me about {names}. For example:\n{tries}\n/help lists commands; Ctrl-D quits."


def toolbar_text(state: commands.State) -> list[tuple[str, str]]:
    """The bottom line: what the conversation remembers, and the keys worth knowing."""
    context = render.sanitize(state.chat.context.describe()) or "no context yet"
    return [("class:bottom-toolbar", f" {context} │ Tab complete · F1 help · F2 topics · Ctrl-D quit ")]


def run_repl(advisor: Advisor, *, input: Any = None, output: Any = None, write: Writer | None = None,
             history_path: Path | str | None = None, color: bool = True, vi: bool = False) -> int:
    """Chat until Ctrl-D or /quit; return the exit status. `write` gets plain text (for tests)."""
    state = commands.State(advisor, advisor.chat())
    depth = None if color and render.use_color() else ColorDepth.DEPTH_1_BIT
    style = Style.from_dict(render.STYLE_RULES)
    out = output or get_app_session().output

    def emit(frags: render.Fragments) -> None:
        if write is not None:
            write(render.to_text(frags))
        else:
            print_formatted_text(FormattedText(frags), style=style, output=out, color_depth=depth,
                                 include_default_pygments_style=False)

    def width() -> int:
        return min(out.get_size().columns - 1, render.MAX_WIDTH)

    def show(text: str) -> None:
        emit(render.plain_lines(text, width()))

    history = open_history(Path(history_path or default_history_path()), lambda m: emit([("class:notice", m)]))
    session: PromptSession[str] = PromptSession(
        [("class:prompt", "advisor> ")], history=history, auto_suggest=AutoSuggestFromHistory(),
        completer=AdvisorCompleter(advisor.vocabulary()),
        complete_while_typing=Condition(lambda: get_app().current_buffer.text.startswith("/")),
        bottom_toolbar=lambda: toolbar_text(state), key_bindings=make_key_bindings(show, state),
        vi_mode=vi, style=style, color_depth=depth, include_default_pygments_style=False,
        placeholder=[("class:info", "ask a question, or /help")], input=input, output=out,
    )
    show(welcome(advisor))
    while not state.done:
        try:
            text = session.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        for line in filter(None, map(str.strip, text.splitlines())):  # a paste may hold several
            try:
                if not line.startswith("/"):
                    emit([*render.fragments(state.ask(line), width()), ("", "\n")])
                elif shown := commands.run(state, line):
                    show(shown)
            except KeyboardInterrupt:  # Ctrl-C while answering: drop the rest, keep the session
                break
            except Exception as exc:  # a bug should not end the conversation
                if os.environ.get("ADVISOR_DEBUG"):
                    raise
                emit([("class:notice", f"error: {type(exc).__name__}: {render.sanitize(str(exc))}")])
            if state.done:
                break
    show("Goodbye.")
    return 0
