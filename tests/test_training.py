"""The tiny config trains end to end: every network learns, checkpoints round-trip, --resume continues."""

import json

import pytest
import torch

from seqae.core.checkpoint import list_checkpoints, load_trainer_state
from seqae.cli import main
from seqae.core.config import load_config
from seqae.data.corpus import batch_documents
from seqae.data.heuristics import heuristic_summary
from seqae.core.generators import ExtractiveGenerator
from seqae.core.losses import reconstructor_loss
from seqae.rl.loop import rl_step
from seqae.rl.rewards import Rewards
from seqae.apps.train import Trainer

from conftest import AUTO_ENCODER_TERMS, TINY_CONFIG, WORDS, tiny_train_args


def tiny_config(corpus, *overrides):
    return load_config(TINY_CONFIG, [f"data.articles=[{corpus['articles']}]",
                                     f"data.summaries=[{corpus['summaries']}]", *overrides])


def snapshot(trainer) -> dict:
    return {name: {k: v.detach().clone() for k, v in model.state_dict().items()}
            for name, model in trainer.models.items()}


def changed(before: dict, model) -> bool:
    return any(not torch.equal(before[k], v) for k, v in model.state_dict().items())


@torch.no_grad()
def warm_start_losses(trainer, documents: list[str]) -> dict:
    """The generator's and the reconstructor's warm-start losses on `documents`, dropout off."""
    ws, max_words = trainer.config.warm_start, trainer.config.data.max_document_words
    generator, reconstructor = trainer.generator.model, trainer.networks["reconstructor"]
    generator.eval()
    reconstructor.eval()
    targets = [heuristic_summary(d, ws.target, ws.target_words, max_words) for d in documents]
    return {"generator": trainer.generator.warm_start_loss(documents, ws.target, ws.target_words).item(),
            "reconstructor": reconstructor_loss(reconstructor, trainer.codec, targets, documents, max_words).item()}


@pytest.mark.parametrize("kind", ["extractive", "abstractive"])
def test_warm_start_trains_generator_and_reconstructor_and_discriminator(tmp_path, tiny_corpus, kind):
    config = tiny_config(tiny_corpus, f"model.generator={kind}", "rl.steps=0")
    trainer = Trainer(config, tmp_path / "run")
    # The documents the warm-start steps train on: their losses must fall, not merely change (a sign-flipped
    # loss changes the weights too, uphill).
    trained_on = [d for step in range(config.warm_start.steps)
                  for d in batch_documents(trainer.corpus.articles, config.warm_start.batch_size, step, config.seed)]
    losses_before = warm_start_losses(trainer, trained_on)
    before = snapshot(trainer)
    trainer.run()
    losses_after = warm_start_losses(trainer, trained_on)
    for name in ("generator", "reconstructor"):
        assert losses_after[name] < losses_before[name], f"the {name}'s warm-start loss did not fall: " \
                                                         f"{losses_before[name]:.4f} -> {losses_after[name]:.4f}"
    # D learns against the generator's outputs, a moving target: that it trained at all is what is checked here.
    assert changed(before["discriminator"], trainer.models["discriminator"])


@pytest.mark.parametrize("kind", ["extractive", "abstractive"])
def test_rl_steps_change_every_network(tmp_path, tiny_corpus, kind):
    """RL trains R and D beside the generator, and logs every term (the direction of the generator's step:
    test_rl_steps_raise_the_reward_they_are_given)."""
    config = tiny_config(tiny_corpus, f"model.generator={kind}", "warm_start.steps=0",
                         "warm_start.discriminator_steps=0", "rl.steps=3", *AUTO_ENCODER_TERMS)
    trainer = Trainer(config, tmp_path / "run")
    before = snapshot(trainer)
    trainer.run()
    for name, model in trainer.models.items():
        assert changed(before[name], model), f"{name} did not change during RL"
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    rl_rows = [row for row in rows if row["stage"] == "rl"]
    assert rl_rows, "no RL step was logged"
    for term in ("reward_reconstruction", "reward_discriminator", "reward_length", "reward_repetition",
                 "discriminator_accuracy", "reconstructor_loss", "summary_words"):
        assert term in rl_rows[-1]


