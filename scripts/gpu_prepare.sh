#!/usr/bin/env bash
# Builds the two git-ignored folders that scripts/gpu_large.sh needs on a GPU machine without network, from the
# project root, with the project's venv active (it needs pip, network to PyPI, and seqae[dev] installed):
#   .whl/  wheels of what seqae needs beyond the machine's torch/transformers/accelerate stack
#          (omegaconf, rouge-score (built here: PyPI has only its source), nltk, six, and onnx + onnxruntime with
#          their own needs: the tagger is exported at every save)
#   .gpu/  gigaword/ (a copy of ../shared/data/gigaword) and minilm/ (all-MiniLM-L6-v2 stored in float16 to
#          halve the transfer, loaded back in float32: config.json's dtype)
# Both must be listed in .git/info/exclude (done here) and carried: `carry [".whl", ".gpu"]` (about 56 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."

for folder in /.whl/ /.gpu/; do
  grep -qxF "$folder" .git/info/exclude || echo "$folder" >> .git/info/exclude
done

rm -rf .whl && mkdir -p .whl
python -m pip download -q --no-deps --only-binary=:all: -d .whl omegaconf==2.4.0 nltk==3.10.4 six==1.17.0 \
  onnx==1.23.2 onnxruntime==1.32.0 protobuf==7.36.2 flatbuffers==25.12.19 ml_dtypes==0.6.0
python -m pip wheel -q --no-deps -w .whl rouge-score==0.1.2

rm -rf .gpu && mkdir -p .gpu
cp -r ../shared/data/gigaword .gpu/gigaword
python - <<'EOF'
import torch
from transformers import AutoModel, AutoTokenizer

from seqae.core.models import resolve_pretrained

source = resolve_pretrained("minilm", "rl.similarity_model")
model = AutoModel.from_pretrained(source, local_files_only=True).to(torch.float16)
model.save_pretrained(".gpu/minilm")
AutoTokenizer.from_pretrained(source, local_files_only=True).save_pretrained(".gpu/minilm")
# Stored in float16, loaded in float32: the similarity reward runs in float32 (bf16 autocast where supported).
import json, pathlib
config = pathlib.Path(".gpu/minilm/config.json")
values = json.loads(config.read_text())
values["dtype"] = "float32"
config.write_text(json.dumps(values, indent=2))
EOF
du -sh .whl .gpu
