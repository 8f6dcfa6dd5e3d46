"""ROUGE scoring, baselines and benchmarks."""