FAVOURED = set(WORDS[::2])


def favoured_share(documents, summaries, **_) -> list[float]:
    """A reward with a known best behaviour: the share of the summary's words that are in FAVOURED."""
    return [sum(word in FAVOURED for word in s.split()) / max(1, len(s.split())) for s in summaries]


@pytest.mark.parametrize("kind, sampler, update", [("extractive", "bernoulli", "group_relative"),
                                                   ("extractive", "exact_length", "self_critical"),
                                                   ("abstractive", "bernoulli", "group_relative"),
                                                   ("abstractive", "bernoulli", "best_of_k")])
def test_rl_steps_raise_the_reward_they_are_given(tmp_path, tiny_corpus, kind, sampler, update):
    """The policy moves toward what is rewarded: the favoured share of its samples rises (a sign-flipped policy
    loss drives it toward 0, and changes the weights just as much). A writer's samples are as long as its greedy
    baseline at most (rl.max_new_tokens = rl.target_words): best-of-k compares like with like."""
    config = tiny_config(tiny_corpus, f"model.generator={kind}", f"rl.sampler={sampler}", f"rl.update={update}",
                         "warm_start.steps=0", "warm_start.discriminator_steps=0", "rl.steps=0", "rl.group_size=4",
                         "rl.lr=0.05", "rl.temperature=1", "rl.max_new_tokens=4")
    trainer = Trainer(config, tmp_path / "run")
    documents = trainer.corpus.articles[:8]
    rewards = Rewards({"favoured": favoured_share}, {"favoured": 1.0})

    def mean_reward() -> float:
        torch.manual_seed(1)  # the same draws before and after
        summaries = trainer.generator.rollout(documents, 16, config.rl).summaries
        return sum(favoured_share(documents, summaries)) / len(summaries)

    before = mean_reward()
    for _ in range(5):
        rl_step(trainer.generator, trainer.optimizers["generator"], trainer.accelerator, documents, rewards, config.rl)
    assert mean_reward() > before + 0.1


@pytest.mark.parametrize("recipe", ["gigaword.yaml", "demo.yaml"])
def test_the_rl_defaults_are_the_recipes_method_and_its_terms_that_need_no_pretrained_model(recipe):
    """A config without an rl section trains as the selected recipes do (issue 23), not on R + D, which do not
    point (docs/reconstructor.md)."""
    from seqae.core.config import RLConfig

    chosen = load_config(TINY_CONFIG.parent / recipe).rl
    for key in ("sampler", "update", "temperature", "word_prior_weight", "number_weight", "reconstruction_weight",
                "discriminator_weight"):
        assert getattr(RLConfig(), key) == getattr(chosen, key), key


def test_zero_weight_term_is_not_computed(tmp_path, tiny_corpus):
    config = tiny_config(tiny_corpus, "warm_start.steps=0", "warm_start.discriminator_steps=0", "rl.steps=2",
                         "rl.discriminator_weight=0")
    trainer = Trainer(config, tmp_path / "run")
    before = snapshot(trainer)
    trainer.run()
    assert not changed(before["discriminator"], trainer.models["discriminator"])
    assert "discriminator" not in trainer.rewards.terms


def test_run_directory_layout_and_checkpoint_round_trip(tiny_run):
    checkpoints = list_checkpoints(tiny_run)
    assert checkpoints and len(checkpoints) <= 2
    last = checkpoints[-1]
    for part in ("generator", "reconstructor", "discriminator", "tokenizer", "sentences", "config.yaml",
                 "trainer_state.json", "trainer_state.pt"):
        assert (last / part).exists(), part
    assert load_trainer_state(last)["info"]["step"] == 10  # 4 warm-start + 2 discriminator + 4 RL steps
    assert (tiny_run / "model" / "generator").is_dir()
    assert not list(tiny_run.glob(".*tmp*")), "a temporary checkpoint directory was left behind"


