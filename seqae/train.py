"""The training recipe: corpus -> tokenizer -> warm start (G, R) -> D warm start -> adversarial RL.

One global step counter runs through the three stages, so a checkpoint names one point of the run and
`--resume` continues from it. Every step reseeds from (seed, step, process), and batches are a function of
(seed, step), so a resumed run takes the same path as an uninterrupted one.
"""

import functools
import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from accelerate import Accelerator
from tqdm import tqdm

from seqae.checkpoint import (
    MODEL_PARTS,
    checkpoint_path,
    list_checkpoints,
    load_trainer_state,
    prune_checkpoints,
    save_bundle,
)
from seqae.config import Config
from seqae.encoding import WordCodec
from seqae.errors import SeqaeError, UsageError
from seqae.models import build_discriminator, build_generator, build_reconstructor, load_model
from seqae.rl.loop import NonFiniteStep, all_finite, rl_step
from seqae.rl.policies import AbstractivePolicy, ExtractivePolicy
from seqae.rl.rewards import (
    DiscriminatorReward,
    ReconstructionReward,
    SimilarityReward,
    length_reward,
    repetition_reward,
)
from seqae.summarize import summarize_in_batches
from seqae.warmstart import discriminator_loss, generator_loss, pseudo_summary, reconstructor_loss


@dataclass
class Corpus:
    articles: list[str]
    summaries: list[str]
    dev_articles: list[str]
    dev_references: list[str] | None


