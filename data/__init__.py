"""Corpus readers, normalization, sentence splitting, tokenizer and unsupervised splits."""
