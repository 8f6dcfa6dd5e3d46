"""`seqae diagnose-reward RUN_DIR`: where does each reward term point, on the run's own dev slice?

For each of the first `--docs` dev documents of the run's unsupervised split (never Gigaword test), a set of
candidate summaries that all have the inference summary's length (k words, `--words`, default the run's
decode.words; fewer only where the document has fewer distinct words):
- greedy: the tagger's inference summary (its top-k words in document order, a repeated word skipped, exactly
  as `ExtractiveGenerator.decode` keeps them);
- lead-k, the content-word lead and the content_lead_prepositions heuristic (seqae.data.heuristics; a heuristic that
  finds fewer than k words in the document is left out, and counted);
- `--samples` exact-length Gumbel-top-k samples of the tagger at `--temperature` (seqae.core.sampling);
- `--swaps` one-word swaps of greedy (drop one kept word, keep one dropped word that is not already kept:
  the neighbourhood of the test-time search, seqae.rl.search);
- `--random` random in-order k-word subsets of the first 25 words.
Identical summaries of one document count once (each keeps all its sources).

Each reward term is a plain callable `(documents, summaries) -> list[float]`; the total is their weighted
sum (`--weights`). Per term and for the total, against ROUGE-1 F1 with the dev title (rouge_score, Porter
stemming, percent):
- Spearman: the rank correlation of the term with ROUGE-1 among one document's candidates (average ranks for
  ties), averaged over the documents with at least 3 candidates where neither is constant;
- best: the mean ROUGE-1 of each document's highest-scoring candidate (tied maxima share: their mean).
next to greedy's and the oracle's (the best candidate's) ROUGE-1. Both again on the swaps set alone (greedy
and its swaps): does one search step on this term move towards the reference?

The models and torch are imported inside the functions that load them: `seqae --help` imports this module to
register the command.
"""

import json
import math
import random
import sys
import time
from pathlib import Path

from tqdm import tqdm

from seqae.data.corpus import load_corpus
from seqae.data.heuristics import HEURISTICS, heuristic_positions
from seqae.data.errors import DataError, UsageError
from seqae.data.io import atomic_write_text, check_not_an_input, check_output_path
from seqae.rl.search import one_word_swaps

# The imports inside functions load torch, transformers or omegaconf, which `seqae --help` (it imports this module to
# register diagnose-reward) must not pay for.

TERMS = ("reconstruction", "discriminator", "word_prior", "similarity", "fluency", "slor", "phrase", "number", "coverage",
         "content_reconstruction", "headline_reconstruction")
DEFAULT_WEIGHTS = {"word_prior": 1.0, "similarity": 8.0, **{name: 0.0 for name in TERMS if name not in
                                                           ("word_prior", "similarity")}}
# Computed (and shown alone) unless --terms says otherwise; a term with a non-zero weight is always computed.
# Similarity is not among them: it loads MiniLM, so only when weighted or asked for.
DEFAULT_TERMS = ("reconstruction", "discriminator", "word_prior")
SOURCES = ("greedy",) + HEURISTICS + ("sample", "swap", "random")
SWAP_SET = ("greedy", "swap")
RANDOM_WINDOW = 25
MIN_CANDIDATES = 3
# Summaries per forward pass: R's softmax over its vocabulary is the memory bound (N x 70 tokens x 8000).
BATCH_SIZES = {"reconstruction": 96, "discriminator": 512, "word_prior": 100_000, "similarity": 256, "fluency": 256,
               "slor": 256, "phrase": 100_000, "number": 100_000, "coverage": 128,
               "content_reconstruction": 96, "headline_reconstruction": 96}
READABILITY_LM_DIR = "readability_lm"  # the evaluation LM of held-out human summaries, kept in the run directory


# ----------------------------------------------------------------------------------------------- metrics

