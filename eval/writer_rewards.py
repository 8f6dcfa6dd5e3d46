"""`python -m seqae.eval.writer_rewards MODEL`: where does a reward weighting point among a writer's summaries?

`seqae diagnose-reward` asks this of a tagger; a writer's candidates are its own. For each of the first `--docs`
articles of the run's dev slice (never Gigaword test): its greedy summary, its beam's 5 best (reranking's pool), and
`--samples` summaries drawn as RL draws them (the pool its best-of-k update picks from). Weightings: the run's RL
weights first, then its reranking's (decode.rerank_weights), then each of `--weightings` (changes to the RL weights,
`fluency=2,phrase=2`; a weighting already shown is not repeated). For each:
- reranked: the mean R-1 / R-2 against the dev titles and the readability (SLOR under a language model of human
  summaries that training never sees, `seqae.eval.diagnose.readability_model`) of the pool's best-scoring summary;
- best-of-k: the same of the best-scoring sample, the share of articles where it outscores greedy (RL reinforces
  it there), and what it gains over greedy on those articles: where RL pulls the writer.
"""

import argparse
import json
import sys
from pathlib import Path

from seqae.core.config import RERANK_TERMS
from seqae.data.errors import UsageError

BEAMS = 5


def parse_weighting(text: str) -> dict[str, float]:
    """`fluency=2,phrase=2` -> {"fluency": 2.0, "phrase": 2.0}."""
    weights = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise UsageError(f"--weightings: {item!r} is not NAME=NUMBER") from None
    return weights


def picked(totals, values, rows):
    """Per row of `totals` (documents x candidates, restricted to the columns `rows` gives), the value of the
    highest-scoring candidate (ties: the first)."""
    import numpy as np

    index = np.asarray(totals)[:, rows].argmax(1)
    return np.asarray(values)[:, rows][np.arange(len(index)), index]


def diagnose_writer(model, *, docs: int = 300, samples: int = 8, weightings=(), readability_lm=None,
                    seed: int = 0) -> dict:
    import numpy as np
    import torch
    from rouge_score import rouge_scorer

    from seqae.apps.summarize import Summarizer
    from seqae.data.corpus import load_corpus
    from seqae.eval.diagnose import default_readability_lm, readability, readability_model
    from seqae.rl.rewards import reward_term

    summarizer = Summarizer(model)
    generator, config = summarizer.generator, summarizer.config
    if not generator.writes_tokens:
        raise UsageError(f"{model}: a tagger: use seqae diagnose-reward")
    corpus = load_corpus(config.data, config.seed)
    if not corpus.dev_references:
        raise UsageError(f"{model}: the run's dev slice has no titles to score against")
    documents = [summarizer.prepare(d) for d in corpus.dev_articles[:docs]]
    titles = corpus.dev_references[:len(documents)]
    torch.manual_seed(seed)
    decode = config.decode
    settings = dict(words=decode.words, min_words=min(decode.min_words, decode.words),
                    no_repeat_ngram_size=decode.no_repeat_ngram_size)
    candidates = []
    for start in range(0, len(documents), decode.batch_size):
        batch = documents[start:start + decode.batch_size]
        greedy = generator.decode(batch, num_beams=1, **settings)
        beams = generator.decode(batch, num_beams=BEAMS, num_return_sequences=BEAMS, **settings)
        drawn = generator.sample(batch, samples, config.rl)
        candidates += [[greedy[i], *beams[i * BEAMS:(i + 1) * BEAMS], *drawn[i * samples:(i + 1) * samples]]
                       for i in range(len(batch))]
    owners = [d for d, options in zip(documents, candidates) for _ in options]
    flat = [summary for options in candidates for summary in options]
    shape = (len(documents), 1 + BEAMS + samples)

    base = {name: getattr(config.rl, f"{name}_weight") for name in RERANK_TERMS}
    reranking_rl = config.decode.rerank_settings(config.rl)
    reranking = {name: getattr(reranking_rl, f"{name}_weight") for name in RERANK_TERMS}
    variants = {"the run's RL weights": base}
    for label, weights in [("its reranking's weights", reranking),
                           *((text, {**base, **parse_weighting(text)}) for text in weightings)]:
        if weights not in variants.values():  # a weighting the run already has is shown once, under its name
            variants[label] = weights
    names = {name for weights in variants.values() for name, weight in weights.items() if weight}
    if unknown := names - set(RERANK_TERMS):
        raise UsageError(f"--weightings: unknown terms {sorted(unknown)}; the terms are {', '.join(RERANK_TERMS)}")
    word_prior, summary_lm = summarizer.fixed_reward_models("the reward needs the run's word prior", "rl",
                                                            float("fluency" in names))
    similarity = None
    terms = {}
    for name in sorted(names):
        term = reward_term(name, target_words=config.rl.target_words, similarity_model=config.rl.similarity_model,
                           fluency_measure=config.rl.fluency_measure, word_prior=word_prior, summary_lm=summary_lm,
                           similarity=similarity, device=generator.device)
        similarity = term if name == "similarity" else similarity
        terms[name] = np.array(term(owners, flat), dtype=float).reshape(shape)
    lm = readability_model(readability_lm or default_readability_lm(model), corpus, config, generator.device)
    read = np.array(readability(lm, flat)).reshape(shape)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    scores = [scorer.score(title, summary) for title, options in zip(titles, candidates) for summary in options]
    rouge1 = np.array([100 * s["rouge1"].fmeasure for s in scores]).reshape(shape)
    rouge2 = np.array([100 * s["rouge2"].fmeasure for s in scores]).reshape(shape)

    pool, drawn = list(range(1 + BEAMS)), list(range(1 + BEAMS, shape[1]))
    result = {"model": str(model), "documents": len(documents), "samples": samples,
              "greedy": [rouge1[:, 0].mean(), rouge2[:, 0].mean(), read[:, 0].mean()],
              "oracle_rouge1": {"reranking pool": rouge1[:, pool].max(1).mean(), "samples": rouge1[:, drawn].max(1).mean()},
              "weightings": {}}
    for label, weights in variants.items():
        total = sum(weight * terms[name] for name, weight in weights.items() if weight)
        best = 1 + BEAMS + total[:, drawn].argmax(1)
        wins = total[np.arange(len(best)), best] > total[:, 0]
        gain = [(v[np.arange(len(best)), best][wins] - v[wins, 0]).mean() if wins.any() else 0.0
                for v in (rouge1, rouge2, read)]
        result["weightings"][label] = {
            "weights": {k: v for k, v in weights.items() if v},
            "reranked": [picked(total, v, pool).mean() for v in (rouge1, rouge2, read)],
            "best_of_k": [picked(total, v, drawn).mean() for v in (rouge1, rouge2, read)],
            "beats_greedy": wins.mean(), "gain_over_greedy_where_it_wins": gain}
    return json.loads(json.dumps(result, default=float))


