"""Two CPU processes under `accelerate launch` (gloo): identical weights at the end, data sharded."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TINY_CONFIG

pytestmark = pytest.mark.slow  # two `accelerate launch` runs

WORKER = Path(__file__).with_name("distributed_worker.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("kind", ["extractive", "abstractive"])
def test_two_processes_end_identical_and_shard_the_data(tmp_path, tiny_corpus, kind):
    launcher = shutil.which("accelerate", path=os.path.dirname(sys.executable)) or shutil.which("accelerate")
    assert launcher, "accelerate's launcher is not installed"
    out = tmp_path / "run"
    out.mkdir()
    command = [launcher, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(free_port()),
               str(WORKER), str(TINY_CONFIG), str(out), f"data.articles=[{tiny_corpus['articles']}]",
               f"data.summaries=[{tiny_corpus['summaries']}]", f"model.generator={kind}",
               "warm_start.steps=3", "warm_start.discriminator_steps=1", "rl.steps=3"]
    # `--cpu` alone runs one process; `--multi_gpu` starts torchrun, and with no GPU accelerate uses gloo on CPU.
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(WORKER.parent), ACCELERATE_USE_CPU="true")
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.loads((out / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert all(report["world"] == 2 for report in reports)
    assert reports[0]["digests"] == reports[1]["digests"], "the processes ended with different weights"
    records = [report["record"] for report in reports]
    assert len(records[0]) == len(records[1]) > 0
    for first, second in zip(*records):
        assert first["batch"] == second["batch"]  # both processes agree on the global batch ...
        assert first["share"] and second["share"]
        assert sorted(first["share"] + second["share"]) == sorted(first["batch"])  # ... and split it, no copy
