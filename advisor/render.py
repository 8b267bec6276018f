"""Reply -> terminal text: plain text for pipes and `advisor ask`, styled fragments for the REPL.

Pure and free of prompt_toolkit: styled output is a list of (style, text) pairs, which
prompt_toolkit accepts as formatted text, so `advisor ask` never pays for importing it.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor import Reply

Fragments = list[tuple[str, str]]

MAX_WIDTH = 100  # longer lines are hard to read, however wide the terminal

# CSI (colours, cursor moves), OSC (titles, hyperlinks) and two-byte escapes: compiled (and kept by re)
# on first use, as only text with an ESC needs it.
_ANSI = r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?"
# C0/C1 controls except newline, and the bidi overrides that reorder what a terminal shows: a table for
# str.translate, which costs nothing to build (the character class took 0.7 ms to compile at every start).
_CONTROL = dict.fromkeys([*range(0x0a), *range(0x0b, 0x20), *range(0x7f, 0xa0), *range(0x202a, 0x202f),
                          *range(0x2066, 0x206a)])
_MARKER = re.compile(r"^(\s*)(- |\* |• |\d{1,2}[.)] )")
_TABLE_ROW = re.compile(r"^\s*\||\S {2,}\S")

STYLE_RULES = {
    "prompt": "bold",
    "answer": "",
    "smalltalk": "ansicyan",
    "clarify": "ansiyellow",
    "fallback": "italic",
    "bullet": "ansiblue bold",
    "notice": "ansiyellow italic",
    "source": "ansibrightblack italic",
    "info": "ansibrightblack",
    "bottom-toolbar": "noreverse bg:ansibrightblack fg:ansiwhite",
}


def use_color(no_color_flag: bool = False) -> bool:
    """Colour unless --no-color was given or NO_COLOR is set to anything non-empty."""
    return not (no_color_flag or os.environ.get("NO_COLOR"))


def sanitize(text: str) -> str:
    """Drop escape sequences and control characters (keeping newlines; tabs become spaces)."""
    text = text.replace("\r\n", "\n").replace("\t", " ")
    if "\x1b" in text:
        text = re.sub(_ANSI, "", text)
    return text.translate(_CONTROL)


def _wrap(text: str, width: int | None, first: str, rest: str) -> list[str]:
    if width is None or _TABLE_ROW.search(text):
        return [first + text]
    import textwrap  # here: piped output is not wrapped

    wrapper = textwrap.TextWrapper(
        width=max(width, len(rest) + 10), initial_indent=first, subsequent_indent=rest,
        break_long_words=False, break_on_hyphens=False,
    )
    return wrapper.wrap(text) or [first.rstrip()]


def _reflow(text: str) -> str:
    """Join the hard-wrapped lines of a paragraph or bullet, so that wrapping follows the terminal."""
    out: list[str] = []
    for line in text.split("\n"):
        joinable = line.strip() and not _MARKER.match(line) and not _TABLE_ROW.search(line.strip())
        previous = out[-1] if out else ""
        # a bullet takes only its indented continuation lines; a paragraph takes any plain line
        continues = line.startswith(" ") if _MARKER.match(previous) else True
        if joinable and continues and previous.strip() and not previous.rstrip().endswith(":"):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


def _block(text: str, width: int | None, style: str, bullet: str) -> Fragments:
    """Wrap each line; bullets hang so that wrapped lines start under the bullet's text."""
    out: Fragments = []
    for line in _reflow(text).split("\n"):
        stripped = line.strip()
        marker = _MARKER.match(line)
        if not stripped:
            out.append(("", "\n"))
            continue
        if marker:
            indent, mark = marker.groups()
            body = line[marker.end():].strip()
            shown = bullet if mark == "- " else mark
            lines = _wrap(body, width, " " * (len(indent) + len(shown)), " " * (len(indent) + len(shown)))
            out.append(("", indent))
            out.append(("class:bullet", shown))
            out.append((style, lines[0][len(indent) + len(shown):] + "\n"))
            out.extend((style, wrapped + "\n") for wrapped in lines[1:])
            continue
        indent = " " * (len(line) - len(line.lstrip()))
        out.extend((style, wrapped + "\n") for wrapped in _wrap(stripped, width, indent, indent))
    return out


def fragments(reply: Reply, width: int | None = None, *, bullet: str = "• ") -> Fragments:
    """The reply as (style, text) pairs: notice, body by kind, then the sources, dimmed."""
    out: Fragments = []
    if reply.notice:
        out += _block(sanitize(reply.notice), width, "class:notice", bullet)
    kind = reply.kind if reply.kind in STYLE_RULES else "answer"
    out += _block(sanitize(reply.text).strip("\n"), width, f"class:{kind}", bullet)
    if reply.sources:
        label = "Source: " if len(reply.sources) == 1 else "Sources: "
        line = label + "; ".join(sanitize(source) for source in reply.sources)
        out.extend(("class:source", wrapped + "\n") for wrapped in _wrap(line, width, "", "  "))
    if out and out[-1][1].endswith("\n"):
        out[-1] = (out[-1][0], out[-1][1][:-1])
    return out


def plain(reply: Reply, width: int | None = None) -> str:
    """The reply as plain text, no escape codes: what `advisor ask` and piped input print."""
    return "".join(text for _, text in fragments(reply, width, bullet="- "))


def plain_lines(text: str, width: int | None = None, style: str = "class:info") -> Fragments:
    """Any other text (command output, welcome) sanitised and wrapped, as fragments."""
    out = _block(sanitize(text).strip("\n"), width, style, "- ")
    if out and out[-1][1].endswith("\n"):
        out[-1] = (out[-1][0], out[-1][1][:-1])
    return out


def to_text(frags: Fragments) -> str:
    """Fragments back to plain text."""
    return "".join(text for _, text in frags)
