"""Models that are checked (issue 21): a diverged run stops with one line and keeps only finite weights; saved
weights and the ONNX export are checked on load; --resume refuses a config that changes the architecture."""

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from seqae.core.checkpoint import list_checkpoints, save_bundle
from seqae.cli import main
from seqae.core.config import ARCHITECTURE_KEYS, architecture_change, load_config
from seqae.data.errors import DataError, UsageError
from seqae.core.onnx_tagger import EXPORT_RECORD, ONNX_FILE, non_finite_initializer
from seqae.core.optim import NonFiniteStep

from conftest import ONE_CALL_A_STEP, TINY_CONFIG, paired_corpus, tiny_train_args

PARTS = ("generator", "reconstructor", "discriminator")


def one_error_line(err: str) -> str:
    """The single `seqae: error:` line of stderr (the training progress bar shares it), with no traceback."""
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("seqae: error: ")]
    assert len(errors) == 1, err
    return errors[0]


def finite(bundle, part: str) -> bool:
    return all(torch.isfinite(t).all() for t in load_file(bundle / part / "model.safetensors").values())


def assert_all_saved_weights_finite(run) -> None:
    bundles = list_checkpoints(run) + ([run / "model"] if (run / "model").exists() else [])
    for bundle in bundles:
        for part in PARTS:
            assert finite(bundle, part), (bundle, part)


# ----- a diverged run is never kept -----

@pytest.fixture(scope="module")
def titled_corpus(tmp_path_factory) -> list[str]:
    """Training arguments for a paired corpus, so that dev evaluations run and mark a best model."""
    directory = tmp_path_factory.mktemp("titled")
    return ["train", str(TINY_CONFIG), *paired_corpus(directory, 40, seed=3, title_words=4), "checkpoint_every=2",
            "dev_every=2"]


def test_a_huge_learning_rate_stops_at_its_first_step_keeping_the_last_good_checkpoint(tmp_path, titled_corpus,
                                                                                        capsys):
    run = tmp_path / "run"
    # 4 warm-start and 2 discriminator steps at sane rates (checkpoints and a best model), then RL at 1e308.
    assert main([*titled_corpus, "rl.lr=1e308", "--out", str(run)]) == 1
    error = one_error_line(capsys.readouterr().err)
    assert "stopping at step 7 in the rl stage" in error and "generator's weights are NaN or inf" in error
    assert "rl.lr (now 1e+308)" in error and str(run / "checkpoint-0000006") in error
    assert [c.name for c in list_checkpoints(run)][-1] == "checkpoint-0000006"
    assert_all_saved_weights_finite(run)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert any(row.get("dev_best") for row in rows)  # the best model is the sound one of an earlier step
    assert all(row["step"] < 7 for row in rows)


def test_a_huge_warm_start_rate_saves_nothing(tmp_path, tiny_corpus, capsys):
    run = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, run, "warm_start.lr=1e308", "rl.lr=1e308")) == 1
    error = one_error_line(capsys.readouterr().err)
    assert "stopping at step 1 in the warm_start stage" in error and "warm_start.lr (now 1e+308)" in error
    assert "no checkpoint was written" in error
    assert not list_checkpoints(run) and not (run / "model").exists()
    assert main(["summarize", str(run), str(tiny_corpus["articles"])]) == 1  # nothing there to summarize with


def test_a_large_learning_rate_ends_cleanly_with_finite_checkpoints(tmp_path, tiny_corpus, capsys):
    """The issue's `warm_start.lr=rl.lr=1000` (a traceback from torch.bernoulli on NaN probabilities)."""
    run = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, run, "warm_start.lr=1000", "rl.lr=1000")) == 1
    assert "stopping at step" in one_error_line(capsys.readouterr().err)
    assert_all_saved_weights_finite(run)


