"""Checkpoints: one directory holding G, R, D, tokenizer, sentence splitter, resolved config and trainer state.

A generator with its own subword tokenizer (a pretrained tagger) is saved with that tokenizer inside
`generator/`; `tokenizer/` is always seqae's word-level one (R, D, and a from-scratch G). A word-level
tagger is also saved as `generator/model.onnx` (seqae.core.onnx_tagger), which summarizing runs without torch.

Written atomically: everything goes into a hidden temporary directory that is renamed into place only when
complete, so a kill during a write leaves the previous checkpoint as the latest loadable one.
"""

import json
import os
import re
import shutil
import sys
from pathlib import Path

from seqae.core.config import Config, load_config, save_config
from seqae.data.tokenizer import load_word_codec
from seqae.data.errors import DataError, UsageError, first_line
from seqae.data.io import atomic_directory, atomic_write_text
from seqae.core.onnx_tagger import export_tagger, exportable

CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d{7})$")
STALE_PATTERN = re.compile(r"^\.checkpoint-\d{7}\.(?:tmp|old)-(\d+)$")  # save_bundle's temporary names
MODEL_PARTS = ("generator", "reconstructor", "discriminator")
METRICS_FILE = "metrics.jsonl"
WORD_PRIOR_FILE = "word_prior.json"  # seqae.rl.word_prior, for test-time search
SUMMARY_LM_DIR = "summary_lm"  # seqae.core.summary_lm, the fluency reward's model (runs that weigh fluency)
COVERAGE_DIR = "coverage"  # seqae.rl.coverage, the coverage reward's model (runs that weigh coverage)
SEARCH_TARGETS_FILE = "search_targets.json"  # the distill stage's labels, kept for resumes
TRL_DIR = "trl"  # rl.backend=trl's own output
REQUIRED_FILES = ("config.yaml", "tokenizer/tokenizer.json", "generator/config.json")


def save_bundle(directory: Path, config: Config, tokenizer, splitter, models: dict, state: dict | None,
                word_prior=None, fixed_models: dict | None = None) -> None:
    """Write a complete bundle to `directory` via a temporary sibling and a rename (an old one is replaced)."""
    # torch, here and below: summarizing with the ONNX tagger reads bundles without importing it
    import torch

    from seqae.core.optim import non_finite_tensor
    from seqae.core.tagger import save_tokenizer

    directory = Path(directory)
    # A diverged network is never written: the bundle it would replace (the best model, a checkpoint) stays.
    networks = {**models, **{name: fixed.model for name, fixed in (fixed_models or {}).items()}}
    for name, model in networks.items():
        bad = non_finite_tensor(model.state_dict().items())
        if bad is not None:
            raise DataError(directory, f"not saved: the {name}'s weight {bad} is NaN or inf (training diverged)")
    with atomic_directory(directory) as tmp:
        for name, model in models.items():
            model.save_pretrained(tmp / name, safe_serialization=True)
            save_tokenizer(model, tmp / name)  # a pretrained tagger's own subword tokenizer, if it has one
        if "generator" in models and exportable(models["generator"]):
            try:
                export_tagger(models["generator"], tmp / "generator")
            except Exception as error:  # noqa: BLE001 - the export only speeds up start-up: never lose a checkpoint to it
                print(f"seqae: warning: {directory}: no ONNX export of the tagger ({first_line(error)}); summarizing "
                      "will run it with torch", file=sys.stderr)
        tokenizer.save_pretrained(tmp / "tokenizer")
        if splitter is not None:
            splitter.save(tmp / "sentences")
        if word_prior is not None:
            word_prior.save(tmp / WORD_PRIOR_FILE)
        for name, fixed in (fixed_models or {}).items():  # the fixed reward models: SUMMARY_LM_DIR, COVERAGE_DIR
            fixed.save(tmp / name)
        save_config(config, tmp / "config.yaml")
        if state is not None:
            torch.save(state["tensors"], tmp / "trainer_state.pt")
            (tmp / "trainer_state.json").write_text(json.dumps(state["info"], indent=1), encoding="utf-8")


