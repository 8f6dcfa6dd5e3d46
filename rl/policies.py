"""The generator as a policy: sample `group_size` summaries per document and return their action log-probs.

Both kinds return the same `Rollout`, so the RL step, the rewards and the loss do not care which one runs:
- abstractive: sample tokens with generate() (no grad), then one forward pass for log-probs of the sampled
  completion only (`logits_to_keep`), as trl does;
- extractive: one forward pass of the tagger gives keep probabilities per word (a subword tagger's first
  sub-token of each word, seqae.tagger); masks are Bernoulli samples from them, and the summary is the kept
  words in document order.
"""

from dataclasses import dataclass

import torch

from seqae.rl.pg import action_entropy, action_logprobs
from seqae.encoding import WordCodec, generator_prompts, model_vocab_size
from seqae.tagger import tag_words


@dataclass
class Rollout:
    summaries: list[str]
    logprobs: torch.Tensor  # [N, T] log pi(action), differentiable
    mask: torch.Tensor  # [N, T] 1 where an action was taken
    entropy: torch.Tensor  # [N, T]


def completion_mask(completion: torch.Tensor, eos_id: int) -> torch.Tensor:
    """1 for the generated tokens up to and including the first EOS, 0 after it."""
    is_eos = (completion == eos_id).long()
    return ((is_eos.cumsum(dim=1) - is_eos) == 0).long()


class AbstractivePolicy:
    def __init__(self, model, codec: WordCodec, accelerator, max_words: int, max_new_tokens: int):
        self.model, self.codec, self.accelerator = model, codec, accelerator
        self.max_words, self.max_new_tokens = max_words, max_new_tokens
        # Never sample the unknown token (it would score as a hit against test titles' UNK) or structure tokens.
        self.suppressed = [codec.unk, codec.pad, codec.bos, codec.sep]

    def rollout(self, documents: list[str], group_size: int) -> Rollout:
        device = self.accelerator.device
        prompt_ids, prompt_mask = (t.to(device) for t in generator_prompts(
            self.codec, documents, self.max_words, model_vocab_size(self.model)))
        generator = self.accelerator.unwrap_model(self.model)
        generator.eval()
        with torch.no_grad():
            output = generator.generate(
                input_ids=prompt_ids, attention_mask=prompt_mask, do_sample=True, top_k=0, top_p=1.0,
                temperature=1.0, num_return_sequences=group_size, max_new_tokens=self.max_new_tokens,
                suppress_tokens=self.suppressed, pad_token_id=self.codec.pad, eos_token_id=self.codec.eos,
            )
        completion = output[:, prompt_ids.size(1):]
        mask = completion_mask(completion, self.codec.eos)
        prompt_mask = prompt_mask.repeat_interleave(group_size, dim=0)
        attention_mask = torch.cat([prompt_mask, mask], dim=1)
        # Left padding: positions must count real tokens only, exactly as generate() numbered them.
        position_ids = (attention_mask.cumsum(dim=1) - 1).clamp(min=0)
        self.model.train()
        logits = self.model(input_ids=output, attention_mask=attention_mask, position_ids=position_ids,
                            logits_to_keep=completion.size(1) + 1).logits[:, :-1]
        logits[..., self.suppressed] = float("-inf")
        summaries = [self.codec.text(row) for row in completion.tolist()]
        # Past EOS generate() pads with a suppressed token (log-prob -inf, and -inf * 0 is NaN): read EOS there.
        actions = completion.masked_fill(mask == 0, self.codec.eos)
        return Rollout(summaries, action_logprobs(logits, actions), mask.float(),
                       action_entropy(logits.masked_fill(torch.isinf(logits), -1e9)))


class ExtractivePolicy:
    """Keep/drop sampling from softmax(logits / temperature).

    After the warm start the tagger is nearly deterministic (entropy ~0.07 nats a word on Gigaword), so RL
    would rarely see an alternative; a temperature above 1 widens exploration. Inference keeps the top-k
    words by score, which no temperature changes.
    """

    def __init__(self, model, codec: WordCodec, accelerator, max_words: int, temperature: float = 1.0):
        self.model, self.codec, self.accelerator = model, codec, accelerator
        self.max_words, self.temperature = max_words, temperature

    def rollout(self, documents: list[str], group_size: int) -> Rollout:
        self.model.train()
        tagged = tag_words(self.model, self.codec, documents, self.max_words, self.accelerator.device)
        words = tagged.words
        logits = tagged.logits.repeat_interleave(group_size, dim=0) / self.temperature
        mask = tagged.mask.repeat_interleave(group_size, dim=0).float()
        with torch.no_grad():
            keep = torch.bernoulli(torch.softmax(logits.float(), dim=-1)[..., 1]).long() * mask.long()
        summaries = [
            " ".join(word for word, kept in zip(words[row // group_size], keep[row].tolist()) if kept)
            for row in range(keep.size(0))
        ]
        return Rollout(summaries, action_logprobs(logits, keep), mask, action_entropy(logits))
