"""The limits and checks of `seqae summarize`'s options, shared by the CLI and the Python API (Summarizer.__call__).
A light module: the CLI builds its help from the limits without importing the models."""

from seqae.data.errors import UsageError

# The most a call may ask for: beyond these a number is a typo that would fail deep inside (itertools.islice,
# generate) or run for days.
MAX_BEAMS, MAX_BATCH_SIZE, MAX_SEARCH_ROUNDS = 64, 65_536, 10_000


def check_options(*, words=None, ratio=None, sentences=None, n_bytes=None, compress=None, search_rounds=None,
                  num_beams=None, batch_size=None, sentence_encoder=None, spans=None, rerank=None) -> None:
    """The checks of `seqae summarize`'s options and the API's keywords, each failing with a UsageError that names
    the option as the CLI spells it."""
    given = [name for name, value in (("--words", words), ("--ratio", ratio), ("--sentences", sentences),
                                      ("--bytes", n_bytes)) if value is not None]
    if len(given) > 1:
        raise UsageError(f"give at most one of --words, --ratio, --sentences, --bytes (got {', '.join(given)})")
    if words is not None and words < 1:
        raise UsageError("--words must be at least 1")
    if ratio is not None and not 0 < ratio <= 1:
        raise UsageError("--ratio must be in (0, 1]")
    if num_beams is not None and not 1 <= num_beams <= MAX_BEAMS:
        raise UsageError(f"--beams must be in [1, {MAX_BEAMS}], got {num_beams}")
    if sentences is not None and sentences < 1:
        raise UsageError(f"--sentences must be at least 1, got {sentences}")
    if n_bytes is not None and n_bytes < 1:
        raise UsageError(f"--bytes must be at least 1, got {n_bytes}")
    if spans is not None and spans < 0:
        raise UsageError(f"--spans must be at least 0, got {spans}")
    if compress is not None and not 0 < compress <= 1:
        raise UsageError(f"--compress must be in (0, 1], got {compress}")
    if search_rounds is not None and (sentences is not None or n_bytes is not None or compress is not None
                                      or sentence_encoder):
        raise UsageError("--search improves a word summary: it takes no --sentences, --bytes, --compress or "
                         "--sentence-encoder")
    if search_rounds is not None and rerank:
        raise UsageError("--search swaps single words from the tagger's top-k choice: it takes no --rerank")
    if search_rounds is not None and not 0 <= search_rounds <= MAX_SEARCH_ROUNDS:
        raise UsageError(f"--search must be in [0, {MAX_SEARCH_ROUNDS}], got {search_rounds}")
    if batch_size is not None and not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise UsageError(f"--batch-size must be in [1, {MAX_BATCH_SIZE}], got {batch_size}")
