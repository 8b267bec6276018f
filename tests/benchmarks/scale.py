"""How the engine's cost grows with the knowledge base: synthetic bases of 100, 1,000 and 10,000 intents.

Each base is generated (seeded, so every run builds the same one) like an encyclopedia would be: a few
thousand topics (invented words, some of two words, with spelling variants), each asked about in a
few of forty aspects (cost, how to learn it, its history...) phrased in many ways, entity types
(cities, levels, tools) named in some questions and filled in by slots, keywords, answers, and
smalltalk. The held-out questions are new phrasings (some with typos) of a sample of the intents,
plus questions about nothing in the base.

Every size runs in a fresh process, so the memory figure (peak RSS) is that size's alone, once with
an empty compiled cache (the first start) and once with the cache it left (every later start).

    python tests/benchmarks/scale.py [--sizes 100 1000 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

SEED = 7
INTENTS_PER_FILE = 500
QUESTIONS = 600
ONSETS = [
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "ch", "cl",
    "dr", "fl", "gr", "pl", "pr", "sh", "st", "tr", "th"
]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ou"]
CODAS = ["", "", "", "n", "r", "l", "s", "t", "m", "nd", "rk", "st", "x", "ng"]
ENDINGS = ["", "", "", "", "ing", "er", "ion", "ity", "ment", "ness", "al", "ics"]
FILLER = [
    "really", "actually", "quickly", "exactly", "basically", "usually", "properly", "today", "tomorrow", "now",
    "again", "still", "just", "also", "maybe", "please", "honestly", "roughly", "generally", "typically", "mostly",
    "simply"
]
STOP_WORDS = [
    "a", "an", "the", "this", "that", "these", "those", "some", "any", "my", "me", "i", "you", "your", "we", "our",
    "it", "its", "is", "are", "was", "be", "been", "am", "do", "does", "did", "to", "of", "in", "on", "for", "with",
    "at", "by", "from", "about", "as", "into", "and", "or", "but", "so", "if", "then", "there", "here", "what",
    "which", "who", "whom", "how", "when", "where", "why", "can", "could", "should", "would", "will", "shall",
    "may", "might", "must", "have", "has", "had", "get", "got", "tell", "know", "want", "like", "there's", "it's",
    "im", "id", "ive", "please", "just", "really", "actually", "also", "still", "now", "again", "today", "tomorrow",
    "maybe"
]
ASPECTS: dict[str, list[str]] = {
    "define": ["what is {t}", "what does {t} mean", "explain {t}", "{t} meaning", "define {t}",
               "tell me about {t}", "what exactly is {t}", "{t} in simple words"],
    "cost": ["how much does {t} cost", "price of {t}", "is {t} expensive", "{t} cost", "what do people pay for {t}",
             "cheapest {t}", "{t} price range", "can i afford {t}"],
    "learn": ["how do i learn {t}", "best way to study {t}", "where to start with {t}", "learning {t} from scratch",
              "{t} course recommendations", "how long to learn {t}", "teach me {t}", "{t} for beginners"],
    "history": ["history of {t}", "who invented {t}", "when did {t} start", "origin of {t}", "{t} timeline",
                "how old is {t}", "where does {t} come from"],
    "compare": ["{t} vs {u}", "difference between {t} and {u}", "{t} or {u}", "compare {t} with {u}",
                "is {t} better than {u}", "{t} versus {u} pros and cons"],
    "risk": ["is {t} safe", "dangers of {t}", "{t} risks", "can {t} hurt me", "what can go wrong with {t}",
             "side effects of {t}", "is {t} dangerous"],
    "tools": ["tools for {t}", "what equipment do i need for {t}", "{t} gear list", "best software for {t}",
              "{t} starter kit", "which tools does {t} require"],
    "career": ["jobs in {t}", "{t} salary", "can i work in {t}", "career in {t}", "how to become a {t} expert",
               "is {t} a good career", "{t} job market"],
    "fix": ["{t} not working", "how to fix {t}", "{t} broken", "troubleshoot {t}", "{t} keeps failing",
            "repair {t} myself", "{t} error help"],
    "buy": ["where to buy {t}", "best place to get {t}", "{t} shop near me", "order {t} online", "buying {t} tips",
            "second hand {t}"],
    "time": ["how long does {t} take", "{t} duration", "time needed for {t}", "fastest way to do {t}",
             "how many hours for {t}", "{t} schedule"],
    "rules": ["rules of {t}", "is {t} legal", "{t} regulations", "do i need a licence for {t}",
              "{t} laws in my country", "permits for {t}"],
    "kids": ["is {t} good for kids", "{t} for children", "can my son try {t}", "{t} age limit",
             "family friendly {t}", "teaching {t} to teenagers"],
    "health": ["is {t} healthy", "{t} health benefits", "does {t} help with stress", "{t} and sleep",
               "calories in {t}", "{t} for fitness"],
    "examples": ["examples of {t}", "famous {t}", "show me some {t}", "{t} samples", "well known {t} cases",
                 "best {t} ever"],
    "future": ["future of {t}", "will {t} disappear", "{t} trends", "what is next for {t}",
               "{t} in ten years", "is {t} growing"],
    "community": ["{t} clubs", "{t} forums", "meet people into {t}", "{t} events near me", "{t} groups online",
                  "where do {t} fans hang out"],
    "start": ["how to start {t}", "first steps in {t}", "getting into {t}", "{t} basics",
              "beginner guide to {t}", "i want to try {t}"],
    "mistakes": ["common {t} mistakes", "what not to do in {t}", "{t} errors beginners make", "avoid {t} pitfalls",
                 "{t} bad habits", "worst {t} advice"],
    "books": ["books about {t}", "{t} reading list", "best {t} book", "novels on {t}", "{t} textbooks",
              "what should i read on {t}"],
    "environment": ["is {t} bad for the environment", "{t} carbon footprint", "eco friendly {t}",
                    "{t} pollution", "sustainable {t}", "green alternatives to {t}"],
    "maintain": ["how to maintain {t}", "{t} upkeep", "cleaning {t}", "{t} maintenance schedule",
                 "keep {t} in good shape", "storing {t} over winter"],
    "statistics": ["{t} statistics", "how popular is {t}", "{t} numbers", "how many people do {t}",
                   "{t} market size", "{t} survey results"],
    "alternatives": ["alternatives to {t}", "something like {t}", "{t} substitute", "instead of {t}",
                     "similar to {t}", "replace {t} with what"],
}
CITY = "city"
LEVEL = "level"


def make_word(rng: random.Random, used: set[str]) -> str:
    """A new pronounceable word of one to three syllables, sometimes with an English ending."""
    while True:
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.randint(1, 3)))
        word += rng.choice(ENDINGS)
        if 4 <= len(word) <= 13 and word not in used and word not in STOP_WORDS:
            used.add(word)
            return word


def typo(rng: random.Random, word: str) -> str:
    """One edit that keeps the first letter: a dropped, doubled, swapped or replaced letter."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


