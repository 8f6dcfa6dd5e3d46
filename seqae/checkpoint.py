"""Checkpoints: one directory holding G, R, D, tokenizer, sentence splitter, resolved config and trainer state.

Written atomically: everything goes into a hidden temporary directory that is renamed into place only when
complete, so a kill during a write leaves the previous checkpoint as the latest loadable one.
"""

import json
import os
import re
import shutil
from pathlib import Path

import torch

from seqae.config import Config, load_config, save_config
from seqae.errors import DataError

CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d{7})$")
MODEL_PARTS = ("generator", "reconstructor", "discriminator")
REQUIRED_FILES = ("config.yaml", "tokenizer/tokenizer.json", "generator/config.json")


def save_bundle(directory: Path, config: Config, tokenizer, splitter, models: dict, state: dict | None) -> None:
    """Write a complete bundle to `directory` (which must not exist) via a temporary sibling and a rename."""
    directory = Path(directory)
    tmp = directory.parent / f".{directory.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, model in models.items():
        model.save_pretrained(tmp / name, safe_serialization=True)
    tokenizer.save_pretrained(tmp / "tokenizer")
    if splitter is not None:
        splitter.save(tmp / "sentences")
    save_config(config, tmp / "config.yaml")
    if state is not None:
        torch.save(state["tensors"], tmp / "trainer_state.pt")
        (tmp / "trainer_state.json").write_text(json.dumps(state["info"], indent=1), encoding="utf-8")
    _fsync_tree(tmp)
    old = directory.parent / f".{directory.name}.old-{os.getpid()}"
    if directory.exists():
        os.replace(directory, old)
    os.replace(tmp, directory)
    shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def checkpoint_path(run_dir: Path, step: int) -> Path:
    return Path(run_dir) / f"checkpoint-{step:07d}"


def list_checkpoints(run_dir: Path) -> list[Path]:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return []
    found = [p for p in run_dir.iterdir() if CHECKPOINT_PATTERN.match(p.name) and p.is_dir()]
    return sorted(found, key=lambda p: int(CHECKPOINT_PATTERN.match(p.name).group(1)))


def prune_checkpoints(run_dir: Path, keep: int = 2) -> None:
    for old in list_checkpoints(run_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def resolve_model_dir(path) -> Path:
    """A bundle itself, or a run directory: its `model` (best on dev), else its latest checkpoint."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "model directory not found")
    if not path.is_dir():
        raise DataError(path, "is not a directory (expected a trained seqae model)")
    if (path / "config.yaml").exists():
        return path
    if (path / "model" / "config.yaml").exists():
        return path / "model"
    checkpoints = list_checkpoints(path)
    if checkpoints:
        return checkpoints[-1]
    raise DataError(path, "not a seqae model (no config.yaml, model/ or checkpoint-* inside)")


def check_bundle(directory: Path) -> None:
    for name in REQUIRED_FILES:
        if not (directory / name).is_file():
            raise DataError(directory, f"incomplete model: {name} is missing")


def load_bundle_config(directory: Path) -> Config:
    check_bundle(directory)
    return load_config(directory / "config.yaml")


def load_trainer_state(directory: Path) -> dict:
    info_path, tensors_path = directory / "trainer_state.json", directory / "trainer_state.pt"
    if not info_path.is_file() or not tensors_path.is_file():
        raise DataError(directory, "checkpoint has no trainer state (trainer_state.json/.pt)")
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
        tensors = torch.load(tensors_path, map_location="cpu", weights_only=False)
    except (json.JSONDecodeError, RuntimeError, EOFError, OSError) as error:
        raise DataError(directory, f"trainer state is damaged: {str(error).splitlines()[0]}") from None
    return {"info": info, "tensors": tensors}
