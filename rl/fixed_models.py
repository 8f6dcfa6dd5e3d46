"""The fixed reward models: networks trained once on the corpus, before any stage, that never see the generator: the
language model of human summaries (the fluency reward's, seqae.core.summary_lm) and the coverage model
(seqae.rl.coverage). One recipe each, read from the run's config, so that the trainer and `seqae diagnose-reward`
(which trains them for a run that has none) build the same model.
"""

from seqae.core.config import Config
from seqae.data.tokenizer import WordCodec
from seqae.rl.coverage import CoverageModel
from seqae.core.summary_lm import SummaryLM


def train_summary_lm(config: Config, texts: list[str], device=None, progress: bool = True,
                     seed_offset: int = 0) -> SummaryLM:
    """On `texts` (a run's human summaries; never articles) with the config's summary_lm section. `seed_offset`
    keeps a second language model of the same run (diagnose-reward's readability LM) off the first one's seed."""
    settings = config.summary_lm
    return SummaryLM.train(texts, seed=config.seed + seed_offset, steps=settings.steps,
                           batch_size=settings.batch_size, lr=settings.lr, hidden=settings.hidden_size,
                           layers=settings.num_layers, vocab_size=settings.vocab_size, device=device,
                           progress=progress)


def train_coverage(config: Config, articles: list[str], codec: WordCodec, device=None,
                   progress: bool = True) -> CoverageModel:
    """On the run's articles with random summaries of their content words, with the config's coverage section."""
    settings = config.coverage
    return CoverageModel.train(articles, codec, max_words=config.data.max_document_words, seed=config.seed,
                               steps=settings.steps, batch_size=settings.batch_size, lr=settings.lr,
                               hidden=settings.hidden_size, layers=settings.num_layers,
                               max_summary_words=settings.max_summary_words,
                               shared_candidates=settings.shared_candidates, device=device, progress=progress)


def load_coverage(path, config: Config, codec: WordCodec) -> CoverageModel:
    """A coverage model saved by either of them, read with the config's settings."""
    return CoverageModel.load(path, codec, config.data.max_document_words, config.coverage.shared_candidates)
