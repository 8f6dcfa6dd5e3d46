"""`seqae bench sentences`: sentence-boundary F1 of each candidate splitter on raw, cased news articles.

The test set (eval/sentence_boundaries.txt) is written for the project: 37 invented news-style articles with
datelines, bylines, abbreviations (Sen., Gov., U.S., Jan.), initials, quotes, decimals, money and paragraphs, one
sentence a line. A boundary is where a sentence starts (the first one of an article aside), counted in
non-space characters so that a splitter that rewrites whitespace is not penalised; precision, recall and F1 are
pooled over all articles. Candidates: the splitter seqae uses for written text (seqae.data.sentences.split_written),
the Python packages pysbd, syntok, sentencex and blingfire where installed, Punkt as trained on a model's corpus
(`--model`), and Punkt with no parameters and with the abbreviations that seqae.data.normalize knows.

With `--model`, the model's document-mode summaries of the same articles are checked too (`document_checks`).
"""

import importlib.resources
import json
import time
import warnings
from pathlib import Path

from seqae.data.normalize import ABBREVIATIONS, strip_datelines
from seqae.data.errors import DataError, UsageError
from seqae.eval.pages import write_section
from seqae.core.sentence_select import SHORTEST_LINE, word_count

TEST_SET = "sentence_boundaries.txt"


def read_test_set(text: str, source: str = TEST_SET) -> list[tuple[str, str, list[str]]]:
    """(name, raw text, gold sentences) per article of the file format that eval/sentence_boundaries.txt describes."""
    articles, name, paragraphs = [], None, [[]]

    def finish():
        if name is not None:
            kept = [p for p in paragraphs if p]
            if not kept:
                raise DataError(source, f"article {name!r} has no sentences")
            number = int(name.split()[0]) if name.split()[0].isdigit() else 1
            separator = "\n\n" if number % 2 else "\n"
            raw = separator.join(" ".join(p) for p in kept)
            articles.append((name, raw, [s for p in kept for s in p]))

    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()
        if line.startswith("#"):
            continue
        if line.startswith("=== "):
            finish()
            name, paragraphs = line[4:].strip(), [[]]
        elif not line:
            paragraphs.append([])
        elif name is None:
            raise DataError(f"{source}:{lineno}", "a sentence before the first '=== NAME' line")
        else:
            paragraphs[-1].append(line)
    finish()
    return articles


def starts(text: str, sentences: list[str]) -> set[int]:
    """Where each sentence but the first starts in `text`, counted in non-space characters. Each sentence is found
    in order from where the previous one ended; one the text does not contain (a splitter that changed characters)
    is taken to start where the previous one ended."""
    compact = "".join(text.split())
    found, cursor = set(), 0
    for sentence in sentences:
        piece = "".join(sentence.split())
        if not piece:
            continue
        position = compact.find(piece, cursor)
        start = position if position >= 0 else cursor
        found.add(start)
        cursor = start + len(piece)
    found.discard(0)
    return found


def boundary_scores(articles, split) -> dict:
    """Pooled precision, recall and F1 of `split`'s sentence starts against the gold ones, and the articles it
    got wrong."""
    true_positives = predicted = gold = 0
    wrong = []
    for name, raw, sentences in articles:
        truth, guess = starts(raw, sentences), starts(raw, split(raw))
        true_positives += len(truth & guess)
        predicted += len(guess)
        gold += len(truth)
        if truth != guess:
            wrong.append(name)
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "boundaries": gold, "wrong_articles": wrong}


# Each splitter is imported when it is measured: pysbd, syntok and blingfire are optional (seqae[bench]), a missing one
# is reported as such, and nltk and sentencex take a while to import, which `seqae --help` must not pay.
def _pysbd():
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter.segment


def _syntok():
    from syntok import segmenter

    def split(text):
        return ["".join(token.spacing + token.value for token in sentence)
                for paragraph in segmenter.process(text) for sentence in paragraph]

    return split


def _sentencex():
    from sentencex import segment

    return lambda text: list(segment("en", text))


def _blingfire():
    import blingfire

    return lambda text: blingfire.text_to_sentences(text).split("\n")


