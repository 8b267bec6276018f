"""Command line: the REPL, piped input, ask, eval, topics, check.

Only the REPL imports prompt_toolkit, and only when it starts: `advisor ask` stays quick.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, NoReturn

from advisor import render
from advisor.errors import AdvisorError, ExitStatus
from advisor.text import truncate

if TYPE_CHECKING:
    import argparse

    from advisor import Advisor, Reply
    from advisor.commands import State


def version() -> str:
    """The installed version of advisor, or '0+unknown' when running from a source tree."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("advisor")
    except PackageNotFoundError:
        return "0+unknown"


def _ratio(text: str) -> float:
    import argparse

    value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1 (or 0% and 100%)")
    return value


def _common(parser: argparse.ArgumentParser, top: bool) -> None:
    """--kb and --no-color, accepted before or after the command word."""
    import argparse

    default = None if top else argparse.SUPPRESS
    parser.add_argument("--kb", metavar="PATH", default=default,
                        help="knowledge directory to answer from (default: the shipped one)")
    parser.add_argument("--no-color", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="no colours (also when NO_COLOR is set)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command. argparse is imported here, not at the top: see parse()."""
    import argparse

    class Version(argparse.Action):
        """--version, looked up only when asked for (importlib.metadata is slow to import)."""

        def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
            print(f"advisor {version()}")
            parser.exit()

    class Formatter(argparse.HelpFormatter):
        """Help wrapped at $COLUMNS or 80 columns. argparse builds a formatter for every argument it adds,
        and its own asks the terminal for its size each time (importing shutil): a third of a start."""

        def __init__(self, prog: str) -> None:
            columns = os.environ.get("COLUMNS", "")
            super().__init__(prog, width=max(int(columns), 40) - 2 if columns.isdigit() else 78)

    parser = argparse.ArgumentParser(
        prog="advisor", description="Career advice for machine-learning engineers, in your terminal.",
        formatter_class=Formatter,
        epilog="Without a command: a chat session in a terminal; with piped input, one answer per line.",
    )
    parser.add_argument("--version", action=Version, nargs=0, help="show the version and exit")
    parser.add_argument("--vi", action="store_true", help="Vi key bindings in the chat session")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, **kwargs: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, formatter_class=Formatter, **kwargs)

    ask = command("ask", help="answer one question and exit")
    ask.add_argument("question", nargs="+", help="the question, or - to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print JSON (JSON Lines with -)")
    ev = command("eval", help="score the matcher on question files")
    ev.add_argument("files", nargs="+", metavar="FILE")
    ev.add_argument("--min", type=_ratio, metavar="RATIO", help="exit 1 if accuracy is below RATIO (0..1)")
    command("topics", help="list the topics with an example question each")
    check = command("check", help="list every error and warning of a knowledge directory")
    check.add_argument("path", nargs="?", metavar="PATH", help="directory to check (default: --kb or shipped)")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    for each in (ask, ev, sub.choices["topics"], check):
        _common(each, top=False)
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace | SimpleNamespace:
    """The command line parsed. The commonest ones, `advisor` alone and `advisor ask` with words that are
    no options, are read without argparse: importing it and building the parser is a tenth of a start."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0] == "ask" and len(argv) > 1 and not any(a.startswith("-") for a in argv)):
        return SimpleNamespace(command=argv[0] if argv else None, question=argv[1:], json=False, kb=None,
                               no_color=False, vi=False)
    return build_parser().parse_args(argv)


def load(path: str | None) -> Advisor:
    """The engine over PATH, or over the shipped knowledge. A compile (the first start on given files)
    is announced on a terminal: it takes some seconds for the shipped knowledge."""
    from advisor import Advisor

    def compiling() -> None:
        if sys.stderr.isatty():
            print("advisor: compiling the knowledge base (once for these files)...", file=sys.stderr, flush=True)

    return Advisor(path or None, compiling)


def stdin_lines() -> Iterator[str]:
    """Non-blank lines of stdin, decoded as UTF-8 (invalid bytes become U+FFFD)."""
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    for line in stream:
        line = line.strip().lstrip("\ufeff")
        if line:
            yield line


def _width() -> int | None:
    if not sys.stdout.isatty():
        return None
    import shutil  # here: it imports compression modules that piped output never needs

    return min(shutil.get_terminal_size().columns - 1, render.MAX_WIDTH)


def answer_lines(advisor: Advisor, questions: Iterator[str] | list[str], as_json: bool) -> None:
    """Each question one turn of one conversation; plain answers separated by a blank line, or JSON Lines.
    In plain piped input a line starting with "/" is a slash command, as in the chat session; the
    commands are loaded at the first one, and the session they see starts with the turn before it."""
    chat = advisor.chat()
    state: State | None = None
    last: tuple[str, Reply] | None = None
    for n, question in enumerate(questions):
        if question.startswith("/") and not as_json:
            from advisor import commands

            if state is None:
                state = commands.State(advisor, chat, [commands.Turn(*last)] if last else [], last and last[1])
            print(("\n" if n else "") + render.sanitize(commands.run(state, question)), flush=True)
            if state.done:
                return
            continue
        reply = state.ask(question) if state is not None else chat.ask(question)
        last = question, reply
        if as_json:
            read = truncate(question)[0]  # what the advisor read: a cut line's notice says so
            print(json.dumps({"question": read, **reply.to_dict()}, ensure_ascii=False), flush=True)
        else:
            print(("\n" if n else "") + render.plain(reply, _width()), flush=True)


def run_check(path: str | None, strict: bool) -> int:
    """Print every problem of a knowledge directory, then a summary; 1 on errors (or warnings, if strict)."""
    from advisor.check import check as check_kb

    report = check_kb(path)
    for problem in report.problems:
        print(render.sanitize(problem.format()))
    warnings = f"{report.warnings} warning{'s' if report.warnings != 1 else ''}"
    if report.errors or (strict and report.warnings):
        errors = f"{report.errors} error{'s' if report.errors != 1 else ''}"
        print(f"advisor: error: {errors}, {warnings}{'' if report.errors else ' (--strict)'}", file=sys.stderr)
        return ExitStatus.ERROR
    print(f"ok: {report.intents} intents, {report.entities} entities" + (f", {warnings}" if report.warnings else ""))
    return ExitStatus.OK


def run(args: argparse.Namespace | SimpleNamespace) -> int:
    """Dispatch one parsed command line."""
    if args.command == "check":
        return run_check(args.path or args.kb, args.strict)
    advisor = load(args.kb)
    if args.command == "ask":
        stdin = args.question == ["-"]
        answer_lines(advisor, stdin_lines() if stdin else [" ".join(args.question)], args.json)
    elif args.command == "eval":
        from advisor import evaluate

        report = evaluate.run(advisor, evaluate.load_questions(args.files))
        print(report.format())
        if args.min is not None and report.accuracy < args.min:
            print(f"advisor: error: accuracy {report.accuracy:.1%} is below --min {args.min:.1%}", file=sys.stderr)
            return ExitStatus.ERROR
    elif args.command == "topics":
        from advisor.commands import topics_text

        print(render.to_text(render.plain_lines(topics_text(advisor), _width())))
    elif sys.stdin.isatty():
        from advisor.repl import run_repl

        return run_repl(advisor, color=render.use_color(args.no_color), vi=args.vi)
    else:
        answer_lines(advisor, stdin_lines(), as_json=False)
    return ExitStatus.OK


def entry() -> NoReturn:
    """The `advisor` command: main(), then an exit that skips the interpreter's teardown. Freeing the
    compiled knowledge object by object would take a third as long as a whole `advisor ask`; the
    output streams are flushed first, and nothing else is left open by then."""
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        status = status or ExitStatus.ERROR
    os._exit(status)


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run, and turn every failure into one line on stderr and an exit status."""
    args = parse(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    try:
        return run(args)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitStatus.ERROR
    except (AdvisorError, OSError) as exc:
        print(f"advisor: error: {render.sanitize(str(exc))}", file=sys.stderr)
        return ExitStatus.ERROR
    except Exception as exc:
        if os.environ.get("ADVISOR_DEBUG"):
            raise
        print(f"advisor: error: unexpected {type(exc).__name__}: {render.sanitize(str(exc))} "
              "(run with ADVISOR_DEBUG=1 for details)", file=sys.stderr)
        return ExitStatus.ERROR
