"""The extractive tagger without torch: exported to ONNX when a bundle is saved, run by ONNX Runtime.

`seqae summarize` on one line spent 6-8 s on 2 cores importing torch and transformers, for a 2-layer tagger
that runs in milliseconds. Every bundle whose generator is a word-level tagger now holds `generator/model.onnx`
(`export_tagger`: at each save in training, or by `seqae export` for an older bundle), and `OnnxTagger` runs it
with numpy, tokenizers and onnxruntime only. It reads the same word ids as the torch tagger
(seqae.core.encoding.tagger_batch) and selects with the same rule (seqae.core.selection), so both give the same summaries
up to float rounding: the export is checked against torch before it is written.

The export is a copy of the weights, so it is checked again on load, without torch: `model.onnx.json`, written
with it, records the sha256 of the file and of the torch weights it was made from, and both must still match
(an export left behind by weights trained or replaced since, or a file changed after its export, is refused),
and every float initializer must be finite (read from the protobuf directly: importing the onnx package would
add 0.7 s to a 0.5 s call). Where a check fails, `seqae summarize` runs torch with a note (`--runtime onnx`:
an error), and `seqae export` writes both again.

A tagger with its own subword tokenizer (model.generator_init=minilm) is not exported: it runs with torch.
"""

import copy
import hashlib
import json
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from seqae.data.tokenizer import WordCodec
from seqae.data.errors import DataError, first_line
from seqae.data.io import atomic_open, atomic_write_text
from seqae.core.selection import KeepSelection

ONNX_FILE = "model.onnx"
EXPORT_RECORD = "model.onnx.json"  # the sha256 of the export and of the weights it was made from
WEIGHT_FILES = ("*.safetensors", "pytorch_model*.bin")  # what transformers loads a network from
OPSET = 17  # fixed, not torch's default of the day, so that an export runs on any onnxruntime the pins allow
EXPORT_TOLERANCE = 1e-4  # largest |logit difference| allowed between the export and torch on a probe batch


def exportable(model) -> bool:
    """Whether `model` is a word-level keep/drop tagger (what OnnxTagger runs)."""
    # torch and transformers, here and in export_tagger: running an export must not import them
    from transformers import BertForTokenClassification

    from seqae.core.tagger import subword_tokenizer

    model = getattr(model, "module", model)
    return isinstance(model, BertForTokenClassification) and subword_tokenizer(model) is None


