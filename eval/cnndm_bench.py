"""`seqae bench cnndm`: whole CNN/DailyMail articles against their joined highlights (ROUGE-1/2/Lsum F1, one
sentence a line for Lsum), seqae beside Lead-3 and sumy's LexRank and TextRank, on all test records and on the
CNN and DailyMail parts apart."""

import importlib.util
import json
import sys
from pathlib import Path

from seqae.eval.bench import score

def cnndm_rows(path: Path, model_dir: Path, count: int) -> list[dict]:
    """Document level: seqae on whole articles against the joined highlights, beside Lead-3 sentences."""
    import itertools

    from seqae.data.readers import read_texts
    from seqae.data.sentences import SentenceSplitter
    from seqae.summarize import Summarizer

    articles = list(itertools.islice(read_texts(path, field="article"), count or None))
    highlights = [" \n".join(h) if isinstance(h, list) else h for h in
                  itertools.islice(_highlights(path), count or None)]
    summarizer = Summarizer(model_dir)
    splitter = summarizer.splitter or SentenceSplitter.train(articles)
    metrics = ("rouge1", "rouge2", "rougeLsum")
    lead3 = ["\n".join(splitter.split(a)[:3]) for a in articles]
    rows = [{"system": "Lead-3 sentences", **score(lead3, highlights, metrics)}]
    selected = ["\n".join(sentences) for sentences in summarizer.select_sentences(articles, 3)]
    rows.append({"system": "seqae select: 3 most central sentences (LexRank, `--sentences 3`)",
                 **score(selected, highlights, metrics)})
    if importlib.util.find_spec("sumy") is None:
        print("bench: sumy is not installed (pip install -e '.[dev]'): its CNN/DM rows are left out", file=sys.stderr)
    else:
        for method, name in (("lexrank", "LexRank"), ("textrank", "TextRank")):
            rows.append({"system": f"sumy {name}, 3 sentences",
                         **score(sumy_summaries(articles, splitter, method), highlights, metrics)})
    for words in (10, 30):
        summaries = summarizer(articles, words=words)
        rows.append({"system": f"seqae ({words} words from the lead)", **score(summaries, highlights, metrics)})
    return rows


class _SumyTokenizer:
    """sumy's tokenizer interface over seqae's Punkt splitter (trained on the corpus: nothing to download) and
    whitespace words (the text is tokenized already)."""

    language = "english"

    def __init__(self, splitter):
        self.splitter = splitter

    def to_sentences(self, paragraph: str) -> tuple:
        return tuple(self.splitter.split(paragraph))

    def to_words(self, sentence: str) -> tuple:
        return tuple(word for word in sentence.split() if any(c.isalnum() for c in word))


def sumy_summaries(articles: list[str], splitter, method: str, sentences: int = 3) -> list[str]:
    """sumy's LexRank or TextRank (English stemmer and stop words), `sentences` a document, one a line."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer}[method](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _SumyTokenizer(splitter)
    return ["\n".join(str(s) for s in summarizer(PlaintextParser.from_string(a, tokenizer).document, sentences))
            for a in articles]


def _highlights(path: Path):
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)["highlights"]


def run_cnndm_bench(args) -> int:
    from seqae.eval.pages import write_section

    rows = cnndm_rows(Path(args.data) / "cnndm" / "test.jsonl.gz", Path(args.model), args.count)
    lines = ["## CNN/DailyMail", "", "| system | R-1 | R-2 | R-Lsum | words |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        lines.append(f"| {row['system']} | {row['rouge1']:.2f} | {row['rouge2']:.2f} | {row['rougeLsum']:.2f} | "
                     f"{row['words']:.1f} |")
    write_section(Path(args.docs), "cnndm", "\n".join(lines), {"rows": rows})
    return 0


def register(names) -> None:
    bench = names.add_parser("cnndm", help="whole CNN/DailyMail test articles: seqae beside Lead-3 and sumy")
    bench.add_argument("model", help="a trained model directory (its sentence splitter and generator are used)")
    bench.add_argument("--data", default="../shared/data", help="the data folder (see its README)")
    bench.add_argument("--docs", default="docs", help="where RESULTS.md, results.json and the figure go")
    bench.add_argument("--count", type=int, default=0, help="test records scored, from the first (0: all)")
    bench.set_defaults(func=run_cnndm_bench)
