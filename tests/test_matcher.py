"""The matcher: typo repair, entities by alias, transparent scores, deterministic ranking."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.compose import explain
from advisor.knowledge import load
from advisor.matcher import CONTEXT_CUT, Matcher, _misspelt, _mistyped


def mentions(advisor, text: str) -> set[tuple[str, str]]:
    return {(m.entity, m.value) for m in advisor.matcher.analyse(text).mentions}


def test_typos_are_repaired_and_the_city_still_found(advisor):
    analysis = advisor.matcher.analyse("salery in londn")
    assert ("salery", "salary") in analysis.corrections
    assert ("city", "london") in {(m.entity, m.value) for m in analysis.mentions}
    assert advisor.matcher.rank("salery in londn").best.intent == "salary"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("kubernets", "kubernetes"), ("tensorflwo", "tensorflow"), ("bengalore", "bangalore"), ("sallary", "salary")],
)
def test_common_typos_are_read_as_the_word_meant(advisor, typed, meant):
    analysis = advisor.matcher.analyse(f"what about {typed}")
    fixed = dict(analysis.corrections)
    # either repaired as a word, or recognised directly as an entity alias with a typo
    assert fixed.get(typed) == meant or any(m.typed == typed for m in analysis.mentions), analysis


def test_known_words_are_never_corrected(advisor):
    assert advisor.matcher.analyse("salary of a data engineer in berlin").corrections == ()
    assert advisor.matcher.correct("salary") is None


@pytest.mark.parametrize(
    ("typed", "was_read_as"),
    [("barking", "banking"), ("suitable", "stable"), ("hiking", "hiring"), ("civic", "civil"),
     ("exercise", "expertise"), ("rusty", "rust"), ("techy", "tech")],
)
def test_a_real_word_is_not_repaired_into_another(advisor, typed, was_read_as):
    # one or two edits apart, but no keyboard or speller slip turns one into the other
    assert advisor.matcher.correct(typed) is None, was_read_as


@pytest.mark.parametrize(
    ("text", "typed", "meant", "intent"),
    [("what even is marching learning", "marching", "machine", "ml_definition"),
     ("data piracy for ml engineers", "piracy", "privacy", "skill_security"),
     ("is machine leaning hard to get into", "leaning", "learning", "entry_paths")],
)
def test_a_real_word_beside_a_set_phrase_is_read_as_the_phrase(advisor, text, typed, meant, intent):
    assert (typed, meant) in advisor.matcher.analyse(text).corrections
    assert advisor.matcher.rank(text).best.intent == intent


@pytest.mark.parametrize("text", ["marching band practice", "salty snacks for a drive", "is software piracy a crime"])
def test_a_real_word_beside_no_set_phrase_is_left_alone(advisor, text):
    assert advisor.matcher.analyse(text).corrections == ()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("salery", "salary"), ("enginer", "engineer"), ("begginers", "beginners"), ("definately", "definitely"),
     ("pyhton", "python"), ("mashine", "machine"), ("scientisr", "scientist")],
)
def test_slips_of_keyboard_and_spelling_are_repaired(advisor, typed, meant):
    assert advisor.matcher.correct(typed) == meant


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=12), st.data())
def test_one_slip_is_always_a_plausible_typo(word, data):
    i = data.draw(st.integers(0, len(word) - 1))
    assert _mistyped(word, word, 0)
    assert _mistyped(word[:i] + word[i + 1 :], word, 1)  # a letter left out
    assert _mistyped(word[:i] + word[i] + word[i:], word, 1)  # a letter typed twice
    if i + 1 < len(word):
        assert _mistyped(word[:i] + word[i + 1] + word[i] + word[i + 2 :], word, 1)  # two letters swapped


@pytest.mark.parametrize(
    ("typed", "was_read_as"),
    [("broad", "bread"), ("salty", "salary"), ("neutral", "neural"), ("instance", "insurance"),
     ("employees", "employers"), ("meat", "me at")],
)
def test_a_word_of_the_language_is_not_read_as_a_rarer_word_of_ours(advisor, typed, was_read_as):
    # one keyboard slip apart, but the English word list knows the typed word, and it is common
    assert advisor.matcher.correct(typed) is None, was_read_as


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("dose", "does"), ("manger", "manager"), ("sallery", "salary"), ("difrent", "different"), ("bild", "build"),
     ("werk", "work"), ("abot", "about"), ("linier", "linear"), ("clowd", "cloud"), ("inglish", "english"),
     ("actualy", "actually"), ("trak", "track"), ("sientist", "scientist")],
)
def test_a_word_no_one_writes_may_be_spelled_by_ear(advisor, typed, meant):
    # a rare real word a common one is mistyped as, or no English word: a speller's slips are repaired
    assert advisor.matcher.correct(typed) == meant


def test_without_a_word_list_only_keyboard_slips_are_repaired(tmp_path):
    (tmp_path / "kb.yaml").write_text(
        "settings: {language: none}\n"
        "intents:\n"
        "  - id: pay\n"
        "    examples: [what is the salary, how different is the salary]\n"
        "    answer: It depends.\n",
        encoding="utf-8",
    )
    matcher = Matcher(load(tmp_path))
    assert matcher.kb.settings.language is None
    assert matcher.correct("salery") == "salary"
    assert matcher.correct("sallery") is None
    assert matcher.correct("difrent") is None


@given(st.text(alphabet="bcdfghklmnprstvz", min_size=1, max_size=5), st.sampled_from("aeiou"), st.data())
def test_a_vowel_left_out_or_a_letter_doubled_is_spelling_by_ear(consonants, vowel, data):
    word = vowel.join(consonants) + vowel
    i = data.draw(st.integers(0, len(word) - 1))
    assert _misspelt(word, word, 0)
    assert _misspelt(word[:i] + word[i] + word[i:], word, 1)  # a letter typed twice
    if word[i] == vowel:
        assert _misspelt(word[:i] + word[i + 1 :], word, 1)  # a vowel left out
    if word[i] != vowel:
        assert not _misspelt(word[:i] + word[i + 1 :], word, 2)  # a sounded letter is not


@settings(deadline=None)  # the first word may read the language's word list
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=14))
def test_a_repair_is_always_into_the_knowledge_bases_words(advisor, word):
    fixed = advisor.matcher.correct(word)
    assert fixed is None or all(part in advisor.matcher._vocab for part in fixed.split())
    assert fixed != word


def test_short_words_are_not_guessed(advisor):
    # three letters are too few to tell a typo from another word, unless it is a little word mistyped
    assert advisor.matcher.correct("sal") is None
    assert advisor.matcher.correct("gpa") is None
    assert advisor.matcher.correct("teh") == "the"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("mlengineer", "ml engineer"), ("howmuch", "how much"), ("sanfransisco", "san francisco"),
     ("machinelearning", "machine learning"), ("confirm", None), ("timezone", None), ("fortnight", None)],
)
def test_words_run_together_are_parted_only_where_the_knowledge_base_has_the_pair(advisor, typed, meant):
    assert advisor.matcher.correct(typed) == meant


def test_a_question_typed_without_spaces_is_answered(advisor):
    analysis = advisor.matcher.analyse("mlengineer salary sanfransisco")
    assert {(m.entity, m.value) for m in analysis.mentions} >= {("role", "ml_engineer"), ("city", "sf_bay_area")}
    assert advisor.chat().ask("mlengineer salary sanfransisco").intent == "salary"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("helo", "hello"), ("byee", "bye"), ("waht", "what"), ("thak", "thank"), ("usig", "using"), ("lose", None),
     ("boom", None), ("mops", None), ("dept", None)],
)
def test_a_four_letter_slip_is_repaired_and_a_four_letter_word_left_alone(advisor, typed, meant):
    # a letter left out counts only in a word the language lacks ("mops" is a word) and not at the end: "dept" is
    # short for "department", not a slip for "depth"
    assert advisor.matcher.correct(typed) == meant


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [("what does an m l ops engineer do", "role", "mlops_engineer"), ("a w s or azure", "tool", "aws")],
)
def test_letters_typed_one_by_one_spell_the_word(advisor, text, entity, value):
    assert (entity, value) in mentions(advisor, text)


def test_single_letters_that_spell_nothing_stay_letters(advisor):
    assert advisor.matcher.analyse("r u a bot").corrections == ()
    assert advisor.chat().ask("r u a bot").intent == "about_bot"


def test_gibberish_is_not_corrected_into_a_topic(advisor):
    assert advisor.matcher.correct("xqzvwj") is None


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("ml salary in SF", "city", "sf_bay_area"),
        ("pay in the bay area", "city", "sf_bay_area"),
        ("what do they earn in bengaluru", "city", "bangalore"),
        ("salary in NYC", "city", "nyc"),
        ("is k8s needed", "tool", "kubernetes"),
        ("whats a junior ai develper paid in sydney", "role", "ml_engineer"),
        ("sklearn or pytorch", "tool", "scikit_learn"),
        ("sklearn or pytorch", "tool", "pytorch"),
        ("what does a jr earn", "level", "junior"),
        ("what does an MLE do", "role", "ml_engineer"),
        ("what does a machine learning engineer do", "role", "ml_engineer"),
        ("MLOps engineer stack", "role", "mlops_engineer"),
        ("data scientist tools", "role", "data_scientist"),
        ("i'm a QA engineer", "background", "tester"),
    ],
)
def test_entities_are_found_by_their_aliases(advisor, text, entity, value):
    assert (entity, value) in mentions(advisor, text)


@pytest.mark.parametrize(("text", "named"), [("is R worth learning", True), ("python or R?", True),
                                            ("r u a bot", False), ("what r the hard skills", False)])
def test_a_one_letter_alias_is_a_name_only_as_a_capital(advisor, text, named):
    assert (("tool", "r") in mentions(advisor, text)) is named


def test_texting_r_for_are_is_not_read_as_the_r_language(advisor):
    assert advisor.chat().ask("r u a bot").intent == "about_bot"


def test_an_entity_mention_remembers_what_was_typed(advisor):
    found = advisor.matcher.analyse("pay in Bengaluru").mentions
    assert [(m.entity, m.value, m.typed) for m in found] == [("city", "bangalore", "bengaluru")]


def test_a_question_without_entities_has_none(advisor):
    assert mentions(advisor, "what should I learn first") == set()


@pytest.mark.parametrize(
    "text",
    ["salery in londn", "what does a data engineer do", "should I learn pytorch", "hi", "write a poem about cats"],
)
def test_evidence_points_add_up_to_the_score(advisor, text):
    match = advisor.matcher.rank(text)
    assert match.candidates
    for candidate in match.candidates:
        shown = sum(points for _, points in candidate.evidence)
        # each point is rounded to 0.1 and points under 0.05 are left out
        tolerance = 0.1 + 0.05 * (len(candidate.evidence) + len(match.analysis.features))
        assert shown == pytest.approx(candidate.score, abs=tolerance), candidate


def test_evidence_names_the_features_of_the_question(advisor):
    match = advisor.matcher.rank("salary in london")
    features = set(match.analysis.features)
    assert {f for f, _ in match.best.evidence} <= features
    assert "@city" in features
    assert any(f == "@city" and p > 0 for f, p in match.best.evidence)


def test_candidates_are_ranked_best_first_and_limited(advisor):
    match = advisor.matcher.rank("what skills does a data engineer need", limit=3)
    scores = [c.score for c in match.candidates]
    assert scores == sorted(scores, reverse=True)
    assert 1 <= len(scores) <= 3
    assert len({c.intent for c in match.candidates}) == len(scores)


def test_stop_words_alone_match_nothing(advisor):
    match = advisor.matcher.rank("what is the")
    assert match.best is None or match.best.coverage == 0.0
    assert advisor.chat().ask("what is the").kind == "fallback"


QUESTIONS = [
    "salery in londn",
    "ml engineer vs data scientist",
    "what should I study before anything else",
    "how many years until I'm a team lead",
    "is kubernetes worth it",
    "cats",
]


def test_ranking_is_deterministic_across_builds(advisor):
    other = Matcher(advisor.kb)
    for text in QUESTIONS:
        assert other.rank(text) == advisor.matcher.rank(text), text


def test_ranking_does_not_depend_on_what_was_asked_before(advisor):
    fresh = Matcher(advisor.kb)
    before = [fresh.rank(q) for q in QUESTIONS]
    for q in reversed(QUESTIONS):
        fresh.rank(q)
    assert [fresh.rank(q) for q in QUESTIONS] == before


def test_no_question_word_is_unknown_when_it_is_in_the_examples(advisor):
    analysis = advisor.matcher.analyse("salary")
    assert analysis.unknown == ()
    assert "blorptastic" in advisor.matcher.analyse("blorptastic salary").unknown


def _coverage(advisor, text: str, intent: str) -> float:
    return next(c.coverage for c in advisor.matcher.rank(text, limit=50).candidates if c.intent == intent)


def test_a_word_every_topic_uses_does_not_count_against_an_intent(advisor):
    """'ml' is in the examples of most intents: unmatched, it says nothing about the question, so it never
    lowers an intent's coverage (matched, it raises it)."""
    assert "ml" in advisor.matcher._common
    with_ml = _coverage(advisor, "how long do people stay junior in ML", "career_map")
    assert with_ml >= _coverage(advisor, "how long do people stay junior", "career_map")
    assert _coverage(advisor, "how long do people stay junior in zookeeping", "career_map") < with_ml