def checkpoint_path(run_dir: Path, step: int) -> Path:
    return Path(run_dir) / f"checkpoint-{step:07d}"


def list_checkpoints(run_dir: Path) -> list[Path]:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return []
    found = [p for p in run_dir.iterdir() if CHECKPOINT_PATTERN.match(p.name) and p.is_dir()]
    return sorted(found, key=lambda p: int(CHECKPOINT_PATTERN.match(p.name).group(1)))


def holds_model(run_dir: Path) -> bool:
    """A run directory that a training run would overwrite: it holds model/ or a checkpoint."""
    return (Path(run_dir) / "model").exists() or bool(list_checkpoints(run_dir))


def clear_run(run_dir: Path) -> None:
    """Delete what training wrote into `run_dir` (`train --overwrite`): the model, checkpoints and their hidden
    temporaries, metrics, and what a run reuses from its directory (search targets, fixed reward models), so that
    nothing of the old run is taken for the new one's. Anything else in the directory stays."""
    run_dir = Path(run_dir)
    for path in [run_dir / "model", *list_checkpoints(run_dir), *run_dir.glob(".checkpoint-*"),
                 *run_dir.glob(".model.*"), run_dir / SUMMARY_LM_DIR, run_dir / COVERAGE_DIR, run_dir / TRL_DIR]:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    for name in (METRICS_FILE, SEARCH_TARGETS_FILE):
        (run_dir / name).unlink(missing_ok=True)


