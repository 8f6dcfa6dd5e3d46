"""The generator kinds. Each class owns its network's build and load, its warm-start loss, its loss towards search's
choices (learning from search), its rollout (the samples policy gradient learns from) and its decoding; `GENERATORS`
maps the config's name to the class.

- `ExtractiveGenerator`: a keep/drop tagger over the document's words (seqae.core.tagger). Summaries are kept
  document words in document order; decoding keeps the top-k words, so its length is exact.
- `AbstractiveGenerator`: a Llama causal LM writing `document <sep> summary </s>`; sampling and beam search
  through generate(), never emitting the unknown token.

Both return the same `Rollout`, so the RL step, the rewards and the loss never ask which kind runs.
"""

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm
from transformers import (
    AutoModelForCausalLM,
    AutoModelForTokenClassification,
    BertForTokenClassification,
    LogitsProcessor,
    LogitsProcessorList,
)

from seqae.core.config import ModelConfig
from seqae.data.heuristics import PREPOSITIONS, heuristic_positions, heuristic_summary
from seqae.data.tokenizer import WordCodec
from seqae.core.encoding import (IGNORE_INDEX, WriterVocabulary, generator_prompts, model_vocab_size,
                                 supervised_generator_batch, truncate_words)
from seqae.data.errors import UsageError
from seqae.core.losses import keep_drop_loss, per_sequence_nll
from seqae.core.models import PRETRAINED, bert_config, causal_lm, load_model, resolve_pretrained, vocab_prefix
from seqae.core.optim import NonFiniteStep
from seqae.core.sampling import (action_entropy, action_logprobs, completion_mask, gumbel_top_k, keep_scores,
                            plackett_luce_logprob, positions_to_summary, repeat_rows)
from seqae.core.selection import KeepSelection
from seqae.core.tagger import attach_tokenizer, has_tokenizer_files, load_subword_tokenizer, tag_words


@dataclass
class Rollout:
    summaries: list[str]
    logprobs: torch.Tensor  # [N, T] log pi(action), differentiable
    mask: torch.Tensor  # [N, T] 1 where an action was taken
    entropy: torch.Tensor  # [N, T]


class Generator:
    """A generator network with the behaviour of its kind. `model` may be wrapped (DDP) for training."""

    name: str
    writes_tokens: bool  # samples vocabulary tokens with generate() (what trl's GRPOTrainer trains)
    selects_words: bool  # picks document positions (`select`), so test-time search can swap them

    def __init__(self, model, codec: WordCodec, max_words: int):
        self.model, self.codec, self.max_words = model, codec, max_words

    @property
    def module(self):
        """The network itself, unwrapped from DDP: for generate(), saving and inference."""
        return getattr(self.model, "module", self.model)

    @property
    def device(self):
        return next(self.model.parameters()).device

    @classmethod
    def build(cls, config: ModelConfig, tokenizer, codec: WordCodec, max_words: int) -> "Generator":
        raise NotImplementedError

    @classmethod
    def load(cls, directory, codec: WordCodec, max_words: int) -> "Generator":
        raise NotImplementedError

    def warm_start_loss(self, documents: list[str], heuristic: str, count: int) -> torch.Tensor:
        raise NotImplementedError

    def search_target_loss(self, pairs: list[tuple[str, list[int]]]) -> torch.Tensor:
        """Learning from search: the loss towards each (document, positions) pair's choice of the document's first
        `max_words` words (seqae.rl.search.improve_selections)."""
        raise NotImplementedError

    def rollout(self, documents: list[str], group_size: int, settings) -> Rollout:
        """`group_size` samples per document (adjacent rows); `settings` is the RL config section."""
        raise NotImplementedError

    def decode(self, documents: list[str], *, words: int, ratio: float | None = None, max_spans: int = 0,
               num_beams: int = 1, min_words: int = 1, no_repeat_ngram_size: int = 2,
               phrase_bonus: float = 0.0) -> list[str]:
        """Summaries; `max_spans` shapes a tagger's choice (seqae.core.selection) and is ignored by writers;
        `phrase_bonus` shapes a writer's (`DocumentPhrases`) and is ignored by taggers, whose phrases are the
        document's already."""
        raise NotImplementedError