def test_an_unknown_word_weighs_more_against_an_intent_than_a_known_one(advisor):
    known = _coverage(advisor, "salary skills", "salary")  # "skills": another topic's word
    unknown = _coverage(advisor, "salary zookeeping", "salary")
    assert unknown < known < 1.0


def test_words_only_decline_intents_use_count_more_than_unknown_ones(advisor):
    """"plumber" is known only from out-of-scope examples: it names a topic the advisor declines."""
    assert "plumber" in advisor.matcher._foreign
    assert _coverage(advisor, "salary zookeeping", "salary") == 0.5
    assert _coverage(advisor, "salary plumber", "salary") == pytest.approx(1 / 3)


def test_naming_another_kind_of_thing_counts_against_an_intent(advisor):
    """A background (another job) named in a salary question is a word the salary intent cannot place."""
    other_job = _coverage(advisor, "accountant salary in london", "salary")
    assert other_job < _coverage(advisor, "salary in london", "salary")
    assert advisor.chat().ask("accountant salary in london").kind == "fallback"


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("I live in Berlin, what is machine learning?", "ml_definition"),
        ("what tech stack does an ml engineer use in london", "role_stack"),
        ("im in bangalore, which cloud should i learn", "skill_cloud"),
        ("salary in london", "salary"),
        ("london?", "salary"),
        ("is pay higher in london or in berlin", "salary"),  # two cities compared on pay are the topic
        ("time difference between berlin and bangalore?", None),  # ... on time they are not
    ],
)
def test_a_city_narrows_an_answer_but_does_not_choose_it(advisor, question, intent):
    """The salary table's examples name cities, other intents' rarely do; a city beside another question
    must not turn it into a salary question, and a city alone still asks about its salary."""
    assert advisor.chat().ask(question).intent == intent


