"""The knowledge format: the shipped knowledge base is complete, another one makes another bot,
and every broken file is reported as file:line:column with a message an author can act on."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from advisor import Advisor
from advisor.errors import KnowledgeError
from advisor.knowledge import MAX_DEPTH, MAX_FILE_BYTES, fields, load

DATA = Path(__file__).resolve().parent / "data"

LOCATED = re.compile(r"^(?P<path>.+\.ya?ml):(?P<line>\d+):(?P<column>\d+): (?P<message>.+)$", re.S)

# --------------------------------------------------------------------------------- the shipped base


def test_shipped_knowledge_base_loads(advisor):
    kb = advisor.kb
    assert len(kb.intents) >= 30
    assert {"role", "level", "city", "tool"} <= set(kb.entities)


def test_every_answer_intent_has_title_answer_and_source(advisor):
    for intent in advisor.kb.intents:
        assert intent.title and intent.answer, intent.id
        assert intent.examples, f"{intent.id}: no example questions"
        if intent.kind == "answer":
            assert intent.source, f"{intent.id}: an answer must name the section it comes from"
        else:
            assert intent.kind in ("smalltalk", "decline"), intent.id


def test_intent_ids_are_unique(advisor):
    ids = [i.id for i in advisor.kb.intents]
    assert len(ids) == len(set(ids))


def test_every_slot_entity_exists_and_its_template_can_be_filled(advisor):
    kb = advisor.kb
    for intent in kb.intents:
        for slot in intent.slots:
            assert slot.entity in kb.entities, f"{intent.id}: slot {slot.entity!r} is not an entity type"
            values = kb.entities[slot.entity].values
            known = {"name"} | {fact for v in values for fact in v.facts}
            # a template that no value can fill would always answer with `missing`
            assert fields(slot.template) <= known, f"{intent.id}: {fields(slot.template) - known}"
            assert any(fields(slot.template) <= {"name", *v.facts} for v in values), intent.id
            assert fields(slot.missing) <= {"name"}, f"{intent.id}: `missing` may only use {{name}}"
            for label, fact in slot.compare:
                assert fact in known, f"{intent.id}: compare {label!r} uses unknown fact {fact!r}"


def test_entity_aliases_are_lower_case_and_include_the_name(advisor):
    for etype in advisor.kb.entities.values():
        for value in etype.values:
            assert value.name.casefold() in value.aliases
            assert all(a == a.casefold() for a in value.aliases), value.id


def test_the_knowledge_base_is_read_only(advisor):
    kb = advisor.kb
    with pytest.raises(FrozenInstanceError):
        kb.intents = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        kb.entities["city"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        kb.entities["city"].values[0].facts["salary"] = "$1"  # type: ignore[index]


# --------------------------------------------------------------------------------- another base


def test_a_second_knowledge_base_makes_a_bot_about_something_else(cooking):
    chat = cooking.chat()
    reply = chat.ask("how many minutes should eggs boil")
    assert (reply.kind, reply.intent) == ("answer", "cooking_time")
    assert "10 minutes" in reply.text
    assert reply.sources == ("The Little Kitchen Book, chapter 2",)
    follow = chat.ask("and rice?")
    assert "18 minutes" in follow.text
    assert cooking.chat().ask("which oven temperature for a loaf of bread").intent == "oven_temperature"
    assert cooking.chat().ask("hello").kind == "smalltalk"


def test_the_second_base_knows_nothing_about_ml(cooking):
    reply = cooking.chat().ask("how much does an ML engineer earn in London")
    assert reply.kind == "fallback"
    assert "£" not in reply.text


def test_the_second_base_says_what_it_lacks(cooking):
    reply = cooking.chat().ask("cooking time of sushi")
    assert reply.intent == "cooking_time"
    assert "no cooking time for Sushi" in reply.text


def test_topics_of_the_second_base(cooking):
    topics = cooking.topics()
    assert {t.name: {e.id for e in t.intents} for t in topics} == {
        "Kitchen": {"cooking_time", "knife_skills", "oven_temperature"},
        "Drinks": {"tea", "coffee"},
    }


def test_a_single_yaml_file_is_a_knowledge_base(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("intents:\n  - id: hi\n    examples: [hello]\n    answer: Hello there.\n", encoding="utf-8")
    assert Advisor(path).chat().ask("hello").text == "Hello there."


# --------------------------------------------------------------------------------- broken files

VALID = "intents:\n  - id: hello\n    examples: [hello there]\n    answer: Hi.\n"
# an intent whose answer asks PyYAML to run a shell command; {marker} is a file the command would create
EXPLOIT = VALID + '  - id: x\n    examples: [a]\n    answer: !!python/object/apply:os.system ["touch {marker}"]\n'

# name -> (files, file the error names, line, column, message fragment)
BROKEN: dict[str, tuple[dict[str, str | bytes], str, int, int, str]] = {
    "yaml syntax error": (
        {"a.yaml": "intents:\n  - id: x\n    answer: hi: there\n    examples: [a]\n"},
        "a.yaml", 3, 15, "mapping values are not allowed",
    ),
    "bad indentation": (
        {"a.yaml": "intents:\n  - id: x\n    answer: hi\n   examples: [a]\n"},
        "a.yaml", 4, 4, "did not find expected '-' indicator",
    ),
    "unknown key": (
        {"a.yaml": "intents:\n  - id: x\n    exmaples: [hello]\n    answer: hi\n"},
        "a.yaml", 3, 0, "intent 'x': unknown key 'exmaples' (did you mean 'examples'?)",
    ),
    "unknown top-level key": (
        {"a.yaml": "intent:\n  - id: x\n"},
        "a.yaml", 1, 0, "unknown key 'intent' (did you mean 'intents'?)",
    ),
    "missing answer": (
        {"a.yaml": "intents:\n  - id: x\n    examples: [hello]\n"},
        "a.yaml", 2, 5, "intent 'x': 'answer' is missing or empty",
    ),
    "duplicate intent id across files": (
        {"a.yaml": VALID, "b.yaml": "# second file\n\n" + VALID.replace("Hi.", "Hello.")},
        "b.yaml", 4, 0, "intent id 'hello' is already used in a.yaml:2",
    ),
    "slot with an undefined entity": (
        {
            "a.yaml": "entities:\n  city:\n    values: [{id: paris}]\n"
            "intents:\n  - id: x\n    examples: [hello]\n    answer: hi\n"
            "    slots:\n      - entity: cty\n        template: \"{name}\"\n"
        },
        "a.yaml", 9, 0, "slot entity 'cty' is not defined (did you mean 'city'?)",
    ),
    "not utf-8": (
        {"a.yaml": b"intents:\n  - id: x\n    examples: [caf\xe9]\n    answer: hi\n"},
        "a.yaml", 3, 19, "not valid UTF-8",
    ),
    "python tag": (
        {"a.yaml": EXPLOIT},
        "a.yaml", 7, 13, "could not determine a constructor",
    ),
    "bare 'on' read as a boolean": (
        {"a.yaml": "settings:\n  stop_words: [a, on]\n" + VALID},
        "a.yaml", 2, 19, "every item of 'stop_words' must be text (YAML reads yes, no, on, off",
    ),
    "a list instead of a mapping": (
        {"a.yaml": "- id: x\n- id: y\n"},
        "a.yaml", 1, 1, "must be a mapping",
    ),
    "two settings": (
        {"a.yaml": "settings: {answer_threshold: 30}\n" + VALID, "b.yaml": "settings: {clarify_margin: 3}\n"},
        "b.yaml", 1, 0, "settings: already given in a.yaml",
    ),
    "threshold out of range": (
        {"a.yaml": "settings: {answer_threshold: 300}\n" + VALID},
        "a.yaml", 1, 0, "'answer_threshold' must be a number from 0 to 100",
    ),
    "a language no word list is shipped for": (
        {"a.yaml": "settings:\n  language: klingon\n" + VALID},
        "a.yaml", 2, 13, "no word list for language 'klingon' (there are: en,",
    ),
    "context that is not true or false": (
        {"a.yaml": "entities:\n  city:\n    context: sometimes\n    values: [{id: paris}]\n" + VALID},
        "a.yaml", 3, 14, "entity type 'city': 'context' must be true or false",
    ),
    "bad intent kind": (
        {"a.yaml": VALID + "    kind: chitchat\n"},
        "a.yaml", 5, 0, "kind must be 'answer', 'smalltalk' or 'decline'",
    ),
}


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (root / name).write_bytes(content)
        else:
            (root / name).write_text(content.replace("{marker}", str(root / "PWNED")), encoding="utf-8")
    return root


def _located(exc: KnowledgeError) -> re.Match[str]:
    found = LOCATED.match(str(exc))
    assert found, f"not file:line:column: {exc}"
    return found


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_file_is_located(tmp_path, case):
    files, name, line, column, fragment = BROKEN[case]
    root = _write(tmp_path / "kb", files)
    with pytest.raises(KnowledgeError) as info:
        load(root)
    where = _located(info.value)
    assert Path(where["path"]) == root / name
    assert int(where["line"]) == line, str(info.value)
    if column:
        assert int(where["column"]) == column, str(info.value)
    assert fragment in where["message"]
    assert not (root / "PWNED").exists()


def test_unknown_key_with_a_block_value_points_at_the_key(tmp_path):
    root = _write(tmp_path / "kb", {"a.yaml": "intents:\n  - id: x\n    answer: hi\n    exmaples:\n      - hello\n"})
    with pytest.raises(KnowledgeError) as info:
        load(root)
    where = _located(info.value)
    assert "unknown key 'exmaples'" in where["message"]
    assert (int(where["line"]), int(where["column"])) == (4, 5)


def test_python_tags_are_never_executed(tmp_path):
    marker = tmp_path / "executed"
    root = _write(
        tmp_path / "kb",
        {"a.yaml": EXPLOIT.replace("{marker}", str(marker))},
    )
    with pytest.raises(KnowledgeError):
        load(root)
    assert not marker.exists()


def test_anchors_and_aliases_are_refused(tmp_path):
    # the start of a "billion laughs" document: each line multiplies the one before
    text = (
        "intents:\n"
        "  - id: x\n"
        "    examples: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        "    answer: hi\n"
        "  - id: y\n"
        "    examples: *a\n"
        "    answer: ho\n"
    )
    root = _write(tmp_path / "kb", {"a.yaml": text})
    with pytest.raises(KnowledgeError) as info:
        load(root)
    where = _located(info.value)
    assert "anchors and aliases" in where["message"]
    assert int(where["line"]) == 6


def test_deeply_nested_file_is_an_error_not_a_crash(tmp_path):
    depth = 500
    text = VALID + "    more: " + "[" * depth + "x" + "]" * depth + "\n"
    root = _write(tmp_path / "kb", {"a.yaml": text})
    with pytest.raises(KnowledgeError) as info:
        load(root)
    assert str(root / "a.yaml") in str(info.value)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 300])
def test_nesting_deeper_than_the_limit_is_refused_with_its_location(tmp_path, depth):
    text = VALID + "    more: " + "[" * depth + "x" + "]" * depth + "\n"
    root = _write(tmp_path / "kb", {"a.yaml": text})
    with pytest.raises(KnowledgeError) as info:
        load(root)
    where = _located(info.value)
    assert f"nesting deeper than {MAX_DEPTH} levels" in where["message"]
    assert int(where["line"]) == 5


def test_nesting_within_the_limit_is_fine(tmp_path):
    # settings -> stop_words -> list: three levels
    root = _write(tmp_path / "kb", {"a.yaml": "settings:\n  stop_words: [a, the]\n" + VALID})
    assert load(root).settings.stop_words == {"a", "the"}


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path):
    root = _write(tmp_path / "kb", {"a.yaml": VALID + "#" * MAX_FILE_BYTES + "\n"})
    with pytest.raises(KnowledgeError) as info:
        load(root)
    message = str(info.value)
    assert message.startswith(str(root / "a.yaml") + ": ")
    assert "the limit is 2,000,000" in message


def test_empty_directory_is_refused(tmp_path):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "notes.txt").write_text("not yaml", encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load(tmp_path / "kb")
    assert str(info.value) == f"{tmp_path / 'kb'}: no .yaml files in this directory"


def test_files_without_intents_are_refused(tmp_path):
    root = _write(tmp_path / "kb", {"a.yaml": "synonyms:\n  pay: [salary]\n", "b.yaml": ""})
    with pytest.raises(KnowledgeError, match="no intents"):
        load(root)


def test_missing_directory_is_refused(tmp_path):
    with pytest.raises(KnowledgeError, match="no such knowledge directory"):
        Advisor(tmp_path / "nowhere")


def test_shipped_examples_of_broken_files_are_all_refused():
    """tests/data/broken/*.yaml: each file starts with `# expect: <fragment>`."""
    broken = sorted((DATA / "broken").glob("*.yaml"))
    assert broken
    for path in broken:
        expected = path.read_text(encoding="utf-8", errors="replace").splitlines()[0].removeprefix("# expect: ")
        with pytest.raises(KnowledgeError) as info:
            load(path)
        assert expected in str(info.value), f"{path.name}: {info.value}"
        _located(info.value)