def load_corpus(config: Config) -> Corpus:
    """Articles, human summaries and a dev slice, following the unsupervised split rules of the config."""
    from seqae.data.normalize import gigaword_normalize
    from seqae.data.readers import read_texts
    from seqae.data.splits import split_train_dev, unsupervised_split

    data = config.data
    if not data.articles:
        raise UsageError("config: data.articles is empty: give at least one article file")
    if data.titles:
        split = unsupervised_split(data.articles, data.titles, dev_size=data.dev_size, seed=config.seed,
                                   max_articles=data.max_articles, max_summaries=data.max_summaries)
        corpus = Corpus(split.articles, split.summaries, split.dev_articles, split.dev_references)
    else:
        articles = [text for path in data.articles for text in read_texts(path)]
        train, dev = split_train_dev(articles, dev_size=min(data.dev_size, len(articles) // 5), seed=config.seed)
        corpus = Corpus(train[: data.max_articles] if data.max_articles else train, [], dev, None)
    extra = [text for path in data.summaries for text in read_texts(path, field=data.summaries_field)]
    random.Random(config.seed).shuffle(extra)
    corpus.summaries = corpus.summaries + extra[: data.max_summaries] if data.max_summaries else corpus.summaries + extra
    if not corpus.summaries:
        raise UsageError("config: no human summaries: give data.titles or data.summaries")
    if data.normalize:
        corpus.articles = [gigaword_normalize(t) for t in corpus.articles]
        corpus.summaries = [gigaword_normalize(t) for t in corpus.summaries]
        corpus.dev_articles = [gigaword_normalize(t) for t in corpus.dev_articles]
    return corpus


def batch_documents(documents: list[str], batch_size: int, step: int, seed: int) -> list[str]:
    """The batch of global step `step`: consecutive slices of a per-epoch seeded shuffle."""
    batches_per_epoch = max(1, len(documents) // batch_size)
    epoch, index = divmod(step, batches_per_epoch)
    order = list(range(len(documents)))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return [documents[i] for i in order[index * batch_size:(index + 1) * batch_size]]


class Trainer:
    def __init__(self, config: Config, out_dir: Path, resume: bool = False, accelerator: Accelerator | None = None):
        self.config, self.out_dir = config, Path(out_dir)
        self.accelerator = accelerator or Accelerator()
        self.corpus = load_corpus(config)
        self.stage_ends = {
            "warm_start": config.warm_start.steps,
            "discriminator": config.warm_start.steps + config.warm_start.discriminator_steps,
            "rl": config.warm_start.steps + config.warm_start.discriminator_steps + config.rl.steps,
        }
        checkpoints = list_checkpoints(self.out_dir) if resume else []
        if resume and not checkpoints:
            raise UsageError(f"{self.out_dir}: --resume but no checkpoint-* to resume from")
        if checkpoints:
            self._restore(checkpoints[-1])
        else:
            self._fresh()
        self._prepare()

    # ----- set-up -----
    def _fresh(self):
        from seqae.data.sentences import SentenceSplitter
        from seqae.data.tokenizer import build_word_tokenizer

        config = self.config
        torch.manual_seed(config.seed)
        self.tokenizer = build_word_tokenizer(
            texts=self.corpus.articles + self.corpus.summaries,
            counts_path=config.data.vocab_counts or None, vocab_size=config.data.vocab_size)
        self.splitter = SentenceSplitter.train(self.corpus.articles[:20000])
        self.models = {
            "generator": build_generator(config.model, self.tokenizer),
            "reconstructor": build_reconstructor(config.model, self.tokenizer),
            "discriminator": build_discriminator(config.model, self.tokenizer),
        }
        self.step, self.best_dev, self.optimizer_states = 0, None, None

    def _restore(self, directory: Path):
        from seqae.data.sentences import SentenceSplitter
        from seqae.data.tokenizer import load_tokenizer

        state = load_trainer_state(directory)
        self.tokenizer = load_tokenizer(directory / "tokenizer")
        self.splitter = SentenceSplitter.load(directory / "sentences")
        kinds = {"generator": self.config.model.generator, "reconstructor": "reconstructor",
                 "discriminator": "discriminator"}
        self.models = {name: load_model(directory / name, kinds[name]) for name in MODEL_PARTS}
        self.step = state["info"]["step"]
        self.best_dev = state["info"].get("best_dev")
        self.optimizer_states = state["tensors"]["optimizers"]
        self._trim_metrics()

    def _prepare(self):
        config = self.config
        self.codec = WordCodec(self.tokenizer)
        optimizers = {
            "generator": torch.optim.AdamW(self.models["generator"].parameters(), lr=config.warm_start.lr),
            "reconstructor": torch.optim.AdamW(self.models["reconstructor"].parameters(), lr=config.rl.reconstructor_lr),
            "discriminator": torch.optim.AdamW(self.models["discriminator"].parameters(), lr=config.rl.discriminator_lr),
        }
        if self.optimizer_states:
            for name, optimizer in optimizers.items():
                optimizer.load_state_dict(self.optimizer_states[name])
        names = list(MODEL_PARTS)
        prepared = self.accelerator.prepare(*[self.models[n] for n in names], *[optimizers[n] for n in names])
        self.wrapped = dict(zip(names, prepared[:3]))
        self.optimizers = dict(zip(names, prepared[3:]))
        if self.step == 0 and self.stage_ends["warm_start"] == 0:
            self._set_generator_lr(config.rl.lr)

    def _set_generator_lr(self, lr: float):
        for group in self.optimizers["generator"].param_groups:
            group["lr"] = lr

    # ----- helpers -----
    @property
    def is_main(self) -> bool:
        return self.accelerator.is_main_process

    def _shard(self, documents: list[str]) -> list[str]:
        """This process's part of the global batch: every document goes to exactly one process."""
        return documents[self.accelerator.process_index::self.accelerator.num_processes]

    def _stage(self, step: int) -> str:
        for stage in ("warm_start", "discriminator", "rl"):
            if step < self.stage_ends[stage]:
                return stage
        return "done"

    def _log(self, row: dict):
        if self.is_main:
            with open(self.out_dir / "metrics.jsonl", "a", encoding="utf-8") as handle:
                handle.write(json.dumps(row) + "\n")

    def _trim_metrics(self):
        """After a resume, forget log rows written after the checkpoint: they will be written again."""
        path = self.out_dir / "metrics.jsonl"
        if path.exists():
            rows = []
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:  # the line a kill cut off mid-write
                    continue
                if isinstance(row, dict) and row.get("step", 0) <= self.step:
                    rows.append(line)
            path.write_text("".join(r + "\n" for r in rows), encoding="utf-8")

    def _unwrapped(self) -> dict:
        return {name: self.accelerator.unwrap_model(model) for name, model in self.wrapped.items()}

    def _save(self, directory: Path, with_state: bool):
        self.accelerator.wait_for_everyone()
        if self.is_main:
            state = None
            if with_state:
                state = {"info": {"step": self.step, "stage": self._stage(self.step), "best_dev": self.best_dev},
                         "tensors": {"optimizers": {n: o.state_dict() for n, o in self.optimizers.items()}}}
            save_bundle(directory, self.config, self.tokenizer, self.splitter, self._unwrapped(), state)
        self.accelerator.wait_for_everyone()

    def checkpoint(self):
        self._save(checkpoint_path(self.out_dir, self.step), with_state=True)
        if self.is_main:
            prune_checkpoints(self.out_dir)

    def summarize(self, documents: list[str], num_beams: int = 1) -> list[str]:
        return summarize_in_batches(self._unwrapped()["generator"], self.config.model.generator, self.codec,
                                    documents, self.config, num_beams=num_beams)

    def evaluate_dev(self) -> dict:
        """ROUGE on the dev slice (greedy decoding, for speed); keeps the best model so far in out/model."""
        from seqae.eval.rouge import score_corpus

        if not self.corpus.dev_references or not self.is_main:
            return {}
        count = self.config.dev_eval_size
        predictions = self.summarize(self.corpus.dev_articles[:count])
        scores = score_corpus(predictions, [self.corpus.dev_references[:count]], bootstrap=0)
        row = {f"dev_{metric}": value["mean"] for metric, value in scores.items()}
        row["dev_summary_words"] = sum(len(p.split()) for p in predictions) / max(1, len(predictions))
        if self.best_dev is None or row["dev_rouge1"] > self.best_dev:
            self.best_dev = row["dev_rouge1"]
            save_bundle(self.out_dir / "model", self.config, self.tokenizer, self.splitter, self._unwrapped(), None)
            row["dev_best"] = True
        return row

    # ----- stages -----
    def warm_start_step(self, documents: list[str]) -> dict:
        config, device = self.config, self.accelerator.device
        ws, max_words = config.warm_start, config.data.max_document_words
        generator = self.wrapped["generator"]
        generator.train()
        loss = generator_loss(generator, config.model.generator, self.codec, documents, ws.target,
                              ws.target_words, max_words, device)
        targets = [pseudo_summary(d, ws.target, ws.target_words, max_words) for d in documents]
        r_loss = reconstructor_loss(self.wrapped["reconstructor"], self.codec, documents, targets, max_words, device)
        if not all_finite(self.accelerator, loss.detach(), r_loss.detach()):
            raise NonFiniteStep("non-finite warm-start loss")
        for name, value in (("generator", loss), ("reconstructor", r_loss)):
            self.accelerator.backward(value)
            self.accelerator.clip_grad_norm_(self.wrapped[name].parameters(), 1.0)
            self.optimizers[name].step()
            self.optimizers[name].zero_grad(set_to_none=True)
        return {"generator_loss": loss.item(), "reconstructor_loss": r_loss.item()}

    def discriminator_step(self, documents: list[str], step: int) -> dict:
        generated = self.summarize(documents)
        human = self._shard(batch_documents(self.corpus.summaries, self.config.warm_start.batch_size, step,
                                            self.config.seed + 1))
        self.wrapped["discriminator"].train()
        loss, accuracy = discriminator_loss(self.wrapped["discriminator"], self.codec, generated, human,
                                            self.accelerator.device)
        if not all_finite(self.accelerator, loss.detach()):
            raise NonFiniteStep("non-finite discriminator loss")
        self.accelerator.backward(loss)
        self.optimizers["discriminator"].step()
        self.optimizers["discriminator"].zero_grad(set_to_none=True)
        return {"discriminator_loss": loss.item(), "discriminator_accuracy": accuracy}

    def build_rl(self):
        config, rl = self.config, self.config.rl
        max_words = config.data.max_document_words
        if config.model.generator == "abstractive":
            self.policy = AbstractivePolicy(self.wrapped["generator"], self.codec, self.accelerator, max_words,
                                            rl.max_new_tokens)
        else:
            self.policy = ExtractivePolicy(self.wrapped["generator"], self.codec, self.accelerator, max_words,
                                           rl.temperature)
        weights = {"reconstruction": rl.reconstruction_weight, "discriminator": rl.discriminator_weight,
                   "length": rl.length_weight, "repetition": rl.repetition_weight,
                   "similarity": rl.similarity_weight}
        # A term with weight 0 is not computed at all (and its network does not train): ablations are cheap.
        functions = {
            "reconstruction": ReconstructionReward(self.wrapped["reconstructor"], self.codec,
                                                   self.optimizers["reconstructor"], self.accelerator, max_words),
            "discriminator": DiscriminatorReward(self.wrapped["discriminator"], self.codec,
                                                 self.optimizers["discriminator"], self.accelerator,
                                                 self.corpus.summaries),
            "length": functools.partial(length_reward, target_words=rl.target_words),
            "repetition": repetition_reward,
        }
        if rl.similarity_weight != 0:  # loads a frozen sentence encoder (MiniLM by default): only when used
            functions["similarity"] = SimilarityReward.load(rl.similarity_model, self.accelerator.device)
        self.reward_functions = {n: f for n, f in functions.items() if weights[n] != 0}
        self.weights = {n: weights[n] for n in self.reward_functions}

    def run_trl(self, steps: int, progress) -> None:
        """The rest of the RL stage in one trl GRPOTrainer run, with the same reward callables (R and D train
        inside them as under the loop); its logs become metrics rows, and one checkpoint closes the stage."""
        from seqae.rl.trl_grpo import build_grpo_trainer

        rl = self.config.rl
        first_step = self.step
        trainer = build_grpo_trainer(
            self._unwrapped()["generator"], self.tokenizer, self.corpus.articles, self.reward_functions,
            self.weights, group_size=rl.group_size, prompts_per_step=rl.batch_size, max_new_tokens=rl.max_new_tokens,
            lr=rl.lr, steps=steps, out_dir=self.out_dir / "trl", seed=self.config.seed + first_step,
            max_words=self.config.data.max_document_words, use_cpu=self.accelerator.device.type == "cpu")
        trainer.train()
        step_logs = [row for row in trainer.step_timer.logs if "reward" in row]  # not the end-of-training summary
        for offset, row in enumerate(step_logs, start=1):
            self._log({"step": first_step + offset, "stage": "rl", "backend": "trl",
                       **{k: v for k, v in row.items() if isinstance(v, (int, float))}})
        self.step = first_step + steps
        progress.update(steps)
        self._log({"step": self.step, "stage": "rl", **self.evaluate_dev()})
        self.checkpoint()

    def run(self) -> Path:
        config = self.config
        total = self.stage_ends["rl"]
        if self.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        self.build_rl()
        bad_steps = 0
        progress = tqdm(total=total, initial=self.step, desc="train", unit="step", disable=not self.is_main)
        while self.step < total:
            stage = self._stage(self.step)
            torch.manual_seed(config.seed * 1_000_003 + self.step * 101 + self.accelerator.process_index)
            if stage == "rl" and self.step == self.stage_ends["discriminator"]:
                self._set_generator_lr(config.rl.lr)
            if stage == "rl" and config.rl.backend == "trl":
                self.run_trl(total - self.step, progress)
                continue
            batch_size = config.rl.batch_size if stage == "rl" else config.warm_start.batch_size
            documents = self._shard(batch_documents(self.corpus.articles, batch_size, self.step, config.seed))
            try:
                if stage == "warm_start":
                    row = self.warm_start_step(documents)
                elif stage == "discriminator":
                    row = self.discriminator_step(documents, self.step)
                else:
                    row = rl_step(self.policy, self.optimizers["generator"], self.accelerator, documents,
                                  self.reward_functions, self.weights, config.rl.group_size, config.rl.entropy_weight)
                bad_steps = 0
            except NonFiniteStep as problem:
                bad_steps += 1
                row = {"skipped": str(problem)}
                if bad_steps >= config.rl.max_bad_steps:
                    raise SeqaeError(f"stopping at step {self.step}: {bad_steps} non-finite steps in a row "
                                     f"({problem}); lower the learning rate or resume from the last checkpoint")
            self.step += 1
            progress.update(1)
            samples = row.pop("samples", None)
            if self.step % config.sample_every == 0 and samples:
                row["samples"] = samples
            if self.step % config.dev_every == 0 or self.step == self.stage_ends[stage]:
                row.update(self.evaluate_dev())
            if self.step % config.log_every == 0 or "dev_rouge1" in row or "samples" in row or "skipped" in row:
                self._log({"step": self.step, "stage": stage, **row})
                progress.set_postfix({k: round(v, 3) for k, v in row.items()
                                      if k in ("generator_loss", "reward", "dev_rouge1", "summary_words")})
            if self.step % config.checkpoint_every == 0 or self.step == total:
                self.checkpoint()
        progress.close()
        if self.is_main and not (self.out_dir / "model").exists():
            save_bundle(self.out_dir / "model", config, self.tokenizer, self.splitter, self._unwrapped(), None)
        self.accelerator.wait_for_everyone()
        return self.out_dir / "model"


def copy_run(source: Path, destination: Path) -> None:
    """Start a new run from another run's latest checkpoint (used by the benchmark's ablations)."""
    checkpoints = list_checkpoints(source)
    if not checkpoints:
        raise UsageError(f"{source}: no checkpoint to start from")
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copytree(checkpoints[-1], destination / checkpoints[-1].name, dirs_exist_ok=True)
    # The dev-selected model so far competes with what the new run learns.
    if (source / "model").exists():
        shutil.copytree(source / "model", destination / "model", dirs_exist_ok=True)
