"""Training on your own corpus in one command: `seqae train --articles PATH... --summaries PATH... --out DIR`.

The Gigaword recipe (configs/gigaword.yaml) is what trains; the data section and the lengths come from the files:
- the documents the generator learns to compress are the articles' lead sentences (datelines and bylines dropped,
  split as document mode splits them: seqae.core.sentence_select.document_sentences), since `seqae summarize` writes a
  long document's headline from its lead; an article of one sentence (a Gigaword line) is its own lead;
- the human summaries are any short human-written texts, unrelated to the articles; each string of a JSON list
  (CNN/DailyMail `highlights`) is one summary;
- both are brought to the form the recipe trains on (lowercased PTB tokens, digits as `#`), as `seqae summarize`
  brings raw input to it;
- the summary length is the summaries' median word count; the generator reads enough words for 95% of the leads;
  the vocabulary holds every word seen at least twice; a dev slice of the documents is held out, and since they
  have no references the run selects its model by the recipe's reward there, beside the content-word lead's.
The prepared files go to DIR/data/ and the whole config to DIR/config.yaml: `seqae train DIR/config.yaml --out
OTHER` trains the same run again. Another recipe may stand in for Gigaword's: `seqae train RECIPE.yaml --articles ...`
(the tests train configs/tiny.yaml this way).
"""

import importlib.resources
import importlib.util
import json
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from seqae.core.config import load_config
from seqae.data.normalize import gigaword_normalize, looks_normalized
from seqae.data.readers import read_texts
from seqae.data.sentences import SentenceSplitter, is_written
from seqae.data.errors import DataError, UsageError
from seqae.data.io import atomic_write_text
from seqae.core.models import PRETRAINED
from seqae.core.sentence_select import document_sentences, lead_sentence

MIN_DOCUMENTS = 200  # fewer leave too little for a dev slice and the batches of the recipe
MIN_SUMMARIES = 200  # the summary language model and the word prior are fitted on them
SUMMARY_WORDS = (5, 20)  # the range the summary length is kept in, whatever the summaries' median
DOCUMENT_WORDS = (20, 120)  # the range of the words the generator reads (positions are 128 or more)
MAX_VOCABULARY = 30_000
DEV_DOCUMENTS = 500
SPLITTER_ARTICLES = 2_000  # lowercased articles a Punkt splitter learns the corpus's abbreviations from


@dataclass
class PreparedCorpus:
    """The training files written for a run, and what was measured on them."""

    documents_path: Path
    summaries_path: Path
    articles: int  # read from the user's files
    documents: int  # lead sentences written (one per article that has words)
    summaries: int
    document_words: int  # the words the generator reads
    summary_words: int  # the summaries' median length in words
    vocab_size: int


def read_all(paths: list[str], field: str, join_lists: bool) -> list[str]:
    return [text for path in paths for text in read_texts(path, field=field, join_lists=join_lists)]


def normalized(text: str) -> str:
    """`text` in the recipe's form (seqae.apps.summarize.Summarizer.normalize_words does the same to raw input)."""
    text = " ".join(text.split())
    return text if looks_normalized(text) else gigaword_normalize(text)


def lead_documents(articles: list[str]) -> list[str]:
    """Each article's lead sentence, normalized; an article that yields no sentence gives none."""

    lowercased = [article for article in articles if not is_written(article)]
    splitter = SentenceSplitter.train(lowercased[:SPLITTER_ARTICLES]) if lowercased else None
    leads = (lead_sentence(document_sentences(article, splitter))
             for article in tqdm(articles, desc="lead sentences", unit="article", disable=None))
    return [text for text in (normalized(lead) for lead in leads if lead) if text]


