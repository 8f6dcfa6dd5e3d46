"""Corpus readers, normalization, sentence splitting, tokenizer, unsupervised splits, the training corpus and
its batch schedule, and the headline heuristics (function words, leads)."""