def prune_checkpoints(run_dir: Path, keep: int = 2) -> None:
    for old in list_checkpoints(run_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    # A process killed inside save_bundle leaves its hidden temporary directory behind (a whole checkpoint's
    # size); the pid in the name tells this process's own (in use) from a dead one's.
    for stale in Path(run_dir).glob(".checkpoint-*"):
        match = STALE_PATTERN.match(stale.name)
        if match and int(match.group(1)) != os.getpid():
            shutil.rmtree(stale, ignore_errors=True)


def resolve_model_dir(path) -> Path:
    """A bundle itself, or a run directory: its `model` (best on dev), else its latest checkpoint."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "does not exist (no model directory here)")
    if not path.is_dir():
        raise DataError(path, "is not a directory (expected a trained seqae model)")
    # A run directory may hold a config.yaml of its own (`train --articles` writes the config it built there).
    if (path / "config.yaml").exists() and (path / "tokenizer").is_dir():
        return path
    if (path / "model" / "config.yaml").exists():
        return path / "model"
    checkpoints = list_checkpoints(path)
    if checkpoints:
        return checkpoints[-1]
    if (path / "config.yaml").exists():
        return path  # a bundle with files missing: check_bundle names them
    raise DataError(path, "not a seqae model (no config.yaml, model/ or checkpoint-* inside)")


def check_bundle(directory: Path) -> None:
    for name in REQUIRED_FILES:
        if not (directory / name).is_file():
            raise DataError(directory, f"incomplete model: {name} is missing")
    check_weights(directory)


def is_inference_only(directory: Path, part: str = "generator") -> bool:
    """A bundle made for summarizing alone (`seqae export --inference-bundle`): its generator is an ONNX export whose
    record says it was made from no torch weights (a training bundle whose weights went missing is not one)."""
    record = Path(directory) / part / "model.onnx.json"
    if part != "generator" or not record.is_file():
        return False
    try:
        return json.loads(record.read_text(encoding="utf-8")).get("weights_sha256") == {}
    except (OSError, ValueError, AttributeError):
        return False


def check_weights(directory: Path) -> None:
    """Every network of the bundle has weights and every `*.safetensors` is whole. A file cut short (a full
    disk, a copy that stopped) makes safetensors raise its own error type deep inside from_pretrained."""
    for part in MODEL_PARTS:
        part_dir = Path(directory) / part
        if (part_dir / "config.json").is_file() and not any(part_dir.glob("*.safetensors")) \
                and not any(part_dir.glob("pytorch_model*.bin")) and not is_inference_only(directory, part):
            raise DataError(directory, f"incomplete model: {part}/model.safetensors is missing")
    for path in sorted(Path(directory).glob("*/*.safetensors")):
        problem = _safetensors_problem(path)
        if problem:
            raise DataError(path, f"damaged weights file: {problem}")


def _safetensors_problem(path: Path) -> str | None:
    """What is wrong with a safetensors file's framing (8-byte header length, JSON header, data), or None."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(8)
            if len(head) < 8:
                return f"only {size} bytes, too short for a safetensors header"
            length = int.from_bytes(head, "little")
            if length > 100_000_000:  # safetensors' own limit on the header
                return "not a safetensors file (bad header length)"
            if length > size - 8:
                return f"truncated: the header alone needs {length + 8} bytes but the file has {size}"
            header = json.loads(handle.read(length))
        end = max((entry["data_offsets"][1] for name, entry in header.items() if name != "__metadata__"), default=0)
    except OSError as error:
        return f"cannot read ({error.strerror or error})"
    except (ValueError, UnicodeDecodeError, AttributeError, KeyError, TypeError, IndexError):
        return "not a safetensors file (unreadable header)"
    if 8 + length + end > size:
        return f"truncated: {size} bytes, the header describes {8 + length + end}"
    return None


def load_bundle_config(directory: Path) -> Config:
    check_bundle(directory)
    return load_config(directory / "config.yaml")


def load_trainer_state(directory: Path) -> dict:
    import torch  # as in save_bundle: reading a bundle to summarize must not import it

    check_bundle(directory)
    info_path, tensors_path = directory / "trainer_state.json", directory / "trainer_state.pt"
    if not info_path.is_file() or not tensors_path.is_file():
        raise DataError(directory, "checkpoint has no trainer state (trainer_state.json/.pt)")
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
        tensors = torch.load(tensors_path, map_location="cpu", weights_only=False)
    except (json.JSONDecodeError, RuntimeError, EOFError, OSError) as error:
        raise DataError(directory, f"trainer state is damaged: {str(error).splitlines()[0]}") from None
    return {"info": info, "tensors": tensors}


def copy_run(source: Path, destination: Path) -> None:
    """Start a new run from another run's latest checkpoint (the benchmark's ablations branch off this way)."""
    checkpoints = list_checkpoints(source)
    if not checkpoints:
        raise DataError(source, "no checkpoint to start from")
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copytree(checkpoints[-1], destination / checkpoints[-1].name, dirs_exist_ok=True)
    # The dev-selected model so far competes with what the new run learns.
    if (source / "model").exists():
        shutil.copytree(source / "model", destination / "model", dirs_exist_ok=True)


def append_metrics(run_dir: Path, row: dict) -> None:
    with open(Path(run_dir) / METRICS_FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


def trim_metrics(run_dir: Path, step: int) -> None:
    """After a resume, forget log rows written after the checkpoint: they will be written again."""
    path = Path(run_dir) / METRICS_FILE
    if not path.exists():
        return
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # the line a kill cut off mid-write
            continue
        if isinstance(row, dict) and row.get("step", 0) <= step:
            rows.append(line)
    atomic_write_text(path, "".join(r + "\n" for r in rows))  # a kill mid-rewrite must not lose the kept rows


def export_bundle(model_dir) -> Path:
    """Export the tagger of a bundle saved before exports existed (`seqae export`); returns the file written."""
    from seqae.core.generators import generator_class  # imports torch: the bundle loaders above must not

    directory = resolve_model_dir(model_dir)
    config = load_bundle_config(directory)
    generator = generator_class(config.model.generator).load(
        directory / "generator", load_word_codec(directory / "tokenizer"), config.data.max_document_words)
    if not exportable(generator.model):
        raise UsageError(f"{directory}: only word-level extractive taggers are exported; this generator "
                         f"({config.model.generator}, {type(generator.model).__name__}) runs with torch")
    return export_tagger(generator.model, directory / "generator")