def test_context_points_taken_back_are_shown_and_add_up(advisor):
    """Without `context`, the city decides; with it, the points the city brings beyond the rest of the
    question are an evidence entry of their own, and the evidence still sums to the score."""
    kb = advisor.kb
    question = "I live in Berlin, what is machine learning?"
    plain = {**kb.entities, "city": replace(kb.entities["city"], context=False)}
    assert Matcher(replace(kb, entities=plain)).rank(question).best.intent == "salary"
    match = advisor.matcher.rank(question)
    salary = next(c for c in match.candidates if c.intent == "salary")
    assert dict(salary.evidence)[CONTEXT_CUT] < 0
    assert sum(p for _, p in salary.evidence) == pytest.approx(salary.score, abs=1.0)
    assert f"{CONTEXT_CUT} -" in explain(match, "salary").format()



def test_a_typo_in_one_example_is_not_what_other_words_are_repaired_into(tmp_path):
    (tmp_path / "kb.yaml").write_text(
        "intents:\n"
        "  - id: skip\n"
        "    examples: [what can i ingore at first, what can i skip]\n"
        "    answer: Skip the formulas and keep the practice.\n",
        encoding="utf-8",
    )
    matcher = Matcher(load(tmp_path))
    assert matcher.correct("ignore") is None  # "ingore" is one example's typo, not a word to repair into
    assert matcher.correct("formulsa") == "formulas"  # words of the answer are


