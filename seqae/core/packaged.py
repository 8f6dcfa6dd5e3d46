"""Inference-only bundles, and the trained headline model that ships inside the package.

`build_inference_bundle` copies what `Summarizer` needs from a trained bundle (config, word vocabulary, sentence
splitter, the tagger's ONNX export) and quantizes the export's weights to int8 with ONNX Runtime's dynamic
quantization, the word embedding included (Gather), optionally after cutting the embedding to the most frequent
words: the packaged Gigaword tagger goes from 16 MB to 1.7 MB (10,000 words). The networks
that only training uses (reconstructor, discriminator, reward models) are left out, so the bundle summarizes but
cannot be trained further. `PACKAGED_MODEL` is such a bundle of the README recipe's model (docs/MODEL_CARD.md);
`Summarizer()` and `seqae summarize FILE` use it when no model is named; its `card.json` holds the scores the
tests hold it to.
"""

import hashlib
import importlib.resources
import json
import shutil
from pathlib import Path

from seqae.data.tokenizer import load_word_codec
from seqae.data.errors import DataError, UsageError
from seqae.data.io import atomic_directory, atomic_write_text

PACKAGED_MODEL = Path(str(importlib.resources.files("seqae") / "pretrained" / "gigaword"))
INFERENCE_FILES = ("tokenizer/tokenizer.json", "tokenizer/tokenizer_config.json", "sentences/punkt.json",
                   "generator/config.json")


def packaged_model() -> Path:
    """The model that ships in the package, or a clear error if this installation lacks it."""
    if not (PACKAGED_MODEL / "config.yaml").is_file():
        raise DataError(PACKAGED_MODEL, "the packaged model is missing from this installation: name a model "
                                        "directory (seqae train ... --out DIR trains one)")
    return PACKAGED_MODEL


def names_a_model(path) -> bool:
    """Whether `path` is a model or run directory, as resolve_model_dir finds one (rather than an input file or a
    folder of .txt files)."""
    from seqae.core.checkpoint import resolve_model_dir  # omegaconf and numpy: `seqae --help` imports this module

    try:
        resolve_model_dir(path)
    except DataError:
        return False
    return True


def split_model_argument(inputs: list[str], model: str | None) -> tuple[Path | str, list[str]]:
    """The model and the input files of `seqae summarize [MODEL] [FILE ...]` or `--model DIR FILE ...`: a first
    positional that holds a model is the model (the form before the packaged model); else every positional is an
    input and the packaged model summarizes."""
    if model is not None:
        return model, inputs
    if inputs and names_a_model(inputs[0]):
        return inputs[0], inputs[1:]
    return packaged_model(), inputs


def build_inference_bundle(model_dir, out, decode_overrides: list[str] | None = None,
                           vocab_size: int | None = None) -> Path:
    """Write an inference-only copy of the bundle at `model_dir` to `out` (which must not exist): int8 ONNX tagger,
    vocabulary, sentence splitter and the config, with `decode_overrides` (KEY=VALUE under `decode.`) applied to
    how it summarizes. With `vocab_size`, the tagger keeps the embeddings of only that many most frequent words
    (the vocabulary is ordered by frequency; WordCodec.ids reads the rest as <unk>, as for any generator that
    reads a prefix of the vocabulary). Returns `out`."""
    # ONNX Runtime's quantizer, omegaconf and numpy: `seqae --help` imports this module
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from seqae.core.checkpoint import check_bundle, resolve_model_dir
    from seqae.core.config import load_config, save_config
    from seqae.core.onnx_tagger import EXPORT_RECORD, ONNX_FILE, OnnxTagger

    source, out = resolve_model_dir(model_dir), Path(out)
    check_bundle(source)
    if out.exists():
        raise UsageError(f"{out}: exists; the inference bundle is written to a new directory")
    overrides = decode_overrides or []
    if any(not item.startswith("decode.") for item in overrides):
        raise UsageError("an inference bundle takes decode.* overrides only (its training settings are a record)")
    config = load_config(source / "config.yaml", overrides)
    if config.decode.rerank:
        raise UsageError(f"{source}: decodes with decode.rerank, which needs the reward's models (MiniLM, the summary "
                         "LM, the word prior) that an inference bundle leaves out: add decode.rerank=false (one pass)")
    exported = source / "generator" / ONNX_FILE
    if not exported.is_file():
        raise DataError(source, f"no generator/{ONNX_FILE}: `seqae export` makes one (word-level extractive taggers)")
    # Loading checks the export against the weights it was made from before anything is copied.
    OnnxTagger.load(source / "generator", load_word_codec(source / "tokenizer"), config.data.max_document_words)
    with atomic_directory(out) as tmp:
        (tmp / "generator").mkdir(parents=True)
        for name in INFERENCE_FILES:
            if (source / name).is_file():
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / name, tmp / name)
        save_config(config, tmp / "config.yaml")
        to_quantize = exported
        if vocab_size is not None:
            to_quantize = tmp / "cut.onnx"
            _cut_vocabulary(exported, to_quantize, tmp / "generator" / "config.json", vocab_size)
        quantize_dynamic(str(to_quantize), str(tmp / "generator" / ONNX_FILE), weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Gather"])
        if vocab_size is not None:
            to_quantize.unlink()
        quantized = (tmp / "generator" / ONNX_FILE).read_bytes()
        atomic_write_text(tmp / "generator" / EXPORT_RECORD, json.dumps({
            "onnx_sha256": hashlib.sha256(quantized).hexdigest(), "weights_sha256": {},
            "quantized_from_onnx_sha256": hashlib.sha256(exported.read_bytes()).hexdigest()}, indent=1))
    return out


def _cut_vocabulary(model_path: Path, out_path: Path, config_path: Path, vocab_size: int) -> None:
    """Keep the first `vocab_size` rows of the tagger's word embedding (in the ONNX graph and its config.json)."""
    import onnx  # only building a bundle needs it
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if not 0 < vocab_size <= config["vocab_size"]:
        raise UsageError(f"--vocab-size must be in [1, {config['vocab_size']}], got {vocab_size}")
    embedding = next(i for i in model.graph.initializer if i.name.endswith("word_embeddings.weight"))
    embedding.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(embedding)[:vocab_size], embedding.name))
    onnx.save(model, str(out_path))
    atomic_write_text(config_path, json.dumps({**config, "vocab_size": vocab_size}, indent=2))