def assert_same_tensors(expected, actual, where: str):
    """Equal nested state (dicts, lists, tensors, numbers), tensor by tensor."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(actual, torch.Tensor) and expected.shape == actual.shape, where
        assert torch.equal(expected.cpu(), actual.cpu()), where
    elif isinstance(expected, dict):
        assert set(expected) == set(actual), where
        for key in expected:
            assert_same_tensors(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, (list, tuple)):
        assert len(expected) == len(actual), where
        for index, (a, b) in enumerate(zip(expected, actual)):
            assert_same_tensors(a, b, f"{where}[{index}]")
    else:
        assert expected == actual, where


def test_checkpoint_holds_the_trainers_weights_and_optimizer_state(tmp_path, tiny_corpus):
    """What --resume loads is what the trainer held when it saved: every network's weights and every
    optimizer's state, compared with the in-memory ones (not one load with another load)."""
    out = tmp_path / "run"
    config = tiny_config(tiny_corpus)
    trainer = Trainer(config, out)
    trainer.run()  # the last step (10) is checkpointed, and no step runs after it
    assert load_trainer_state(list_checkpoints(out)[-1])["info"]["step"] == trainer.step == 10
    resumed = Trainer(config, out, resume=True)  # loads checkpoint-0000010 as a resumed run does
    assert resumed.step == 10
    for name, model in trainer.models.items():
        assert_same_tensors(model.state_dict(), resumed.models[name].state_dict(), name)
    for name, optimizer in trainer.optimizers.items():
        assert_same_tensors(optimizer.state_dict(), resumed.optimizers[name].state_dict(), f"{name} optimizer")
    # The final model, as `seqae summarize` loads it, is the same generator.
    final = ExtractiveGenerator.load(out / "model" / "generator", None, config.data.max_document_words).model
    assert_same_tensors(trainer.models["generator"].state_dict(), final.state_dict(), "model/generator")


def test_resume_continues_the_step_count(tmp_path, tiny_corpus):
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out)) == 0
    assert load_trainer_state(list_checkpoints(out)[-1])["info"]["step"] == 10
    assert main(tiny_train_args(tiny_corpus, out, "rl.steps=7", "--resume")) == 0
    assert load_trainer_state(list_checkpoints(out)[-1])["info"]["step"] == 13
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 13


def test_training_again_into_a_used_directory_needs_resume(tiny_corpus, tiny_run, capsys):
    assert main(tiny_train_args(tiny_corpus, tiny_run)) == 2
    assert "--resume" in capsys.readouterr().err


@pytest.mark.parametrize("update", ["self_critical", "best_of_k"])
def test_exact_length_samples_and_greedy_baseline_train_the_tagger(tmp_path, tiny_corpus, update):
    config = tiny_config(tiny_corpus, "warm_start.steps=0", "warm_start.discriminator_steps=0", "rl.steps=3",
                         "rl.sampler=exact_length", f"rl.update={update}", "rl.group_size=4", "rl.temperature=2",
                         "rl.word_prior_weight=1", "rl.reconstruction_weight=0", "rl.discriminator_weight=0",
                         "rl.lr=0.05")
    trainer = Trainer(config, tmp_path / "run")
    rollout = trainer.generator.rollout(trainer.corpus.articles[:3], 4, config.rl)
    assert [len(s.split()) for s in rollout.summaries] == [config.rl.target_words] * 12  # exact length
    assert rollout.logprobs.shape == (12, 1) and bool((rollout.logprobs < 0).all())
    before = snapshot(trainer)
    trainer.run()
    assert changed(before["generator"], trainer.models["generator"])
    assert not changed(before["reconstructor"], trainer.models["reconstructor"])  # weight 0: R does not train
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    rl_rows = [row for row in rows if row["stage"] == "rl" and "reward" in row]
    assert rl_rows and all(row["summary_words"] == config.rl.target_words for row in rl_rows)
    assert all("reward_greedy" in row and 0 <= row["beats_greedy"] <= 1 for row in rl_rows)
    assert (tmp_path / "run" / "model" / "word_prior.json").is_file()


