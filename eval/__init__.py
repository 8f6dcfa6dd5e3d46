"""ROUGE scoring, baselines, the evaluation language model, reward diagnosis and benchmarks."""
