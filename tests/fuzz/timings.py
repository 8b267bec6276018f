"""How long hostile input takes: chat.ask on the worst questions, the loader on the worst files.

The tests assert that nothing crashes or hangs, never a time; this script prints the times.
    python tests/fuzz/timings.py [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import string
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from advisor import Advisor
from advisor.check import check
from advisor.errors import KnowledgeError
from advisor.knowledge import MAX_FILE_BYTES, load

TESTS = Path(__file__).resolve().parent.parent

QUESTIONS: dict[str, Callable[[random.Random], str]] = {
    "a normal question": lambda r: "how much does a junior ML engineer earn in London",
    "1 MB on one line": lambda r: "how much does an ML engineer earn in London " * 23_000,
    "the same word 10,000 times": lambda r: "salary " * 10_000,
    "one word of 1 MB": lambda r: "a" * 1_000_000,
    "1 MB of NUL": lambda r: "\x00" * 1_000_000,
    "lone surrogates": lambda r: "\ud800\udc00\udfff" * 1_000,
    "ANSI escapes": lambda r: "\x1b[31m\x1b]0;title\x07\x1b[2J" * 500,
    "emoji": lambda r: "\U0001f469\u200d\U0001f4bb\U0001f4b0 " * 400,
    "combining marks": lambda r: "s\u0301a\u0301l\u0301a\u0301r\u0301y\u0301 " * 200,
    # the slowest path: every word unknown and new, so each one is looked up for a typo
    "1,000 chars of new unknown words": lambda r: " ".join(
        "".join(r.choice(string.ascii_lowercase) for _ in range(r.randint(4, 9))) for _ in range(150)
    )[:1000],
}


def _files(tmp: Path) -> dict[str, Path]:
    valid = "intents:\n  - id: hello\n    examples: [hello there]\n    answer: Hi.\n"
    made = {
        "300 MB (sparse)": ("huge.yaml", None),
        "nesting 10,000 deep": ("deep.yaml", "- " * 10_000 + "x\n"),
        "1.9 MB answer on one line": ("long.yaml", valid.replace("Hi.", "word " * ((MAX_FILE_BYTES - 200) // 5))),
        # no stop words, and every example shares its words with every other intent: the matcher's worst
        "1.9 MB of look-alike intents (18,000)": ("many.yaml", "intents:\n" + "".join(
            f"  - id: i{n}\n    examples: [how do I do thing {n}, what about item {n} today]\n"
            f"    answer: Answer {n}.\n" for n in range(18_000))),
    }
    paths = {}
    for name, (file, text) in made.items():
        path = tmp / file
        if text is None:
            with path.open("wb") as stream:
                stream.truncate(300_000_000)
        else:
            path.write_text(text, encoding="utf-8")
        paths[name] = path
    for path in sorted((TESTS / "data" / "hostile").glob("*.yaml")):
        if path.name != "expected.yaml":
            paths[f"hostile/{path.name}"] = path
    return paths


def _time(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _row(name: str, times: list[float]) -> str:
    return f"{name:<40} {statistics.median(times):9.2f} {max(times):9.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(0)
    advisor = Advisor()
    print(f"{'chat.ask (fresh chat each run)':<40} {'median ms':>9} {'max ms':>9}")
    for name, make in QUESTIONS.items():
        texts = [make(rng) for _ in range(args.runs)]
        it = iter(texts)
        print(_row(name, _time(lambda it=it: advisor.chat().ask(next(it)), args.runs)))

    def attempt(path: Path) -> None:
        with contextlib.suppress(KnowledgeError):
            load(path)

    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp))
        print(f"\n{'load (refused or loaded)':<40} {'median ms':>9} {'max ms':>9}")
        for name, path in files.items():
            print(_row(name, _time(lambda path=path: attempt(path), max(3, args.runs // 4))))
        many = files["1.9 MB of look-alike intents (18,000)"]
        print(f"\n{'the largest knowledge base, once':<40} {'ms':>9}")
        print(_row("Advisor() (load + compile)", _time(lambda: Advisor(many), 1)))
        print(_row("advisor check", _time(lambda: check(many), 1)))


if __name__ == "__main__":
    main()