def test_a_run_ending_in_non_finite_steps_is_not_saved(tmp_path, tiny_corpus, monkeypatch, capsys):
    """Skipped steps leave the weights as they were, but weights whose last steps were all non-finite are not
    sound: no checkpoint of them, no successful end."""
    import seqae.rl.rewards

    real, calls = seqae.rl.rewards.length_reward, []

    def nan_at_the_end(documents, summaries, **kwargs):
        calls.append(1)
        return [float("nan")] * len(summaries) if len(calls) > 4 else real(documents, summaries, **kwargs)

    monkeypatch.setattr(seqae.rl.rewards, "length_reward", nan_at_the_end)
    run = tmp_path / "run"
    # 2 + 1 + 6 steps, RL from step 4; rewards of steps 8 and 9 are NaN (each RL step scores once).
    assert main(tiny_train_args(tiny_corpus, run, "warm_start.steps=2", "warm_start.discriminator_steps=1",
                                "rl.steps=6", "checkpoint_every=3", "rl.max_bad_steps=5",
                                *ONE_CALL_A_STEP)) == 1
    error = one_error_line(capsys.readouterr().err)
    assert "stopping at step 9: 2 non-finite steps in a row in the rl stage (non-finite reward)" in error
    assert [c.name for c in list_checkpoints(run)][-1] == "checkpoint-0000006"
    assert not (run / "model").exists()


def test_a_diverging_fixed_reward_model_stops_before_training(tmp_path, tiny_corpus, capsys):
    run = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, run, "rl.fluency_weight=1", "summary_lm.steps=2",
                                "summary_lm.hidden_size=64", "summary_lm.num_layers=1", "summary_lm.lr=1e308")) == 1
    error = one_error_line(capsys.readouterr().err)
    assert "stopping before the first stage" in error and "summary LM" in error
    assert "summary_lm.lr (now 1e+308)" in error
    assert not (run / "summary_lm").exists()


@pytest.mark.parametrize("kind", ["extractive", "abstractive"])
def test_non_finite_probabilities_are_a_skipped_step_not_a_sampling_crash(tiny_run, kind):
    from seqae.data.tokenizer import WordCodec, load_word_tokenizer
    from seqae.core.generators import generator_class

    config = load_config(TINY_CONFIG, [f"model.generator={kind}"])
    tokenizer = load_word_tokenizer(tiny_run / "model" / "tokenizer")
    generator = generator_class(kind).build(config.model, tokenizer, WordCodec.from_tokenizer(tokenizer), 24)
    with torch.no_grad():
        for parameter in generator.model.parameters():
            parameter.fill_(float("nan"))
    with pytest.raises(NonFiniteStep, match="probabilities before sampling"):  # torch raised a RuntimeError
        generator.rollout(["police said the army rebels talks in the city"] * 2, 2, config.rl)


def test_save_bundle_refuses_non_finite_weights_and_keeps_the_old_bundle(tmp_path, tiny_run):
    from seqae.data.sentences import SentenceSplitter
    from seqae.data.tokenizer import load_word_tokenizer
    from seqae.core.generators import ExtractiveGenerator
    from seqae.core.models import load_discriminator, load_reconstructor

    source = tiny_run / "model"
    target = tmp_path / "model"
    shutil.copytree(source, target)
    before = (target / "generator" / "model.safetensors").read_bytes()
    models = {"generator": ExtractiveGenerator.load(source / "generator", None, 24).model,
              "reconstructor": load_reconstructor(source / "reconstructor"),
              "discriminator": load_discriminator(source / "discriminator")}
    with torch.no_grad():
        next(models["reconstructor"].parameters())[0, 0] = float("inf")
    with pytest.raises(DataError, match="not saved: the reconstructor's weight .* is NaN or inf"):
        save_bundle(target, load_config(source / "config.yaml"), load_word_tokenizer(source / "tokenizer"),
                    SentenceSplitter.load(source / "sentences"), models, None)
    assert (target / "generator" / "model.safetensors").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary directory left


LEARNING_RATES = ("warm_start.lr", "distill.lr", "rl.lr", "rl.reconstructor_lr", "rl.discriminator_lr",
                  "summary_lm.lr", "coverage.lr")


@pytest.mark.parametrize("value", ["0", "-1e-3", ".inf", ".nan"])
@pytest.mark.parametrize("key", LEARNING_RATES)
def test_every_learning_rate_must_be_positive_and_finite(key, value):
    with pytest.raises(UsageError, match=f"{key} must be a positive number"):
        load_config(TINY_CONFIG, [f"{key}={value}"])


# ----- saved weights and the ONNX export are checked on load -----

DOCUMENT = "police said the army rebels talks in the city on tuesday\n"


