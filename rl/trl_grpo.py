"""The abstractive generator trained by trl's GRPOTrainer, with seqae's own reward callables.

An alternative to `seqae.rl.loop.rl_step` for a generator that writes tokens (abstractive), kept for comparison (see
`seqae.eval.rl_speed`): the same group-relative policy gradient, but sampling, advantages and the update are
trl's. What this module adapts:

- prompts: trl has no `max_prompt_length`, so each document is cut to `max_words` words here, words the model
  cannot read become `<unk>`, and `<sep>` ends the prompt: the tokenizer then gives exactly the ids of
  `seqae.core.encoding.generator_prompts` without copy slots (trl pads them on the left itself);
- rewards: each of our callables `(documents, summaries, **kwargs) -> list[float]` becomes a trl reward function
  `(prompts, completions, **kwargs)`. The document travels in the dataset column `document` (trl hands extra
  columns to reward functions as keyword arguments), and summaries are decoded from `completion_ids` with
  `WordCodec.text` (words joined by spaces, special tokens dropped, cut at the first EOS), so a reward sees
  exactly what it sees under our loop. trl has no place for R's and D's updates, so the adapter runs a
  learned term's `update` right after scoring it (trl runs plain-function rewards with gradients enabled);
- generation: never samples `<unk>`, `<pad>`, `<s>` or `<sep>` (`generation_kwargs={"suppress_tokens": ...}`),
  as `AbstractiveGenerator` does. Unlike our loop, trl's log-probs for the update are not renormalized over the
  allowed tokens (its fused LM head scores the full vocabulary);
- the rest is pinned for a CPU run comparable to our loop: no vLLM, no reference model (beta=0), one update per
  generation batch, constant learning rate, gradient clipping at 1, float32 (trl defaults to bf16 and gradient
  checkpointing), nothing saved or reported.

Note: GRPOTrainer patches `generator.forward` in place (a fused LM head used when called with
`fused_lm_head=True`; other calls go to the original forward, so generation and our loop are unaffected).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from datasets import Dataset
from transformers import PrinterCallback, TrainerCallback
from trl import GRPOConfig, GRPOTrainer

from seqae.data.tokenizer import WordCodec
from seqae.core.encoding import model_vocab_size, truncate_words
from seqae.rl.rewards import DiscriminatorReward, ReconstructionReward


def grpo_prompt(codec: WordCodec, document: str, max_words: int, vocab_size: int | None = None) -> str:
    """`document <sep>` as text whose tokenization gives the ids of `generator_prompts` (before padding)."""
    ids = codec.ids(truncate_words(document, max_words), vocab_size) + [codec.sep]
    return " ".join(codec.id_to_word[i] for i in ids)


class TrlReward:
    """One of our reward callables seen as a trl reward function; counts its calls and the time they take."""

    def __init__(self, name: str, function, codec: WordCodec):
        self.__name__ = name  # trl names the reward (`rewards/<name>/mean` in its logs) after this
        self.function, self.codec = function, codec
        self.calls, self.seconds = 0, 0.0
        self.durations: list[float] = []  # seconds of each call

    def __call__(self, prompts, completions, completion_ids=None, document=None, log_metric=None, **_) -> list[float]:
        if document is None:
            raise ValueError("the GRPO dataset needs a 'document' column (build it with build_grpo_trainer)")
        if completion_ids is not None:
            summaries = [self.codec.text(ids) for ids in completion_ids]
        else:  # a trl that does not pass ids: its decoding joins word tokens with spaces too
            summaries = [" ".join(text.split()) for text in completions]
        started = time.perf_counter()
        values = self.function(list(document), summaries)
        metrics = {}
        if isinstance(self.function, ReconstructionReward):
            metrics = self.function.update(list(document), summaries)
        elif isinstance(self.function, DiscriminatorReward):
            metrics = self.function.update(summaries)
        self.durations.append(time.perf_counter() - started)
        self.seconds += self.durations[-1]
        self.calls += 1
        if log_metric is not None:
            for key, value in metrics.items():
                log_metric(key, value)
        return [float(v) for v in values]


class StepTimer(TrainerCallback):
    """Wall-clock seconds of each optimizer step (generation, rewards, loss, backward, optimizer) and trl's logs."""

    def __init__(self):
        self.step_seconds: list[float] = []  # wall clock
        self.cpu_seconds: list[float] = []  # this process's CPU time, all threads
        self.logs: list[dict] = []
        self._started = None

    def on_step_begin(self, args, state, control, **kwargs):
        self._started = (time.perf_counter(), time.process_time())

    def on_step_end(self, args, state, control, **kwargs):
        if self._started is not None:
            self.step_seconds.append(time.perf_counter() - self._started[0])
            self.cpu_seconds.append(time.process_time() - self._started[1])
            self._started = None

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs:
            self.logs.append(dict(logs))


