"""Run under `accelerate launch` by test_distributed.py: train the tiny config and record, per process, the
documents each step's batch held, this process's share of them, and a digest of every network's weights."""

import hashlib
import json
import sys
from pathlib import Path

from seqae.core.config import load_config
from seqae.apps.train import Trainer


class RecordingTrainer(Trainer):
    def _shard(self, documents):
        share = super()._shard(documents)
        self.record.append({"step": self.step, "batch": documents, "share": share})
        return share


def digest(model) -> str:
    hasher = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        hasher.update(name.encode())
        hasher.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return hasher.hexdigest()


def main() -> None:
    config_path, out = sys.argv[1], Path(sys.argv[2])
    RecordingTrainer.record = []
    trainer = RecordingTrainer(load_config(config_path, sys.argv[3:]), out)
    trainer.run()
    rank = trainer.accelerator.process_index
    report = {"rank": rank, "world": trainer.accelerator.num_processes, "record": trainer.record,
              "digests": {name: digest(model) for name, model in trainer.models.items()}}
    (out / f"rank{rank}.json").write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main()
