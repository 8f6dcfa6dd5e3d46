"""Headlines of CNN/DailyMail articles against their highlights: a model trained on your own corpus (`seqae train
--articles ... --summaries ...`) beside the baselines written from the same lead sentence at the same length.

    python scripts/cnndm_headlines.py RUN [--split val] [--articles 1000] [--seed 0]

The model writes each article's headline as `seqae summarize RUN FILE --words W` does (document mode: the lead
sentence, dateline dropped, shortened by the model to its decode.words W; a lead of W words or fewer is kept whole);
the content-word lead, the warm start's teacher (content words and prepositions) and Lead-W take the first W of the
same lead's words. ROUGE F1 (rouge-score, stemming) against the article's highlights joined, and the model's paired
difference with each baseline (bootstrap 95% interval). Never run it on the test split while choosing anything.
"""

import argparse
import gzip
import json
import random
from pathlib import Path

from seqae.data.baselines import content_lead, content_lead_prepositions, lead_words
from seqae.data.rouge import paired_difference, score_corpus
from seqae.core.sentence_select import document_sentences, lead_sentence
from seqae.apps.summarize import Summarizer

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cnndm"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="a run or model directory")
    parser.add_argument("--split", default="val", choices=["train", "val", "test"])
    parser.add_argument("--articles", type=int, default=1000, help="a seeded random sample of this many records")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with gzip.open(DATA / f"{args.split}.jsonl.gz", "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    records = random.Random(args.seed).sample(records, min(args.articles, len(records)))
    summarizer = Summarizer(args.run)
    words = summarizer.config.decode.words
    references = [" ".join(record["highlights"]) for record in records]
    leads = [lead_sentence(document_sentences(record["article"], summarizer.splitter)) or "" for record in records]
    model = [" ".join(lines) for lines in summarizer.summarize_documents([r["article"] for r in records], words=words)]
    systems = {"model": model, "content-word lead": [content_lead(lead, words) for lead in leads],
               "teacher": [content_lead_prepositions(lead, words) for lead in leads],
               f"lead-{words}": [lead_words(lead, words) for lead in leads]}
    print(f"{len(records)} {args.split} articles, {words}-word headlines, ROUGE F1 against the joined highlights")
    for name, predictions in systems.items():
        scores = score_corpus(predictions, [references], bootstrap=0)
        mean_words = sum(len(p.split()) for p in predictions) / len(predictions)
        print(f"  {name:<18} R-1 {scores['rouge1']['mean']:.2f}  R-2 {scores['rouge2']['mean']:.2f}  "
              f"R-L {scores['rougeL']['mean']:.2f}  words {mean_words:.1f}")
    for name in list(systems)[1:]:
        difference = paired_difference(model, systems[name], references)
        low, high = difference["ci95"]
        print(f"  model - {name}: R-1 {difference['mean']:+.2f} [{low:+.2f}, {high:+.2f}]")


if __name__ == "__main__":
    main()