def _punkt(abbreviations: set[str]):
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    parameters = PunktParameters()
    parameters.abbrev_types = set(abbreviations)
    return PunktSentenceTokenizer(parameters).tokenize


def candidates(model: str | None) -> dict:
    """Splitter name -> a function from text to sentences, or the reason it cannot run here."""
    from seqae.data.sentences import SentenceSplitter, split_written  # nltk, as above

    found = {"seqae (split_written)": lambda: split_written}
    found.update({"pysbd": _pysbd, "syntok": _syntok, "sentencex": _sentencex, "blingfire": _blingfire})
    if model:
        from seqae.core.checkpoint import resolve_model_dir  # omegaconf, as above

        directory = resolve_model_dir(model) / "sentences"
        found["Punkt trained on the model's corpus"] = lambda: SentenceSplitter.load(directory).split
    found["Punkt, no parameters"] = lambda: _punkt(set())
    found["Punkt + seqae's abbreviation list (data.normalize)"] = lambda: _punkt(ABBREVIATIONS)
    splitters = {}
    for name, build in found.items():
        try:
            splitters[name] = build()
        except ImportError as error:
            splitters[name] = f"not installed ({error.name})"
    return splitters


# The budgets document mode is checked with: what a reader asks for, from a headline to a long summary.
CHECKED_BUDGETS = ({}, {"sentences": 1}, {"sentences": 2}, {"sentences": 3}, {"words": 10}, {"words": 60},
                   {"ratio": 0.2}, {"bytes": 300})


def starts_with_dateline(line: str, dateline: str) -> bool:
    """Whether a summary line begins with the article's dateline or byline, or with anything strip_datelines takes
    for one."""
    return bool(dateline and line.startswith(dateline.strip())) or strip_datelines(line) != line


def document_checks(model: str, articles) -> dict:
    """What issue 22 asks of document mode on the raw articles, through the Python API (the CLI's routing), for
    each of CHECKED_BUDGETS: summaries that start with a dateline or byline, lines under 4 words, `sentences` outputs
    that are not exactly that many of the article's sentences verbatim (the first one without its dateline), and
    10-word headlines longer than 10 words or with a word the article does not write so."""
    from seqae.apps.summarize import Summarizer  # omegaconf and nltk, as above

    summarizer = Summarizer(model)
    texts = [raw for _, raw, _ in articles]
    datelines = [gold[0][:len(gold[0]) - len(strip_datelines(gold[0]))] for _, _, gold in articles]
    # A byline paragraph is not a sentence a summary may hold; the first sentence counts without its dateline.
    allowed = [{strip_datelines(sentence).strip() for sentence in gold} - {""} for _, _, gold in articles]
    checks = {"articles": len(articles), "summaries": 0, "starting_with_a_dateline": 0, "lines_under_4_words": 0,
              "sentences_outputs": 0, "sentences_outputs_not_verbatim": 0, "headlines": 0,
              "headlines_not_in_written_form": 0, "headline_words_max": 0}
    for budget in CHECKED_BUDGETS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the notes say why document mode was chosen: not checked here
            summaries = summarizer(texts, **budget)
        for text, summary, dateline, sentences in zip(texts, summaries, datelines, allowed):
            lines = summary.split("\n") if summary else []
            checks["summaries"] += 1
            checks["starting_with_a_dateline"] += bool(lines) and starts_with_dateline(lines[0], dateline)
            checks["lines_under_4_words"] += sum(word_count(line) < SHORTEST_LINE for line in lines)
            if "sentences" in budget:
                checks["sentences_outputs"] += 1
                wanted = min(budget["sentences"], len(sentences))
                checks["sentences_outputs_not_verbatim"] += len(lines) != wanted or not set(lines) <= sentences
            if budget == {"words": 10}:
                checks["headlines"] += 1
                words = lines[0].split() if lines else []
                checks["headline_words_max"] = max(checks["headline_words_max"], word_count(lines[0]) if lines else 0)
                checks["headlines_not_in_written_form"] += len(lines) != 1 or any(word not in text for word in words)
    return checks


