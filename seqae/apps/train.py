"""The training recipe: corpus -> tokenizer -> warm start (G, R) -> D warm start -> learning from search
(optional) -> RL on the weighted rewards (adversarial only where rl.discriminator_weight > 0; the Gigaword recipe
sets it to 0).

One global step counter runs through the stages (seqae.core.config.STAGES), so a checkpoint names one point of the run and
`--resume` continues from it. Every step reseeds from (seed, step, process), and batches are a function of
(seed, step), so a resumed run takes the same path as an uninterrupted one. The components it composes:
seqae.core.generators (the generator kind), seqae.core.losses, seqae.rl (rewards, the RL step), seqae.data (corpus,
batches), seqae.core.checkpoint (the run directory).
"""

import functools
import json
import sys
from pathlib import Path

import torch
from accelerate import Accelerator
from tqdm import tqdm

from seqae.core.checkpoint import (
    COVERAGE_DIR,
    SEARCH_TARGETS_FILE,
    SUMMARY_LM_DIR,
    TRL_DIR,
    append_metrics,
    checkpoint_path,
    clear_run,
    list_checkpoints,
    load_bundle_config,
    load_trainer_state,
    prune_checkpoints,
    save_bundle,
    trim_metrics,
)
from seqae.core.config import STAGES, Config, architecture_change
from seqae.core.encoding import truncate_words
from seqae.data.baselines import content_lead
from seqae.data.corpus import batch_documents, load_corpus
from seqae.data.heuristics import heuristic_positions, heuristic_summary
from seqae.data.rouge import score_corpus
from seqae.data.sentences import SentenceSplitter
from seqae.data.tokenizer import WordCodec, build_word_tokenizer, load_word_tokenizer
from seqae.data.errors import SeqaeError, UsageError
from seqae.core.generators import generator_class, summarize_in_batches
from seqae.data.io import atomic_write_text
from seqae.core.losses import reconstructor_loss
from seqae.core.models import build_discriminator, build_reconstructor, load_discriminator, load_reconstructor
from seqae.core.optim import NonFiniteStep, NonFiniteWeights, non_finite_tensor, optimizer_step
from seqae.rl.coverage import CoverageModel
from seqae.rl.fixed_models import load_coverage, train_coverage, train_summary_lm
from seqae.rl.loop import rl_step
from seqae.rl.rewards import SHAPE_TERMS, DiscriminatorReward, ReconstructionReward, build_rewards, search_reward
from seqae.rl.search import improve_selections, written_reranked
from seqae.rl.word_prior import WordPrior
from seqae.core.summary_lm import SummaryLM


def generator_for(config: Config):
    """The generator class of the config, checked against the stages that need a particular kind."""
    kind = generator_class(config.model.generator)
    if config.rl.backend == "trl" and not kind.writes_tokens:
        raise UsageError(f"rl.backend=trl trains generators that write tokens, not model.generator={kind.name}")
    if config.rl.backend == "trl" and config.model.output_words != "vocabulary":
        raise UsageError(f"rl.backend=trl samples with trl's own generate(), which cannot apply the copy mask of "
                         f"model.output_words={config.model.output_words}: set model.output_words=vocabulary")
    if config.rl.backend == "trl" and config.rl.update != "group_relative":
        raise UsageError(f"rl.backend=trl updates as GRPO does (group-relative), not rl.update={config.rl.update}: "
                         f"set rl.update=group_relative")
    if config.rl.backend == "trl" and config.rl.sampler == "exact_length":
        raise UsageError("rl.backend=trl samples with trl's own generate(), which writes any length up to "
                         "rl.max_new_tokens, not rl.sampler=exact_length: set rl.sampler=bernoulli")
    return kind


def teacher_start(documents: list[str], chosen: list[list[int]], max_words: int):
    """A search start (seqae.rl.search.improve_selections' `start`) that returns the teacher's choice of each of
    `documents`, `chosen`, among the words the generator reads."""
    by_document = dict(zip(documents, chosen))

    def start(batch: list[str], words: int) -> tuple[list[list[str]], list[list[int]]]:
        return [truncate_words(document, max_words) for document in batch], [by_document[d] for d in batch]
    return start