def searched_summaries(run, articles, rounds: int, output) -> tuple[list[str], list[str]]:
    """`seqae summarize RUN ARTICLES --per-line --words 4 --search ROUNDS`: the documents and their summaries, each
    checked to be 4 words of its own document in the document's order."""
    assert main(["summarize", str(run), str(articles), "--per-line", "--words", "4", "--search", str(rounds),
                 "-o", str(output)]) == 0
    documents, lines = articles.read_text().splitlines(), output.read_text().splitlines()
    assert len(lines) == len(documents)
    for summary, document in zip(lines, documents):
        remaining = iter(document.split())
        assert len(summary.split()) == 4 and all(word in remaining for word in summary.split()), (summary, document)
    return documents, lines


def test_summarize_with_search_keeps_length_and_document_words(tiny_corpus, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out, "search.similarity_weight=0")) == 0
    documents, lines = searched_summaries(out, tiny_corpus["articles"], 3, tmp_path / "searched.txt")
    from seqae.rl.word_prior import WordPrior
    from seqae.apps.summarize import Summarizer

    prior = WordPrior.load(out / "model" / "word_prior.json")
    greedy = Summarizer(out).summarize_lines(documents, words=4)
    # The search accepts a swap only if the score does not fall: never worse than its start.
    assert all(prior.score(s) >= prior.score(g) - 1e-9 for s, g in zip(lines, greedy))


def test_distill_stage_learns_search_targets_and_resumes_without_searching_again(tmp_path, tiny_corpus):
    out = tmp_path / "run"
    args = ("warm_start.steps=2", "warm_start.discriminator_steps=0", "distill.documents=8", "distill.steps=3",
            "distill.batch_size=4", "search.similarity_weight=0", "search.rounds=2", "rl.steps=0")
    assert main(tiny_train_args(tiny_corpus, out, *args)) == 0
    targets = json.loads((out / "search_targets.json").read_text())
    assert len(targets) == 8 and all(len(positions) == 4 for _, positions in targets)  # rl.target_words
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows if row["stage"] == "distill"] == [3, 4, 5]
    (out / "search_targets.json").write_text(json.dumps(targets[:4]))  # a resume reads the file, not a new search
    assert main(tiny_train_args(tiny_corpus, out, *args[:-1], "rl.steps=2", "--resume")) == 0
    assert len(json.loads((out / "search_targets.json").read_text())) == 4
    assert load_trainer_state(list_checkpoints(out)[-1])["info"]["step"] == 7


def test_a_writer_learns_from_search_targets_that_start_at_the_warm_start_heuristic(tmp_path, tiny_corpus):
    from seqae.data.heuristics import heuristic_positions
    from seqae.rl.word_prior import WordPrior

    out = tmp_path / "run"
    args = ("model.generator=abstractive", "warm_start.steps=2", "warm_start.discriminator_steps=0",
            "warm_start.target=content_lead", "distill.documents=8", "distill.steps=3", "distill.batch_size=4",
            "distill.lr=0.01", "search.similarity_weight=0", "search.rounds=2", "rl.steps=0")
    assert main(tiny_train_args(tiny_corpus, out, *args)) == 0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    losses = [row["generator_loss"] for row in rows if row["stage"] == "distill"]
    assert len(losses) == 3
    prior = WordPrior.load(out / "model" / "word_prior.json")
    for document, positions in json.loads((out / "search_targets.json").read_text()):
        words = document.split()[:24]  # configs/tiny.yaml: data.max_document_words
        start = heuristic_positions(words, "content_lead", 4)
        assert positions == sorted(positions) and len(positions) == 4 and max(positions) < len(words)
        # the search starts at the heuristic and accepts a swap only if the score does not fall
        assert prior.score(" ".join(words[p] for p in positions)) >= prior.score(" ".join(words[p] for p in start)) - 1e-9