# Words that cannot end a clause: a sentence with one of them right before punctuation or at its end, or a
# preposition right before another preposition or a conjunction, has lost the words it governs ("voted on to
# approve" lost "Thursday"). Particles that end clauses ("shut down", "lifted off") and words that may stand alone
# ("before", "since") are left out; how often the original sentences trip the check shows its false alarms. It sees
# one kind of break only: "$66 billion for rail $65 billion expand high-speed rural" passes it.
CLAUSE_PREPOSITIONS = frozenset("of to for at with from into than amid between against during without under via "
                                "in on by".split())
DETERMINERS = frozenset("the a an this these those its his her their our my your".split())
CLAUSE_OPENERS = CLAUSE_PREPOSITIONS | DETERMINERS | frozenset(
    "and or but nor if while because although though whether".split())
CLOSERS = "\"”’')]"  # what may follow a sentence's final period
TRAILING = ".,;:!?…" + CLOSERS


def dangles(sentence: str) -> bool:
    """Whether `sentence` has a word of CLAUSE_OPENERS right before punctuation or at its end, or a word of
    CLAUSE_PREPOSITIONS right before another one or a conjunction."""
    words = [token.lstrip("\"“‘'([").rstrip(TRAILING).lower() for token in sentence.split()]
    tokens = sentence.split()
    for index, (token, word) in enumerate(zip(tokens, words)):
        following = words[index + 1] if index + 1 < len(words) else ""
        ends_clause = token[-1] in TRAILING or not any(c.isalnum() for c in following)
        if word in CLAUSE_OPENERS and ends_clause:
            return True
        if word in CLAUSE_PREPOSITIONS and not ends_clause and following in CLAUSE_OPENERS - DETERMINERS:
            return True
    return False


def ends_as_written(original: str, shortened: str) -> bool:
    """Whether `shortened` still ends with the sentence-final punctuation that `original` ends with."""
    final = original.rstrip(CLOSERS)[-1:]
    return final not in ".!?" or shortened.rstrip(CLOSERS).endswith(final)


def starts_as_written(original: str, shortened: str) -> bool:
    """Whether `shortened` still starts with a capital where `original` does (else its first word was dropped)."""
    first = next((c for c in original if c.isalpha()), "")
    return not first.isupper() or next((c for c in shortened if c.isalpha()), "").isupper()


def compress_checks(model: str, articles, keep: float = 0.7) -> dict:
    """How many of the articles' sentences `--compress KEEP` leaves broken, by three checks that need no parser:
    a dangling word (`dangles`), a lost final period (or ! ?), a lost first word (a capital no longer first);
    beside how many of the sentences themselves trip the dangling check."""
    from seqae.apps.summarize import Summarizer  # omegaconf and nltk, as above

    summarizer = Summarizer(model)
    originals, compressed = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, raw, _ in articles:
            sentences = summarizer.split_sentences(raw)
            originals += sentences
            compressed += summarizer.compress_sentences(sentences, keep)
    pairs = list(zip(originals, compressed))
    broken = [dangles(short) or not ends_as_written(whole, short) or not starts_as_written(whole, short)
              for whole, short in pairs]
    return {"keep": keep, "sentences": len(originals), "originals_dangling": sum(map(dangles, originals)),
            "compressed_dangling": sum(map(dangles, compressed)),
            "lost_final_punctuation": sum(not ends_as_written(whole, short) for whole, short in pairs),
            "lost_first_word": sum(not starts_as_written(whole, short) for whole, short in pairs),
            "broken": sum(broken)}


