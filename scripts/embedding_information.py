"""Issue 23 probe: can word vectors learned from the run's own training text (nothing pretrained) stand in for
MiniLM as the information term? Trains word2vec (gensim, seeded, one worker) on the run's training articles and
human summaries, scores each candidate of a `seqae diagnose-reward --json` dump, and prints each score's
within-document Spearman with ROUGE-1 and best-by (seqae.eval.diagnose.summarize_records), beside the dump's own
terms.

    python scripts/embedding_information.py DUMP.json BUNDLE [--epochs 20] [--cnndm TRAIN.jsonl.gz --dim 200]

`--cnndm`: the vectors also learn from CNN/DailyMail's training articles (split into sentences at ` . `, ` ! `,
` ? `) and highlights, digits written `#` as Gigaword writes them: 30 million words of news instead of the run's
0.6 million (stop 26).

Scores, over content words (IDF from the bundle's word prior): the cosine of the IDF-weighted mean vectors of summary
and document (centroid); the document words' best cosine to a summary word, IDF-weighted (soft recall, a
reconstruction of the document's meaning); the summed centrality (mean cosine to the other document words) of the
document words the summary keeps; and the word prior plus each.
"""

import argparse
import json
import math
import re
from pathlib import Path

import numpy as np
from gensim.models import Word2Vec

from seqae.core.checkpoint import load_bundle_config
from seqae.data.corpus import load_corpus
from seqae.data.heuristics import is_function_token
from seqae.eval.cnndm_bench import read_records
from seqae.eval.diagnose import summarize_records
from seqae.rl.word_prior import WordPrior


def unit(vectors: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    mean = vectors.mean(0) if weights is None else (vectors * weights[:, None]).sum(0)
    return mean / (np.linalg.norm(mean) + 1e-9)


def embedding_scores(summary: list[str], document: list[tuple[str, np.ndarray, float]], vector, idf) -> dict:
    kept = [(w, vector(w), idf(w)) for w in summary if not is_function_token(w) and vector(w) is not None]
    if not kept:
        return {"centroid": -1.0, "soft_recall": -1.0, "centrality_kept": 0.0}
    doc_vectors = np.stack([v for _, v, _ in document])
    doc_idf = np.array([i for _, _, i in document])
    vectors, weights = np.stack([v for _, v, _ in kept]), np.array([i for _, _, i in kept])
    centrality = ((doc_vectors @ doc_vectors.T).sum(1) - 1) / max(1, len(document) - 1)
    words = {w for w, _, _ in kept}
    return {"centroid": float(unit(vectors, weights) @ unit(doc_vectors, doc_idf)),
            "soft_recall": float(((doc_vectors @ vectors.T).max(1) * doc_idf).sum() / doc_idf.sum()),
            "centrality_kept": float(sum(c * i for (w, _, i), c in zip(document, centrality) if w in words))}


def cnndm_texts(path: str) -> list[list[str]]:
    """CNN/DailyMail's article sentences and highlights, tokenized as Gigaword (digits as `#`)."""
    texts = []
    for record in read_records(Path(path)):
        article = re.sub(r"\d", "#", record["article"])
        texts += [s.split() for s in re.split(r"(?<= [.!?]) ", article) if len(s.split()) > 3]
        texts += [re.sub(r"\d", "#", h).split() for h in record["highlights"]]
    return texts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump")
    parser.add_argument("bundle")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--cnndm", default=None, help="CNN/DailyMail train.jsonl.gz: its text besides the run's")
    args = parser.parse_args()
    config = load_bundle_config(Path(args.bundle))
    corpus = load_corpus(config.data, config.seed)
    texts = [t.split() for t in corpus.articles + corpus.summaries]  # never the dev slice
    if args.cnndm:
        texts += cnndm_texts(args.cnndm)
    print(f"word2vec on {len(texts)} texts, {sum(map(len, texts))} words", flush=True)
    vectors = Word2Vec(texts, vector_size=args.dim, window=5, min_count=5, workers=1, epochs=args.epochs,
                       seed=config.seed).wv
    prior = WordPrior.load(f"{args.bundle}/word_prior.json")

    def idf(word):
        return math.log((prior.n_articles + 2) / (prior.article_df.get(word, 0) + 1))

    def vector(word):
        return vectors[word] / (np.linalg.norm(vectors[word]) + 1e-9) if word in vectors else None

    records = json.load(open(args.dump))["documents"]
    names = ["centroid", "soft_recall", "centrality_kept"]
    kept_records = []
    for record in records:
        read = corpus.dev_articles[record["index"]].split()[:config.data.max_document_words]
        document = [(w, vector(w), idf(w)) for w in read if not is_function_token(w) and vector(w) is not None]
        if not document:
            continue
        for candidate in record["candidates"]:
            scores = embedding_scores(candidate["summary"].split(), document, vector, idf)
            for name, value in scores.items():
                candidate["scores"][name] = value
                for weight in (1, 2, 4):
                    candidate["scores"][f"word_prior + {weight} {name}"] = \
                        candidate["scores"]["word_prior"] + weight * value
        kept_records.append(record)
    names += [f"word_prior + {w} {n}" for n in names for w in (1, 2, 4)]
    names += [n for n in ("similarity", "word_prior", "reconstruction") if n in records[0]["candidates"][0]["scores"]]
    out = summarize_records(kept_records, names)
    print(f"{len(kept_records)} documents, greedy {out['greedy']:.2f}")
    print("| score | Spearman, all | best, all | Spearman, swaps | best, swaps |\n| --- | --- | --- | --- | --- |")
    for name in names:
        entry = out["terms"][name]
        print(f"| {name} | {entry['all']['spearman']:+.2f} | {entry['all']['best']:.2f} | "
              f"{entry['swaps']['spearman']:+.2f} | {entry['swaps']['best']:.2f} |")


if __name__ == "__main__":
    main()
