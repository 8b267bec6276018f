"""Hostile input and hostile knowledge files: nothing crashes, hangs, runs code or reaches the terminal raw.

- tests/data/hostile/: knowledge files written to hurt (code tags, alias bombs, binary, UTF-16...), each
  with the exact message expected (tests/data/hostile/expected.yaml); very large ones are made here.
- Property tests: random mutations of the shipped knowledge files are loaded or refused with a
  located KnowledgeError, nothing else; `chat.ask` answers any text, and any sequence of turns.

HYPOTHESIS_PROFILE=long runs 25 times as many examples as CI (5,000 per property instead of 200; the
conversations, up to 8 turns each, half as many).
`pytest tests/test_hostile.py --hypothesis-show-statistics` prints how many were tried and how they ended.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from advisor import Reply, render
from advisor.check import check
from advisor.errors import KnowledgeError
from advisor.knowledge import MAX_DEPTH, MAX_FILE_BYTES, load, shipped_path
from advisor.text import MAX_INPUT_CHARS

TESTS = Path(__file__).resolve().parent
HOSTILE = TESTS / "data" / "hostile"
COOKING = TESTS / "data" / "cooking"
EXPECTED: dict[str, str] = yaml.safe_load((HOSTILE / "expected.yaml").read_text(encoding="utf-8"))["cases"]
MARKER = "hostile-marker-executed"  # the file the code in the python_* files would create

KINDS = {"answer", "clarify", "fallback", "smalltalk"}
CRASHED = "something went wrong"  # what Chat.ask says when it caught an exception
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # escape, control characters: all but tab and newline

EXAMPLES = 5000 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 200
PROPERTY = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CONVERSATIONS = settings(PROPERTY, max_examples=EXAMPLES // 2)  # up to 8 turns each

VALID = "intents:\n  - id: hello\n    examples: [hello there]\n    answer: Hi.\n"

# ------------------------------------------------------------------------------ the corpus


def test_every_hostile_file_has_an_expected_message():
    present = {p.name for p in HOSTILE.iterdir()} - {"expected.yaml"}
    assert present == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_gives_the_expected_message(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the python_* files would create their marker
    expected = EXPECTED[name]
    if expected == "loads":
        assert load(HOSTILE / name).intents[0].answer == "Hi."
    else:
        with pytest.raises(KnowledgeError) as info:
            load(HOSTILE / name)
        assert str(info.value) == f"{HOSTILE}/{expected}"
        assert not UNSAFE.search(str(info.value))
    assert not (tmp_path / MARKER).exists()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_reports_the_same_first_error(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    errors = [p for p in check(HOSTILE / name).problems if p.severity == "error"]
    if EXPECTED[name] == "loads":
        assert errors == []
    else:
        first = KnowledgeError(errors[0].path, errors[0].message, errors[0].line, errors[0].column)
        assert f"{HOSTILE}/{EXPECTED[name]}".startswith(str(first))
    assert not (tmp_path / MARKER).exists()


def test_a_file_of_300_mb_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(300_000_000)  # sparse: no disk used
    with pytest.raises(KnowledgeError) as info:
        load(path)
    assert str(info.value) == f"{path}: file is 300,000,000 bytes; the limit is {MAX_FILE_BYTES:,}"


DEEPER = f"nesting deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID + "    more: " + "[" * 100 + "]" * 100 + "\n", f"5:38: {DEEPER}"),  # 3 levels in, then 28 more
        # libyaml looks ahead in flow collections and stops at its own limit, 1,000 levels
        (VALID + "    more: " + "[" * 10_000 + "]" * 10_000 + "\n",
         "5:1008: while increasing flow level exceeded maximum nesting depth"),
        ("- " * 10_000 + "x\n", f"1:{2 * MAX_DEPTH + 1}: {DEEPER}"),
        ("a:\n" + "".join("  " * n + "b:\n" for n in range(1, 200)), f"{MAX_DEPTH + 1}:{2 * MAX_DEPTH + 1}: {DEEPER}"),
    ],
    ids=["flow 100 deep", "flow 10,000 deep", "block sequence 10,000 deep", "block mapping 200 deep"],
)
def test_deep_nesting_is_refused_where_it_passes_the_limit(tmp_path, text, expected):
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load(path)
    assert str(info.value) == f"{path}:{expected}"


def test_a_long_line_under_the_size_limit_loads(tmp_path):
    answer = "word " * ((MAX_FILE_BYTES - 200) // 5)
    path = tmp_path / "long.yaml"
    path.write_text(VALID.replace("Hi.", answer), encoding="utf-8")
    assert load(path).intents[0].answer == answer.strip()


def test_things_that_are_not_files_are_skipped(tmp_path):
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "folder.yaml").mkdir()
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it would wait for a writer forever
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    assert [i.id for i in load(tmp_path).intents] == ["hello"]


# ------------------------------------------------------------------------------ mutated knowledge files

SOURCES = [(None, p) for p in sorted(shipped_path().glob("*.yaml"))] + [
    (COOKING, p) for p in sorted(COOKING.glob("*.yaml"))
]
TOKENS = [b"*a", b"&a ", b"!!python/name:os.system ", b"[", b"{", b"]", b"~", b"yes", b".nan", b"2024-13-45",
          b"!!binary ", b"? ", b"<<: *a", b"---\n", b"%YAML 1.1\n", b"\t", b"\x00", b"\xff", b"\xef\xbb\xbf",
          b"|", b">", b"'", b'"', b"- ", b": ", b"#", b"!", b"{name}", b"9" * 5000, b"\r\n", b"\\"]
KEYS = [b"id", b"answer", b"examples", b"keywords", b"slots", b"entity", b"template", b"values", b"facts",
        b"aliases", b"intents", b"entities", b"settings", b"synonyms", b"stop_words", b"kind", b"compare",
        b"exmaples", b"1", b"null", b"true", b"? x", b"[a]"]
KEY = re.compile(rb"^(\s*-?\s*)([\w\"']+):")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Path | None, str, bytes]:
    """A shipped (or cooking) knowledge file with one to four lines deleted, duplicated, swapped,
    re-indented, cut, given random bytes or a YAML token, or a key replaced by another."""
    base, path = draw(st.sampled_from(SOURCES))
    lines = path.read_bytes().split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[i] if lines else b""
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "bytes", "token", "key", "cut"]))
        if not lines:
            lines = [b""]
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], line
        elif op == "indent":
            shift = draw(st.integers(-4, 4))
            lines[i] = b" " * shift + line if shift > 0 else line[min(-shift, len(line) - len(line.lstrip())):]
        elif op in ("bytes", "token"):
            at = draw(st.integers(0, len(line)))
            insert = draw(st.binary(min_size=1, max_size=6) if op == "bytes" else st.sampled_from(TOKENS))
            lines[i] = line[:at] + insert + line[at:]
        elif op == "key":
            lines[i] = KEY.sub(lambda m: m.group(1) + draw(st.sampled_from(KEYS)) + b":", line, count=1)
        else:
            lines = lines[:i]
    return base, path.name, b"\n".join(lines)


@PROPERTY
@given(mutated())
def test_a_mutated_knowledge_file_loads_or_is_refused_with_a_location(case):
    base, name, data = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for other in base.glob("*.yaml") if base else ():  # the cooking base whole; a shipped file alone
            (root / other.name).write_bytes(other.read_bytes())
        (root / name).write_bytes(data)
        try:
            load(root)
        except KnowledgeError as exc:
            assert exc.path == str(root) or exc.path.startswith(f"{root}/"), str(exc)
            assert exc.line >= 1 or exc.path == str(root), str(exc)  # only the whole base has no line
            assert str(exc).startswith(f"{exc.path}:{exc.line}:{exc.column}: " if exc.line else f"{exc.path}: ")
            event("refused with a location" if exc.line else "refused: " + exc.message.split(":")[0])
            report = check(root)
            assert report.errors and report.problems[0].message in exc.message
            assert not any(UNSAFE.search(p.format()) for p in report.problems), report.problems
        else:
            event("loaded")
            assert check(root).errors == 0


# ------------------------------------------------------------------------------ hostile questions


def assert_safe(reply: Reply) -> None:
    """A well-formed reply that would print nothing raw: no escapes, controls or lone surrogates."""
    assert isinstance(reply, Reply)
    assert reply.kind in KINDS
    assert reply.text and CRASHED not in reply.text
    shown = [reply.text, reply.notice or "", reply.explain.format() if reply.explain else "", render.plain(reply, 80)]
    for text in shown:
        text.encode("utf-8")
        assert not UNSAFE.search(text), repr(text)
    json.dumps(reply.to_dict(), ensure_ascii=False).encode("utf-8")


PIECES = [
    "\x00", "\x1b[2J", "\x1b]0;pwned\x07", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "\x1bP1$r\x1b\\", "\x9b31m",
    "\r", "\b", "\x7f", "\u202e", "\u200f", "\u2066", "\u200b", "\ufeff", "\u2028", "\ud800", "\udfff",
    "\U0001f469\u200d\U0001f4bb", "\U0001f1ec\U0001f1e7", "\U0001f4b0", "e\u0301", "\ufdfa", "\U0001d54a\U0001d552",
    "مرحبا", "שלום", "工程师", "١٢", "%s%n", "{name}", "{0}", "$(touch x)", "'; --", "../../etc/passwd",
    "salary", "london", "ML engineer", "what does", "1", "the second one", "why?", " ", "\t", "\n",
]
HOSTILE_TEXT = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.text(max_size=12),
        st.characters(categories=("Cs", "Cc", "Cf", "Mn", "Zl", "Zp", "So")),
        st.tuples(st.sampled_from(PIECES), st.integers(1, 3000)).map(lambda t: t[0] * t[1]),
    ),
    max_size=30,
).map("".join)


@PROPERTY
@given(HOSTILE_TEXT)
def test_ask_answers_any_hostile_text(advisor, text):
    reply = advisor.chat().ask(text)
    assert_safe(reply)
    if len(text) > MAX_INPUT_CHARS:
        assert reply.notice and f"{MAX_INPUT_CHARS:,}" in reply.notice
    event("cut" if len(text) > MAX_INPUT_CHARS else reply.kind)


@CONVERSATIONS
@given(st.lists(st.one_of(HOSTILE_TEXT, st.sampled_from(PIECES)), min_size=1, max_size=8), st.booleans())
def test_any_sequence_of_hostile_turns(advisor, cooking, turns, on_cooking):
    chat = (cooking if on_cooking else advisor).chat()
    for text in turns:
        assert_safe(chat.ask(text))
        assert not UNSAFE.search(chat.context.describe())


BIG = {
    "1 MB on one line": "how much does an ML engineer earn in London " * 23_000,
    "the same word 10,000 times": "salary " * 10_000,
    "one word of 1 MB": "a" * 1_000_000,
    "1 MB of NUL": "\x00" * 1_000_000,
    "lone surrogates": "\ud800\udc00\udfff" * 1_000 + " salary",
    "ANSI escapes only": "\x1b[31m\x1b]0;title\x07\x1b[2J" * 500,
    "escapes around words": "\x1b[1msalary\x1b[0m in \x1b]0;x\x07london",
    "right to left": "\u202emodnol ni yralas\u202c مرحبا بالعالم שלום עולם",
    "emoji": "\U0001f469\u200d\U0001f4bb\U0001f4b0\U0001f1ec\U0001f1e7 " * 400,
    "combining marks": "s\u0301a\u0301l\u0301a\u0301r\u0301y\u0301 " * 200,
    "one character": "x",
    "whitespace only": " \t\u3000\u2028\n" * 300,
    "digits of other scripts": "١٢٣ ४५६ ๗๘๙ " * 200,
    "format strings": "{name} {salary} %s %n {0!r} ${HOME}",
}


@pytest.mark.parametrize("name", list(BIG))
def test_ask_on_named_hostile_input(advisor, name):
    text = BIG[name]
    reply = advisor.chat().ask(text)
    assert_safe(reply)
    assert (reply.notice is not None) == (len(text) > MAX_INPUT_CHARS)