def percentile(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def prepare_corpus(article_paths: list[str], summary_paths: list[str], data_dir: Path, *,
                   articles_field: str = "text", summaries_field: str = "text") -> PreparedCorpus:
    """Read, check and measure the corpus, then write its documents and summaries under `data_dir` (one a line).
    Every check comes before anything is written: bad data leaves no files."""
    articles = read_all(article_paths, articles_field, join_lists=True)
    summaries = [text for text in (normalized(s) for s in read_all(summary_paths, summaries_field, join_lists=False))
                 if text]
    if len(summaries) < MIN_SUMMARIES:
        raise DataError(", ".join(summary_paths), f"only {len(summaries)} human summaries; the recipe needs at "
                        f"least {MIN_SUMMARIES} (its summary language model and word prior learn from them)")
    documents = lead_documents(articles)
    if len(documents) < MIN_DOCUMENTS:
        raise DataError(", ".join(article_paths), f"only {len(documents)} articles with a sentence to learn from; "
                        f"the recipe needs at least {MIN_DOCUMENTS}")
    counts = Counter(word for text in documents + summaries for word in text.split())
    low, high = DOCUMENT_WORDS
    shortest, longest = SUMMARY_WORDS
    prepared = PreparedCorpus(
        documents_path=data_dir / "documents.txt", summaries_path=data_dir / "summaries.txt",
        articles=len(articles), documents=len(documents), summaries=len(summaries),
        document_words=max(low, min(high, percentile([len(d.split()) for d in documents], 0.95))),
        summary_words=max(shortest, min(longest, round(statistics.median(len(s.split()) for s in summaries)))),
        vocab_size=min(MAX_VOCABULARY, 5 + sum(1 for count in counts.values() if count >= 2)))
    data_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(prepared.documents_path, "\n".join(documents) + "\n")
    atomic_write_text(prepared.summaries_path, "\n".join(summaries) + "\n")
    return prepared


def similarity_installed() -> bool:
    """Whether the recipe's MiniLM similarity term can run (seqae[pretrained])."""
    return importlib.util.find_spec(PRETRAINED["minilm"]) is not None


def corpus_choices(prepared: PreparedCorpus, recipe, similarity: bool) -> dict:
    """The config keys the corpus decides, over those of `recipe` (a Config)."""
    words = prepared.summary_words
    choices = {
        "data.articles": [str(prepared.documents_path.resolve())],
        "data.titles": [], "data.vocab_counts": [],
        "data.summaries": [str(prepared.summaries_path.resolve())],
        "data.normalize": False,  # already normalized when written
        "data.dev_size": min(DEV_DOCUMENTS, prepared.documents // 10),
        "data.max_document_words": prepared.document_words,
        "data.vocab_size": prepared.vocab_size,
        "model.max_positions": max(recipe.model.max_positions, prepared.document_words + 8),
        "warm_start.target_words": words, "rl.target_words": words, "decode.words": words,
        "rl.max_new_tokens": words + 6,
    }
    if not similarity:
        choices.update({"rl.similarity_weight": 0.0, "search.similarity_weight": 0.0})
    return choices


def corpus_config(prepared: PreparedCorpus, overrides: list[str], similarity: bool, recipe_path=None):
    """The recipe's config (the Gigaword recipe unless `recipe_path` names another) with the corpus's choices, then
    the user's KEY=VALUE overrides, which win."""
    recipe_path = recipe_path or Path(str(importlib.resources.files("seqae.configs") / "gigaword.yaml"))
    recipe = load_config(recipe_path)
    # JSON is YAML: each choice goes through the same checked path as a user's override.
    chosen = [f"{key}={json.dumps(value)}" for key, value in corpus_choices(prepared, recipe, similarity).items()]
    return load_config(recipe_path, chosen + list(overrides))


def describe(prepared: PreparedCorpus, similarity: bool) -> str:
    return (f"corpus: {prepared.documents:,} lead sentences of {prepared.articles:,} articles (the generator reads "
            f"{prepared.document_words} words), {prepared.summaries:,} human summaries (median "
            f"{prepared.summary_words} words: the summary length), {prepared.vocab_size:,} words; MiniLM similarity "
            f"{'on' if similarity else 'off (pip install seqae[pretrained] to add it)'}")


def check_sources(article_paths: list[str], summary_paths: list[str]) -> None:
    if not article_paths or not summary_paths:
        raise UsageError("training on your own corpus takes both --articles and --summaries (human-written short "
                         "texts, unrelated to the articles)")