class Trainer:
    def __init__(self, config: Config, out_dir: Path, resume: bool = False, accelerator: Accelerator | None = None,
                 overwrite: bool = False):
        """`overwrite`: delete an earlier run's model, checkpoints and metrics in `out_dir` first (clear_run), once
        the corpus has been read and the config checked, so that bad data fails before anything is deleted."""
        self.config, self.out_dir = config, Path(out_dir)
        self.best_dev_row: dict | None = None  # the dev evaluation that chose out/model, in this process
        self._content_lead_dev: float | None = None
        checkpoints = list_checkpoints(self.out_dir) if resume else []
        if resume and not checkpoints:
            raise UsageError(f"{self.out_dir}: --resume but no checkpoint-* to resume from")
        self.restored_from = checkpoints[-1] if checkpoints else None
        if self.restored_from is not None:
            self._check_resumable(self.restored_from)  # before the corpus is read: a refusal comes at once
        self.accelerator = accelerator or Accelerator()
        self.corpus = load_corpus(config.data, config.seed)
        self.stage_ends, self.kind = config.stage_ends(), generator_for(config)
        if overwrite:
            if self.is_main:
                clear_run(self.out_dir)
            self.accelerator.wait_for_everyone()
        state = self._restore(self.restored_from) if checkpoints else self._fresh()
        self._prepare(state)

    # ----- set-up -----
    def _check_resumable(self, checkpoint: Path) -> None:
        """The new config keeps the architecture of the run's (seqae.core.config.ARCHITECTURE_KEYS): the networks are
        loaded from the checkpoint, so another value would fail inside the load, or be ignored while config.yaml
        claims it."""
        fixed = [name for name in (SUMMARY_LM_DIR, COVERAGE_DIR)
                 if (checkpoint / name).is_dir() or (self.out_dir / name).is_dir()]
        change = architecture_change(load_bundle_config(checkpoint), self.config, fixed)
        if change:
            key, saved, new = change
            raise UsageError(f"{self.out_dir}: --resume cannot change {key}: {checkpoint.name} was trained with "
                             f"{key}={saved}, the config now says {new}; keep {saved} to resume, or train a new "
                             f"run into another --out")

    def _fresh(self) -> dict:
        config = self.config
        torch.manual_seed(config.seed)
        self.tokenizer = build_word_tokenizer(texts=self.corpus.articles + self.corpus.summaries,
                                              counts_path=config.data.vocab_counts or None,
                                              vocab_size=config.data.vocab_size)
        self.splitter = SentenceSplitter.train(self.corpus.articles[:20000])
        self.codec = WordCodec.from_tokenizer(self.tokenizer)
        self.generator = self.kind.build(config.model, self.tokenizer, self.codec, config.data.max_document_words)
        self.networks = {"reconstructor": build_reconstructor(config.model, self.tokenizer),
                         "discriminator": build_discriminator(config.model, self.tokenizer)}
        self.step, self.best_dev = 0, None
        return {}

    def _restore(self, directory: Path) -> dict:
        state = load_trainer_state(directory)
        self.tokenizer = load_word_tokenizer(directory / "tokenizer")
        self.splitter = SentenceSplitter.load(directory / "sentences")
        self.codec = WordCodec.from_tokenizer(self.tokenizer)
        self.generator = self.kind.load(directory / "generator", self.codec, self.config.data.max_document_words)
        self.networks = {"reconstructor": load_reconstructor(directory / "reconstructor"),
                         "discriminator": load_discriminator(directory / "discriminator")}
        self.step, self.best_dev = state["info"]["step"], state["info"].get("best_dev")
        # A best dev score measured under other decoding is not comparable (spans score lower R-1 than top-k words):
        # the resumed run's first dev evaluation sets the bar anew. Checkpoints from before spans decoded top-k.
        recorded = state["info"].get("best_dev_decoding", {"max_spans": 0})
        if self.best_dev is not None and any(self.dev_decoding().get(key) != value for key, value in recorded.items()):
            print(f"seqae: note: the best dev score so far ({self.best_dev}) was measured with decoding {recorded}, "
                  f"this run decodes with {self.dev_decoding()}: the next dev evaluation sets the best model anew",
                  file=sys.stderr)
            self.best_dev = None
        trim_metrics(self.out_dir, self.step)
        return state["tensors"]["optimizers"]

    def _prepare(self, optimizer_states: dict):
        config, accelerator = self.config, self.accelerator
        models = {"generator": self.generator.model, **self.networks}
        lrs = {"generator": config.generator_lr(self._stage(self.step)),
               "reconstructor": config.rl.reconstructor_lr, "discriminator": config.rl.discriminator_lr}
        optimizers = {name: torch.optim.AdamW(model.parameters(), lr=lrs[name]) for name, model in models.items()}
        for name, optimizer in optimizers.items():
            if name in optimizer_states:
                optimizer.load_state_dict(optimizer_states[name])
        prepared = accelerator.prepare(*models.values(), *optimizers.values())
        self.generator.model = prepared[0]
        self.networks = dict(zip(self.networks, prepared[1:3]))
        self.optimizers = dict(zip(models, prepared[3:]))
        max_words = config.data.max_document_words
        self.reconstruction = ReconstructionReward(self.networks["reconstructor"], self.codec,
                                                   self.optimizers["reconstructor"], accelerator, max_words)
        self.discrimination = DiscriminatorReward(self.networks["discriminator"], self.codec,
                                                  self.optimizers["discriminator"], accelerator, self.corpus.summaries,
                                                  config.rl.discriminator_max_accuracy,
                                                  config.rl.discriminator_label_smoothing)
        # Fixed, a function of the corpus alone: fitted again on resume, saved in bundles for --search.
        self.word_prior = WordPrior.fit(self.corpus.summaries, self.corpus.articles)
        # Fixed reward models, trained once before any stage (they never see the generator), kept in the run
        # directory for resumes and in every bundle (test-time search, diagnose-reward).
        self.fixed_models = {}
        if config.uses_fluency:
            self.fixed_models[SUMMARY_LM_DIR] = self._fixed_model(
                SUMMARY_LM_DIR, self._train_summary_lm, lambda path: SummaryLM.load(path, self.corpus.summaries)
            ).to(accelerator.device)
        if config.rl.coverage_weight:
            self.fixed_models[COVERAGE_DIR] = self._fixed_model(COVERAGE_DIR, self._train_coverage, lambda path: (
                load_coverage(path, config, self.codec)
            )).to(accelerator.device)
        self.rewards = build_rewards(config.rl, self.reconstruction, self.discrimination, self.word_prior,
                                     accelerator.device, self.fixed_models.get(SUMMARY_LM_DIR),
                                     self.fixed_models.get(COVERAGE_DIR))

    def _fixed_model(self, name: str, train, load):
        """From the checkpoint resumed from (a run that branches off another one has it only there), or the run
        directory; else the main process trains it into the run directory, and every process loads it."""
        if self.restored_from is not None and (self.restored_from / name).is_dir():
            return load(self.restored_from / name)
        path = self.out_dir / name
        if self.is_main and not path.is_dir():
            self.out_dir.mkdir(parents=True, exist_ok=True)
            try:
                model = train()
            except (NonFiniteStep, NonFiniteWeights) as problem:  # the fixed models' loop skips nothing
                raise SeqaeError(f"stopping before the first stage: {problem}; lower {name}.lr (now "
                                 f"{self.config.value(f'{name}.lr'):g})") from None
            model.save(path)
        self.accelerator.wait_for_everyone()
        return load(path)

    def _train_summary_lm(self) -> SummaryLM:
        """On the run's human summaries (the titles half), never on articles."""
        return train_summary_lm(self.config, self.corpus.summaries, self.accelerator.device, self.is_main)

    def _train_coverage(self) -> CoverageModel:
        """On the run's articles with random summaries of their content words."""
        return train_coverage(self.config, self.corpus.articles, self.codec, self.accelerator.device, self.is_main)

    # ----- helpers -----
    @property
    def is_main(self) -> bool:
        return self.accelerator.is_main_process

    def _lr_hint(self, network: str, stage: str) -> str:
        """The learning rate that moved `network` in `stage`, as `key (now value)`."""
        key = {"reconstructor": "rl.reconstructor_lr", "discriminator": "rl.discriminator_lr"}.get(
            network, self.config.generator_lr_key(stage))
        return f"{key} (now {self.config.value(key):g})"

    def _non_finite_stop(self, step: int, stage: str, bad_steps: int, problem: NonFiniteStep) -> SeqaeError:
        return SeqaeError(f"stopping at step {step}: {bad_steps} non-finite steps in a row in the {stage} stage "
                          f"({problem}); lower {self._lr_hint('generator', stage)} and {self._restart_hint()}")

    def _restart_hint(self) -> str:
        """How to go on after a run stopped: what is on disk was saved before the problem, so it is sound."""
        checkpoints = list_checkpoints(self.out_dir)
        return f"resume from {checkpoints[-1]}" if checkpoints else "train again (no checkpoint was written yet)"

    def _stage(self, step: int) -> str:
        return next((stage for stage in STAGES if step < self.stage_ends[stage]), "done")

    def _shard(self, documents: list[str]) -> list[str]:
        """This process's part of the global batch: every document goes to exactly one process."""
        return documents[self.accelerator.process_index::self.accelerator.num_processes]

    def _log(self, row: dict):
        if self.is_main:
            append_metrics(self.out_dir, row)

    @property
    def models(self) -> dict:
        """G, R and D, unwrapped from DDP."""
        return {"generator": self.generator.module,
                **{name: self.accelerator.unwrap_model(model) for name, model in self.networks.items()}}

    def _save_bundle(self, directory: Path, state: dict | None = None):
        """Main process only: G, R, D, tokenizer, sentence splitter, config (and the trainer state)."""
        save_bundle(directory, self.config, self.tokenizer, self.splitter, self.models, state, self.word_prior,
                    self.fixed_models)

    def checkpoint(self):
        self.accelerator.wait_for_everyone()
        if self.is_main:
            self._save_bundle(checkpoint_path(self.out_dir, self.step), {
                "info": {"step": self.step, "stage": self._stage(self.step), "best_dev": self.best_dev,
                         "best_dev_decoding": self.dev_decoding()},
                "tensors": {"optimizers": {n: o.state_dict() for n, o in self.optimizers.items()}}})
            prune_checkpoints(self.out_dir)
        self.accelerator.wait_for_everyone()

    def dev_decoding(self) -> dict:
        """The decoding settings dev scores are measured with."""
        return {"words": self.config.decode.words, "max_spans": self.config.decode.max_spans}

    def evaluate_dev(self) -> dict:
        """The dev score of greedy decoding (for speed), or of a writer's reranked decoding when it decodes so
        (`dev_predictions`); keeps the best model so far in out/model. With references
        (paired dev files), ROUGE-1; without (a corpus of articles alone), the recipe's fixed reward
        (Rewards.fixed; when it has a term besides SHAPE_TERMS), beside the content-word lead's at the same length, and
        only RL, the stage that climbs that
        reward, chooses the model by it (a run without RL keeps its last step)."""
        if not self.corpus.dev_articles or not self.is_main:
            return {}
        if not self.corpus.dev_references and not set(self.rewards.fixed().terms) - set(SHAPE_TERMS):
            return {}  # a reward of length and repetition alone says nothing of which model is better
        documents = self.corpus.dev_articles[:self.config.dev_eval_size]
        if not documents:
            return {}
        predictions = self.dev_predictions(documents)
        if self.corpus.dev_references:
            scores = score_corpus(predictions, [self.corpus.dev_references[:len(documents)]], bootstrap=0)
            row = {f"dev_{metric}": value["mean"] for metric, value in scores.items()}
            score = row["dev_rouge1"]
        else:
            row = {"dev_reward": self.dev_reward(documents, predictions),
                   "dev_reward_content_lead": self.content_lead_dev_reward(documents)}
            score = row["dev_reward"] if self._stage(self.step - 1) == "rl" else None
        row["dev_summary_words"] = sum(len(p.split()) for p in predictions) / max(1, len(predictions))
        if score is not None and (self.best_dev is None or score > self.best_dev):
            self.best_dev, row["dev_best"] = score, True
            self.best_dev_row = row
            self._save_bundle(self.out_dir / "model")
        return row

    def dev_predictions(self, documents: list[str]) -> list[str]:
        """Greedy summaries; a writer whose model reranks (decode.rerank) is scored reranked, as it will decode: its
        greedy and reranked dev R-1 disagree about which step is best (docs/readability.md). Among its greedy summary
        and beams only: the decode.rerank_draws drawn candidates would triple every dev evaluation's time. A tagger
        keeps greedy, the decoding its recipe was selected with."""
        decode = self.config.decode
        if not (self.generator.writes_tokens and decode.rerank):
            return summarize_in_batches(self.generator, documents, self.config, num_beams=1)
        fixed = self.rerank_reward
        if not set(fixed.terms) - set(SHAPE_TERMS):
            raise UsageError("decode.rerank needs a fixed reward term besides length and repetition to choose by")
        predictions = []
        for start in range(0, len(documents), decode.batch_size):
            predictions += written_reranked(
                self.generator, documents[start:start + decode.batch_size],
                lambda texts, summaries: fixed.total(fixed.score(texts, summaries)).tolist(), decode, draws=0)
        return predictions

    @functools.cached_property
    def rerank_reward(self):
        """What reranking chooses by, as Summarizer.rerank_score: the RL reward's fixed terms, decode.rerank_weights
        in place of the terms it names."""
        if not self.config.decode.rerank_weights:
            return self.rewards.fixed()
        return build_rewards(self.config.decode.rerank_settings(self.config.rl), None, None, self.word_prior,
                             self.accelerator.device, self.fixed_models.get(SUMMARY_LM_DIR)).fixed()

    def dev_reward(self, documents: list[str], summaries: list[str]) -> float:
        """The mean of the reward's fixed terms (Rewards.fixed): the same number at every step for the same text."""
        fixed = self.rewards.fixed()
        return fixed.total(fixed.score(documents, summaries)).mean().item()

    def content_lead_dev_reward(self, documents: list[str]) -> float:
        """The baseline's dev reward, computed once (it does not change while the generator trains)."""
        if self._content_lead_dev is None:
            words = self.config.decode.words
            self._content_lead_dev = self.dev_reward(documents, [content_lead(d, words) for d in documents])
        return self._content_lead_dev

    # ----- the stages -----
    def warm_start_step(self, documents: list[str]) -> dict:
        """G imitates the heuristic's pseudo-summaries; R learns to read the document back from them."""
        ws, max_words = self.config.warm_start, self.config.data.max_document_words
        self.generator.model.train()
        self.networks["reconstructor"].train()
        loss = self.generator.warm_start_loss(documents, ws.target, ws.target_words)
        optimizer_step(self.accelerator, self.generator.model, self.optimizers["generator"], loss, "warm-start loss")
        if not ws.train_reconstructor:
            return {"generator_loss": loss.item()}
        targets = [heuristic_summary(d, ws.target, ws.target_words, max_words) for d in documents]
        r_loss = reconstructor_loss(self.networks["reconstructor"], self.codec, targets, documents, max_words)
        optimizer_step(self.accelerator, self.networks["reconstructor"], self.optimizers["reconstructor"], r_loss,
                       "reconstructor loss")
        return {"generator_loss": loss.item(), "reconstructor_loss": r_loss.item()}

    def discriminator_step(self, documents: list[str]) -> dict:
        """D learns human summaries against G's greedy outputs before RL starts."""
        return self.discrimination.update(summarize_in_batches(self.generator, documents, self.config, num_beams=1))

    def search_targets(self) -> list[tuple[str, list[int]]]:
        """(document, positions) for distill.documents training articles (all of them, if fewer): the search's
        choice among each article's first data.max_document_words words, from `search_start` (or, with
        distill.search_from_teacher, from the teacher's choice), and/or
        distill.teacher's choice (both: search's labels of the first distill.search_documents articles, or of all,
        then the teacher's of all). Computed once, when the stage starts, and kept in the run directory for
        resumes."""
        path, distill = self.out_dir / SEARCH_TARGETS_FILE, self.config.distill
        # One seeded order of all the articles (batch_documents' epoch 0): each count takes its first articles, so a
        # larger distill.documents labels the same articles and more.
        documents = batch_documents(self.corpus.articles, distill.documents, 0, self.config.seed + 2)
        searched = documents[:distill.search_documents or None] if "search" in distill.sources else []
        if self.is_main and not path.exists():
            taught = self.teacher_selections(documents) if "teacher" in distill.sources else []
            start = teacher_start(documents, taught, self.generator.max_words) if distill.search_from_teacher \
                else self.search_start
            labels = []
            if searched:
                score = search_reward(self.config.search, self.word_prior, self.config.rl.similarity_model,
                                      self.accelerator.device, self.fixed_models.get(SUMMARY_LM_DIR),
                                      self.rewards.terms.get("similarity"))
                labels += zip(searched, improve_selections(start, searched, score, words=self.config.rl.target_words,
                                                           settings=self.config.search, seed=self.config.seed))
            labels += zip(documents, taught)
            atomic_write_text(path, json.dumps([[d, p] for d, p in labels]))
        self.accelerator.wait_for_everyone()
        targets = [(document, positions) for document, positions in json.loads(path.read_text(encoding="utf-8"))]
        expected = len(searched) + (len(documents) if "teacher" in distill.sources else 0)
        if len(targets) != expected:
            raise UsageError(f"{path}: holds {len(targets)} search targets but distill.documents="
                             f"{distill.documents} (distill.search_documents={distill.search_documents}) of "
                             f"{len(self.corpus.articles)} articles, labelled by {' and '.join(distill.sources)}, "
                             f"make {expected}; delete it to label again")
        # A tagger reads an empty document as one "." (seqae.core.encoding.tagger_batch), hence max(1, ...).
        if any(positions and max(positions) >= max(1, len(truncate_words(document, self.generator.max_words)))
               for document, positions in targets):
            raise UsageError(f"{path}: holds positions beyond the first data.max_document_words="
                             f"{self.generator.max_words} words of their documents; delete it to search again")
        return targets

    def teacher_selections(self, documents: list[str]) -> list[list[int]]:
        """distill.teacher's choice of rl.target_words words in each of `documents`, as that tagger decodes (its
        reranked phrases): a writer that learns them learns whole phrases, where search labels are single words.
        The documents go in as the corpus holds them, so the positions index the words this generator reads."""
        # the teacher's reward models load only for this stage
        from seqae.apps.summarize import Summarizer

        source = self.config.distill.teacher
        teacher = Summarizer(source, device=str(self.accelerator.device))
        if not teacher.generator.selects_words:
            raise UsageError(f"{source}: distill.teacher must be a tagger (model.generator=extractive), not a writer")
        if teacher.config.data.max_document_words > self.generator.max_words:
            raise UsageError(f"{source}: distill.teacher reads {teacher.config.data.max_document_words} words of "
                             f"an article, more than this run's data.max_document_words={self.generator.max_words}")
        positions = []
        size = teacher.config.decode.batch_size
        for start in tqdm(range(0, len(documents), size), desc="teacher labels", unit="batch",
                          disable=not self.is_main):
            _, kept = teacher.select(documents[start:start + size], words=self.config.rl.target_words)
            positions += [sorted(row) for row in kept]
        return positions

    def search_start(self, documents: list[str], words: int) -> tuple[list[list[str]], list[list[int]]]:
        """Where search starts: a tagger's greedy choice; a writer selects nothing, so the warm start's heuristic."""
        if self.generator.selects_words:
            return self.generator.select(documents, words=words)
        read = [truncate_words(document, self.generator.max_words) for document in documents]
        return read, [heuristic_positions(words_read, self.config.warm_start.target, words) for words_read in read]

    def distill_step(self, pairs: list[tuple[str, list[int]]]) -> dict:
        """The generator learns the search's choices (the tagger keep/drop, the writer the chosen words)."""
        self.generator.model.train()
        loss = self.generator.search_target_loss(pairs)
        optimizer_step(self.accelerator, self.generator.model, self.optimizers["generator"], loss, "distill loss")
        return {"generator_loss": loss.item()}

    def run(self) -> Path:
        config = self.config
        total = self.stage_ends["rl"]
        if self.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        bad_steps, last_problem, targets = 0, None, None
        progress = tqdm(total=total, initial=self.step, desc="train", unit="step", disable=not self.is_main)
        while self.step < total:
            stage = self._stage(self.step)
            torch.manual_seed(config.seed * 1_000_003 + self.step * 101 + self.accelerator.process_index)
            if stage in ("distill", "rl") and self.step == self.stage_ends[STAGES[STAGES.index(stage) - 1]]:
                for group in self.optimizers["generator"].param_groups:
                    group["lr"] = config.generator_lr(stage)
            if stage == "rl" and config.rl.backend == "trl":
                self.run_trl(total - self.step, progress)
                continue
            if stage == "distill" and targets is None:
                targets = self.search_targets()
            batch_size = {"rl": config.rl.batch_size, "distill": config.distill.batch_size}.get(
                stage, config.warm_start.batch_size)
            documents = self._shard(batch_documents(targets if stage == "distill" else self.corpus.articles,
                                                    batch_size, self.step, config.seed))
            samples = []
            try:
                if stage == "warm_start":
                    row = self.warm_start_step(documents)
                elif stage == "discriminator":
                    row = self.discriminator_step(documents)
                elif stage == "distill":
                    row = self.distill_step(documents)
                else:
                    row, samples = rl_step(self.generator, self.optimizers["generator"], self.accelerator, documents,
                                           self.rewards, config.rl)
                bad_steps = 0
            except NonFiniteStep as problem:
                bad_steps, row, last_problem = bad_steps + 1, {"skipped": str(problem)}, problem
                if bad_steps >= config.rl.max_bad_steps:
                    raise self._non_finite_stop(self.step + 1, stage, bad_steps, problem) from None
            except NonFiniteWeights as problem:
                # Weights that are NaN or inf cannot be learned from or saved: stop before any checkpoint or
                # dev evaluation sees them. The checkpoints already written hold the last good weights.
                network = next((name for name, model in self.models.items()
                                if non_finite_tensor(model.named_parameters()) is not None), "generator")
                raise SeqaeError(f"stopping at step {self.step + 1} in the {stage} stage: the {network}'s {problem} "
                                 f"(the run diverged); lower {self._lr_hint(network, stage)} and "
                                 f"{self._restart_hint()}") from None
            self.step += 1
            progress.update(1)
            # Networks whose last step was non-finite are not sound (a learning rate too high makes every step
            # NaN from some point on): they are neither scored on dev (the best model) nor saved, and the run
            # does not end on them.
            if bad_steps and self.step == total:
                raise self._non_finite_stop(self.step, stage, bad_steps, last_problem)
            if self.step % config.sample_every == 0 and samples:
                row["samples"] = samples
            if not bad_steps and (self.step % config.dev_every == 0 or self.step == self.stage_ends[stage]):
                row.update(self.evaluate_dev())
            if self.step % config.log_every == 0 or "dev_summary_words" in row or "samples" in row or "skipped" in row:
                self._log({"step": self.step, "stage": stage, **row})
                progress.set_postfix({k: round(v, 3) for k, v in row.items()
                                      if k in ("generator_loss", "reward", "dev_rouge1", "dev_reward", "summary_words")})
            if not bad_steps and (self.step % config.checkpoint_every == 0 or self.step == total):
                self.checkpoint()
        progress.close()
        if self.is_main and not (self.out_dir / "model").exists():
            self._save_bundle(self.out_dir / "model")
        self.accelerator.wait_for_everyone()
        return self.out_dir / "model"

    def run_trl(self, steps: int, progress) -> None:
        """The rest of the RL stage in one trl GRPOTrainer run with the same rewards; one checkpoint ends it."""
        from seqae.rl.trl_grpo import run_grpo_stage  # trl takes seconds to import: only rl.backend=trl needs it

        first_step = self.step
        rows = run_grpo_stage(self.generator.module, self.tokenizer, self.corpus.articles, self.rewards,
                              self.config.rl, steps=steps, out_dir=self.out_dir / TRL_DIR,
                              seed=self.config.seed + first_step, max_words=self.config.data.max_document_words,
                              use_cpu=self.accelerator.device.type == "cpu")
        for offset, row in enumerate(rows, start=1):
            self._log({"step": first_step + offset, "stage": "rl", "backend": "trl", **row})
        self.step = first_step + steps
        progress.update(steps)
        self._log({"step": self.step, "stage": "rl", **self.evaluate_dev()})
        self.checkpoint()
