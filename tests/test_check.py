"""`advisor check`: every error of a knowledge directory at once, and the warnings that running the
matcher over the knowledge base itself turns up, each as file:line:column."""

from __future__ import annotations

from pathlib import Path

from advisor import cli
from advisor.check import Problem, check

COOKING = Path(__file__).resolve().parent / "data" / "cooking"

# Loads, but makes the bot answer the wrong thing or ignore something. Line numbers matter below.
OVERLAPS = """\
settings:
  stop_words: [a, the, how, to, do, i, of, is]
intents:
  - id: tea
    examples:
      - how to brew tea
      - green tea temperature
      - coffee of the day
    keywords:
      the: 2
    answer: Steep it.
  - id: coffee
    examples:
      - coffee of the day
      - coffee beans
      - grind coffee
      - how much coffee per cup
      - the
    answer: Grind it.
  - id: cake
    examples: [how do I bake a cake]
    answer: Bake it.
    slots:
      - entity: dish
        template: "{name}: {time} at {heat}"
        compare:
          Time: time
          Heat: heat
entities:
  dish:
    values: [{id: sponge, name: Sponge, facts: {time: 30 min}}]
"""

OVERLAP_WARNINGS = [
    (10, 7, "intent 'tea': keyword 'the' is only stop words: it never adds weight"),
    (14, 9, "intent 'coffee': its example 'coffee of the day' is matched to 'tea'"),
    (14, 9, "intents 'tea' and 'coffee' have near-identical examples: 'coffee of the day' and 'coffee of the day' "
            "(a.yaml:8), similarity 100%"),
    (18, 9, "intent 'coffee': example 'the' is only stop words: it can never match"),
    (25, 19, "intent 'cake': the slot's template uses {heat}, which no value of 'dish' has"),
    (28, 11, "intent 'cake': compare 'Heat' uses the fact 'heat', which no value of 'dish' has"),
]

# Seven mistakes in two files; the loader stopped at the first, `check` names them all.
BROKEN = {
    "a.yaml": """\
intents:
  - id: hello
    exmaples: [hello there]
    answer: Hi.
  - id: bad id
    examples: [x]
    answer: X.
  - id: salary
    examples: [how much]
    kind: chitchat
    answer: ""
    slots:
      - entity: cty
        template: "{name}"
""",
    "b.yaml": """\
entities:
  city:
    values:
      - {id: paris, facts: [not, a, mapping]}
intents:
  - id: hello
    examples: [hi]
    answer: Hello.
    answer: Hello again.
""",
}

BROKEN_ERRORS = [
    ("a.yaml", 3, 5, "intent 'hello': unknown key 'exmaples' (did you mean 'examples'?)"),
    ("a.yaml", 5, 9, "intent 'bad id': ids use letters, digits and _"),
    ("a.yaml", 8, 5, "intent 'salary': 'answer' is missing or empty"),
    ("a.yaml", 10, 11, "intent 'salary': kind must be 'answer', 'smalltalk' or 'decline'"),
    ("a.yaml", 13, 17, "intent 'salary': slot entity 'cty' is not defined (did you mean 'city'?)"),
    ("b.yaml", 4, 28, "entity type 'city' value 'paris': 'facts' must be a mapping"),
    ("b.yaml", 6, 9, "intent id 'hello' is already used in a.yaml:2"),
    ("b.yaml", 9, 5, "duplicate key 'answer'"),
]


def _write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_shipped_knowledge_base_has_no_errors_and_no_warnings():
    report = check()
    assert [p.format() for p in report.problems] == []
    assert report.intents >= 30 and report.entities >= 30


def test_the_cooking_base_is_clean():
    assert check(COOKING).problems == ()


def test_every_error_in_every_file_is_reported_at_once(tmp_path):
    root = _write(tmp_path / "kb", BROKEN)
    report = check(root)
    found = [(Path(p.path).name, p.line, p.column, p.message) for p in report.problems]
    assert found == BROKEN_ERRORS
    assert {p.severity for p in report.problems} == {"error"}


def test_overlaps_are_warnings_at_the_line_to_fix(tmp_path):
    root = _write(tmp_path / "kb", {"a.yaml": OVERLAPS})
    report = check(root)
    assert report.errors == 0
    found = [(p.line, p.column, p.message) for p in report.problems]
    assert len(found) == len(OVERLAP_WARNINGS), found
    for (line, column, message), expected in zip(found, OVERLAP_WARNINGS):
        assert (line, column) == expected[:2], message
        assert message.startswith(expected[2]), message
    lines = OVERLAPS.splitlines()
    assert "coffee of the day" in lines[14 - 1] and "- the" in lines[18 - 1]


