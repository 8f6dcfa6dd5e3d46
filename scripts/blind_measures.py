"""Issue 25 probe: how candidate-level measures agree with a blind reading's readable scores (Spearman over all
candidates, over the writers' only, and within an item, averaged), and each system's means.

    python scripts/blind_measures.py SHEET EVALUATION_LM MODEL

SHEET: the prefix of a scored `seqae blind-reading` sheet (SHEET.items.json, .key.json, .answers.json); systems whose
name starts with "writer" count as writers. Measures: SLOR under EVALUATION_LM (read through MODEL's config and
corpus, as the bench does), the phrase share (seqae.rl.rewards.phrase_reward), and the share of the summary's adjacent
word pairs that keep the article's order.
"""

import json
import sys

import numpy as np

from seqae.apps.summarize import Summarizer
from seqae.data.corpus import load_corpus
from seqae.eval.diagnose import readability, readability_model, spearman, within_document_spearman
from seqae.rl.rewards import phrase_reward


def in_order_share(article: str, summary: str) -> float:
    first = {}
    for position, word in enumerate(article.split()):
        first.setdefault(word, position)
    positions = [first[word] for word in summary.split() if word in first]
    return float(np.mean([b > a for a, b in zip(positions, positions[1:])])) if len(positions) > 1 else 1.0


def main():
    sheet, lm_dir, model = sys.argv[1:4]
    items = json.load(open(f"{sheet}.items.json"))
    key = {entry["item"]: entry["letters"] for entry in json.load(open(f"{sheet}.key.json"))}
    answers = {answer["item"]: answer for answer in json.load(open(f"{sheet}.answers.json"))}
    rows = [(item["item"], name, item["article"], item["candidates"][letter],
             answers[item["item"]]["scores"][letter]["readable"])
            for item in items for letter, name in key[item["item"]].items()]
    config = Summarizer(model).config
    lm = readability_model(lm_dir, load_corpus(config.data, config.seed), config, "cpu")
    articles, summaries, readable = [r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows]
    measures = {"SLOR": readability(lm, summaries), "phrase share": phrase_reward(articles, summaries),
                "in-order share": [in_order_share(a, s) for a, s in zip(articles, summaries)]}
    writers = [i for i, row in enumerate(rows) if row[1].startswith("writer")]

    items = sorted({row[0] for row in rows})
    by_item = [[i for i, row in enumerate(rows) if row[0] == item] for item in items]

    def within(values):  # items the reader or the measure scored all alike are left out
        return within_document_spearman([[values[i] for i in index] for index in by_item],
                                        [[readable[i] for i in index] for index in by_item], min_candidates=2)

    for name, values in measures.items():
        print(f"{name}: all {spearman(values, readable):+.3f}, writers "
              f"{spearman([values[i] for i in writers], [readable[i] for i in writers]):+.3f}, "
              "within an item {:+.3f} ({} items)".format(*within(values)))
    for system in sorted({row[1] for row in rows}):
        index = [i for i, row in enumerate(rows) if row[1] == system]
        means = ", ".join(f"{name} {np.mean([values[i] for i in index]):+.3f}" for name, values in measures.items())
        print(f"{system}: readable {np.mean([readable[i] for i in index]):.2f}, {means}")


if __name__ == "__main__":
    main()
