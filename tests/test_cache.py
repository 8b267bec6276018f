"""The compiled-knowledge cache: a second start reads what the first compiled, any change to the files
compiles again, and a damaged or unwritable cache costs time, never a wrong answer or an error."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor import Advisor, cache
from advisor.errors import KnowledgeError
from advisor.knowledge import load
from advisor.matcher import Matcher

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
QUESTIONS = TESTS / "questions"

COOKING_QUESTIONS = ["how long do I boil an egg", "best tea for the evening", "cats", "how to make coffee", "hi"]


class Counting(Matcher):
    """A Matcher that counts how often it is compiled (from_state does not count)."""

    compiled = 0

    def __init__(self, *args, **kwargs) -> None:
        type(self).compiled += 1
        super().__init__(*args, **kwargs)


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    """An empty cache directory for this test only; the Matcher is counted."""
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    Counting.compiled = 0
    monkeypatch.setattr(cache, "Matcher", Counting)
    return home


@pytest.fixture
def kb_copy(tmp_path) -> Path:
    """A copy of the cooking knowledge base that a test may edit."""
    return Path(shutil.copytree(DATA / "cooking", tmp_path / "cooking"))


def answers(advisor: Advisor, questions: list[str]) -> list[tuple[str, str | None, str]]:
    return [(r.kind, r.intent, r.text) for r in (advisor.chat().ask(q) for q in questions)]


def cache_file(home: Path) -> Path:
    (found,) = (home / "advisor").glob("*.json")
    return found


def rewrite(path: Path, change) -> None:
    """Apply `change` to the parsed body of a cache file and store it with a check that fits again,
    as only deliberate tampering (not damage) would."""
    head, _, body = path.read_bytes().partition(b"\n")
    content = json.loads(body)
    change(content)
    body = json.dumps(content).encode()
    header = json.loads(head) | {"crc32": cache._checksum(body)}
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)


def test_second_start_reads_the_cache_and_answers_the_same(cache_home, kb_copy):
    first = Advisor(kb_copy)
    assert Counting.compiled == 1
    second = Advisor(kb_copy)
    assert Counting.compiled == 1, "the second start compiled again"
    assert answers(second, COOKING_QUESTIONS) == answers(first, COOKING_QUESTIONS)
    assert second.kb == first.kb


def test_cache_file_is_private_json(cache_home, kb_copy):
    Advisor(kb_copy)
    path = cache_file(cache_home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((cache_home / "advisor").stat().st_mode) == 0o700
    head, _, body = path.read_bytes().partition(b"\n")
    assert json.loads(head)["format"] == cache.FORMAT
    assert set(json.loads(body)) == {"kb", "matcher"}
    assert not list((cache_home / "advisor").glob(".*.tmp")), "a temporary file was left behind"


def test_editing_a_knowledge_file_compiles_again(cache_home, kb_copy):
    Advisor(kb_copy)
    file = kb_copy / "kitchen.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["intents"][0]["answer"] = "A freshly edited answer."
    file.write_text(yaml.safe_dump(data), encoding="utf-8")
    edited = Advisor(kb_copy)
    assert Counting.compiled == 2
    assert edited.kb.intent(data["intents"][0]["id"]).answer == "A freshly edited answer."
    Advisor(kb_copy)
    assert Counting.compiled == 2, "the edited files were not cached in turn"


def test_adding_or_removing_a_file_compiles_again(cache_home, kb_copy):
    Advisor(kb_copy)
    (kb_copy / "zz_more.yaml").write_text("synonyms:\n  coffee: [joe]\n", encoding="utf-8")
    assert Advisor(kb_copy).kb.synonyms["joe"] == "coffee"
    (kb_copy / "zz_more.yaml").unlink()
    assert "joe" not in Advisor(kb_copy).kb.synonyms
    assert Counting.compiled == 3


def test_the_same_files_elsewhere_are_another_knowledge_base(cache_home, kb_copy, tmp_path):
    Advisor(kb_copy)
    other = Path(shutil.copytree(kb_copy, tmp_path / "elsewhere"))
    assert Advisor(other).kb.path == str(other)
    assert Counting.compiled == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],
        lambda b: b[:-1],
        lambda b: b"",
        lambda b: b"\x00" * 64,
        lambda b: b.replace(b'"kb"', b'"kB"', 1),
        lambda b: b[:-200] + bytes([b[-200] ^ 1]) + b[-199:],
    ],
    ids=["half", "last byte cut", "empty", "zeros", "key renamed", "one bit flipped"],
)
def test_damaged_cache_file_is_ignored(cache_home, kb_copy, damage):
    expected = answers(Advisor(kb_copy), COOKING_QUESTIONS)
    path = cache_file(cache_home)
    path.write_bytes(damage(path.read_bytes()))
    again = Advisor(kb_copy)
    assert Counting.compiled == 2
    assert answers(again, COOKING_QUESTIONS) == expected
    Advisor(kb_copy)
    assert Counting.compiled == 2, "the damaged file was not replaced by a good one"


WRONG_TYPES = {
    "intent id a number": lambda c: c["kb"]["intents"][0].update(id=7),
    "examples a string": lambda c: c["kb"]["intents"][0].update(examples="boil an egg"),
    "missing field": lambda c: c["kb"]["intents"][0].pop("answer"),
    "extra field": lambda c: c["kb"]["intents"][0].update(colour="red"),
    "threshold a bool": lambda c: c["kb"]["settings"].update(answer_threshold=True),
    "weights a string": lambda c: c["matcher"]["table"].__setitem__(3, "0.5"),
    "weights not base64": lambda c: c["matcher"]["table"].__setitem__(3, {"$f8": "@@@@"}),
    "scale null": lambda c: c["matcher"].update(scale=None),
    "idf infinite": lambda c: c["matcher"].update(unknown_idf=1e400),
    "index out of range": lambda c: c["matcher"]["table"].__setitem__(2, [10**6] * len(_unpacked(c, 2))),
    "intents reordered": lambda c: c["kb"]["intents"].reverse(),
    "not a mapping": lambda c: c.update(matcher=[]),
}


def _unpacked(content: dict, part: int) -> list:
    return cache.unpack(content["matcher"]["table"][part])


@pytest.mark.parametrize("change", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_cache_file_of_wrong_shape_is_ignored_even_with_a_fitting_check(cache_home, kb_copy, change):
    expected = answers(Advisor(kb_copy), COOKING_QUESTIONS)
    rewrite(cache_file(cache_home), change)
    again = Advisor(kb_copy)
    assert Counting.compiled == 2, "a malformed cache file was trusted"
    assert answers(again, COOKING_QUESTIONS) == expected


def test_cache_file_for_other_files_is_not_used(cache_home, kb_copy, tmp_path):
    Advisor(kb_copy)
    stale = cache_file(cache_home).read_bytes()
    (kb_copy / "kitchen.yaml").write_text((kb_copy / "kitchen.yaml").read_text() + "\n# edited\n")
    Advisor(kb_copy)
    cache_file(cache_home).write_bytes(stale)
    Advisor(kb_copy)
    assert Counting.compiled == 3


@pytest.mark.parametrize("blocker", ["file in the way", "cache home is a file"])
def test_unwritable_cache_directory_still_answers(tmp_path, monkeypatch, kb_copy, blocker):
    home = tmp_path / "xdg-cache"
    if blocker == "file in the way":
        home.mkdir()
        (home / "advisor").write_text("not a directory")
    else:
        home.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    first, second = Advisor(kb_copy), Advisor(kb_copy)
    assert answers(first, COOKING_QUESTIONS) == answers(second, COOKING_QUESTIONS)


def test_missing_cache_directory_is_made(tmp_path, monkeypatch, kb_copy):
    home = tmp_path / "not" / "yet" / "there"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    Advisor(kb_copy)
    assert len(list((home / "advisor").glob("*.json"))) == 1


def test_only_the_most_recently_used_cache_files_are_kept(cache_home, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 3)
    folders = [Path(shutil.copytree(DATA / "cooking", tmp_path / f"kb{n}")) for n in range(5)]
    for n, folder in enumerate(folders):
        Advisor(folder)
        os.utime(cache_file_for(cache_home, folder), (n, n))
        Advisor(folders[0])  # used again: kept
    kept = sorted((cache_home / "advisor").glob("*.json"))
    assert len(kept) == 3
    assert cache_file_for(cache_home, folders[0]) in kept
    assert cache_file_for(cache_home, folders[4]) in kept


def cache_file_for(home: Path, folder: Path) -> Path:
    return home / "advisor" / f"{cache._digest(os.fsencode(folder))[:32]}.json"


def test_cache_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "advisor"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "advisor"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "advisor"


def test_a_knowledge_error_is_still_reported(cache_home, tmp_path):
    broken = Path(shutil.copytree(DATA / "broken", tmp_path / "broken"))
    with pytest.raises(KnowledgeError):
        Advisor(broken)
    assert not (cache_home / "advisor").exists() or not list((cache_home / "advisor").glob("*.json"))


@pytest.mark.parametrize("folder", [None, DATA / "cooking"], ids=["shipped", "cooking"])
def test_knowledge_base_round_trips_exactly(folder):
    kb = load(folder)
    again = cache.decode(type(kb), json.loads(json.dumps(cache.encode(kb))))
    assert again == kb
    assert _types(again) == _types(kb), "a field came back as another type (tuple, mapping, int or float)"


def _types(value) -> list[str]:
    """The type of every value in a dataclass tree, in order."""
    out = [type(value).__name__]
    if hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            out += _types(getattr(value, name))
    elif isinstance(value, tuple | list | frozenset):
        for item in sorted(value, key=repr) if isinstance(value, frozenset) else value:
            out += _types(item)
    elif hasattr(value, "items"):
        for key, item in value.items():
            out += [key, *_types(item)]
    return out


def test_matcher_state_round_trips_exactly(advisor):
    matcher = advisor.matcher
    state = json.loads(json.dumps(cache.pack(matcher.to_state())))
    restored = Matcher.from_state(advisor.kb, cache.unpack(state))
    assert set(vars(restored)) == set(vars(matcher)), "to_state/from_state miss an attribute of Matcher"
    questions = [q["q"] for q in yaml.safe_load((QUESTIONS / "dev.yaml").read_text())["questions"]]
    for question in questions:
        assert restored.rank(question) == matcher.rank(question), question


def test_matcher_state_is_refused_for_another_knowledge_base(advisor, cooking):
    with pytest.raises(ValueError):
        Matcher.from_state(cooking.kb, advisor.matcher.to_state())


def _leaves(value, path=()):
    """Every (path, leaf value) of a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _leaves(item, (*path, n))
    else:
        yield path, value