def format_table(result: dict) -> str:
    g = result["greedy"]
    lines = [f"{result['model']}: {result['documents']} dev articles, greedy + {BEAMS} beams + {result['samples']} "
             f"samples each; greedy {g[0]:.2f} / {g[1]:.2f} / {g[2]:+.3f} (R-1 / R-2 / SLOR); oracle R-1 "
             f"{result['oracle_rouge1']['reranking pool']:.2f} (greedy + beams), {result['oracle_rouge1']['samples']:.2f} "
             "(samples)", "",
             "| weighting | reranked: R-1 / R-2 / SLOR | best-of-k sample: R-1 / R-2 / SLOR | beats greedy "
             "| where it does, over greedy: R-1 / R-2 / SLOR |", "| --- | --- | --- | --- | --- |"]
    for label, row in result["weightings"].items():
        r, b, d = row["reranked"], row["best_of_k"], row["gain_over_greedy_where_it_wins"]
        lines.append(f"| {label} | {r[0]:.2f} / {r[1]:.2f} / {r[2]:+.3f} | {b[0]:.2f} / {b[1]:.2f} / {b[2]:+.3f} "
                     f"| {100 * row['beats_greedy']:.0f}% | {d[0]:+.2f} / {d[1]:+.2f} / {d[2]:+.3f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seqae.eval.writer_rewards", description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a writer's run or model directory")
    parser.add_argument("--docs", type=int, default=300, help="dev articles (the first N of the run's dev slice)")
    parser.add_argument("--samples", type=int, default=8, help="summaries drawn a document, as RL draws them")
    parser.add_argument("--weightings", nargs="*", default=["fluency=1,phrase=0", "fluency=2,phrase=2"],
                        help="changes to the run's weights, each NAME=VALUE[,NAME=VALUE]")
    parser.add_argument("--readability-lm", metavar="DIR",
                        help="the evaluation LM (a bench's fluency_lm; default: as seqae diagnose-reward keeps it, "
                             "trained beside the model when missing, about a minute)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write every number here")
    args = parser.parse_args(argv)
    try:
        result = diagnose_writer(args.model, docs=args.docs, samples=args.samples, weightings=args.weightings,
                                 readability_lm=args.readability_lm, seed=args.seed)
    except UsageError as error:
        print(f"writer_rewards: {error}", file=sys.stderr)
        return 2
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
