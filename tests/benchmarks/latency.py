"""Per-question latency and throughput on the shipped knowledge base, and its load time and memory.

Latency is measured in this process, one core, over our own question sets: every question of
tests/questions/dev.yaml in a fresh conversation (as `advisor eval` asks them), every turn of the
scripted conversations in tests/conversations (one conversation per script, so follow-ups count),
and the matcher alone on the dev questions. Every set runs several rounds; the first round (typo
searches not yet remembered) is kept in. Wall-clock percentiles include whatever else the machine
was doing; the CPU column (this thread's CPU time) is less disturbed by a busy machine.

Load time and peak memory (RSS) come from fresh processes: one with an empty compiled cache (the
first start: YAML parsed, weights compiled), then several reading the cache (every later start).

    python tests/benchmarks/latency.py [--rounds 5] [--kb PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

TESTS = Path(__file__).resolve().parents[1]


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def timed_runs(batches: list[list[str]], ask: Callable[[int], Callable[[str], object]], rounds: int):
    """Wall and CPU seconds of every question; ask(n) gives the function that answers batch n's questions."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for n, batch in enumerate(batches):
            answer = ask(n)
            for question in batch:
                w, c = time.perf_counter(), time.thread_time()
                answer(question)
                cpu.append(time.thread_time() - c)
                wall.append(time.perf_counter() - w)
    return sorted(wall), sorted(cpu)


def conversation_scripts(kb: str | None) -> list[list[str]]:
    """The turns of each scripted conversation about the shipped knowledge base."""
    if kb is not None:
        return []
    scripts = []
    for path in sorted((TESTS / "conversations").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("advisor", "advisor") == "advisor":
            for conv in data.get("conversations", []):
                scripts.append([str(turn["q"]) for turn in conv["turns"] if "q" in turn])
    return scripts


def load_in_fresh_process(kb: str | None, cache_home: Path) -> dict[str, float]:
    code = (
        "import json, resource, sys, time\n"
        "t = time.perf_counter()\n"
        "from advisor import Advisor\n"
        "imported = time.perf_counter()\n"
        "Advisor(sys.argv[1] or None)\n"
        "done = time.perf_counter()\n"
        "print(json.dumps({'import_s': imported - t, 'load_s': done - imported,\n"
        "                  'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    out = subprocess.run([sys.executable, "-c", code, kb or ""], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kb", help="another knowledge directory (then only the load and the matcher rows)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        first = load_in_fresh_process(args.kb, Path(tmp))
        cached = [load_in_fresh_process(args.kb, Path(tmp)) for _ in range(5)]
    print(f"{'load (fresh process)':<34} {'runs':>4} {'import s':>8} {'load s':>7} {'peak RSS MB':>11}")
    for label, runs in (("YAML + compile (empty cache)", [first]), ("compiled cache", cached)):
        print(f"{label:<34} {len(runs):>4} {statistics.median(r['import_s'] for r in runs):>8.3f} "
              f"{statistics.median(r['load_s'] for r in runs):>7.3f} {max(r['rss_mb'] for r in runs):>11.0f}")
    print()

    from advisor import Advisor

    advisor = Advisor(args.kb)
    dev = [q["q"] for q in yaml.safe_load((TESTS / "questions" / "dev.yaml").read_text())["questions"]]
    scripts = conversation_scripts(args.kb)
    sets: list[tuple[str, list[list[str]], Callable[[int], Callable[[str], object]]]] = [
        ("dev.yaml, fresh chat each", [[q] for q in dev], lambda n: advisor.chat().ask),
        ("conversations, one chat each", scripts, lambda n: advisor.chat().ask),
        ("dev.yaml, matcher only", [dev], lambda n: advisor.matcher.rank),
    ]
    print(f"{'questions':<30} {'asked':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'p99 CPU ms':>10} {'q/s':>6}")
    for label, batches, ask in sets:
        if not batches:
            continue
        wall, cpu = timed_runs(batches, ask, args.rounds)
        print(f"{label:<30} {len(wall):>6} {percentile(wall, 0.5) * 1e3:>7.3f} {percentile(wall, 0.95) * 1e3:>7.3f} "
              f"{percentile(wall, 0.99) * 1e3:>7.3f} {wall[-1] * 1e3:>7.2f} {percentile(cpu, 0.99) * 1e3:>10.3f} "
              f"{len(wall) / sum(wall):>6.0f}")
    print(f"\n(this process: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