@pytest.fixture()
def bundle(tmp_path, tiny_run):
    copy = tmp_path / "model"
    shutil.copytree(tiny_run / "model", copy)
    (tmp_path / "doc.txt").write_text(DOCUMENT)
    return copy


def summarize(bundle, capsys, *options) -> tuple[int, str, str]:
    code = main(["summarize", str(bundle), str(bundle.parent / "doc.txt"), *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def spoil_weights(path, value: float = float("nan")) -> None:
    """Set every float tensor of a safetensors file to `value` (NaN: a diverged run; finite: other weights)."""
    tensors = load_file(path)
    save_file({name: torch.full_like(t, value) if t.is_floating_point() else t for name, t in tensors.items()},
              str(path), metadata={"format": "pt"})


def spoil_export(bundle, record_it: bool) -> None:
    """NaN in every large initializer of the export; `record_it`: as if the export had been made so."""
    import onnx
    from onnx import numpy_helper

    path = bundle / "generator" / ONNX_FILE
    graph = onnx.load(str(path))
    for initializer in graph.graph.initializer:
        values = numpy_helper.to_array(initializer)
        if values.dtype == np.float32 and values.size > 100:
            initializer.CopyFrom(numpy_helper.from_array(np.full_like(values, np.nan), initializer.name))
    onnx.save(graph, str(path))
    if record_it:
        import hashlib

        record_path = bundle / "generator" / EXPORT_RECORD
        record = json.loads(record_path.read_text())
        record["onnx_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        record_path.write_text(json.dumps(record))


@pytest.mark.parametrize("runtime", ["auto", "torch"])
def test_summarize_refuses_non_finite_torch_weights(bundle, capsys, runtime):
    weights = bundle / "generator" / "model.safetensors"
    spoil_weights(weights)
    code, out, err = summarize(bundle, capsys, "--runtime", runtime)
    assert code == 1 and out == ""
    # auto: the export no longer matches the weights, so torch loads them, and refuses them.
    assert one_error_line(err) == (f"seqae: error: {weights}: the extractive weight "
                                   "bert.embeddings.word_embeddings.weight holds NaN or inf: the run that saved it "
                                   "diverged; use an earlier checkpoint")


def test_a_nan_export_falls_back_to_torch_with_a_note_or_is_refused(bundle, capsys):
    code, from_torch, _ = summarize(bundle, capsys, "--runtime", "torch")
    assert code == 0
    spoil_export(bundle, record_it=False)
    code, out, err = summarize(bundle, capsys)
    assert code == 0 and out == from_torch
    assert f"{bundle / 'generator' / ONNX_FILE}: cannot load the ONNX tagger: its sha256 is not the one" in err
    assert "running the tagger with torch" in err
    code, out, err = summarize(bundle, capsys, "--runtime", "onnx")
    assert code == 1 and out == "" and "changed after its export" in one_error_line(err)


def test_an_export_whose_initializers_are_nan_is_refused_even_when_recorded(bundle, capsys):
    spoil_export(bundle, record_it=True)
    code, _, err = summarize(bundle, capsys, "--runtime", "onnx")
    assert code == 1
    error = one_error_line(err)
    assert "cannot load the ONNX tagger: its initializer " in error and "holds NaN or inf" in error


def test_an_export_of_other_weights_is_not_used(bundle, capsys):
    spoil_weights(bundle / "generator" / "model.safetensors", 0.5)  # finite weights the export was not made from
    code, from_torch, _ = summarize(bundle, capsys, "--runtime", "torch")
    assert code == 0
    code, out, err = summarize(bundle, capsys)
    assert code == 0 and out == from_torch and "was exported from other weights" in err
    assert summarize(bundle, capsys, "--runtime", "onnx")[0] == 1


def test_an_export_without_its_record_is_exported_again(bundle, capsys):
    """An export made before the record existed: torch with a note, until `seqae export` (older models)."""
    (bundle / "generator" / EXPORT_RECORD).unlink()
    code, out, err = summarize(bundle, capsys)
    assert code == 0 and out.strip() and f"no {EXPORT_RECORD}" in err and "seqae export" in err
    assert main(["export", str(bundle)]) == 0
    capsys.readouterr()
    code, from_onnx, err = summarize(bundle, capsys, "--runtime", "onnx")
    assert code == 0 and from_onnx == out and "note" not in err


def test_export_and_resume_refuse_non_finite_weights(tmp_path, tiny_run, tiny_corpus, capsys):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    weights = list_checkpoints(run)[-1] / "discriminator" / "model.safetensors"
    spoil_weights(weights)
    assert main(tiny_train_args(tiny_corpus, run, "rl.steps=6", "--resume")) == 1
    assert one_error_line(capsys.readouterr().err).startswith(f"seqae: error: {weights}: the discriminator weight ")
    spoil_weights(run / "model" / "generator" / "model.safetensors")
    assert main(["export", str(run / "model")]) == 1
    assert "generator" in one_error_line(capsys.readouterr().err)


def test_non_finite_initializer_reads_every_float_encoding():
    from onnx import TensorProto, helper, numpy_helper

    def model(*initializers) -> bytes:
        return helper.make_model(helper.make_graph([], "g", [], [], initializer=list(initializers))).SerializeToString()

    bfloat16 = np.array([1.0, np.inf], np.float32).view(np.uint32) >> 16
    for bad in (numpy_helper.from_array(np.array([1, np.nan], np.float32), "raw32"),
                numpy_helper.from_array(np.array([1, np.inf], np.float16), "raw16"),
                numpy_helper.from_array(np.array([1, -np.inf]), "raw64"),
                TensorProto(name="rawbf16", data_type=TensorProto.BFLOAT16, dims=[2],
                            raw_data=bfloat16.astype("<u2").tobytes()),
                helper.make_tensor("packed32", TensorProto.FLOAT, [2], [1.0, float("nan")]),
                helper.make_tensor("packed64", TensorProto.DOUBLE, [2], [1.0, float("inf")])):
        good = numpy_helper.from_array(np.ones(3, np.float32), "good")
        assert non_finite_initializer(model(good, bad)) == bad.name
        assert non_finite_initializer(model(good, numpy_helper.from_array(np.arange(3), "ints"))) is None


# ----- --resume refuses a config that changes the architecture -----

@pytest.fixture()
def resumable(tmp_path, tiny_run):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    return run


@pytest.mark.parametrize("override, saved, new", [("model.generator=abstractive", "extractive", "abstractive"),
                                                  ("model.hidden_size=64", "32", "64"),
                                                  ("data.vocab_size=400", "500", "400"),
                                                  ("data.max_document_words=30", "24", "30")])
def test_resume_refuses_an_architecture_change_naming_the_key(resumable, tiny_corpus, capsys, override, saved, new):
    before = {p: p.read_bytes() for p in resumable.rglob("*") if p.is_file()}
    assert main(tiny_train_args(tiny_corpus, resumable, override, "--resume")) == 2
    key = override.split("=")[0]
    assert one_error_line(capsys.readouterr().err) == (
        f"seqae: error: {resumable}: --resume cannot change {key}: checkpoint-0000010 was trained with "
        f"{key}={saved}, the config now says {new}; keep {saved} to resume, or train a new run into another --out")
    assert {p: p.read_bytes() for p in resumable.rglob("*") if p.is_file()} == before  # nothing written


def test_resume_takes_new_training_keys(resumable, tiny_corpus):
    assert main(tiny_train_args(tiny_corpus, resumable, "rl.steps=5", "rl.lr=0.001", "warm_start.lr=0.002",
                                "rl.group_size=3", "decode.words=3", "--resume")) == 0
    assert "lr: 0.001" in (list_checkpoints(resumable)[-1] / "config.yaml").read_text()


def test_architecture_keys():
    saved = load_config(TINY_CONFIG)
    assert "model.generator" in ARCHITECTURE_KEYS and "data.vocab_size" in ARCHITECTURE_KEYS
    assert architecture_change(saved, load_config(TINY_CONFIG, ["rl.lr=0.5", "rl.steps=9", "seed=3",
                                                                 "model.generator_init=elsewhere"])) is None
    assert architecture_change(saved, load_config(TINY_CONFIG, ["model.reconstructor_layers=2"])) == (
        "model.reconstructor_layers", 1, 2)
    # A fixed reward model's shape counts only for a run that saved one.
    wider = load_config(TINY_CONFIG, ["summary_lm.hidden_size=256"])
    assert architecture_change(saved, wider) is None
    assert architecture_change(saved, wider, ["summary_lm"]) == ("summary_lm.hidden_size", 128, 256)