def test_a_writer_learns_from_a_tagger_teachers_choices_and_refuses_a_writer_as_teacher(tmp_path, tiny_corpus,
                                                                                         tiny_run, capsys):
    from seqae.apps.summarize import Summarizer

    out = tmp_path / "run"
    args = ("model.generator=abstractive", "warm_start.steps=2", "warm_start.discriminator_steps=0",
            "distill.documents=8", "distill.steps=2", "distill.batch_size=4", "rl.steps=0")
    assert main(tiny_train_args(tiny_corpus, out, *args, f"distill.teacher={tiny_run}")) == 0
    labelled = json.loads((out / "search_targets.json").read_text())
    documents = [document for document, _ in labelled]
    _, chosen = Summarizer(tiny_run).select(documents, words=4)  # rl.target_words
    assert [positions for _, positions in labelled] == [sorted(row) for row in chosen]
    assert all(len(positions) == 4 for _, positions in labelled)
    writer = tmp_path / "second"
    assert main(tiny_train_args(tiny_corpus, writer, *args, f"distill.teacher={out}")) == 2
    assert f"{out}: distill.teacher must be a tagger" in capsys.readouterr().err


def test_with_search_too_a_writer_learns_each_article_from_search_and_from_the_teacher(tmp_path, tiny_corpus,
                                                                                     tiny_run, capsys):
    from seqae.apps.summarize import Summarizer

    args = ("model.generator=abstractive", "warm_start.steps=2", "warm_start.discriminator_steps=0",
            "distill.documents=8", "distill.steps=2", "distill.batch_size=4", "rl.steps=0")
    searched, both = tmp_path / "searched", tmp_path / "both"
    assert main(tiny_train_args(tiny_corpus, searched, *args)) == 0
    both_labels = (f"distill.teacher={tiny_run}", "distill.search_too=true")
    assert main(tiny_train_args(tiny_corpus, both, *args, *both_labels)) == 0
    labelled = json.loads((both / "search_targets.json").read_text())
    assert len(labelled) == 16
    assert labelled[:8] == json.loads((searched / "search_targets.json").read_text())  # search's labels first
    _, chosen = Summarizer(tiny_run).select([document for document, _ in labelled[8:]], words=4)
    assert labelled[8:] == [[document, sorted(row)] for (document, _), row in zip(labelled[:8], chosen)]
    # a resume checks the count against both sources
    (both / "search_targets.json").write_text(json.dumps(labelled[:8]))
    assert main(tiny_train_args(tiny_corpus, both, *args, *both_labels, "distill.steps=3", "--resume")) == 2
    assert "holds 8 search targets but distill.documents=8 (distill.search_documents=0)" in capsys.readouterr().err
    assert main(tiny_train_args(tiny_corpus, tmp_path / "none", *args, "distill.search_too=true")) == 2
    assert "distill.search_too" in capsys.readouterr().err
    assert main(tiny_train_args(tiny_corpus, tmp_path / "none", *args, "distill.search_documents=3")) == 2
    assert "distill.search_documents" in capsys.readouterr().err


