"""The evaluation question sets hold the line on accuracy, and `advisor eval` reports what it missed.

tests/questions/dev.yaml may be read while tuning; tests/questions/test.yaml is held out: it is only
ever loaded through advisor.evaluate, and only its figures are printed, never its questions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.errors import AdvisorError
from advisor.evaluate import DECLINED, EvalReport, Question, load_questions, run
from advisor.text import words

QUESTIONS = Path(__file__).resolve().parent / "questions"

# (in-scope accuracy, out-of-scope recall) each set must reach.
# bar: measured dev (2,643 questions, after its earlier questions became examples) 0.949 / 0.916 on
# 2026-11-28 (twelfth session), kept about 3 points below, rounded down: its out-of-scope part holds the
# 22 questions taken back out of the knowledge base because it answers them. Test's from 0.910, the
# lowest refit (seeds 0 to 3) seen in the seventh session.
BARS = {
    "dev.yaml": (0.91, 0.88),
    "test.yaml": (0.88, 0.92),
}


@pytest.fixture(scope="module")
def reports(advisor) -> dict[str, EvalReport]:
    return {name: run(advisor, load_questions([QUESTIONS / name])) for name in BARS}


def _figures(report: EvalReport) -> str:
    precision, recall = report.oos_precision_recall()
    return (
        f"questions {len(report.outcomes)}, in-scope accuracy {report.in_scope_accuracy:.3f}, "
        f"wrongly declined {report.wrongly_declined:.3f}, out-of-scope precision {precision:.3f} "
        f"recall {recall:.3f}, accuracy {report.accuracy:.3f}"
    )


@pytest.mark.parametrize("name", list(BARS))
def test_in_scope_accuracy_holds_the_bar(reports, name):
    report = reports[name]
    print(f"\n{name}: {_figures(report)}")
    if name == "dev.yaml":
        print(report.format())
    assert len(report.outcomes) >= 100
    assert report.in_scope_accuracy >= BARS[name][0], f"{name}: {_figures(report)}"


@pytest.mark.parametrize("name", list(BARS))
def test_out_of_scope_recall_holds_the_bar(reports, name):
    report = reports[name]
    _, recall = report.oos_precision_recall()
    assert any(o.question.out_of_scope for o in report.outcomes)
    assert recall >= BARS[name][1], f"{name}: {_figures(report)}"


# where the asker lives, said around a question the advisor answers rightly, and how many answers may
# change because of it: on the development set of 2026-11-27, 127 of 4,336 (0.029); before cities were
# context, 956 of 4,264 (0.224)
CITY_AROUND = (" in london", " in berlin", "I live in Bangalore. ", "i'm in nyc, ")
CITY_MOVES_AT_MOST = 0.05


def test_where_the_asker_lives_rarely_changes_the_answer(advisor, reports):
    right = [o.question for o in reports["dev.yaml"].outcomes if o.correct and o.question.intent]
    asked = [
        Question(q=f"{around}{q.q[0].lower()}{q.q[1:]}" if around.endswith(" ") else q.q.rstrip(" ?.!") + around,
                 intent=q.intent)
        for around in CITY_AROUND for q in right
    ]
    moved = [o.question.q for o in run(advisor, asked).outcomes if not o.correct]
    assert len(moved) <= CITY_MOVES_AT_MOST * len(asked), moved[:20]


def _examples(advisor) -> set[tuple[str, ...]]:
    """The knowledge base's examples word for word, as the matcher reads them (case and punctuation aside)."""
    return {tuple(words(e)) for i in advisor.kb.intents for e in i.examples}


def test_no_test_question_is_an_example_of_the_knowledge_base(advisor):
    examples = _examples(advisor)
    copied = sum(tuple(words(q.q)) in examples for q in load_questions([QUESTIONS / "test.yaml"]))
    assert copied == 0, f"{copied} held-out questions are knowledge-base examples (not shown: the set is held out)"


def test_no_development_question_is_an_example_of_the_knowledge_base(advisor):
    examples = _examples(advisor)
    copied = [q.q for q in load_questions([QUESTIONS / "dev.yaml"]) if tuple(words(q.q)) in examples]
    assert not copied, copied[:10]


def test_every_labelled_intent_exists(advisor, reports):
    known = {i.id for i in advisor.kb.intents}
    for name, report in reports.items():
        unknown = {o.question.intent for o in report.outcomes if o.question.intent} - known
        assert not unknown, f"{name} names intents the knowledge base lacks: {sorted(unknown)}"


# ------------------------------------------------------------------------------ the report

SMALL = """\
questions:
  - q: how much does a junior earn in london
    intent: salary
  - q: salary in berlin
    expect: ["€100,000"]
  - q: what does a data engineer do
    intent: salary
  - q: tell me a joke
    out_of_scope: true
  - q: salary in bangalore
    out_of_scope: true
"""


@pytest.fixture
def small_report(advisor, tmp_path) -> EvalReport:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return run(advisor, load_questions([path]))


def test_report_counts_right_and_wrong(small_report):
    correct = [o.correct for o in small_report.outcomes]
    assert correct == [True, True, False, True, False]
    assert small_report.in_scope_accuracy == pytest.approx(2 / 3)
    assert small_report.oos_precision_recall() == (1.0, 0.5)
    assert small_report.accuracy == pytest.approx(3 / 5)


def test_report_format_shows_per_intent_lines_and_misses(small_report):
    text = small_report.format()
    lines = text.splitlines()
    assert re.match(r"intent\s+precision\s+recall\s+n", lines[0])
    assert any(re.match(r"salary\s+0\.\d\d\s+0\.50\s+2$", line) for line in lines), text
    assert "misses (2):" in text
    assert "small.yaml#3 'what does a data engineer do': wanted salary, got role_tasks (answer)" in text
    assert "small.yaml#5 'salary in bangalore': wanted out of scope, got salary (answer)" in text
    assert "in-scope accuracy: 0.667" in text
    assert "out-of-scope precision: 1.000  recall: 0.500" in text
    assert lines[-1] == "accuracy: 0.600"


def test_report_without_misses_says_so_by_omission(advisor, tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("questions:\n  - q: salary in berlin\n    intent: salary\n", encoding="utf-8")
    text = run(advisor, load_questions([path])).format()
    assert "misses" not in text
    assert "accuracy: 1.000" in text


def test_a_declined_question_is_shown_as_declined(advisor, tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("questions:\n  - q: tell me a joke\n    intent: salary\n", encoding="utf-8")
    report = run(advisor, load_questions([path]))
    assert report.outcomes[0].predicted == DECLINED
    assert report.wrongly_declined == 1.0
    assert f"got {DECLINED} (fallback)" in report.format()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("questions: {q: x}\n", "expected a list under 'questions:'"),
        ("questions:\n  - intent: salary\n", "question 1 needs a 'q:' text"),
        ("questions:\n  - q: salary\n", "question 1 needs 'intent', 'expect' or 'out_of_scope: true'"),
        ("questions: [unclosed\n", "cannot read question file"),
    ],
)
def test_malformed_question_file_names_itself(tmp_path, content, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AdvisorError) as info:
        load_questions([path])
    assert str(info.value).startswith(f"{path}: ")
    assert fragment in str(info.value)