def test_a_typo_that_several_examples_make_is_still_repaired(tmp_path):
    often = " ".join(["engineer"] * 60)  # the knowledge base writes "engineer" twenty times as often
    (tmp_path / "kb.yaml").write_text(
        "intents:\n"
        "  - id: role\n"
        f"    examples: [what does an enginer do, enginer tasks, is an enginer a coder, roadmaps, {often}]\n"
        "    answer: An engineer ships models.\n",
        encoding="utf-8",
    )
    matcher = Matcher(load(tmp_path))
    assert matcher.correct("enginer") == "engineer"  # three examples' typo is no word of the knowledge base
    assert matcher.correct("roadmaps") is None  # a word the language lacks, but no typo of a common word


def test_the_order_examples_are_written_in_changes_no_score(advisor):
    """Refinement takes the examples in an order of their own, so an author who sorts or moves examples
    (or adds one: then only answers near it move) does not reshuffle every other answer."""
    kb = advisor.kb
    reordered = replace(kb, intents=tuple(replace(i, examples=i.examples[::-1]) for i in reversed(kb.intents)))
    assert [i.id for i in reordered.intents] != [i.id for i in kb.intents]
    first, second = Matcher(kb), Matcher(reordered)
    questions = [example for intent in kb.intents for example in intent.examples[::40]]
    for question in questions:
        ours = {c.intent: c.score for c in first.rank(question, limit=3).candidates}
        theirs = {c.intent: c.score for c in second.rank(question, limit=3).candidates}
        assert ours == pytest.approx(theirs, abs=0.11), question