def _kind(value) -> str:
    return "number" if type(value) in (int, float) else type(value).__name__


OTHER_VALUES = [7, 2.5, "x", True, [], {}, [1.5], {"$f8": ""}]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_leaf_of_another_type_makes_the_cache_a_miss(tmp_path_factory, data):
    home = tmp_path_factory.mktemp("xdg")
    kb_dir = Path(shutil.copytree(DATA / "cooking", tmp_path_factory.mktemp("kb") / "cooking"))
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(home)
    try:
        expected = answers(Advisor(kb_dir), COOKING_QUESTIONS)
        path = cache_file(home)
        content = json.loads(path.read_bytes().partition(b"\n")[2])
        leaves = list(_leaves(content))
        where, value = data.draw(st.sampled_from(leaves))
        other = data.draw(st.sampled_from([v for v in OTHER_VALUES if _kind(v) != _kind(value)]))

        def change(doc):
            for key in where[:-1]:
                doc = doc[key]
            doc[where[-1]] = other

        rewrite(path, change)
        assert cache.read(path, json.loads(path.read_bytes().partition(b"\n")[0])["key"]) is None
        assert answers(Advisor(kb_dir), COOKING_QUESTIONS) == expected
    finally:
        if old is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = old


@settings(max_examples=40, deadline=None)
@given(junk=st.binary(max_size=2000))
def test_arbitrary_bytes_as_cache_file_are_a_miss(tmp_path_factory, junk):
    slot = tmp_path_factory.mktemp("slot") / "x.json"
    slot.write_bytes(junk)
    assert cache.read(slot, "0" * 64) is None


@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=cache.PACK_MIN, max_size=40))
def test_long_int_lists_pack_small_when_they_fit_and_come_back_the_same(numbers):
    packed = cache.pack(numbers)
    small = all(-(2**15) <= n < 2**15 for n in numbers)
    assert set(packed) == ({"$i2"} if small else {"$i8"})
    assert cache.unpack(json.loads(json.dumps(packed))).tolist() == numbers