def build_grpo_trainer(generator, tokenizer, documents: list[str], reward_functions: dict, weights: dict, *,
                       group_size: int, prompts_per_step: int, max_new_tokens: int, lr: float, steps: int,
                       out_dir, seed: int = 0, max_words: int = 60, loss_type: str = "dr_grpo",
                       use_cpu: bool = True, logging_steps: int = 1, quiet: bool = True):
    """A `trl.GRPOTrainer` that trains the abstractive `generator` (unwrapped) on `documents` for `steps` steps.

    Each step samples `group_size` completions for each of `prompts_per_step` documents and scores them with
    every callable of `reward_functions` (name -> our reward callable), summed with `weights` (name -> weight);
    the advantage is the reward minus its group's mean, over the group's standard deviation (trl's default, as
    in `group_relative_advantages`). `loss_type="dr_grpo"` sums the log-probs over a completion's tokens and
    divides by a constant, like our `policy_gradient_loss` (up to a factor 1/max_new_tokens); "grpo" averages
    them per completion instead. Call `.train()` on the result; `trainer.step_timer` holds the step times and
    trl's logged metrics, `trainer.seqae_rewards` the wrapped rewards (with their call counts and times).
    With `quiet`, the trainer does not print its log dictionaries (they still reach `step_timer.logs`).
    """
    if not documents:
        raise ValueError("no documents to train on")
    if group_size < 2:
        raise ValueError(f"group_size must be at least 2 for a group-relative baseline, got {group_size}")
    missing = [name for name in reward_functions if name not in weights]
    if missing:
        raise ValueError(f"no weight for reward(s) {', '.join(missing)}")
    codec = WordCodec.from_tokenizer(tokenizer)
    vocab_size = model_vocab_size(generator)
    # Room for the prompt, <sep> and the completion within the model's positions.
    positions = getattr(generator.config, "max_position_embeddings", None)
    if positions:
        max_words = max(1, min(max_words, positions - 1 - max_new_tokens))
    dataset = Dataset.from_dict({
        "prompt": [grpo_prompt(codec, d, max_words, vocab_size) for d in documents],
        "document": list(documents),
    })
    names = list(reward_functions)
    rewards = [TrlReward(name, reward_functions[name], codec) for name in names]
    # The generation config must agree with the tokenizer on the special ids (trl stops on both EOS sets).
    for target in (generator.config, generator.generation_config):
        target.pad_token_id, target.eos_token_id, target.bos_token_id = codec.pad, codec.eos, codec.bos
    suppressed = sorted({codec.unk, codec.pad, codec.bos, codec.sep})
    fields = {field.name for field in dataclasses.fields(GRPOConfig)}
    config = GRPOConfig(
        output_dir=str(Path(out_dir)),
        max_steps=steps,
        per_device_train_batch_size=prompts_per_step * group_size,  # counts completions, not prompts
        gradient_accumulation_steps=1,
        num_generations=group_size,
        num_iterations=1,
        max_completion_length=max_new_tokens,
        temperature=1.0,
        top_p=1.0,
        top_k=0,
        generation_kwargs={"suppress_tokens": suppressed},
        use_vllm=False,
        beta=0.0,
        loss_type=loss_type,
        scale_rewards="group",
        reward_weights=[float(weights[name]) for name in names],
        learning_rate=lr,
        lr_scheduler_type="constant",
        warmup_steps=0,
        weight_decay=0.01,  # torch.optim.AdamW's default, as in seqae's trainer
        max_grad_norm=1.0,
        bf16=False,
        fp16=False,
        use_cpu=use_cpu,
        seed=seed,
        data_seed=seed,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        report_to=[],
        save_strategy="no",
        logging_steps=logging_steps,
        disable_tqdm=True,
        log_completions=False,
        # trl turns checkpointing on by default; transformers 5 renamed the switch (the old name warns).
        **({"activation_checkpointing": False} if "activation_checkpointing" in fields else
           {"gradient_checkpointing": False}),
    )
    timer = StepTimer()
    trainer = GRPOTrainer(model=generator, reward_funcs=rewards, args=config, train_dataset=dataset,
                          processing_class=tokenizer, callbacks=[timer])
    if quiet:
        trainer.remove_callback(PrinterCallback)
    trainer.step_timer = timer
    trainer.seqae_rewards = {reward.__name__: reward for reward in rewards}
    return trainer


def run_grpo_stage(generator, tokenizer, documents: list[str], rewards, settings, *, steps: int, out_dir,
                   seed: int, max_words: int, use_cpu: bool) -> list[dict]:
    """Train `generator` (unwrapped) for `steps` GRPO steps with the RL config `settings` and seqae's `rewards`;
    returns trl's numeric log rows, one per step."""
    trainer = build_grpo_trainer(generator, tokenizer, documents, rewards.terms, rewards.weights,
                                 group_size=settings.group_size, prompts_per_step=settings.batch_size,
                                 max_new_tokens=settings.max_new_tokens, lr=settings.lr, steps=steps,
                                 out_dir=out_dir, seed=seed, max_words=max_words, use_cpu=use_cpu)
    trainer.train()
    step_logs = [row for row in trainer.step_timer.logs if "reward" in row]  # not the end-of-training summary
    return [{k: v for k, v in row.items() if isinstance(v, (int, float))} for row in step_logs]