@pytest.mark.parametrize(
    ("question", "intent"),
    [("spark or hadoop?", "skill_data"), ("do i need hadoop", "tool_advice"), ("mle vs de", "role_compare")],
)
def test_two_values_of_one_kind_are_a_choice_between_them(advisor, question, intent):
    """One named tool asks about that tool; two of them ask to choose, which the skill blocks answer:
    the examples teach this through a feature of its own ("@tool+")."""
    assert advisor.chat().ask(question).intent == intent
    analysis = advisor.matcher.analyse(question)
    choice = any(f"@{m.entity}+" in analysis.features for m in analysis.mentions)
    assert choice == (" or " in question or " vs " in question)


@pytest.mark.parametrize("name", ["an MLE", "a machine learning engineer", "a prompt engineer", "an ML eng"])
def test_what_is_learnt_around_one_name_holds_for_every_name_of_its_type(advisor, name):
    """The examples ask "what does a data engineer do" in many ways; any role's name in the same frame
    asks the same ("<role> do" is a feature of its own), whichever alias is typed."""
    question = f"what does {name} do"
    assert "<role> do" in advisor.matcher.analyse(question).features
    assert advisor.chat().ask(question).intent == "role_tasks"


def test_a_city_is_not_a_frame(advisor):
    assert not any("<city>" in f for f in advisor.matcher.analyse("ml engineer salary in london").features)