def export_tagger(model, directory) -> Path:
    """Write `directory/model.onnx` (atomically) from a word-level tagger, after checking that ONNX Runtime
    gives torch's logits on a probe batch; returns its path."""
    import torch

    model = getattr(model, "module", model)
    if next(model.parameters()).device.type != "cpu" or next(model.parameters()).dtype != torch.float32:
        model = copy.deepcopy(model).float().cpu()  # trained on a GPU (or in half precision): export what CPUs run
    path = Path(directory) / ONNX_FILE
    scratch = Path(tempfile.mkdtemp(prefix="seqae-onnx-"))  # the exporter writes only to a path: check it there first
    tmp = scratch / ONNX_FILE
    was_training = model.training
    model.eval()
    # Probe batches with padded rows, the second of another shape than the traced one: the dynamic axes and the
    # padding mask are exercised by the check, not only the shape the tracer saw.
    vocab_size, positions = model.config.vocab_size, model.config.max_position_embeddings
    generator = torch.Generator().manual_seed(0)
    probes = []
    for rows, width in ((2, min(12, positions)), (3, min(7, positions))):
        input_ids = torch.randint(0, vocab_size, (rows, width), generator=generator)
        attention_mask = torch.ones_like(input_ids)
        attention_mask[1:, width // 2:] = 0
        probes.append((input_ids, attention_mask))
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # The tracer's notes on transformers' Python-side shape checks, and on index ops with negative
            # indices (the graph has none): the check against torch below is what says the export is right.
            warnings.simplefilter("ignore")
            # The TorchScript exporter: the dynamo one takes ~7 s for this 2-layer model, this one well under 1 s.
            torch.onnx.export(model, probes[0], tmp, input_names=["input_ids", "attention_mask"],
                              output_names=["logits"], dynamo=False, opset_version=OPSET,
                              dynamic_axes={name: {0: "batch", 1: "words"}
                                            for name in ("input_ids", "attention_mask", "logits")})
            session = _session(tmp)
            for input_ids, attention_mask in probes:
                expected = model(input_ids=input_ids, attention_mask=attention_mask).logits.numpy()
                if not np.isfinite(expected).all():  # the network itself, not its export, is at fault
                    raise RuntimeError(f"the tagger's own logits are NaN or inf on a {tuple(input_ids.shape)} "
                                       "probe batch (its training diverged)")
                got = session.run(None, {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()})[0]
                difference = float(np.abs(got - expected).max())
                if not difference <= EXPORT_TOLERANCE:
                    raise RuntimeError(f"ONNX export differs from torch by {difference:.2g} on a "
                                       f"{tuple(input_ids.shape)} batch (tolerance {EXPORT_TOLERANCE})")
        exported = tmp.read_bytes()
        with atomic_open(path, "wb") as handle:
            handle.write(exported)
        # Written after the export it describes: a kill in between leaves an export that fails its check on load.
        atomic_write_text(Path(directory) / EXPORT_RECORD, json.dumps(
            {"onnx_sha256": _sha256(exported), "weights_sha256": _weights_sha256(directory)}, indent=1))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        model.train(was_training)
    return path




def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _weights_sha256(directory) -> dict[str, str]:
    """The sha256 of each torch weights file of a network's directory, by file name."""
    paths = sorted({path for pattern in WEIGHT_FILES for path in Path(directory).glob(pattern)})
    return {path.name: _sha256(path.read_bytes()) for path in paths}


def _export_problem(directory: Path, model: bytes) -> str | None:
    """Why the export `model` (the bytes of directory/model.onnx) cannot stand in for the torch weights beside
    it, or None."""
    record_path = directory / EXPORT_RECORD
    if not record_path.is_file():
        return (f"no {EXPORT_RECORD} beside it to tell which weights it was made from (exports before seqae "
                "recorded it have none): `seqae export MODEL` exports it again")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    if _sha256(model) != record.get("onnx_sha256"):
        return f"its sha256 is not the one {EXPORT_RECORD} records: it changed after its export"
    if _weights_sha256(directory) != record.get("weights_sha256"):
        return (f"it was exported from other weights than those in {directory} (their sha256 is not the one "
                f"{EXPORT_RECORD} records): `seqae export MODEL` exports these")
    bad = non_finite_initializer(model)
    return f"its initializer {bad} holds NaN or inf" if bad else None


# ONNX's float element types (TensorProto.DataType) as numpy reads their little-endian bytes.
_FLOAT_TYPES = {1: "<f4", 10: "<f2", 11: "<f8", 16: "bfloat16"}


def non_finite_initializer(model: bytes) -> str | None:
    """The name of the first float initializer of an ONNX model holding NaN or inf, or None.

    Reads the protobuf wire format: ModelProto.graph (field 7), GraphProto.initializer (5), and of each
    TensorProto its data_type (2), name (8) and values: raw_data (9, what torch's exporter writes), or packed
    float_data (4) or double_data (10)."""
    for number, graph in _fields(memoryview(model)):
        if number != 7:
            continue
        for number, tensor in _fields(graph):
            if number != 5:
                continue
            fields = dict(_fields(tensor))
            dtype = _FLOAT_TYPES.get(fields.get(2))
            if dtype is None:
                continue
            if 9 in fields:
                values = _floats(fields[9], dtype)
            elif 4 in fields or 10 in fields:
                values = np.frombuffer(fields[4], "<f4") if 4 in fields else np.frombuffer(fields[10], "<f8")
            else:
                continue
            if not np.isfinite(values).all():
                return bytes(fields.get(8, b"")).decode("utf-8", "replace") or "(unnamed)"
    return None


def _floats(raw, dtype: str) -> np.ndarray:
    if dtype == "bfloat16":  # no numpy type: the upper half of a float32, with the same exponent bits
        return (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
    return np.frombuffer(raw, dtype)


def _fields(message: memoryview):
    """(field number, value) of each field of a protobuf message: an int for a varint, a memoryview for a
    length-delimited field, None for a fixed-width one (no field read here is fixed-width)."""
    position = 0
    while position < len(message):
        key, position = _varint(message, position)
        wire_type = key & 7
        if wire_type == 0:
            value, position = _varint(message, position)
        elif wire_type == 2:
            length, position = _varint(message, position)
            if position + length > len(message):
                raise ValueError("truncated protobuf field")
            value, position = message[position:position + length], position + length
        elif wire_type in (1, 5):
            value, position = None, position + (8 if wire_type == 1 else 4)
        else:
            raise ValueError(f"not an ONNX model (protobuf wire type {wire_type})")
        yield key >> 3, value


def _varint(message: memoryview, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if position >= len(message):
            raise ValueError("truncated protobuf varint")
        byte = message[position]
        value |= (byte & 0x7F) << shift
        position, shift = position + 1, shift + 7
        if byte < 0x80:
            return value, position


def _session(model):
    """An ONNX Runtime session on a model file's path or its bytes."""
    import onnxruntime  # a tenth of a second: bundles are read and written without running the tagger

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: its warnings are about graph optimizations, not the user's input
    # No busy-waiting of its threads after a run: in `seqae serve` the reconstructor runs next in torch, on the
    # same cores.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(model if isinstance(model, bytes) else str(model), options,
                                        providers=["CPUExecutionProvider"])


class OnnxTagger(KeepSelection):
    """The inference side of seqae.core.generators.ExtractiveGenerator (keep_probabilities, select, decode) on the
    exported graph."""

    name, writes_tokens, selects_words = "extractive", False, True
    device = "cpu"

    def __init__(self, session, codec: WordCodec, vocab_size: int, max_words: int):
        self.session, self.codec, self.vocab_size, self.max_words = session, codec, vocab_size, max_words

    @classmethod
    def load(cls, directory, codec: WordCodec, max_words: int) -> "OnnxTagger":
        directory = Path(directory)
        try:
            config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
            model = (directory / ONNX_FILE).read_bytes()
            problem = _export_problem(directory, model)
            session = None if problem else _session(model)
        except Exception as error:  # noqa: BLE001 - onnxruntime raises its own types (Fail, InvalidGraph, ...)
            raise DataError(directory, f"cannot load the ONNX tagger: {first_line(error)}") from None
        if problem:
            raise DataError(directory / ONNX_FILE, f"cannot load the ONNX tagger: {problem}")
        return cls(session, codec, int(config["vocab_size"]), max_words)

    def keep_probabilities(self, documents: list[str]) -> tuple[list[list[str]], np.ndarray]:
        """The words the tagger read per document, and each word's keep probability (-inf past a row's end)."""
        words = [d.split()[: self.max_words] or ["."] for d in documents]
        width = max(len(w) for w in words)
        input_ids = np.full((len(words), width), self.codec.pad, dtype=np.int64)
        attention_mask = np.zeros((len(words), width), dtype=np.int64)
        for row, row_words in enumerate(words):
            input_ids[row, : len(row_words)] = self.codec.ids(row_words, self.vocab_size)
            attention_mask[row, : len(row_words)] = 1
        logits = self.session.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})[0]
        # softmax(logits)[..., 1] in float32, computed as torch computes it, so near-ties break alike.
        exp = np.exp(logits - logits.max(-1, keepdims=True))
        keep = exp[..., 1] / exp.sum(-1)
        return words, np.where(attention_mask == 1, keep, -np.inf)
