#!/usr/bin/env bash
# One-shot GPU run of a larger configuration: configs/gigaword.yaml's recipe (same seed, split, rewards, dev
# selection) with the sizes below ($LARGE), scaled for one H100 and about 6 minutes of training. Installs the
# carried wheels and seqae (no network), trains, then scores greedy 10-word summaries of Gigaword test.
# Run from the project root on the GPU machine:
#
#   bash scripts/gpu_large.sh          # carry [".whl", ".gpu"]; results in $OUT
#
# Needs, git-ignored (see .git/info/exclude) and carried, built by scripts/gpu_prepare.sh:
#   .whl/  omegaconf, rouge-score, nltk, six wheels (what seqae needs beyond torch/transformers/accelerate/...)
#   .gpu/  gigaword/ (a copy of ../shared/data/gigaword) and minilm/ (all-MiniLM-L6-v2 stored in float16,
#          loaded in float32 through config.json's dtype)
# Writes to $OUT only small files: log, env.txt, metrics.jsonl, config.yaml, test_pred.txt, test_scores.json,
# abstractive_dev_curve.jsonl (the abstractive warm start's dev curve, SEQAE_ABSTRACTIVE_STEPS=0 skips it).
# The run directory (checkpoints) stays in $SEQAE_RUN (/tmp/run).
#
# Knobs (environment): SEQAE_OVERRIDES="key=value ..." (extra config overrides, e.g. a tiny CPU check),
# SEQAE_TRAIN_TIMEOUT (seconds, default 330: training is interrupted then and the best-on-dev model so far
# is evaluated), SEQAE_TEST_LINES (score only the first N test lines), SEQAE_SITE (install folder, /tmp/site),
# SEQAE_RUN, PYTHON (python3).
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-/tmp/gpu_large_out}
RUN=${SEQAE_RUN:-/tmp/run}
SITE=${SEQAE_SITE:-/tmp/site}
PY=${PYTHON:-python3}
TRAIN_TIMEOUT=${SEQAE_TRAIN_TIMEOUT:-330}
CONFIG=configs/gigaword.yaml
# A 4-layer, 256-wide tagger; a longer warm start; learning from search on 12,000 articles instead of 3,000
# (the split has 18,436 training articles); 600 RL steps of 32 documents x 16 samples.
LARGE="model.hidden_size=256 model.num_layers=4 model.intermediate_size=1024 warm_start.steps=800
  distill.documents=12000 distill.steps=600 rl.steps=600 rl.batch_size=32 decode.batch_size=256 checkpoint_every=200"
DATA="data.articles=[.gpu/gigaword/train.article.txt,.gpu/gigaword/valid.article.txt]
  data.titles=[.gpu/gigaword/train.title.txt,.gpu/gigaword/valid.title.txt]
  data.vocab_counts=[.gpu/gigaword/train.article.dict,.gpu/gigaword/train.title.dict] rl.similarity_model=.gpu/minilm"
mkdir -p "$OUT"