def test_the_matcher_warnings_wait_for_the_errors_to_be_fixed(tmp_path):
    root = _write(tmp_path / "kb", {"a.yaml": OVERLAPS + "    kind: chitchat\n"})  # now 'dish' has a bad key
    messages = [(p.severity, p.message) for p in check(root).problems]
    assert messages[0][0] == "error"
    assert not any("matched to" in m or "stop words" in m for _, m in messages)
    assert any("near-identical" in m for _, m in messages)  # needs no matcher
    assert any("{heat}" in m for _, m in messages)


ROLES = """\
intents:
  - id: work
    examples: [what does an ml engineer do, what does an ml engineer do all day]
    answer: Models.
  - id: platform
    examples: [what does an mlops engineer do, what does ml engineer do all day]
    answer: Pipelines.
entities:
  role:
    values: [{id: mle, name: ml engineer}, {id: mlops, name: mlops engineer}]
"""


def test_examples_that_name_different_values_are_not_near_identical(tmp_path):
    root = _write(tmp_path / "kb", {"a.yaml": ROLES})
    near = [p.message for p in check(root).problems if "near-identical" in p.message]
    assert near == ["intents 'work' and 'platform' have near-identical examples: 'what does ml engineer do all "
                    "day' and 'what does an ml engineer do all day' (a.yaml:3), similarity 95%"]


def test_an_alias_that_names_two_values_is_a_warning_at_the_second(tmp_path):
    root = _write(tmp_path / "kb", {"a.yaml": """\
intents:
  - id: pay
    examples: [salary in warsaw]
    answer: Some.
entities:
  city:
    values:
      - {id: warsaw, name: Warsaw, aliases: [warsaw, poland]}
      - {id: poland, name: Poland, aliases: [Poland]}
"""})
    shared = [(p.line, p.message) for p in check(root).problems if "also names" in p.message]
    assert shared == [(9, "entity 'city': alias 'poland' of 'poland' also names 'warsaw'")]


def test_a_problem_reads_like_a_compiler_message():
    assert Problem("warning", "kb/a.yaml", 3, 7, "x").format() == "kb/a.yaml:3:7: warning: x"
    assert Problem("error", "kb", 0, 0, "no intents").format() == "kb: error: no intents"


# ------------------------------------------------------------------------------ the command


def test_check_prints_warnings_and_passes(tmp_path, capsys):
    root = _write(tmp_path / "kb", {"a.yaml": OVERLAPS})
    assert cli.main(["check", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{root / 'a.yaml'}:10:7: warning: intent 'tea': keyword 'the'")
    assert out[-1] == f"ok: 3 intents, 1 entities, {len(OVERLAP_WARNINGS)} warnings"


def test_strict_makes_warnings_fail(tmp_path, capsys):
    root = _write(tmp_path / "kb", {"a.yaml": OVERLAPS})
    assert cli.main(["check", "--strict", str(root)]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == len(OVERLAP_WARNINGS)
    assert captured.err == f"advisor: error: 0 errors, {len(OVERLAP_WARNINGS)} warnings (--strict)\n"


def test_check_lists_every_error_and_fails(tmp_path, capsys):
    root = _write(tmp_path / "kb", BROKEN)
    assert cli.main(["--kb", str(root), "check"]) == 1
    captured = capsys.readouterr()
    expected = [f"{root / name}:{line}:{column}: error: {message}" for name, line, column, message in BROKEN_ERRORS]
    assert captured.out.splitlines() == expected
    assert captured.err == f"advisor: error: {len(BROKEN_ERRORS)} errors, 0 warnings\n"


def test_check_never_prints_what_a_file_smuggles_in(tmp_path, capsys):
    root = _write(tmp_path / "kb", {"a.yaml": 'intents:\n  - id: x\n    "\\e]0;pwned\\a": 1\n    answer: hi\n'})
    assert cli.main(["check", str(root)]) == 1
    captured = capsys.readouterr()
    assert "unknown key" in captured.out
    assert "\x1b" not in captured.out + captured.err and "\x07" not in captured.out + captured.err
