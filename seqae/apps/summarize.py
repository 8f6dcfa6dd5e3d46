"""Summarize with a trained model: `Summarizer(model_dir)(texts, words=|ratio=|sentences=|bytes=)`.

One routing (`Summarizer.route`) serves the CLI, the Python API and seqae serve: a whole document goes to document
mode (whole sentences verbatim, or a headline when the budget is shorter than a sentence), a one-line article to the
model's word summary.

Abstractive models decode with beam search through generate(), never emitting the unknown token and never
repeating an n-gram of their own output (copying the document's n-grams stays allowed). Extractive models
keep the top-scoring document words, in document order, for an exact length, written as the document writes
them (the model reads a normalized form); on CPU they run their ONNX export (seqae.core.onnx_tagger) when the bundle
has one, so that summarizing never imports torch or transformers.
"""

import functools
import warnings

from tqdm import tqdm

from seqae.core.checkpoint import SUMMARY_LM_DIR, WORD_PRIOR_FILE, is_inference_only, load_bundle_config, resolve_model_dir
from seqae.data.normalize import (gigaword_normalize, join_written, looks_normalized, strip_datelines, written_forms,
                                  written_spans)
from seqae.data.sentences import SentenceSplitter, is_written
from seqae.data.tokenizer import load_word_codec
from seqae.data.errors import DataError, UsageError
from seqae.core.onnx_tagger import ONNX_FILE, OnnxTagger
from seqae.core.options import check_options
from seqae.core.packaged import packaged_model
from seqae.rl.search import best_candidates, search_batch, written_reranked
from seqae.rl.word_prior import WordPrior
from seqae.core.sentence_select import document_sentences, fill_budget, rank_sentences, readable_order, word_count

RUNTIMES = ("auto", "onnx", "torch")
CACHED_CHARACTERS = 4000  # normalized documents up to this length are cached (Gigaword's read whole: ~400)


def document_positions(document_words: list[str], summary_words: list[str]) -> list[int | None]:
    """For each summary word, the position of its first occurrence in the document not used yet (None where there is
    none): where an abstractive summary took each word from."""
    free: dict[str, list[int]] = {}
    for position, word in enumerate(document_words):
        free.setdefault(word, []).append(position)
    return [free[word].pop(0) if free.get(word) else None for word in summary_words]