def average_ranks(values) -> list[float]:
    """1-based ranks, ties sharing the mean of the ranks they span: [10, 20, 20, 5] -> [2, 3.5, 3.5, 1]."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(x, y) -> float | None:
    """Spearman's rank correlation (Pearson's r of the average ranks); None when either side is constant or
    there are fewer than 2 values."""
    if len(x) != len(y):
        raise ValueError(f"{len(x)} values against {len(y)}")
    if len(x) < 2:
        return None
    rx, ry = average_ranks(x), average_ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx, syy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def within_document_spearman(scores_per_doc, rouge_per_doc, min_candidates: int = MIN_CANDIDATES):
    """(mean Spearman over documents, documents counted): documents with fewer than `min_candidates`
    candidates or a constant side are left out. (None, 0) if none is left."""
    values = []
    for scores, rouge in zip(scores_per_doc, rouge_per_doc, strict=True):
        if len(scores) >= min_candidates:
            value = spearman(scores, rouge)
            if value is not None:
                values.append(value)
    return (sum(values) / len(values) if values else None), len(values)


def best_by(scores, rouge) -> float:
    """The ROUGE of the highest-scoring candidate; tied maxima give their mean (a fair random tie-break)."""
    top = max(scores)
    tied = [r for s, r in zip(scores, rouge, strict=True) if s == top]
    return sum(tied) / len(tied)


def _mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


# -------------------------------------------------------------------------------------------- candidates

def random_positions(length: int, count: int, draws: int, rng: random.Random,
                     window: int = RANDOM_WINDOW) -> list[list[int]]:
    """`draws` random in-order `count`-word subsets of the first `window` positions."""
    window = min(window, length)
    if window < count:
        return []
    return [sorted(rng.sample(range(window), count)) for _ in range(draws)]


def document_candidates(words: list[str], greedy: list[int], samples: list[list[int]], *, swaps: int,
                        randoms: int, rng: random.Random) -> tuple[list[dict], dict]:
    """The candidates of one document, deduplicated: [{"summary", "sources", "positions"}], greedy first;
    and the count of heuristic candidates left out for being shorter than greedy."""
    k = len(greedy)
    by_summary: dict[str, dict] = {}
    short = {}

    def add(positions, source):
        positions = sorted(positions)
        summary = " ".join(words[p] for p in positions)
        entry = by_summary.setdefault(summary, {"summary": summary, "sources": [], "positions": positions})
        if source not in entry["sources"]:
            entry["sources"].append(source)

    add(greedy, "greedy")
    for heuristic in HEURISTICS:
        positions = heuristic_positions(words, heuristic, k)
        if len(positions) == k:
            add(positions, heuristic)
        else:
            short[heuristic] = 1
    for positions in samples:
        add([p for p in positions if p >= 0], "sample")
    for positions in one_word_swaps(words, greedy, swaps, rng):
        add(positions, "swap")
    for positions in random_positions(len(words), k, randoms, rng):
        add(positions, "random")
    return list(by_summary.values()), short


# ----------------------------------------------------------------------------------------------- terms

def parse_weights(items) -> dict[str, float]:
    """`name=value` items -> {name: value}; the given names only (the others weigh 0)."""
    weights = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in TERMS:
            raise UsageError(f"--weights: expected NAME=VALUE with NAME one of {', '.join(TERMS)}, got {item!r}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise UsageError(f"--weights: {item!r}: {value!r} is not a number") from None
        if not math.isfinite(weights[name]):
            raise UsageError(f"--weights: {item!r}: the weight must be finite")
    if not any(weights.values()):
        raise UsageError("--weights: give at least one non-zero weight")
    return weights


def build_terms(names, summarizer, corpus, device, reconstructor=None) -> dict:
    """The reward callables for `names`, each loaded only when asked for, made as the trainer makes them
    (seqae.rl.rewards.reward_term); `slor` is the fluency term measured as SLOR. `reconstructor`: a directory of
    R's weights to read instead of the bundle's (an R trained further, say)."""
    from seqae.core.checkpoint import WORD_PRIOR_FILE
    from seqae.core.models import load_discriminator, load_reconstructor
    from seqae.rl.rewards import DiscriminatorReward, ReconstructionReward, reward_term
    from seqae.rl.word_prior import WordPrior

    bundle, codec, config = summarizer.directory, summarizer.codec, summarizer.config
    r_directory = Path(reconstructor) if reconstructor else bundle / "reconstructor"
    # What each term scores with, from the bundle; only __call__ is used, so R and D get no optimizer or
    # accelerator (those serve update()).
    ingredients = {
        "reconstruction": lambda: ReconstructionReward(load_reconstructor(r_directory).to(device).eval(),
                                                       codec, None, None, config.data.max_document_words),
        "discriminator": lambda: DiscriminatorReward(load_discriminator(bundle / "discriminator").to(device).eval(),
                                                     codec, None, None, corpus.summaries),
        "word_prior": lambda: (WordPrior.load(bundle / WORD_PRIOR_FILE) if (bundle / WORD_PRIOR_FILE).is_file()
                               else WordPrior.fit(corpus.summaries, corpus.articles)),
        "summary_lm": lambda: _summary_lm(bundle, corpus, config, device),
        "coverage": lambda: _coverage(bundle, corpus, config, codec, device),
    }
    terms = {}
    for name in names:
        _say(f"loading {name}")
        term = "fluency" if name == "slor" else name
        ingredient = "summary_lm" if term == "fluency" else term
        if term in ("content_reconstruction", "headline_reconstruction"):  # R read with the word prior's weights
            given = {"reconstruction": ingredients["reconstruction"](), "word_prior": ingredients["word_prior"]()}
        else:
            given = {ingredient: ingredients[ingredient]()} if ingredient in ingredients else {}
        terms[name] = reward_term(term, similarity_model=config.rl.similarity_model,
                                  fluency_measure="slor" if name == "slor" else "log_prob", device=device, **given)
    return terms


def _summary_lm(bundle, corpus, config, device):
    """The run's language model of human summaries; a run that weighed no fluency has none: one is trained
    here exactly as the trainer would (seqae.rl.fixed_models), and kept in the bundle."""
    from seqae.core.checkpoint import SUMMARY_LM_DIR
    from seqae.rl.fixed_models import train_summary_lm
    from seqae.core.summary_lm import SummaryLM

    path = bundle / SUMMARY_LM_DIR
    if not path.is_dir():
        _say(f"no {SUMMARY_LM_DIR}/ in {bundle}: training one on the run's human summaries "
             f"({config.summary_lm.steps} steps)")
        train_summary_lm(config, corpus.summaries, device).save(path)
    return SummaryLM.load(path, corpus.summaries).to(device)


def _coverage(bundle, corpus, config, codec, device):
    """The run's coverage model; one is trained here as the trainer would, if the run has none."""
    from seqae.core.checkpoint import COVERAGE_DIR
    from seqae.rl.fixed_models import load_coverage, train_coverage

    path = bundle / COVERAGE_DIR
    if not path.is_dir():
        _say(f"no {COVERAGE_DIR}/ in {bundle}: training one on the run's articles ({config.coverage.steps} steps)")
        train_coverage(config, corpus.articles, codec, device).save(path)
    return load_coverage(path, config, codec).to(device)