def test_search_labels_the_first_search_documents_the_teacher_every_article_up_to_the_corpus(tmp_path, tiny_corpus,
                                                                                            tiny_run):
    from seqae.core.config import load_config
    from seqae.data.corpus import load_corpus

    args = ("model.generator=abstractive", "warm_start.steps=2", "warm_start.discriminator_steps=0",
            "distill.steps=2", "distill.batch_size=4", "rl.steps=0", f"distill.teacher={tiny_run}",
            "distill.search_too=true")
    eight, every = tmp_path / "eight", tmp_path / "every"
    assert main(tiny_train_args(tiny_corpus, eight, *args, "distill.documents=8", "distill.search_documents=3")) == 0
    labelled = json.loads((eight / "search_targets.json").read_text())
    assert len(labelled) == 3 + 8
    assert [d for d, _ in labelled[:3]] == [d for d, _ in labelled[3:6]]  # search's: the teacher's first three
    assert main(tiny_train_args(tiny_corpus, every, *args, "distill.documents=100000",
                                "distill.search_documents=3")) == 0
    articles = load_corpus(load_config(every / "model" / "config.yaml", []).data, 0).articles
    more = json.loads((every / "search_targets.json").read_text())
    assert len(more) == 3 + len(articles) and sorted(d for d, _ in more[3:]) == sorted(articles)
    assert [d for d, _ in more[3:11]] == [d for d, _ in labelled[3:]]  # the same first articles, then more


def test_search_from_teacher_starts_from_the_teachers_choice(tmp_path, tiny_corpus, tiny_run, capsys):
    args = ("model.generator=abstractive", "warm_start.steps=2", "warm_start.discriminator_steps=0",
            "distill.documents=8", "distill.steps=2", "distill.batch_size=4", "rl.steps=0",
            f"distill.teacher={tiny_run}", "distill.search_too=true", "distill.search_documents=3")
    still, climbed, heuristic = tmp_path / "still", tmp_path / "climbed", tmp_path / "heuristic"
    # no rounds: search returns where it starts, the teacher's choice
    assert main(tiny_train_args(tiny_corpus, still, *args, "distill.search_from_teacher=true", "search.rounds=0")) == 0
    labelled = json.loads((still / "search_targets.json").read_text())
    assert labelled[:3] == labelled[3:6]
    assert main(tiny_train_args(tiny_corpus, heuristic, *args, "search.rounds=0")) == 0
    assert json.loads((heuristic / "search_targets.json").read_text())[:3] != labelled[:3]
    # with rounds: the same articles searched, the teacher's labels as before
    assert main(tiny_train_args(tiny_corpus, climbed, *args, "distill.search_from_teacher=true")) == 0
    searched = json.loads((climbed / "search_targets.json").read_text())
    assert searched[3:] == labelled[3:] and [d for d, _ in searched[:3]] == [d for d, _ in labelled[:3]]
    assert main(tiny_train_args(tiny_corpus, tmp_path / "none", *args[:-2], "distill.search_from_teacher=true")) == 2
    assert "distill.search_from_teacher" in capsys.readouterr().err


def test_search_targets_beyond_the_words_read_are_refused_naming_the_file(tmp_path, tiny_corpus, capsys):
    # e.g. a file copied from a run that read more words of each document
    out = tmp_path / "run"
    documents = tiny_corpus["articles"].read_text().splitlines()[:8]
    (out).mkdir()
    (out / "search_targets.json").write_text(json.dumps([[d, [0, 30]] for d in documents]))
    args = ("model.generator=abstractive", "warm_start.steps=2", "warm_start.discriminator_steps=0",
            "distill.documents=8", "distill.steps=2", "search.similarity_weight=0", "rl.steps=0")
    assert main(tiny_train_args(tiny_corpus, out, *args)) == 2
    err = capsys.readouterr().err
    assert str(out / "search_targets.json") in err and "beyond the first data.max_document_words=24 words" in err


def test_a_writer_imitates_search_targets_as_the_chosen_words_in_order(tiny_run):
    from seqae.core.generators import AbstractiveGenerator
    from seqae.core.models import causal_lm
    from seqae.data.tokenizer import load_word_tokenizer
    from seqae.data.tokenizer import WordCodec

    tokenizer = load_word_tokenizer(tiny_run / "model" / "tokenizer")
    torch.manual_seed(0)
    writer = AbstractiveGenerator(causal_lm(tokenizer, len(tokenizer), 32, 1, 2, 64, 64), WordCodec.from_tokenizer(tokenizer),
                                  16)
    documents = ["police said the city market burned", "the storm hit the city on monday"]
    pairs = [(documents[0], [0, 3, 4, 5]), (documents[1], [1, 4, 6])]
    expected = writer.imitation_loss(documents, ["police city market burned", "storm city monday"], 4)
    assert torch.allclose(writer.search_target_loss(pairs), expected)
    assert not torch.allclose(writer.search_target_loss([(documents[0], [0, 1, 2, 3]), pairs[1]]), expected)