class ExtractiveGenerator(KeepSelection, Generator):
    """Keep/drop tagging. Two samplers (rl.sampler), both at a temperature (after the warm start the tagger is
    nearly deterministic, so a temperature above 1 widens exploration):
    - bernoulli: an independent keep/drop draw per word, so samples have any length;
    - exact_length: `target_words` words drawn without replacement by Gumbel-top-k over the keep-minus-drop
      log-odds, with their Plackett-Luce log-probability: samples, greedy and inference all have k words,
      and length stops confounding the reward.
    """

    name, writes_tokens, selects_words = "extractive", False, True

    @classmethod
    def build(cls, config, tokenizer, codec, max_words):
        if config.generator_init:
            return cls.load(resolve_pretrained(config.generator_init, "model.generator_init"), codec, max_words)
        if max_words > config.max_positions:
            raise UsageError(f"config: data.max_document_words ({max_words}) must not exceed model.max_positions "
                             f"({config.max_positions}): the tagger reads one position a word")
        bert = bert_config(tokenizer.pad_token_id, vocab_prefix(tokenizer, config.generator_vocab_size),
                           config.hidden_size, config.num_layers, config.num_heads, config.intermediate_size,
                           config.max_positions, labels=2)
        return cls(BertForTokenClassification(bert), codec, max_words)

    @classmethod
    def load(cls, directory, codec, max_words):
        """A tagger whose directory holds a tokenizer (a pretrained subword model, or a seqae bundle made from
        one) reads documents through that tokenizer (seqae.core.tagger)."""
        model = load_model(directory, AutoModelForTokenClassification, cls.name, num_labels=2)
        if has_tokenizer_files(directory):
            attach_tokenizer(model, load_subword_tokenizer(directory))
        return cls(model, codec, max_words)

    def warm_start_loss(self, documents, heuristic, count):
        return self.selection_loss(documents, lambda row, words: heuristic_positions(words, heuristic, count))

    def search_target_loss(self, pairs):
        return self.selection_loss([document for document, _ in pairs], lambda row, _: pairs[row][1])

    def selection_loss(self, documents: list[str], positions_of) -> torch.Tensor:
        """Keep/drop cross-entropy towards the positions `positions_of(row, words)` picks in each document's
        words (the heuristic's in the warm start, the search's when learning from search outputs)."""
        tagged = tag_words(self.model, self.codec, documents, self.max_words, self.device)
        labels = selection_labels(tagged.words, positions_of, tagged.mask.shape).to(tagged.mask.device)
        return keep_drop_loss(tagged.logits, labels.masked_fill(tagged.mask == 0, IGNORE_INDEX))

    def rollout(self, documents, group_size, settings):
        self.model.train()
        tagged = tag_words(self.model, self.codec, documents, self.max_words, self.device)
        if not torch.isfinite(tagged.logits).all():  # torch.bernoulli fails on NaN probabilities
            raise NonFiniteStep("non-finite keep/drop probabilities before sampling")
        if settings.sampler == "exact_length":
            return self._exact_length_rollout(tagged, group_size, settings)
        logits = tagged.logits.repeat_interleave(group_size, dim=0) / settings.temperature
        mask = tagged.mask.repeat_interleave(group_size, dim=0).float()
        with torch.no_grad():
            keep = torch.bernoulli(torch.softmax(logits.float(), dim=-1)[..., 1]).long() * mask.long()
        summaries = [" ".join(word for word, kept in zip(tagged.words[row // group_size], keep[row].tolist()) if kept)
                     for row in range(keep.size(0))]
        return Rollout(summaries, action_logprobs(logits, keep), mask, action_entropy(logits))

    def _exact_length_rollout(self, tagged, group_size, settings) -> Rollout:
        scores = keep_scores(tagged.logits, tagged.mask, settings.temperature)
        with torch.no_grad():
            drawn = gumbel_top_k(scores, settings.target_words, num_samples=group_size)
        logprobs = plackett_luce_logprob(repeat_rows(scores, group_size), drawn).unsqueeze(1)
        summaries = [positions_to_summary(tagged.words[row // group_size], drawn[row].tolist())
                     for row in range(drawn.size(0))]
        # The keep/drop entropy per word, averaged over each document: a diagnostic of exploration.
        word_entropy = action_entropy(tagged.logits.float() / settings.temperature) * tagged.mask
        entropy = word_entropy.sum(1, keepdim=True) / tagged.mask.sum(1, keepdim=True).clamp(min=1)
        return Rollout(summaries, logprobs, torch.ones_like(logprobs), repeat_rows(entropy, group_size))

    @torch.no_grad()
    def keep_probabilities(self, documents: list[str]) -> tuple[list[list[str]], torch.Tensor]:
        """The words the tagger read per document, and each word's keep probability (-inf past a row's end)."""
        self.model.eval()
        # The unwrapped network: a DDP forward on one process alone would desynchronize the processes.
        tagged = tag_words(self.module, self.codec, documents, self.max_words, self.device)
        return tagged.words, torch.softmax(tagged.logits.float(), -1)[..., 1].masked_fill(tagged.mask == 0,
                                                                                         float("-inf"))


def selection_labels(words: list[list[str]], positions_of, shape) -> torch.Tensor:
    """[B, W] 1 at the positions `positions_of(row, document_words)` picks in each document, else 0 (a
    position past the words read, when a subword tagger read fewer, is left out)."""
    labels = torch.zeros(shape, dtype=torch.long)
    for row, row_words in enumerate(words):
        labels[row, [p for p in positions_of(row, row_words) if p < len(row_words)]] = 1
    return labels


class GeneratedNoRepeatNGram(LogitsProcessor):
    """Ban any token that would repeat an n-gram of the generated part only.

    transformers' `no_repeat_ngram_size` also counts the prompt of a decoder-only model, which forbids
    copying document bigrams into the summary (measured 22.1 -> 16.4 R-1 on Gigaword).
    """

    def __init__(self, ngram_size: int, prompt_length: int, eos: int | None = None):
        self.ngram_size, self.prompt_length, self.eos = ngram_size, prompt_length, eos

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        n = self.ngram_size
        generated = input_ids[:, self.prompt_length:].tolist()
        for row, tokens in enumerate(generated):
            if len(tokens) < n - 1 or n < 1:
                continue
            prefix = tuple(tokens[len(tokens) - n + 1:]) if n > 1 else ()
            # `eos` is never banned: generate() still scores a row after its </s>, and a row whose every allowed
            # word is written (the copy mask) would be left with no token at all, which sampling cannot draw from.
            banned = [tokens[i + n - 1] for i in range(len(tokens) - n + 1)
                      if tuple(tokens[i:i + n - 1]) == prefix and tokens[i + n - 1] != self.eos]
            if banned:
                scores[row, banned] = float("-inf")
        return scores


def allowed_tokens(prompt_ids: torch.Tensor, codec: WordCodec, vocab_size: int,
                   output_words: str) -> torch.Tensor | None:
    """[B, V] True for the tokens a row may write: its document's own words and </s> (plus the prepositions,
    for `document_and_prepositions`); None for `vocabulary` (any word). Never <unk> or a structure token."""
    if output_words == "vocabulary":
        return None
    allowed = torch.zeros(prompt_ids.size(0), vocab_size, dtype=torch.bool, device=prompt_ids.device)
    allowed.scatter_(1, prompt_ids, True)
    if output_words == "document_and_prepositions":
        allowed[:, [i for i in codec.ids(sorted(PREPOSITIONS)) if i < vocab_size and i != codec.unk]] = True
    allowed[:, sorted(codec.special)] = False
    allowed[:, codec.eos] = True
    return allowed


class FiniteScores(LogitsProcessor):
    """Stops sampling on scores a distribution cannot be made of (NaN, or +inf: softmax gives NaN), where
    torch.multinomial would fail deep inside generate(); -inf is a banned token, as the masks write it."""

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if not bool((scores < float("inf")).all()):  # false for NaN and +inf alike
            raise NonFiniteStep("non-finite token probabilities before sampling")
        return scores


class AllowedTokens(LogitsProcessor):
    """generate()'s side of the copy mask: rows (samples or beams of one document follow each other, as
    generate() expands them) may write only their document's allowed tokens."""

    def __init__(self, allowed: torch.Tensor):
        self.allowed = allowed

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        allowed = self.allowed.repeat_interleave(scores.size(0) // self.allowed.size(0), dim=0)
        return scores.masked_fill(~allowed, float("-inf"))


def end_banned(scores: torch.Tensor, eos: int) -> torch.Tensor:
    """`scores` ([..., V]) with </s> banned (-inf) wherever another token is still allowed: a summary that must
    run on may not end, and one whose every allowed word is written (the copy mask) still can."""
    return ban_end_in_place(scores.clone(), eos)


def ban_end_in_place(scores: torch.Tensor, eos: int) -> torch.Tensor:
    """`end_banned` without the copy (generate()'s scores: no gradient, and a copy a step of every row's whole
    vocabulary costs as much as the rest of a drawn summary's processing)."""
    end = scores[..., eos].clone()
    scores[..., eos] = float("-inf")
    can_go_on = scores.detach().amax(dim=-1) > float("-inf")  # a max, not a count of finite ones: 25x faster on CPU
    scores[..., eos] = end.masked_fill(can_go_on, float("-inf"))
    return scores


def exact_words(settings) -> int:
    """How many words each of a writer's RL samples has under the RL config `settings`: rl.target_words with the
    exact_length sampler, else 0 (any number up to rl.max_new_tokens)."""
    return settings.target_words if settings.sampler == "exact_length" else 0


class NoEndBefore(LogitsProcessor):
    """generate()'s side of the writer's exact-length samples (rl.sampler): no </s> before `words` tokens are
    written while another token is allowed (`end_banned`); `rollout` bans it alike when it scores the samples."""

    def __init__(self, prompt_length: int, words: int, eos: int):
        self.prompt_length, self.words, self.eos = prompt_length, words, eos

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if input_ids.size(1) - self.prompt_length >= self.words:
            return scores
        return ban_end_in_place(scores, self.eos)


class DocumentPhrases(LogitsProcessor):
    """Adds `bonus` to the score of each word that continues the document after the word a row wrote last (the
    word after it at any of its occurrences), so that greedy and beam search keep the article's phrases rather than
    reorder word by word: blind readers of the writers followed the share of a summary's word pairs adjacent in
    its article, and the writer's own probabilities put too little on them (docs/readability.md). Decoding only:
    RL samples the policy as it is."""

    def __init__(self, prompt_ids: torch.Tensor, bonus: float, special: set[int]):
        self.prompt_length, self.bonus = prompt_ids.size(1), bonus
        self.following: list[dict[int, list[int]]] = []
        for row in prompt_ids.tolist():
            following: dict[int, set[int]] = {}
            for word, after in zip(row, row[1:]):
                if word not in special and after not in special:  # <unk> or <sep> between: no phrase goes on
                    following.setdefault(word, set()).add(after)
            self.following.append({word: sorted(after) for word, after in following.items()})

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if input_ids.size(1) <= self.prompt_length:
            return scores  # nothing written yet
        rows_per_document = scores.size(0) // len(self.following)  # beams or samples of one document are adjacent
        for row, last in enumerate(input_ids[:, -1].tolist()):
            after = self.following[row // rows_per_document].get(last)
            if after:
                scores[row, after] += self.bonus
        return scores


class SeededGumbel(LogitsProcessor):
    """Adds standard Gumbel noise to each row's scores from that row's own seeded generator: greedy decoding over
    the noisy scores then draws each token from the softmax of the scores the other processors left (the Gumbel-max
    trick), and a row's draw depends on its seed alone, not on the rows beside it in the batch."""

    def __init__(self, seeds: list[int], allowed: torch.Tensor | None = None):
        """One seed a row; `allowed` ([documents, V], the copy mask, a document's rows adjacent as generate() expands
        them): noise is drawn for those tokens only (the others score -inf), a few dozen a row instead of the whole
        vocabulary."""
        self.generators = [torch.Generator().manual_seed(seed) for seed in seeds]
        self.columns = None
        if allowed is not None:
            per_document = len(seeds) // allowed.size(0)
            self.columns = [row.nonzero().squeeze(1) for row in allowed.cpu() for _ in range(per_document)]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.columns is None:
            uniform = torch.stack([torch.rand(scores.size(1), generator=g) for g in self.generators])
            return scores + gumbel(uniform).to(scores.device)
        uniform = torch.cat([torch.rand(len(c), generator=g) for c, g in zip(self.columns, self.generators)])
        rows = torch.cat([torch.full((len(c),), row) for row, c in enumerate(self.columns)])
        scores[rows.to(scores.device), torch.cat(self.columns).to(scores.device)] += gumbel(uniform).to(scores.device)
        return scores


def gumbel(uniform: torch.Tensor) -> torch.Tensor:
    """Standard Gumbel noise from uniform draws in [0, 1)."""
    return -torch.log(-torch.log(uniform.clamp_min(torch.finfo(uniform.dtype).tiny)))


def draw_seeds(documents: list[str], count: int, seed: int) -> list[int]:
    """The seeds of `count` draws of each document (adjacent): from `seed`, the document's text and the draw's
    index, as a tagger's noisy candidates are seeded (seqae.core.selection.span_candidates)."""
    return [int(np.random.SeedSequence([seed, zlib.crc32(document.encode("utf-8")), index]).generate_state(1)[0])
            for document in documents for index in range(count)]


def mask_completion_logits(logits: torch.Tensor, allowed: torch.Tensor | None, completion: torch.Tensor,
                           mask: torch.Tensor, eos: int) -> torch.Tensor:
    """The policy's logits at each completion step exactly as sampling saw them: outside the allowed tokens
    -inf, and (with a copy mask) every word already written -inf (no word twice)."""
    if allowed is None:
        return logits
    logits = logits.masked_fill(~allowed[:, None, :], float("-inf"))
    # Tokens written before step t, except </s> and what follows it (those steps are masked out anyway).
    written = completion.masked_fill((mask == 0) | (completion == eos), eos)
    banned = torch.zeros_like(logits, dtype=torch.bool)
    for step in range(1, completion.size(1)):
        banned[:, step].scatter_(1, written[:, :step], True)
    banned[..., eos] = False
    return logits.masked_fill(banned, float("-inf"))


class AbstractiveGenerator(Generator):
    """A causal LM that writes the summary after `document <sep>`. Sampling is at temperature 1 (trl's
    default, so both RL backends draw alike); the log-probs for the update come from one forward pass over
    the completion only (`logits_to_keep`), as trl does."""

    name, writes_tokens, selects_words = "abstractive", True, False

    @property
    def output_words(self) -> str:
        """model.output_words, saved in the network's own config.json so that decoding follows training."""
        return getattr(self.module.config, "seqae_output_words", "vocabulary")

    @property
    def vocabulary(self) -> WriterVocabulary:
        """Its words and copy slots (model.copy_slots, saved in the network's config.json as seqae_copy_slots)."""
        return WriterVocabulary.of(self.model, self.codec)

    def _allowed(self, prompt_ids: torch.Tensor) -> torch.Tensor | None:
        return allowed_tokens(prompt_ids, self.codec, model_vocab_size(self.model), self.output_words)

    def _processors(self, prompt_ids: torch.Tensor, allowed, no_repeat_ngram_size: int) -> LogitsProcessorList:
        processors = LogitsProcessorList()
        if allowed is not None:
            # The copy mask: only the document's words, none twice.
            processors += [AllowedTokens(allowed), GeneratedNoRepeatNGram(1, prompt_ids.size(1), self.codec.eos)]
        if no_repeat_ngram_size > 1 or (no_repeat_ngram_size == 1 and allowed is None):
            processors.append(GeneratedNoRepeatNGram(no_repeat_ngram_size, prompt_ids.size(1), self.codec.eos))
        return processors

    def _decoding_processors(self, prompt_ids: torch.Tensor, *, words: int, min_words: int, no_repeat_ngram_size: int,
                             phrase_bonus: float) -> tuple[LogitsProcessorList, torch.Tensor | None]:
        """What steers every decoded candidate alike (greedy, beams, draws), and the copy mask: the copy mask, no
        repeated n-gram, the phrase bonus (`DocumentPhrases`), at least `min_words` words."""
        allowed = self._allowed(prompt_ids.to(self.device))
        processors = self._processors(prompt_ids, allowed, no_repeat_ngram_size)
        if phrase_bonus:
            processors.append(DocumentPhrases(prompt_ids, phrase_bonus, set(self.codec.special)))
        # At least min_words where the document has them (not generate()'s min_new_tokens, which bans </s> even when
        # the copy mask has nothing else left).
        processors.append(NoEndBefore(prompt_ids.size(1), min(min_words, words), self.codec.eos))
        return processors, allowed

    @property
    def suppressed(self) -> list[int]:
        # Never the unknown token (it would score as a hit against test titles' UNK) or structure tokens.
        return [self.codec.unk, self.codec.pad, self.codec.bos, self.codec.sep]

    @classmethod
    def build(cls, config, tokenizer, codec, max_words):
        if config.generator_init:
            if config.generator_init.lower() in PRETRAINED:
                raise UsageError(f"model.generator_init={config.generator_init} is an encoder: it needs "
                                 "model.generator=extractive")
            return cls.load(resolve_pretrained(config.generator_init, "model.generator_init"), codec, max_words)
        model = causal_lm(tokenizer, vocab_prefix(tokenizer, config.generator_vocab_size) + config.writer_copy_slots,
                          config.hidden_size, config.num_layers, config.num_heads, config.intermediate_size,
                          config.max_positions)
        model.config.seqae_output_words, model.config.seqae_copy_slots = config.output_words, config.writer_copy_slots
        return cls(model, codec, max_words)

    @classmethod
    def load(cls, directory, codec, max_words):
        return cls(load_model(Path(directory), AutoModelForCausalLM, cls.name), codec, max_words)

    def warm_start_loss(self, documents, heuristic, count):
        """Cross-entropy on the heuristic's words."""
        return self.imitation_loss(documents, [heuristic_summary(d, heuristic, count, self.max_words)
                                               for d in documents], count)

    def search_target_loss(self, pairs):
        """Cross-entropy on the search's words, in document order: the chosen words as the text to write."""
        targets = []
        for document, positions in pairs:
            words = truncate_words(document, self.max_words)
            targets.append(" ".join(words[p] for p in positions if p < len(words)))
        return self.imitation_loss([document for document, _ in pairs], targets,
                                   max((len(positions) for _, positions in pairs), default=1))

    def imitation_loss(self, documents: list[str], targets: list[str], count: int) -> torch.Tensor:
        """Cross-entropy on `targets` (their first `count` words). Left-padded, so the targets are the last positions
        and the vocabulary softmax runs there only (`logits_to_keep`); positions count real tokens, as in
        generate()."""
        batch = supervised_generator_batch(self.vocabulary, documents, targets, self.max_words, count, left=True)
        batch = {k: v.to(self.device) for k, v in batch.items()}
        keep = int((batch["labels"] != IGNORE_INDEX).sum(1).max()) + 1
        position_ids = (batch["attention_mask"].cumsum(dim=1) - 1).clamp(min=0)
        logits = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                            position_ids=position_ids, logits_to_keep=keep).logits
        labels = batch["labels"][:, -keep:]
        labels = labels.masked_fill(labels == self.codec.unk, IGNORE_INDEX)  # never written (suppressed)
        prompts, _, _ = generator_prompts(self.vocabulary, documents, self.max_words)
        allowed = self._allowed(prompts.to(self.device))
        if allowed is not None:
            # -1e4, not -inf: the unlabelled prompt position's loss is multiplied by 0, and inf * 0 is NaN.
            logits = logits.masked_fill(~allowed[:, None, :], -1e4)
        return per_sequence_nll(logits, labels).mean()

    def _texts(self, completions: torch.Tensor, slots: list[list[str]]) -> list[str]:
        """The summaries of generate()'s completion rows, the rows of one document adjacent (its samples or beams),
        each copy slot written as its document's word."""
        rows, vocabulary = completions.tolist(), self.vocabulary
        per_document = len(rows) // max(1, len(slots))
        return [vocabulary.text(row, slots[index // per_document]) for index, row in enumerate(rows)]

    def _sampled(self, documents: list[str], count: int, settings):
        """`count` summaries a document drawn as RL with the RL config `settings` draws them: (prompt ids, prompt
        mask, copy mask, prompt + completion ids, the documents' copy slots). Exact-length samples (`exact_words`)
        have that many words (`NoEndBefore`) where the document has them; others end at </s> or rl.max_new_tokens."""
        prompt_ids, prompt_mask, slots = generator_prompts(self.vocabulary, documents, self.max_words)
        prompt_ids, prompt_mask = prompt_ids.to(self.device), prompt_mask.to(self.device)
        allowed = self._allowed(prompt_ids)
        processors = self._processors(prompt_ids, allowed, 0)
        words = exact_words(settings)
        if words:
            processors.append(NoEndBefore(prompt_ids.size(1), words, self.codec.eos))
        processors.append(FiniteScores())
        self.module.eval()
        with torch.no_grad():
            output = self.module.generate(
                input_ids=prompt_ids, attention_mask=prompt_mask, do_sample=True, top_k=0, top_p=1.0,
                temperature=1.0, num_return_sequences=count, max_new_tokens=words or settings.max_new_tokens,
                suppress_tokens=self.suppressed, logits_processor=processors,
                pad_token_id=self.codec.pad, eos_token_id=self.codec.eos,
            )
        return prompt_ids, prompt_mask, allowed, output, slots

    def sample(self, documents: list[str], count: int, settings) -> list[str]:
        """`count` summaries a document (adjacent), drawn as RL with the RL config `settings` draws them (what its
        best-of-k update picks from)."""
        prompt_ids, _, _, output, slots = self._sampled(documents, count, settings)
        return self._texts(output[:, prompt_ids.size(1):], slots)

    def rollout(self, documents, group_size, settings):
        prompt_ids, prompt_mask, allowed, output, slots = self._sampled(documents, group_size, settings)
        completion = output[:, prompt_ids.size(1):]
        mask = completion_mask(completion, self.codec.eos)
        attention_mask = torch.cat([prompt_mask.repeat_interleave(group_size, dim=0), mask], dim=1)
        # Left padding: positions must count real tokens only, exactly as generate() numbered them.
        position_ids = (attention_mask.cumsum(dim=1) - 1).clamp(min=0)
        self.model.train()
        logits = self.model(input_ids=output, attention_mask=attention_mask, position_ids=position_ids,
                            logits_to_keep=completion.size(1) + 1).logits[:, :-1]
        logits[..., self.suppressed] = float("-inf")
        if allowed is not None:
            logits = mask_completion_logits(logits, allowed.repeat_interleave(group_size, dim=0), completion, mask,
                                            self.codec.eos)
        if exact_words(settings):  # every sampled step came before the last word: </s> banned as NoEndBefore bans it
            logits = end_banned(logits, self.codec.eos)
        summaries = self._texts(completion, slots)
        # Past EOS generate() pads with a suppressed token (log-prob -inf, and -inf * 0 is NaN): read EOS there.
        actions = completion.masked_fill(mask == 0, self.codec.eos)
        return Rollout(summaries, action_logprobs(logits, actions), mask.float(),
                       action_entropy(logits.masked_fill(torch.isinf(logits), -1e9)))

    @torch.no_grad()
    def decode(self, documents, *, words, ratio=None, max_spans=0, num_beams=1, min_words=1, no_repeat_ngram_size=2,
               phrase_bonus=0.0, num_return_sequences=1):
        """Greedy or beam-search summaries; with `num_return_sequences`, that many of the beam's best per document,
        adjacent (the candidates reranking chooses among); `phrase_bonus`: `DocumentPhrases`."""
        self.module.eval()
        prompt_ids, prompt_mask, slots = generator_prompts(self.vocabulary, documents, self.max_words)
        processors, _ = self._decoding_processors(prompt_ids, words=words, min_words=min_words,
                                                  no_repeat_ngram_size=no_repeat_ngram_size, phrase_bonus=phrase_bonus)
        output = self.module.generate(
            input_ids=prompt_ids.to(self.device), attention_mask=prompt_mask.to(self.device), do_sample=False,
            # At most `words` words: a summary that reaches them ends there, with or without </s> (a phrase bonus
            # can outbid </s> after the last word).
            num_beams=num_beams, num_return_sequences=num_return_sequences, max_new_tokens=words,
            suppress_tokens=self.suppressed, logits_processor=processors,
            pad_token_id=self.codec.pad, eos_token_id=self.codec.eos, early_stopping=num_beams > 1,
        )
        return self._texts(output[:, prompt_ids.size(1):], slots)

    @torch.no_grad()
    def draw(self, documents, count, *, seed, words, min_words=1, no_repeat_ngram_size=2, phrase_bonus=0.0):
        """`count` summaries a document (adjacent) drawn at temperature 1 from the writer as `decode` steers it
        (copy mask, no repeated n-gram, `phrase_bonus`, at least `min_words` and at most `words` words): more
        candidates for reranking than the beam's few near-twins. Seeded per document (`draw_seeds`, `SeededGumbel`):
        a document's draws do not depend on its batch."""
        self.module.eval()
        prompt_ids, prompt_mask, slots = generator_prompts(self.vocabulary, documents, self.max_words)
        # The processors read one row a document and follow generate()'s rows, a document's draws adjacent.
        processors, allowed = self._decoding_processors(prompt_ids, words=words, min_words=min_words,
                                                        no_repeat_ngram_size=no_repeat_ngram_size,
                                                        phrase_bonus=phrase_bonus)
        processors.append(SeededGumbel(draw_seeds(documents, count, seed), allowed))
        output = self.module.generate(
            input_ids=prompt_ids.repeat_interleave(count, 0).to(self.device),
            attention_mask=prompt_mask.repeat_interleave(count, 0).to(self.device), do_sample=False,
            num_beams=1, max_new_tokens=words, suppress_tokens=self.suppressed, logits_processor=processors,
            pad_token_id=self.codec.pad, eos_token_id=self.codec.eos,
        )
        return self._texts(output[:, prompt_ids.size(1):], slots)


GENERATORS: dict[str, type[Generator]] = {cls.name: cls for cls in (ExtractiveGenerator, AbstractiveGenerator)}


def generator_class(name: str) -> type[Generator]:
    if name not in GENERATORS:
        raise UsageError(f"model.generator must be one of {', '.join(GENERATORS)}, got {name!r}")
    return GENERATORS[name]


def summarize_in_batches(generator, documents: list[str], config, *, words: int | None = None,
                         ratio: float | None = None, max_spans: int | None = None, num_beams: int | None = None,
                         batch_size: int | None = None, progress: bool = False) -> list[str]:
    """Summaries of `documents` by a `seqae.core.generators.Generator`, in batches, with the config's decoding
    settings unless overridden."""
    decode = config.decode
    words = words or decode.words
    batch_size = batch_size or decode.batch_size
    summaries = []
    for start in tqdm(range(0, len(documents), batch_size), desc="summarize", unit="batch", disable=not progress):
        batch = documents[start:start + batch_size]
        summaries += generator.decode(batch, words=words, ratio=ratio,
                                      max_spans=decode.max_spans if max_spans is None else max_spans,
                                      min_words=min(decode.min_words, words),
                                      num_beams=num_beams if num_beams is not None else decode.num_beams,
                                      no_repeat_ngram_size=decode.no_repeat_ngram_size,
                                      phrase_bonus=decode.phrase_bonus)
    return summaries
