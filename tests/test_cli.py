"""The command line as a person or a script uses it: `python -m advisor ...` in a subprocess."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import advisor
from advisor import cli

ROOT = Path(advisor.__file__).resolve().parent.parent
MLOPS = "what does an MLOps engineer do"


def run(*args: str, stdin: bytes | str = b"", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "", **(env or {})}
    return subprocess.run([sys.executable, "-m", "advisor", *args], input=data, capture_output=True, check=False,
                          cwd=ROOT, env=environ, timeout=60)


COOKING = Path(__file__).resolve().parent / "data" / "cooking"  # a knowledge base about something else


def test_ask_answers_a_question():
    result = run("ask", MLOPS)
    assert result.returncode == 0, result.stderr
    assert "mlops" in result.stdout.decode().lower()
    assert b"\x1b" not in result.stdout


def test_ask_json_has_every_field():
    result = run("ask", "--json", MLOPS)
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "answer", "kind", "intent", "score", "sources"}
    assert data["question"] == MLOPS
    assert data["kind"] == "answer"
    assert isinstance(data["sources"], list) and data["sources"]


def test_ask_json_stdin_prints_json_lines():
    result = run("ask", "--json", "-", stdin=f"{MLOPS}\n\nhow much do they earn\n")
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [row["question"] for row in rows] == [MLOPS, "how much do they earn"]


def test_stdin_questions_are_one_conversation(monkeypatch, capsys):
    chats = []
    real_chat = advisor.Advisor.chat
    monkeypatch.setattr(advisor.Advisor, "chat", lambda self: chats.append(1) or real_chat(self))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{MLOPS}\nhow much do they earn\n".encode())))
    assert cli.main(["ask", "--json", "-"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert chats == [1]


def test_piped_stdin_answers_each_line_and_survives_bad_utf8():
    result = run(stdin=f"{MLOPS}\nhi \xff\n".encode("latin-1"))
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    first = run("ask", MLOPS).stdout.decode()
    assert out.startswith(first + "\n") and len(out) > len(first) + 2  # a blank line, then the second
    assert b"\x1b" not in result.stdout


@pytest.mark.parametrize("args", [["--kb", str(COOKING), "ask"], ["ask", "--kb", str(COOKING)]])
def test_kb_before_or_after_the_command(args):
    result = run(*args, "--json", "how long do I boil an egg")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intent"] == "cooking_time"


@pytest.mark.parametrize("where", ["before", "after"])
def test_missing_kb_is_one_line_error(tmp_path, where):
    kb = ["--kb", str(tmp_path / "nowhere")]
    result = run(*([*kb, "ask", "hi"] if where == "before" else ["ask", *kb, "hi"]))
    assert result.returncode == 1
    assert result.stderr.decode().startswith("advisor: error:")
    assert b"Traceback" not in result.stderr


def test_bad_flag_is_usage_error():
    result = run("--no-such-flag")
    assert result.returncode == 2
    assert b"usage:" in result.stderr


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.decode().startswith("advisor ")


def test_eval_min_sets_exit_status(tmp_path):
    questions = tmp_path / "q.yaml"
    questions.write_text(f'questions:\n  - q: "hi"\n    intent: greeting\n  - q: "{MLOPS}"\n    intent: greeting\n')
    low, high = run("eval", str(questions), "--min", "0.1"), run("eval", str(questions), "--min", "0.9")
    assert low.returncode == 0, low.stderr
    assert low.stdout.strip()
    assert high.returncode == 1
    assert b"below --min" in high.stderr


def test_eval_missing_file_is_an_error(tmp_path):
    result = run("eval", str(tmp_path / "missing.yaml"))
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr


def test_topics_lists_examples(capsys):
    assert cli.main(["topics"]) == 0
    out = capsys.readouterr().out
    assert 'e.g. "' in out
    assert len(out.splitlines()) > 3


def test_check_reports_counts(capsys):
    assert cli.main(["check", str(COOKING)]) == 0
    assert re.fullmatch(r"ok: \d+ intents, \d+ entities\n", capsys.readouterr().out)


def test_check_bad_path(tmp_path, capsys):
    assert cli.main(["check", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().err.startswith("advisor: error:")


def test_ctrl_c_exits_130(monkeypatch):
    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load", interrupted)
    assert cli.main(["ask", "hi"]) == 130


def test_unexpected_error_is_one_line(monkeypatch, capsys):
    def broken(path):
        raise ValueError("boom")

    monkeypatch.setattr(cli, "load", broken)
    assert cli.main(["ask", "hi"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("advisor: error:") and "boom" in err and len(err.splitlines()) == 1


def test_ask_and_pipes_do_not_import_prompt_toolkit():
    code = ("import sys; from advisor import cli; cli.main(['ask', 'hi']); cli.main([]); "
            "sys.exit('prompt_toolkit' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], input=b"hi\n", cwd=ROOT, capture_output=True,
                            timeout=60, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(b"\n") >= 2


def test_a_plain_question_imports_only_what_it_needs(tmp_path):
    """A start from the compiled cache: no argparse (the quick parse), yaml (nothing to read) or
    rapidfuzz (no typo to repair)."""
    code = ("import sys; from advisor import cli; cli.main(['ask', 'what does an MLOps engineer do']); "
            "print(sorted({'argparse', 'yaml', 'rapidfuzz'} & set(sys.modules)))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path)}
    for _ in range(2):  # the first start compiles and fills the cache
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60,
                                check=True, env=env)
    assert result.stdout.decode().splitlines()[-1] == "[]"


@pytest.mark.parametrize("argv", [[], ["ask", "hi"], ["ask", "what", "is", "MLOps?"], ["ask", ""], ["ask", "é"]])
def test_quick_parse_agrees_with_the_parser(argv):
    quick, full = vars(cli.parse(argv)), vars(cli.build_parser().parse_args(argv))
    assert {k: quick[k] for k in full if k != "version"} == {k: v for k, v in full.items() if k != "version"}


@pytest.mark.parametrize("argv", [["ask"], ["ask", "-"], ["ask", "--json", "hi"], ["ask", "hi", "--kb", "x"],
                                  ["--no-color"], ["topics"], ["ask", "-h"]])
def test_anything_else_goes_to_the_parser(argv, monkeypatch):
    parsed = SimpleNamespace()
    monkeypatch.setattr(cli, "build_parser", lambda: SimpleNamespace(parse_args=lambda args: parsed))
    assert cli.parse(argv) is parsed


# ------------------------------------------------------------------------------ broken knowledge, hostile stdin

BROKEN_KB = {
    "a.yaml": "intents:\n  - id: x\n    exmaples: [hello]\n    answer: hi\n",
    "b.yaml": "intents:\n  - id: y\n    examples: [hello]\n",
}


@pytest.mark.parametrize(
    "command",
    [[], ["ask", "hi"], ["ask", "--json", "-"], ["eval", "QUESTIONS"], ["topics"], ["check"]],
    ids=["piped", "ask", "ask --json -", "eval", "topics", "check"],
)
def test_every_command_refuses_a_broken_knowledge_base_alike(tmp_path, command):
    kb = tmp_path / "kb"
    kb.mkdir()
    for name, text in BROKEN_KB.items():
        (kb / name).write_text(text, encoding="utf-8")
    questions = tmp_path / "q.yaml"
    questions.write_text('questions:\n  - {q: "hi", intent: x}\n', encoding="utf-8")
    command = [str(questions) if arg == "QUESTIONS" else arg for arg in command]
    result = run("--kb", str(kb), *command, stdin="hi\n")
    first = f"{kb / 'a.yaml'}:3:5: intent 'x': unknown key 'exmaples' (did you mean 'examples'?)"
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    if command == ["check"]:
        assert result.stdout.decode().splitlines() == [
            first.replace(":3:5: ", ":3:5: error: "),
            f"{kb / 'b.yaml'}:2:5: error: intent 'y': 'answer' is missing or empty",
        ]
        assert result.stderr == b"advisor: error: 2 errors, 0 warnings\n"
    else:
        assert result.stdout == b""
        more = "(and 1 more problem: `advisor check` lists them all)"
        assert result.stderr.decode() == f"advisor: error: {first} {more}\n"


def test_ask_json_stdin_survives_invalid_utf8_and_escape_sequences():
    stdin = b"salary in london \xff\xfe\n\x1b]0;pwned\x07\x1b[2Jwhat does an MLOps engineer do\n\xc3\x00\n"
    result = run("ask", "--json", "-", stdin=stdin)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == 3
    assert rows[0]["question"].endswith("\ufffd\ufffd") and rows[0]["intent"] == "salary"
    assert rows[1]["kind"] == "answer" and "mlops" in rows[1]["answer"].lower()
    assert {row["kind"] for row in rows} <= {"answer", "clarify", "fallback", "smalltalk"}
    assert b"\x1b" not in result.stdout and b"\x07" not in result.stdout  # escaped in JSON, never raw


@pytest.mark.parametrize("args", [[], ["ask", "--json", "-"]], ids=["piped", "ask --json -"])
def test_stdin_closed_mid_line_still_answers_the_last_line(args):
    stdin = f"{MLOPS}\nhow much do they earn \u20ac".encode()[:-1]  # no newline, and half a euro sign
    result = run(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    if args:
        rows = [json.loads(line) for line in out.splitlines()]
        assert [row["question"] for row in rows] == [MLOPS, "how much do they earn \ufffd"]
        assert rows[1]["intent"] == "salary"
    else:
        assert out.count("Source") == 2, out
    assert b"Traceback" not in result.stderr


def test_ask_json_carries_options_notice_and_explanation():
    long = (MLOPS + "? ") * 40
    result = run("ask", "--json", "-", stdin=f"{long}\nwrite me a poem\n")
    cut, declined = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(cut["question"]) == 1000 and "cut to 1,000 characters" in cut["notice"]
    assert cut["explain"]["intent"] == cut["intent"]
    assert declined["kind"] == "fallback" and declined["notice"] is None
    assert declined["options"] == declined["options"][:3]


def test_piped_input_runs_slash_commands():
    result = run(stdin="salary in berlin\n/why\n/context\n/quit\nhello\n")
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "intent: salary" in out and "city: Berlin" in out
    assert "Hi!" not in out, "/quit ends the session"