class Summarizer:
    """A trained seqae model, ready to summarize lists of documents."""

    def __init__(self, model_dir=None, device: str | None = None, runtime: str = "auto"):
        """`model_dir`: a run or model directory (default: the Gigaword headline model that ships with seqae,
        docs/MODEL_CARD.md). `runtime`: `onnx` runs the extractive tagger's export, `torch` the network itself,
        `auto` the export when the bundle has one and `device` is the CPU."""
        if runtime not in RUNTIMES:
            raise UsageError(f"runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
        self.directory = resolve_model_dir(packaged_model() if model_dir is None else model_dir)
        if is_inference_only(self.directory) and (runtime == "torch" or device not in (None, "cpu")):
            raise DataError(self.directory, "an inference-only model (an int8 ONNX tagger, no torch weights): it "
                                            "runs with ONNX Runtime on the CPU (--runtime onnx or auto)")
        self.config = load_bundle_config(self.directory)
        self.codec = load_word_codec(self.directory / "tokenizer")
        exported = (self.directory / "generator" / ONNX_FILE).is_file()
        if runtime == "onnx" and not exported:
            raise DataError(self.directory, f"no generator/{ONNX_FILE} (only word-level extractive taggers are "
                                            "exported; `seqae export` adds it to a model saved before exports)")
        self.generator, self.fallback = None, None  # fallback: why `auto` runs torch although there is an export
        if runtime == "onnx" or (runtime == "auto" and exported and device in (None, "cpu")):
            try:
                self.generator = OnnxTagger.load(self.directory / "generator", self.codec,
                                                 self.config.data.max_document_words)
            except DataError as error:
                if runtime == "onnx":
                    raise
                self.fallback = str(error)
        if self.generator is None:
            from seqae.core.generators import generator_class  # torch: the ONNX runtime above summarizes without it

            self.generator = generator_class(self.config.model.generator).load(
                self.directory / "generator", self.codec, self.config.data.max_document_words)
            self.generator.model.to(device or "cpu").eval()
        self.cut_documents = 0  # documents longer than the model reads (prepare counts them)
        # `seqae summarize` asks whether each document of a batch is read whole, then summarizes the batch and
        # writes it: a short document is normalized (nltk) once, not three times.
        self._normalized = functools.lru_cache(maxsize=1024)(self._normalize)

    @functools.cached_property
    def splitter(self):
        """The model's Punkt sentence splitter, or None. Loaded on first use: a document the model reads whole never
        needs it."""
        directory = self.directory / "sentences"
        return SentenceSplitter.load(directory) if directory.exists() else None

    @functools.cached_property
    def lowercase_vocabulary(self) -> bool:
        """The model was trained on normalized text (Gigaword's files, or data.normalize): no capital letters in
        its vocabulary. Raw input then has to be normalized the same way, or most of its words are unknown."""
        return not any(token != token.lower() for token in self.codec.vocab)

    def normalize(self, document: str) -> str:
        """The document as the model's training text was written: datelines and bylines dropped
        (seqae.data.normalize.strip_datelines), then its words normalized (`normalize_words`). Short documents
        (what the model reads whole) are cached; long ones would only fill memory."""
        return self._normalized(document) if len(document) <= CACHED_CHARACTERS else self._normalize(document)

    def _normalize(self, document: str) -> str:
        return self.normalize_words(strip_datelines(document))

    def normalize_words(self, text: str) -> str:
        """Gigaword's normalization when data.normalize is set, or when the model's vocabulary is lowercase and the
        text is not yet in that form; else only whitespace is collapsed."""
        text = " ".join(text.split())
        if self.config.data.normalize or (self.lowercase_vocabulary and not looks_normalized(text)):
            text = gigaword_normalize(text)
        return text

    def prepare(self, document: str) -> str:
        """Normalize like the training text; long documents keep their lead sentences up to the input length."""
        text = self.normalize(document)
        limit = self.config.data.max_document_words
        self.cut_documents += len(text.split()) > limit
        # Only the lead can be read: cut before sentence splitting, which is slow on a megabyte-long line.
        text = " ".join(text.split()[: 4 * limit])
        if len(text.split()) > limit and self.splitter is not None:
            kept, count = [], 0
            for sentence in self.splitter.split(text):
                length = len(sentence.split())
                if kept and count + length > limit:
                    break
                kept.append(sentence)
                count += length
            text = " ".join(kept)
        return " ".join(text.split()[:limit])

    def __call__(self, texts: list[str], *, words: int | None = None, ratio: float | None = None,
                 sentences: int | None = None, bytes: int | None = None, compress: float | None = None,  # noqa: A002
                 per_line: bool = False, spans: int | None = None, rerank: bool | None = None,
                 ranking: str = "position", embed=None, num_beams: int | None = None, batch_size: int | None = None,
                 search_rounds: int | None = None) -> list[str]:
        """One summary per text, routed exactly as `seqae summarize` routes (`route`): each text is a whole
        document (document mode: whole sentences, or a headline for a budget shorter than a sentence), or with
        `per_line` a one-line article like Gigaword's. At most one budget: `words`, `ratio`, `sentences` or
        `bytes`. `spans`: a word summary's words in at most this many phrases (default: the model's
        decode.max_spans; 0: the top-scoring words anywhere); `rerank` (default: the model's decode.rerank): each
        summary chosen among candidates by the run's reward (`summarize_lines`). A document's summary lines are
        joined by a line break (one sentence a line, as the CLI writes them), a line's by a space; a blank text
        gets "". What the CLI says as notes comes as warnings."""
        check_options(words=words, ratio=ratio, sentences=sentences, n_bytes=bytes, compress=compress,
                      search_rounds=search_rounds, num_beams=num_beams, batch_size=batch_size, spans=spans,
                      rerank=rerank)
        lines, counts = self.summarize(texts, per_line=per_line, words=words, ratio=ratio, sentences=sentences,
                                       n_bytes=bytes, compress=compress, spans=spans, rerank=rerank, method=ranking,
                                       embed=embed,
                                       num_beams=num_beams, batch_size=batch_size, search_rounds=search_rounds)
        for note in self.notes(counts):
            warnings.warn(note, stacklevel=2)
        return [(" " if per_line else "\n").join(summary) for summary in lines]

    def route(self, text: str, *, per_line: bool = False, words: int | None = None, ratio: float | None = None,
              sentences: int | None = None, n_bytes: int | None = None, compress: float | None = None,
              search_rounds: int | None = None) -> dict | None:
        """The one routing of the CLI, the Python API and seqae serve: the document-mode budget of `text`
        (summarize_documents' keywords), or None for the model's word summary of what it reads (summarize_lines).
        A word summary for a one-line article (`per_line`) without a document-mode option (sentences, bytes,
        compress), and for test-time search; else document mode with the budget given, or by default 3 sentences
        of a document longer than the model reads (or with `compress`) and a headline of the model's length from a
        shorter one."""
        forced = sentences is not None or n_bytes is not None or compress is not None
        if search_rounds is not None or (per_line and not forced):
            return None
        if not forced and not is_written(text) and self.splitter is None:
            return None  # lowercased text and no Punkt to split it: the word summary of the lead, said as a note
        budget = {"sentences": sentences, "words": words, "ratio": ratio, "n_bytes": n_bytes}
        if all(value is None for value in budget.values()):
            if compress is None and self.reads_whole(text):
                budget["words"] = self.config.decode.words
            else:
                budget["sentences"] = 3
        return budget

    def summarize(self, texts: list[str], *, per_line: bool = False, words: int | None = None,
                  ratio: float | None = None, sentences: int | None = None, n_bytes: int | None = None,
                  compress: float | None = None, spans: int | None = None, rerank: bool | None = None,
                  method: str = "position", embed=None, num_beams: int | None = None, batch_size: int | None = None,
                  search_rounds: int | None = None) -> tuple[list[list[str]], dict]:
        """Each text's summary lines, routed by `route`, and counts of what the user is told (`notes`)."""
        options = {"per_line": per_line, "words": words, "ratio": ratio, "sentences": sentences, "n_bytes": n_bytes,
                   "compress": compress, "search_rounds": search_rounds}
        routes = [self.route(text, **options) if text.strip() else None for text in texts]
        counts = {"long documents": 0, "cut lines": 0}
        defaulted = all(value is None for value in (sentences, words, ratio, n_bytes, compress))
        lines: list[list[str]] = [[] for _ in texts]
        by_budget: dict[tuple, list[int]] = {}
        for index, budget in enumerate(routes):
            if budget is not None:
                by_budget.setdefault(tuple(sorted(budget.items())), []).append(index)
                counts["long documents"] += defaulted and budget["sentences"] is not None
        for key, indices in by_budget.items():
            chosen = self.summarize_documents([texts[i] for i in indices], **dict(key), compress=compress,
                                              spans=spans, rerank=rerank, method=method, embed=embed)
            for index, summary in zip(indices, chosen):
                lines[index] = summary
        short = [i for i, budget in enumerate(routes) if budget is None and texts[i].strip()]
        if short:
            cut_before = self.cut_documents
            summaries = self.summarize_lines([texts[i] for i in short], words=words, ratio=ratio, spans=spans,
                                             rerank=rerank,
                                             num_beams=num_beams, batch_size=batch_size, search_rounds=search_rounds)
            counts["cut lines"] = self.cut_documents - cut_before
            for index, summary in zip(short, summaries):
                lines[index] = [summary] if summary else []
        return lines, counts

    def notes(self, counts: dict) -> list[str]:
        """What `summarize`'s counts tell the user (the CLI prints them, the API warns)."""
        limit = self.config.data.max_document_words
        notes = []
        if counts.get("cut lines"):
            notes.append(f"{counts['cut lines']} text(s) longer than this model reads ({limit} words) were "
                         f"summarized from their first sentences, up to {limit} words")
        if counts.get("long documents"):
            notes.append(f"{counts['long documents']} document(s) longer than this model reads ({limit} words) were "
                         "summarized in document mode: 3 whole sentences chosen from anywhere in the document, in "
                         "order (--words, --ratio, --sentences and --bytes set the length)")
        return notes

    def summarize_lines(self, documents: list[str], *, words: int | None = None, ratio: float | None = None,
                        spans: int | None = None, rerank: bool | None = None, num_beams: int | None = None,
                        batch_size: int | None = None, progress: bool = False,
                        search_rounds: int | None = None) -> list[str]:
        """The model's word summary of each document (of what it reads: the lead up to data.max_document_words), in
        one forward pass per batch: how a one-line article such as Gigaword's is summarized. With `search_rounds`,
        the tagger's greedy choice is then improved by test-time search on the search reward (slow: a diagnostic
        ceiling and a system of its own, which swaps single words and so ignores `spans`). `spans`: the tagger's
        words in at most this many phrases (seqae.core.selection.select_spans; default: the model's decode.max_spans, 0:
        the top-scoring words anywhere). `rerank` (default: the model's decode.rerank): the candidate the run's fixed
        reward scores highest (`rerank_score`), of a tagger's selections in 1..spans phrases (`select`) or a
        writer's greedy summary, beams and draws (`written_reranked`). A blank document gets a blank summary, in its
        place."""
        if any(not d.strip() for d in documents):
            written = [i for i, d in enumerate(documents) if d.strip()]
            summaries = self.summarize_lines(
                [documents[i] for i in written], words=words, ratio=ratio, spans=spans, rerank=rerank,
                num_beams=num_beams, batch_size=batch_size, progress=progress,
                search_rounds=search_rounds) if written else []
            by_index = dict(zip(written, summaries))
            return [by_index.get(i, "") for i in range(len(documents))]
        if search_rounds is None and not self.generator.selects_words:
            from seqae.core.generators import summarize_in_batches  # torch: an abstractive model has it loaded already

            prepared = [self.prepare(d) for d in documents]
            if self.reranks(rerank):
                size = batch_size or self.config.decode.batch_size
                summaries = [summary for start in tqdm(range(0, len(prepared), size), desc="summarize", unit="batch",
                                                       disable=not progress)
                             for summary in self.written_reranked(prepared[start:start + size], words=words,
                                                                  num_beams=num_beams)]
            else:
                summaries = summarize_in_batches(self.generator, prepared, self.config, words=words, ratio=ratio,
                                                 max_spans=spans, num_beams=num_beams, batch_size=batch_size,
                                                 progress=progress)
            return [self.writer_summary(*row) for row in zip(documents, prepared, summaries)]
        count, size = words or self.config.decode.words, batch_size or self.config.decode.batch_size
        if search_rounds is None:
            read, positions = [], []
            for start in tqdm(range(0, len(documents), size), desc="summarize", unit="batch", disable=not progress):
                batch_read, batch_positions = self.select([self.prepare(d) for d in documents[start:start + size]],
                                                          words=count, ratio=ratio, spans=spans, rerank=rerank)
                read += batch_read
                positions += batch_positions
        else:
            score = self.search_score  # checks first that this generator selects words
            read, starts = self.generator.select([self.prepare(d) for d in documents], words=count, ratio=ratio)
            positions = search_batch(read, starts, score, rounds=search_rounds,
                                     swaps_per_round=self.config.search.swaps_per_round, seed=self.config.seed)
        # The kept words as the document writes them (case, digits, brackets), not in the model's normalized form.
        return [self.written_summary(document, row, kept) for document, row, kept in zip(documents, read, positions)]

    def reranks(self, rerank: bool | None) -> bool:
        """Whether a call reranks: as asked, else as the model's decode.rerank says."""
        return self.config.decode.rerank if rerank is None else rerank

    def written_reranked(self, prepared: list[str], *, words: int | None = None,
                         num_beams: int | None = None) -> list[str]:
        """A writer's summaries of documents already `prepare`d: of the greedy summary, the beam's `num_beams`
        best and decode.rerank_draws drawn summaries, the one `rerank_score` rates highest
        (seqae.rl.search.written_reranked)."""
        return written_reranked(self.generator, prepared, self.rerank_score, self.config.decode, words=words,
                                num_beams=num_beams, seed=self.config.seed)

    def select(self, prepared: list[str], *, words: int, ratio: float | None = None, spans: int | None = None,
               rerank: bool | None = None) -> tuple[list[list[str]], list[list[int]]]:
        """A tagger's choice in documents already `prepare`d: the words it read per document and the kept positions,
        in one pass in at most `spans` phrases, or with `rerank` the candidate in 1..spans phrases that
        `rerank_score` rates highest (defaults: the model's decode.max_spans and decode.rerank)."""
        max_spans = self.config.decode.max_spans if spans is None else spans
        if not (self.reranks(rerank) and max_spans > 0):
            return self.generator.select(prepared, words=words, ratio=ratio, max_spans=max_spans)
        read, candidates = self.generator.select_candidates(prepared, words=words, ratio=ratio, most_spans=max_spans,
                                                            draws=self.config.decode.rerank_draws,
                                                            seed=self.config.seed)
        texts = [[" ".join(words[p] for p in kept) for kept in options] for words, options in zip(read, candidates)]
        chosen = best_candidates([" ".join(words) for words in read], texts, self.rerank_score)
        return read, [options[index] for options, index in zip(candidates, chosen)]

    def written_summary(self, document: str, read: list[str], kept: list[int]) -> str:
        """The kept words of what the model read of `document` as the document writes them: their written forms
        (`written_words`), and no space between two neighbours the document writes together ("$1.2", "Ohio,")."""
        stripped = strip_datelines(document)
        spans = None if self.normalize(document) == " ".join(stripped.split()) else written_spans(stripped, read)
        if spans is None:
            return " ".join(read[i] for i in kept)
        return join_written(stripped, spans, kept)

    def writer_summary(self, document: str, prepared: str, summary: str) -> str:
        """A writer's `summary` of `document`, which it read as `prepared`, written as the document writes its words
        (case, digits, brackets, and neighbours it writes together: `written_summary`, as a tagger's): the copy mask
        takes every word from the document, each occurrence once. A word the document does not hold (a writer
        without the copy mask, or a preposition it may add) leaves the summary in the model's form."""
        read = prepared.split()
        positions = document_positions(read, summary.split())
        if None in positions:
            return summary
        return self.written_summary(document, read, positions)

    def written_words(self, document: str, read: list[str]) -> list[str]:
        """The words the model read of `document` (a prefix of its normalized words, seqae.data.normalize
        .written_forms) as the document writes them; the same words for a document already in the model's form."""
        stripped = strip_datelines(document)
        if self.normalize(document) == " ".join(stripped.split()):
            return read
        return written_forms(stripped, read)

    def reads_whole(self, document: str) -> bool:
        """Whether the generator reads all of `document` (else only document mode sees all of it). Normalizing
        never joins words and datelines and bylines are a few words, so a document with many more words than the
        model reads is not normalized to tell."""
        limit = self.config.data.max_document_words
        return len(document.split()) <= limit + 100 and len(self.normalize(document).split()) <= limit

    def summarize_documents(self, documents: list[str], *, sentences: int | None = None, words: int | None = None,
                            ratio: float | None = None, n_bytes: int | None = None, compress: float | None = None,
                            spans: int | None = None, rerank: bool | None = None, method: str = "position",
                            embed=None) -> list[list[str]]:
        """Document mode, for documents of any length: each document's sentences (`split_sentences`) ranked without
        supervision (seqae.core.sentence_select), then taken in that order within the budget and returned in document
        order, verbatim: `sentences` whole sentences; whole sentences while they fit `words` words or `ratio` of the
        document's words; or at most `n_bytes` bytes. A words or bytes budget cuts the sentence it reaches at the
        budget and marks the cut with …; a ratio stops before it. When a words or ratio budget is shorter than the
        lead sentence, the model writes a headline of that many words from the lead instead (`headlines`). With
        `compress` (a fraction), each sentence is first shortened by the generator to that fraction of its words.
        A blank document gets no lines; a sentence of fewer than 4 words (a byline, a name) is chosen only when the
        document has no longer one."""
        if (sentences is None) + (words is None) + (ratio is None) + (n_bytes is None) != 3:
            raise UsageError("document mode takes exactly one budget: sentences, words, ratio or bytes")
        budget = {"sentences": sentences, "words": words, "ratio": ratio, "n_bytes": n_bytes, "compress": compress,
                  "method": method, "embed": embed}
        plans = [self.plan_document(document, **budget) for document in documents]
        requests = {index: plan for index, plan in enumerate(plans) if isinstance(plan, tuple)}
        for index, line in zip(requests, self.headlines(list(requests.values()), spans=spans, rerank=rerank)):
            plans[index] = [line] if line else []
        return plans

    def plan_document(self, document: str, *, sentences: int | None = None, words: int | None = None,
                      ratio: float | None = None, n_bytes: int | None = None, compress: float | None = None,
                      method: str = "position", embed=None) -> list[str] | tuple[str, int]:
        """One document's summary lines in document mode (see summarize_documents), or (sentence, words) when the
        summary is to be a headline of that many words written from that sentence."""
        split = self.split_sentences(document)
        if not split:
            return []
        order = readable_order(split, rank_sentences(split, method, embed))
        word_budget = max(1, round(ratio * sum(map(word_count, split)))) if ratio is not None else words
        lead = min(order)  # the first sentence that may be a line (a byline or a name split off is not)
        if word_budget is not None and word_count(split[lead]) > word_budget:
            return split[lead], word_budget
        if compress is not None:
            split = self.compress_sentences(split, compress)
        return fill_budget(split, order, count=sentences, words=word_budget, n_bytes=n_bytes, cut=ratio is None)

    def headlines(self, requests: list[tuple[str, int]], spans: int | None = None,
                  rerank: bool | None = None) -> list[str]:
        """For each (sentence, words): the model's summary of that one sentence in that many words, as the sentence
        writes them (an extractive tagger keeps the words it scores highest, in order). A document's headline is
        made from its lead sentence, dateline dropped, as Gigaword's headlines are written from an article's lead
        (and DUC's very short summaries from the article): a whole sentence is what the model was trained to read,
        where a budget-sized cut of the lead is not. On the project's raw articles the most central sentence
        (position ranking) was at times a detail ("A ride on a train will cost $2.75."), never a better source."""
        lines = [""] * len(requests)
        by_length: dict[int, list[int]] = {}
        for index, (_, length) in enumerate(requests):
            by_length.setdefault(length, []).append(index)
        for length, indices in by_length.items():
            for index, line in zip(indices, self.summarize_lines([requests[i][0] for i in indices], words=length,
                                                                 spans=spans, rerank=rerank)):
                lines[index] = line
        return lines

    def split_sentences(self, document: str) -> list[str]:
        """The document's sentences as document mode chooses among them (seqae.core.sentence_select.document_sentences,
        with the model's Punkt splitter for text in the corpora's lowercased form)."""
        try:
            return document_sentences(document, self.splitter)
        except ValueError:
            raise DataError(self.directory, "no sentence splitter (sentences/) in this model for lowercased text") \
                from None

    def compress_sentences(self, sentences: list[str], keep: float) -> list[str]:
        """Each sentence shortened by the generator to about `keep` of its words (words as ROUGE counts them;
        punctuation stays). An extractive model drops the words it is least inclined to keep and leaves the rest as
        written (case, digits): each written token is normalized on its own, so the model's scores map back to
        it (a token scores as its best piece; tokens past what the model reads are kept). An abstractive model
        rewrites the sentence at that length."""
        if not self.generator.selects_words:
            prepared = [self.prepare(s) for s in sentences]
            return [self.writer_summary(s, read,
                                        self.generator.decode([read], words=max(1, round(keep * word_count(s))))[0])
                    for s, read in zip(sentences, prepared)]
        token_pieces = [[self.normalize_words(token).split() or [token] for token in s.split()] for s in sentences]
        joined = [" ".join(piece for pieces in row for piece in pieces) for row in token_pieces]
        size, read_counts, probabilities = self.config.decode.batch_size, [], []
        for batch in range(0, len(joined), size):
            read, batch_probabilities = self.generator.keep_probabilities(joined[batch:batch + size])
            read_counts += [len(words) for words in read]
            probabilities += batch_probabilities.tolist()
        shortened = []
        for sentence, row, scores, read_count in zip(sentences, token_pieces, probabilities, read_counts):
            tokens, token_scores, start = sentence.split(), [], 0
            for pieces in row:
                end = start + len(pieces)
                token_scores.append(max(scores[start:end]) if end <= read_count else float("inf"))
                start = end
            words = [i for i, token in enumerate(tokens) if any(c.isalnum() for c in token)]
            dropped = set(sorted(words, key=lambda i: token_scores[i])[: round((1 - keep) * len(words))])
            shortened.append(" ".join(token for i, token in enumerate(tokens) if i not in dropped))
        return shortened

    @functools.cached_property
    def rerank_score(self):
        """The run's fixed RL reward (Rewards.fixed: every rl.*_weight term but R's and D's; decode.rerank_weights in
        place of the terms it names) as one callable (documents, summaries) -> totals: what reranking chooses by."""
        # torch: only reranking needs the reward's models
        from seqae.rl.rewards import build_rewards

        settings = self.config.decode.rerank_settings(self.config.rl)
        if settings.coverage_weight:
            raise UsageError(f"{self.directory}: reranking does not support rl.coverage_weight (no coverage model "
                             "is saved with the model)")
        word_prior, summary_lm = self.fixed_reward_models("reranking needs the word prior of the run", "rl",
                                                          settings.fluency_weight)
        try:
            rewards = build_rewards(settings, None, None, word_prior, self.generator.device, summary_lm).fixed()
        except ValueError as error:
            raise UsageError(f"{self.directory}: {error}") from None
        if not rewards.terms:
            raise UsageError(f"{self.directory}: reranking needs a fixed reward term (every rl.*_weight but "
                             "reconstruction's and discriminator's is 0)")
        return lambda documents, summaries: rewards.total(rewards.score(documents, summaries)).tolist()

    def fixed_reward_models(self, without_prior: str, section: str, fluency_weight: float):
        """The bundle's word prior and, when `fluency_weight` is set, its summary LM (else None), for a score built
        from the `section` config section; a missing file fails naming the bundle (`without_prior` says why the
        prior is needed)."""
        # torch: only the scores that read the summary LM need it
        from seqae.core.summary_lm import SummaryLM

        path = self.directory / WORD_PRIOR_FILE
        if not path.is_file():
            raise DataError(self.directory, f"no {WORD_PRIOR_FILE}: {without_prior}")
        summary_lm = None
        if fluency_weight:
            if not (self.directory / SUMMARY_LM_DIR).is_dir():
                raise DataError(self.directory, f"no {SUMMARY_LM_DIR}/ but {section}.fluency_weight is set")
            summary_lm = SummaryLM.load(self.directory / SUMMARY_LM_DIR).to(self.generator.device)
        return WordPrior.load(path), summary_lm

    @functools.cached_property
    def search_score(self):
        """word prior + similarity (+ fluency, phrase, number), weighted by the bundle's `search` section
        (seqae.rl.rewards.search_reward)."""
        # torch: only test-time search needs them
        from seqae.rl.rewards import search_reward

        if not self.generator.selects_words:
            raise UsageError("--search needs an extractive model (it swaps document words)")
        word_prior, summary_lm = self.fixed_reward_models("this model was trained before test-time search", "search",
                                                          self.config.search.fluency_weight)
        try:
            return search_reward(self.config.search, word_prior, self.config.rl.similarity_model,
                                 self.generator.device, summary_lm)
        except ValueError as error:
            raise UsageError(f"{self.directory}: {error}") from None