def default_readability_lm(run_dir) -> Path:
    """Where the readability LM is kept: beside the bundle when `run_dir` is one (never inside a model), else in the
    run directory."""
    from seqae.core.checkpoint import resolve_model_dir

    bundle = resolve_model_dir(run_dir)
    return (bundle.parent if bundle == Path(run_dir) else Path(run_dir)) / READABILITY_LM_DIR


def readability_model(path, corpus, config, device):
    """The evaluation language model of readability: trained on the human summaries that training never sees (the
    titles of the articles half) with the run's summary_lm settings, never a reward; kept at `path`."""
    from seqae.rl.fixed_models import train_summary_lm
    from seqae.core.summary_lm import SummaryLM

    path = Path(path)
    if not path.is_dir():
        if not corpus.held_out_summaries:
            raise UsageError("the readability LM needs held-out human summaries (data.titles): give --readability-lm "
                             "a trained one")
        _say(f"training the readability LM on {len(corpus.held_out_summaries)} held-out human summaries into {path}")
        lm = train_summary_lm(config, corpus.held_out_summaries, device, seed_offset=1)
        try:
            lm.save(path)
        except OSError as error:
            raise DataError(path, f"cannot write the readability LM ({error.strerror or error}): give "
                                  "--readability-lm a writable place") from None
    lm = SummaryLM.load(path, corpus.held_out_summaries)  # a bench's fluency_lm saved before SLOR counts them here
    if lm.unigram_log_probs is None:
        raise UsageError(f"{path}: this LM has no unigram frequencies and the run has no held-out summaries")
    return lm.to(device)


