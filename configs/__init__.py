"""Training configs shipped with seqae: tiny (tests), demo (the embedded default), gigaword (the benchmark)."""