def test_fixed_reward_models_are_trained_once_logged_apart_and_kept_for_resume(tmp_path, tiny_corpus):
    fixed = ["rl.fluency_weight=0.5", "rl.coverage_weight=1", "summary_lm.steps=3", "summary_lm.hidden_size=64",
             "summary_lm.num_layers=1", "coverage.steps=3", "coverage.hidden_size=32", "coverage.num_layers=1",
             "search.fluency_weight=0.5", "search.similarity_weight=0"]
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out, *fixed)) == 0
    for bundle in (out / "model", list_checkpoints(out)[-1]):
        assert (bundle / "summary_lm" / "model" / "config.json").is_file()
        assert (bundle / "coverage" / "config.json").is_file()
    rl_rows = [row for row in map(json.loads, (out / "metrics.jsonl").read_text().splitlines())
               if row["stage"] == "rl" and "reward" in row]
    assert rl_rows and all("reward_fluency" in row and "reward_coverage" in row for row in rl_rows)
    assert all(row["reward_fluency"] < 0 for row in rl_rows)  # minus an NLL
    # A branch off the last checkpoint (as the bench makes them) reuses its fixed models: nothing retrained.
    from seqae.core.checkpoint import copy_run

    branch = tmp_path / "branch"
    copy_run(out, branch)
    weights = (list_checkpoints(out)[-1] / "summary_lm" / "model" / "model.safetensors").read_bytes()
    trainer = Trainer(tiny_config(tiny_corpus, *fixed, "rl.steps=6"), branch, resume=True)
    assert not (branch / "summary_lm").exists() and not (branch / "coverage").exists()
    trainer.run()
    assert (branch / "model" / "summary_lm" / "model" / "model.safetensors").read_bytes() == weights
    searched_summaries(out, tiny_corpus["articles"], 2, tmp_path / "searched.txt")  # search weighs fluency too


def test_warm_start_without_the_reconstructor_leaves_it_untouched(tmp_path, tiny_corpus):
    config = tiny_config(tiny_corpus, "model.generator=abstractive", "warm_start.train_reconstructor=false",
                         "warm_start.discriminator_steps=0", "rl.steps=0")
    trainer = Trainer(config, tmp_path / "run")
    before = snapshot(trainer)
    trainer.run()
    assert changed(before["generator"], trainer.models["generator"])
    assert not changed(before["reconstructor"], trainer.models["reconstructor"])


def test_resume_under_other_decoding_sets_the_best_dev_model_anew(tmp_path, tiny_corpus, capsys):
    out, titles = tmp_path / "run", tmp_path / "titles.txt"
    # Paired titles (each article's first four words) give the run a dev slice to score.
    titles.write_text("".join(" ".join(line.split()[:4]) + "\n"
                              for line in tiny_corpus["articles"].read_text().splitlines()))
    paired = [f"data.titles=[{titles}]", "dev_every=5"]
    assert main(tiny_train_args(tiny_corpus, out, *paired)) == 0
    first = load_trainer_state(list_checkpoints(out)[-1])["info"]
    assert first["best_dev_decoding"]["max_spans"] == 0 and first["best_dev"] is not None
    capsys.readouterr()
    assert main(tiny_train_args(tiny_corpus, out, *paired, "rl.steps=7", "decode.max_spans=1", "--resume")) == 0
    assert "sets the best model anew" in capsys.readouterr().err
    assert load_trainer_state(list_checkpoints(out)[-1])["info"]["best_dev_decoding"]["max_spans"] == 1