main() {
  local started=$SECONDS status=0
  echo "== install $(date -u +%T)"
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl \
    || return 1
  # seqae as pyproject's package-dir lays it out (rl/ -> seqae.rl, ...), copied: no build backend needed.
  rm -rf "$SITE/seqae" && cp -r seqae "$SITE/seqae" || return 1
  for part in rl data eval configs; do cp -r "$part" "$SITE/seqae/$part" || return 1; done
  export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
  # PYTHONSAFEPATH: `python -m seqae` must not import ./seqae (which lacks seqae.rl) from the project root.
  export PYTHONSAFEPATH=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TQDM_MININTERVAL=20

  echo "== environment"
  "$PY" - <<'EOF' 2>&1 | tee "$OUT/env.txt"
import sys, time, torch, transformers, accelerate, seqae, seqae.rl, seqae.data, seqae.eval, omegaconf, rouge_score, nltk
print("python", sys.version.split()[0], "torch", torch.__version__, "transformers", transformers.__version__,
      "accelerate", accelerate.__version__, "omegaconf", omegaconf.__version__)
print("from:", *(m.__file__ for m in (seqae, seqae.rl, omegaconf, rouge_score, nltk)))
cuda = torch.cuda.is_available()
print("cuda", cuda, torch.cuda.get_device_name(0) if cuda else "-",
      "| similarity bf16 autocast:", torch.ops.mkldnn._is_mkldnn_bf16_supported())
# The similarity reward on the training device against float32 on CPU, on a few test pairs.
from seqae.rl.rewards import SimilarityReward
docs = [l.strip() for _, l in zip(range(64), open(".gpu/gigaword/test.article.txt"))]
sums = [l.strip() for _, l in zip(range(64), open(".gpu/gigaword/test.title.txt"))]
cpu = torch.tensor(SimilarityReward.load(".gpu/minilm", "cpu", bfloat16=False)(docs, sums))
if cuda:
    reward = SimilarityReward.load(".gpu/minilm", "cuda")
    print("minilm on cuda:", reward.model.dtype, "autocast bf16", reward.bfloat16)
    gpu = torch.tensor(reward(docs, sums))
    started = time.perf_counter()
    texts = [" ".join(d.split()[i:i + 10]) for d in docs for i in range(0, 40, 4)] * 8
    reward.embed(texts)
    print(f"cosine max |cuda - cpu| {(gpu - cpu).abs().max().item():.4f}; "
          f"embed {len(texts)} texts {time.perf_counter() - started:.2f}s")
EOF
  [ "${PIPESTATUS[0]}" = 0 ] || status=1

  echo "== train (timeout ${TRAIN_TIMEOUT}s) $(date -u +%T)"
  rm -rf "$RUN"
  # SIGINT: seqae stops as on Ctrl-C; the best-on-dev model so far ($RUN/model) is evaluated all the same.
  # shellcheck disable=SC2086  # SEQAE_OVERRIDES is a list of key=value words
  timeout -s INT -k 30 "$TRAIN_TIMEOUT" "$PY" -m seqae train "$CONFIG" --out "$RUN" $LARGE $DATA ${SEQAE_OVERRIDES:-}
  local train_status=$?
  echo "== train exit $train_status after $((SECONDS - started))s"
  # 124: stopped by the timeout (reported, not a failure: the best-on-dev model so far is evaluated).
  [ "$train_status" = 124 ] && echo "== TRAINING STOPPED BY THE ${TRAIN_TIMEOUT}s TIMEOUT"
  [ "$train_status" = 0 ] || [ "$train_status" = 124 ] || status=1
  cp "$RUN/metrics.jsonl" "$OUT/metrics.jsonl" 2>/dev/null
  cp "$RUN/model/config.yaml" "$OUT/config.yaml" 2>/dev/null || cp "$CONFIG" "$OUT/config.yaml"

  echo "== evaluate on Gigaword test $(date -u +%T)"
  local articles=.gpu/gigaword/test.article.txt titles=.gpu/gigaword/test.title.txt
  if [ -n "${SEQAE_TEST_LINES:-}" ]; then
    head -n "$SEQAE_TEST_LINES" "$articles" > /tmp/test.article.txt && articles=/tmp/test.article.txt
    head -n "$SEQAE_TEST_LINES" "$titles" > /tmp/test.title.txt && titles=/tmp/test.title.txt
  fi
  # $RUN resolves to $RUN/model (best on dev), else the latest checkpoint. Greedy, exactly 10 words.
  "$PY" -m seqae summarize "$RUN" --per-line "$articles" --words 10 --beams 1 -o "$OUT/test_pred.txt" \
    && "$PY" -m seqae evaluate "$OUT/test_pred.txt" "$titles" --json > "$OUT/test_scores.json" \
    && "$PY" -m seqae evaluate "$OUT/test_pred.txt" "$titles" --bootstrap 0 || status=1
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv

  # The abstractive generator's warm-start dev curve (issue 12: how many steps until it flattens), the
  # recipe's sizes, up to $SEQAE_ABSTRACTIVE_STEPS steps or $SEQAE_ABSTRACTIVE_TIMEOUT seconds.
  if [ "${SEQAE_ABSTRACTIVE_STEPS:-1000}" -gt 0 ]; then
    echo "== abstractive warm-start curve $(date -u +%T)"
    # shellcheck disable=SC2086
    timeout -s INT -k 30 "${SEQAE_ABSTRACTIVE_TIMEOUT:-150}" "$PY" -m seqae train "$CONFIG" --out "$RUN-abstractive" \
      $DATA model.generator=abstractive "warm_start.steps=${SEQAE_ABSTRACTIVE_STEPS:-1000}" warm_start.train_reconstructor=false \
      warm_start.discriminator_steps=0 distill.documents=0 rl.steps=0 dev_every=50 \
      ${SEQAE_ABSTRACTIVE_OVERRIDES:-}
    echo "== abstractive exit $?"
    grep dev_rouge1 "$RUN-abstractive/metrics.jsonl" > "$OUT/abstractive_dev_curve.jsonl"
  fi
  echo "== done after $((SECONDS - started))s, status $status"
  return $status
}

main 2>&1 | tee "$OUT/log"