def render_markdown(results: dict) -> str:
    lines = ["## Sentence splitting on raw articles", "",
             f"`seqae bench sentences`: {results['articles']} raw news-style articles written for the project "
             f"(eval/{TEST_SET}: datelines, bylines, abbreviations, initials, quotes, numbers, paragraphs), "
             f"{results['boundaries']} sentence boundaries. Boundary F1 pooled over the articles; time for all of "
             "them on one core. seqae splits written text with `split_written` (paragraphs, then sentencex) and "
             "keeps Punkt for the corpora's lowercased text"
             + (f"; the corpus-trained Punkt is {results['model']}'s." if results["model"] else "."), "",
             "| splitter | precision | recall | F1 | articles with an error | time |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in results["rows"]:
        if "skipped" in row:
            lines.append(f"| {row['splitter']} | | | | | {row['skipped']} |")
        else:
            lines.append(f"| {row['splitter']} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | "
                         f"{len(row['wrong_articles'])} | {row['seconds']:.2f} s |")
    checks = results.get("documents")
    if checks:
        budgets = ", ".join(" ".join(f"--{k} {v}" for k, v in b.items()) or "no budget" for b in CHECKED_BUDGETS)
        lines += ["", f"Document mode on the same articles with {results['model']} ({checks['summaries']} summaries: "
                  f"{budgets}), through the Python API, whose routing the CLI and `seqae serve` share:", "",
                  f"- summaries starting with a dateline or byline: {checks['starting_with_a_dateline']}",
                  f"- output lines under 4 words: {checks['lines_under_4_words']}",
                  f"- `--sentences N` outputs that are not N of the article's sentences verbatim: "
                  f"{checks['sentences_outputs_not_verbatim']} of {checks['sentences_outputs']}",
                  f"- `--words 10` headlines that are not one line of words the article writes so: "
                  f"{checks['headlines_not_in_written_form']} of {checks['headlines']} (longest: "
                  f"{checks['headline_words_max']} words)"]
    compress = results.get("compress")
    if compress:
        lines += [f"- `--compress {compress['keep']}`: {compress['broken']} of {compress['sentences']} compressed "
                  f"sentences are broken by at least one of three checks: {compress['compressed_dangling']} leave a "
                  f"preposition, conjunction or determiner without its words ({compress['originals_dangling']} of "
                  f"the original sentences trip that check), {compress['lost_final_punctuation']} lost their final "
                  f"period, {compress['lost_first_word']} their first word. Not yet sentences a reader accepts "
                  "(and the checks miss breaks such as a lost verb)."]
    return "\n".join(lines) + "\n"


def run_sentence_bench(args) -> int:
    if args.test_set:
        path = Path(args.test_set)
        if not path.is_file():
            raise DataError(path, "does not exist")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise DataError(path, "is not UTF-8 text") from None
        articles = read_test_set(text, str(path))
    else:
        articles = read_test_set((importlib.resources.files("seqae.eval") / TEST_SET).read_text(encoding="utf-8"))
    if not articles:
        raise UsageError("the test set has no articles")
    rows = []
    for name, split in candidates(args.model).items():
        if isinstance(split, str):
            rows.append({"splitter": name, "skipped": split})
            print(f"{name:55s} {split}", flush=True)
            continue
        started = time.perf_counter()
        row = {"splitter": name, **boundary_scores(articles, split)}
        row["seconds"] = round(time.perf_counter() - started, 3)
        rows.append(row)
        print(f"{name:55s} P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}  "
              f"wrong in {len(row['wrong_articles'])} articles  {row['seconds']:.2f} s", flush=True)
    results = {"articles": len(articles), "boundaries": rows[0].get("boundaries", 0), "model": args.model,
               "rows": rows}
    if args.model:
        results["documents"] = document_checks(args.model, articles)
        results["compress"] = compress_checks(args.model, articles)
        print(json.dumps({"documents": results["documents"], "compress": results["compress"]}), flush=True)
    if args.docs:
        write_section(Path(args.docs), "sentences", render_markdown(results), results)
    return 0


def register(names) -> None:
    bench = names.add_parser("sentences", help="sentence-boundary F1 of each splitter on raw news articles")
    bench.add_argument("--model", help="also score the Punkt splitter this trained model learned from its corpus, and "
                                       "check its document-mode summaries of the articles")
    bench.add_argument("--test-set", help=f"another file in the format of eval/{TEST_SET} (default: that file)")
    bench.add_argument("--docs", default="docs", help="where RESULTS.md and results.json go ('' : print only)")
    bench.set_defaults(func=run_sentence_bench)