def readability(lm, summaries: list[str]) -> list[float]:
    """SLOR of each summary (an empty one gets the fluency reward's worst score)."""
    from seqae.rl.rewards import FluencyReward

    return FluencyReward(lm, "slor")(summaries, summaries)


def score_term(term, documents: list[str], summaries: list[str], batch_size: int) -> list[float]:
    scores = []
    for start in range(0, len(summaries), batch_size):
        batch = list(term(documents[start:start + batch_size], summaries[start:start + batch_size]))
        if len(batch) != len(summaries[start:start + batch_size]):
            raise ValueError(f"a reward term returned {len(batch)} scores for {len(summaries[start:start + batch_size])}")
        scores += [float(s) for s in batch]
    return scores


def _say(message: str) -> None:
    print(f"diagnose-reward: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------ the run

def diagnose(run_dir, *, docs: int = 300, words: int | None = None, samples: int = 16, temperature: float = 2.0,
             swaps: int = 16, randoms: int = 8, seed: int = 0, weights: dict | None = None, terms=None,
             device: str = "cpu", chunk: int = 50, progress: bool = True, readability_path=None,
             reconstructor=None) -> dict:
    """All the numbers of the diagnosis (see the module docstring), with every document's candidates."""
    import torch
    from rouge_score import rouge_scorer

    from seqae.core.checkpoint import load_bundle_config, resolve_model_dir
    from seqae.core.generators import generator_class
    from seqae.core.sampling import gumbel_top_k, keep_scores
    from seqae.core.selection import select_positions
    from seqae.apps.summarize import Summarizer
    from seqae.core.tagger import tag_words

    started = time.perf_counter()
    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    names = [n for n in TERMS if n in (DEFAULT_TERMS if terms is None else terms) or weights.get(n, 0) != 0]
    if docs < 1 or samples < 0 or swaps < 0 or randoms < 0 or (words is not None and words < 1):
        raise UsageError("--docs and --words must be positive, --samples, --swaps and --random not negative")
    if not temperature > 0:
        raise UsageError(f"--temperature must be positive, got {temperature}")

    bundle = resolve_model_dir(run_dir)
    kind = load_bundle_config(bundle).model.generator
    if not generator_class(kind).selects_words:
        raise UsageError(f"{run_dir}: diagnose-reward needs a generator that selects document words (extractive), "
                         f"this one is {kind}")
    summarizer = Summarizer(run_dir, device=device, runtime="torch")  # samples from the tagger's torch logits
    config = summarizer.config
    k = words or config.decode.words
    _say(f"loading the corpus of {bundle} (its dev slice)")
    corpus = load_corpus(config.data, config.seed)
    if not corpus.dev_references:
        raise UsageError(f"{run_dir}: its dev slice has no references (data.titles is empty): nothing to score against")
    count = min(docs, len(corpus.dev_articles))
    documents, references = corpus.dev_articles[:count], corpus.dev_references[:count]
    scorers = build_terms(names, summarizer, corpus, device, reconstructor)
    default_lm = default_readability_lm(run_dir)
    readability_lm = readability_model(readability_path or default_lm, corpus, config, device)
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    model, max_words = summarizer.generator.model, config.data.max_document_words
    model.eval()

    records = []
    short_heuristics = {h: 0 for h in HEURISTICS}
    bar = tqdm(total=count, desc="diagnose", unit="doc", disable=not progress, file=sys.stderr)
    with torch.no_grad():
        for start in range(0, count, chunk):
            batch = documents[start:start + chunk]
            tagged = tag_words(model, summarizer.codec, batch, max_words, device)
            logits, mask = tagged.logits.float().cpu(), tagged.mask.cpu()
            keep = torch.softmax(logits, -1)[..., 1].masked_fill(mask == 0, float("-inf"))
            greedy = [select_positions(w, keep[row, : len(w)].tolist(), k) for row, w in enumerate(tagged.words)]
            lengths = torch.tensor([len(g) for g in greedy])
            generator = torch.Generator().manual_seed(seed * 1_000_003 + start)
            drawn = (gumbel_top_k(keep_scores(logits, mask, temperature), lengths, generator, samples).tolist()
                     if samples else [])
            chunk_docs, chunk_summaries = [], []
            for row, row_words in enumerate(tagged.words):
                index = start + row
                rng = random.Random(seed * 1_000_003 + index)
                candidates, short = document_candidates(
                    row_words, greedy[row], drawn[row * samples:(row + 1) * samples], swaps=swaps,
                    randoms=randoms, rng=rng)
                for heuristic in short:
                    short_heuristics[heuristic] += 1
                for candidate in candidates:
                    candidate["rouge1"] = 100 * scorer.score(references[index], candidate["summary"])["rouge1"].fmeasure
                    candidate["scores"] = {}
                records.append({"index": index, "reference": references[index], "k": len(greedy[row]),
                                "words_read": len(row_words), "candidates": candidates})
                chunk_docs += [documents[index]] * len(candidates)
                chunk_summaries += [c["summary"] for c in candidates]
            for candidate, value in zip((c for r in records[start:] for c in r["candidates"]),
                                        readability(readability_lm, chunk_summaries)):
                candidate["readability"] = value
            for name, term in scorers.items():
                values = score_term(term, chunk_docs, chunk_summaries, BATCH_SIZES[name])
                position = 0
                for record in records[start:]:
                    for candidate in record["candidates"]:
                        candidate["scores"][name] = values[position]
                        position += 1
            for record in records[start:]:
                for candidate in record["candidates"]:
                    candidate["scores"]["total"] = sum(w * candidate["scores"][n] for n, w in weights.items() if w)
            bar.update(len(batch))
    bar.close()
    result = summarize_records(records, list(scorers) + ["total"])
    result["heuristics_left_out_short"] = short_heuristics
    result["docs_shorter_than_k"] = sum(1 for r in records if r["k"] < k)
    result["config"] = {"run_dir": str(run_dir), "bundle": str(bundle), "docs": count, "words": k, "seed": seed,
                        "samples": samples, "temperature": temperature, "swaps": swaps, "random": randoms,
                        "random_window": RANDOM_WINDOW, "weights": {n: weights.get(n, 0.0) for n in TERMS},
                        "terms": names, "teacher": config.warm_start.target, "device": device,
                        "readability_lm": str(readability_path or default_lm),
                        "reconstructor": str(reconstructor) if reconstructor else None,
                        "seconds": round(time.perf_counter() - started, 1)}
    result["documents"] = records
    return result


def summarize_records(records: list[dict], names: list[str]) -> dict:
    """The aggregate numbers of per-document candidate records (each candidate with rouge1 and scores)."""
    def subset(record, which):
        if which == "all":
            return record["candidates"]
        return [c for c in record["candidates"] if set(c["sources"]) & set(SWAP_SET)]

    out = {"candidates_per_doc": _mean(len(r["candidates"]) for r in records),
           "greedy": _mean(r["candidates"][0]["rouge1"] for r in records),
           "greedy_readability": _mean(r["candidates"][0]["readability"] for r in records),
           "oracle": {}, "sources": {}, "terms": {}}
    for which in ("all", "swaps"):
        out["oracle"][which] = _mean(max(c["rouge1"] for c in subset(r, which)) for r in records)
    for source in SOURCES:
        per_doc = [_mean(c["rouge1"] for c in r["candidates"] if source in c["sources"]) for r in records]
        per_doc = [v for v in per_doc if v is not None]
        distinct = _mean(sum(source in c["sources"] for c in r["candidates"]) for r in records)
        readability = [_mean(c["readability"] for c in r["candidates"] if source in c["sources"]) for r in records]
        out["sources"][source] = {"rouge1": _mean(per_doc), "docs": len(per_doc), "distinct_per_doc": distinct,
                                  "readability": _mean(v for v in readability if v is not None)}
    for name in names:
        entry = {}
        for which in ("all", "swaps"):
            sets = [subset(r, which) for r in records]
            rho, counted = within_document_spearman([[c["scores"][name] for c in s] for s in sets],
                                                    [[c["rouge1"] for c in s] for s in sets])
            entry[which] = {"spearman": rho, "spearman_docs": counted,
                            "best": _mean(best_by([c["scores"][name] for c in s], [c["rouge1"] for c in s])
                                          for s in sets)}
        # The same two numbers against readability (SLOR) instead of ROUGE-1: does the term point to text
        # a reader would accept?
        sets = [subset(r, "all") for r in records]
        rho, _ = within_document_spearman([[c["scores"][name] for c in s] for s in sets],
                                          [[c["readability"] for c in s] for s in sets])
        entry["readability"] = {"spearman": rho, "best": _mean(
            best_by([c["scores"][name] for c in s], [c["readability"] for c in s]) for s in sets)}
        entry["mean_by_source"] = {
            source: _mean(_mean(c["scores"][name] for c in r["candidates"] if source in c["sources"])
                          for r in records if any(source in c["sources"] for c in r["candidates"]))
            for source in SOURCES}
        out["terms"][name] = entry
    return out


# ------------------------------------------------------------------------------------------------- output

def _number(value, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def format_table(result: dict) -> str:
    config = result["config"]
    weights = ", ".join(f"{n}={w:g}" for n, w in config["weights"].items() if w)
    zero = ", ".join(n for n, w in config["weights"].items() if not w)
    lines = [
        f"diagnose-reward {config['run_dir']}: {config['docs']} dev documents, k = {config['words']} words, "
        f"{result['candidates_per_doc']:.1f} distinct candidates a document, seed {config['seed']}, "
        f"{config['seconds']:.0f} s",
        f"total = weighted sum with {weights}" + (f" (weight 0: {zero})" if zero else ""),
        "ROUGE-1 F1 (percent) against the dev titles, by candidate source: " + ", ".join(
            f"{s} {_number(v['rouge1'])}" for s, v in result["sources"].items() if v["docs"]),
        "distinct candidates a document, by source: " + ", ".join(
            f"{s} {v['distinct_per_doc']:.1f}" for s, v in result["sources"].items()),
        "",
        "readability (SLOR under an LM of held-out human titles), by candidate source: " + ", ".join(
            f"{s} {_number(v['readability'], True)}" for s, v in result["sources"].items() if v["docs"]),
        "",
        "| term | Spearman, all | best, all | Spearman, swaps | best, swaps | Spearman with readability | "
        "readability of best |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| (greedy / oracle) | | {_number(result['greedy'])} / {_number(result['oracle']['all'])} | | "
        f"{_number(result['greedy'])} / {_number(result['oracle']['swaps'])} | | "
        f"{_number(result['greedy_readability'], True)} |",
    ]
    for name, entry in result["terms"].items():
        label = "total (weighted)" if name == "total" else name
        lines.append(f"| {label} | {_number(entry['all']['spearman'], True)} | {_number(entry['all']['best'])} | "
                     f"{_number(entry['swaps']['spearman'], True)} | {_number(entry['swaps']['best'])} | "
                     f"{_number(entry['readability']['spearman'], True)} | "
                     f"{_number(entry['readability']['best'], True)} |")
    short = {h: n for h, n in result.get("heuristics_left_out_short", {}).items() if n}
    lines += ["", "Spearman: within-document rank correlation with ROUGE-1, mean over documents with >= 3 "
                  "candidates and non-constant values; best: mean ROUGE-1 of each document's top candidate by "
                  "the term; swaps: greedy and its one-word swaps only. With readability: the same against SLOR "
                  "under a language model of held-out human titles (never a reward; it ordered readers' blind "
                  "scores of whole systems right, docs/readability.md)."]
    if short:
        lines.append("heuristics left out where shorter than k: " + ", ".join(f"{h} {n} docs" for h, n in short.items()))
    return "\n".join(lines)


def run_diagnose(args) -> int:
    from seqae.core.checkpoint import load_bundle_config, resolve_model_dir

    if args.json:
        check_output_path(args.json)
        bundle = resolve_model_dir(args.run_dir)
        data = load_bundle_config(bundle).data
        check_not_an_input(args.json, [bundle, *data.articles, *data.titles, *data.summaries, *data.vocab_counts],
                           option="--json")
    weights = parse_weights(args.weights) if args.weights else None
    result = diagnose(args.run_dir, docs=args.docs, words=args.words, samples=args.samples,
                      temperature=args.temperature, swaps=args.swaps, randoms=args.random, seed=args.seed,
                      weights=weights, terms=args.terms, device=args.device, progress=not args.quiet,
                      readability_path=args.readability_lm, reconstructor=args.reconstructor)
    print(format_table(result), flush=True)
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "diagnose-reward", help="where each reward term points: Spearman with ROUGE-1 and best-by-term on dev",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run directory or model bundle (extractive)")
    parser.add_argument("--docs", type=int, default=300, help="dev documents (the first N of the run's dev slice)")
    parser.add_argument("--words", type=int, default=None, help="summary length k (default: the run's decode.words)")
    parser.add_argument("--samples", type=int, default=16, help="Gumbel-top-k samples a document")
    parser.add_argument("--temperature", type=float, default=2.0, help="the samples' temperature")
    parser.add_argument("--swaps", type=int, default=16, help="one-word swaps of greedy a document")
    parser.add_argument("--random", type=int, default=8, help=f"random in-order subsets of the first "
                                                               f"{RANDOM_WINDOW} words a document")
    parser.add_argument("--seed", type=int, default=0, help="seed of the candidate sampling")
    parser.add_argument("--weights", nargs="+", metavar="NAME=VALUE",
                        help="the total's weights, the given terms only (default: "
                             + " ".join(f"{n}={w:g}" for n, w in DEFAULT_WEIGHTS.items()) + f"); NAME in {', '.join(TERMS)}")
    parser.add_argument("--terms", nargs="+", choices=TERMS,
                        help=f"terms to show alone (default: {' '.join(DEFAULT_TERMS)}); weighted terms are always "
                             "computed; similarity loads MiniLM")
    parser.add_argument("--readability-lm", metavar="DIR",
                        help=f"the evaluation language model of readability (default: RUN_DIR/{READABILITY_LM_DIR}, "
                             "trained there on the run's held-out human summaries when missing, about a minute)")
    parser.add_argument("--reconstructor", metavar="DIR",
                        help="R's weights for the reconstruction terms (a saved reconstructor directory, e.g. one "
                             "trained further; default: the bundle's reconstructor/)")
    parser.add_argument("--json", metavar="PATH", help="write every number, the config and the candidates here")
    parser.add_argument("--device", default="cpu", help="where the models and reward terms run (cpu, cuda)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run_diagnose)