class Generator:
    """One synthetic knowledge base and its held-out questions, fully determined by size and seed."""

    def __init__(self, size: int, seed: int = SEED) -> None:
        self.rng = rng = random.Random(seed * 100_003 + size)
        self.used: set[str] = set()
        self.cities = [make_word(rng, self.used) for _ in range(max(20, size // 50))]
        self.levels = ["junior", "senior", "expert", "novice", "advanced"]
        n_topics = max(10, size // 4)
        self.topics: list[list[str]] = []
        for _ in range(n_topics):
            head = [make_word(rng, self.used)] + ([make_word(rng, self.used)] if rng.random() < 0.3 else [])
            variants = [" ".join(head)]
            if len(head) == 2:
                variants.append(head[1])
            if rng.random() < 0.3:
                variants.append(make_word(rng, self.used))
            self.topics.append(variants)
        self.common = [make_word(rng, self.used) for _ in range(max(50, size // 5))]
        self.intents: list[dict] = []
        self.held_out: list[tuple[str, str | None]] = []
        self._build(size)

    def _extra(self) -> str:
        """Zipf-like context words: a few are in many questions, most are rare."""
        rng = self.rng
        if rng.random() < 0.6:
            return ""
        k = min(int(rng.paretovariate(1.1)) - 1, len(self.common) - 1)
        return rng.choice(["for my", "with my", "near the", "and the", "using"]) + " " + self.common[k]

    def _phrase(self, template: str, topic: list[str], other: list[str]) -> str:
        rng = self.rng
        text = template.format(t=rng.choice(topic), u=rng.choice(other))
        extra = self._extra()
        if extra:
            text = f"{text} {extra}" if rng.random() < 0.7 else f"{extra} {text}"
        if rng.random() < 0.15:
            text = f"{rng.choice(FILLER)} {text}"
        if rng.random() < 0.1:
            text += f" in {rng.choice(self.cities)}"
        return text + ("?" if rng.random() < 0.3 else "")

    def _build(self, size: int) -> None:
        rng = self.rng
        aspects = list(ASPECTS)
        pairs: set[tuple[int, str]] = set()
        asked: list[tuple[str, list[str], list[str], list[str]]] = []
        smalltalk = min(10, size // 10)
        for n in range(smalltalk):
            word = make_word(rng, self.used)
            self.intents.append({
                "id": f"smalltalk_{n}", "kind": "smalltalk", "title": f"{word} greeting",
                "examples": [word, f"{word} there", f"{word} bot", f"{word} friend", f"oh {word}"],
                "answer": f"{word.capitalize()} to you too.",
            })
        while len(self.intents) < size:
            t = rng.randrange(len(self.topics))
            aspect = rng.choice(aspects)
            if (t, aspect) in pairs:
                continue
            pairs.add((t, aspect))
            topic, other = self.topics[t], self.topics[rng.randrange(len(self.topics))]
            templates = ASPECTS[aspect]
            examples = sorted({self._phrase(rng.choice(templates), topic, other) for _ in range(rng.randint(5, 14))})
            intent_id = f"{aspect}_{topic[0].replace(' ', '_')}"
            intent = {
                "id": intent_id, "title": f"{topic[0]}: {aspect}", "topic": topic[0].split()[0][:1].upper(),
                "source": f"Encyclopedia, {topic[0]}", "examples": examples,
                "keywords": {" | ".join(topic): 2},
                "answer": " ".join(rng.choice(self.common) for _ in range(rng.randint(12, 40))).capitalize() + ".",
            }
            if rng.random() < 0.05:
                intent["slots"] = [{"entity": CITY, "template": f"In {{name}}, {topic[0]} costs {{price}}.",
                                    "missing": f"No figure for {{name}} about {topic[0]}."}]
            self.intents.append(intent)
            asked.append((intent_id, templates, topic, other))
        while len(self.held_out) < QUESTIONS * 0.8:
            intent_id, templates, topic, other = rng.choice(asked)
            question = self._phrase(rng.choice(templates), topic, other)
            if rng.random() < 0.2:
                question = " ".join(typo(rng, w) if rng.random() < 0.5 else w for w in question.split())
            self.held_out.append((question, intent_id))
        while len(self.held_out) < QUESTIONS:
            words = [make_word(rng, self.used) for _ in range(rng.randint(2, 6))]
            self.held_out.append((rng.choice(["how do i ", "what is ", "", "why "]) + " ".join(words), None))

    def write(self, folder: Path) -> None:
        """The knowledge base as YAML files of at most INTENTS_PER_FILE intents, beside its settings."""
        city_values = [
            {"id": c, "name": c.capitalize(), "aliases": [c, f"{c} city"],
             **({"facts": {"price": f"{self.rng.randint(10, 900)} coins"}} if self.rng.random() < 0.7 else {})}
            for c in self.cities
        ]
        head = {
            "settings": {"stop_words": STOP_WORDS},
            "synonyms": {"cost": ["price", "pay for"], "learn": ["study", "teach"], "start": ["begin", "get into"]},
            "entities": {
                CITY: {"name": "city", "values": city_values},
                LEVEL: {"name": "level", "values": [{"id": lv, "name": lv} for lv in self.levels]},
            },
        }
        (folder / "aaa_settings.yaml").write_text(dump(head), encoding="utf-8")
        for start in range(0, len(self.intents), INTENTS_PER_FILE):
            chunk = {"intents": self.intents[start : start + INTENTS_PER_FILE]}
            name = f"intents_{start // INTENTS_PER_FILE:03d}.yaml"
            (folder / name).write_text(dump(chunk), encoding="utf-8")


def dump(data: dict) -> str:
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, width=200,
                     allow_unicode=True)


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def measure(kb_dir: Path, questions_file: Path, rounds: int) -> dict:
    """In this process: load the base (through the cache, as the program does), then time every question."""
    started = time.perf_counter()
    from advisor import Advisor

    advisor = Advisor(kb_dir)
    load_s = time.perf_counter() - started
    held_out = json.loads(questions_file.read_text(encoding="utf-8"))
    times: list[float] = []
    cpu: list[float] = []
    right = declined = 0
    for r in range(rounds):
        for question, gold in held_out:
            chat = advisor.chat()
            t0, c0 = time.perf_counter(), time.thread_time()
            reply = chat.ask(question)
            cpu.append(time.thread_time() - c0)
            times.append(time.perf_counter() - t0)
            if r == 0 and gold is not None:
                right += reply.intent == gold and reply.kind in ("answer", "smalltalk")
            if r == 0 and gold is None:
                declined += reply.kind in ("fallback", "clarify")
    times.sort()
    cpu.sort()
    n_in = sum(1 for _, g in held_out if g is not None)
    return {
        "load_s": load_s,
        "p50_ms": percentile(times, 0.5) * 1e3,
        "p99_ms": percentile(times, 0.99) * 1e3,
        "p99_cpu_ms": percentile(cpu, 0.99) * 1e3,
        "examples": sum(len(i.examples) for i in advisor.kb.intents),
        "qps": len(times) / sum(times),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "accuracy": right / n_in if n_in else 0.0,
        "declined": declined / (len(held_out) - n_in) if len(held_out) > n_in else 0.0,
    }


def run_size(size: int, rounds: int, work: Path) -> list[tuple[str, dict]]:
    """Generate one base, then measure it in two fresh processes: empty cache, then warm cache."""
    gen = Generator(size)
    kb_dir = work / f"kb{size}"
    kb_dir.mkdir()
    gen.write(kb_dir)
    questions = work / f"questions{size}.json"
    questions.write_text(json.dumps(gen.held_out), encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(work / f"cache{size}")}
    rows = []
    for label in ("first start", "cached"):
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(kb_dir), str(questions), str(rounds)],
            env=env, check=True, capture_output=True, text=True,
        )
        rows.append((label, json.loads(out.stdout)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the held-out questions")
    parser.add_argument("--measure", nargs=3, metavar=("KB", "QUESTIONS", "ROUNDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        kb, questions, rounds = args.measure
        print(json.dumps(measure(Path(kb), Path(questions), int(rounds))))
        return
    print(f"{'intents':>8} {'examples':>8} {'start':<12} {'load s':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'p99 CPU ms':>10} {'q/s':>6} {'RSS MB':>7} {'top-1':>6} {'oos declined':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            for label, r in run_size(size, args.rounds, Path(tmp)):
                print(f"{size:>8} {r['examples']:>8} {label:<12} {r['load_s']:>7.2f} {r['p50_ms']:>7.2f} "
                      f"{r['p99_ms']:>7.2f} {r['p99_cpu_ms']:>10.2f} {r['qps']:>6.0f} {r['rss_mb']:>7.0f} "
                      f"{r['accuracy']:>6.1%} {r['declined']:>12.1%}", flush=True)


if __name__ == "__main__":
    main()
