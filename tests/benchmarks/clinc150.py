"""CLINC150 through our own knowledge format and matcher, beside published intent classifiers.

The training split becomes a knowledge base in our YAML format (written to a temporary directory
and read by the normal loader); the matcher runs unchanged. The out-of-scope threshold is chosen on
the validation split only; figures are reported on the test split when the file has one.

    python tests/benchmarks/clinc150.py [--data PATH]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import yaml

from advisor.knowledge import load
from advisor.matcher import Matcher

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "clinc150" / "data_full_trainval.json"
MIN_OOS_RECALL = 0.453
DECLINE = "out_of_scope"


def write_kb(train: list[list[str]], oos_train: list[list[str]], folder: Path) -> None:
    """One intent per CLINC label, its training questions as examples; no hand-written keywords.
    The out-of-scope training questions become one `decline` intent (as Rasa's out_of_scope intent)."""
    by_intent: dict[str, list[str]] = {}
    for query, label in train:
        by_intent.setdefault(label, []).append(query)
    intents = [
        {"id": label, "answer": f"({label})", "source": "CLINC150", "examples": examples}
        for label, examples in sorted(by_intent.items())
    ]
    if oos_train:
        examples = [query for query, _ in oos_train]
        intents.append({"id": DECLINE, "kind": "decline", "answer": "(out of scope)", "examples": examples})
    (folder / "intents.yaml").write_text(yaml.safe_dump({"intents": intents}, allow_unicode=True), encoding="utf-8")


def top(matcher: Matcher, queries: list[str]) -> list[tuple[str | None, float]]:
    """The best intent and its score per query; a query the decline intent wins scores -1 (declined at
    any threshold)."""
    out = []
    for q in queries:
        best = matcher.rank(q, limit=1).best
        out.append((None, -1.0) if best is None or best.intent == DECLINE else (best.intent, best.score))
    return out


def rates(
    scored: list[tuple[str | None, float]], gold: list[str], oos: list[tuple[str | None, float]], threshold: float
) -> tuple[float, float]:
    accuracy = sum(1 for (i, s), g in zip(scored, gold) if i == g and s >= threshold) / len(gold)
    recall = sum(1 for _, s in oos if s < threshold) / len(oos)
    return accuracy, recall


def pick_threshold(scored, gold, oos) -> float:
    """The threshold with the best in-scope accuracy whose out-of-scope recall reaches MIN_OOS_RECALL,
    else the one with the best sum of the two."""
    grid = [t / 2 for t in range(0, 201)]
    ok = [t for t in grid if rates(scored, gold, oos, t)[1] >= MIN_OOS_RECALL]
    if ok:
        return max(ok, key=lambda t: (rates(scored, gold, oos, t)[0], -t))
    return max(grid, key=lambda t: sum(rates(scored, gold, oos, t)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    data = json.loads(args.data.read_text(encoding="utf-8"))

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_kb(data["train"], data.get("oos_train", []), Path(tmp))
        matcher = Matcher(load(tmp))
    build_s = time.perf_counter() - started

    val_q = [q for q, _ in data["val"]]
    val_scored = top(matcher, val_q)
    val_oos = top(matcher, [q for q, _ in data["oos_val"]])
    val_gold = [label for _, label in data["val"]]
    threshold = pick_threshold(val_scored, val_gold, val_oos)
    raw = sum(1 for (i, _), g in zip(val_scored, val_gold) if i == g) / len(val_gold)
    print(f"validation: accuracy before threshold {raw:.3f}; threshold {threshold:g}")

    split = "test" if "test" in data else "val"
    queries = [q for q, _ in data[split]] + [q for q, _ in data[f"oos_{split}"]]
    started = time.perf_counter()
    scored = top(matcher, queries)
    elapsed = time.perf_counter() - started
    n_in = len(data[split])
    accuracy, recall = rates(scored[:n_in], [label for _, label in data[split]], scored[n_in:], threshold)
    print(
        f"clinc150 split={split} in_scope_accuracy={accuracy:.3f} oos_recall={recall:.3f} "
        f"queries_per_s={len(queries) / elapsed:.0f} build_s={build_s:.1f}"
    )


if __name__ == "__main__":
    main()
