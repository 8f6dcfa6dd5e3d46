"""`python -m seqae.eval.headline_lm`: the readability measure's language model that `seqae demo` ships with.

SLOR needs a language model of human headlines, and the demo's corpus has too few short sentences for one. This
trains it on the Gigaword titles that no seqae run learns from (`Corpus.held_out_summaries`: the titles of the half
of the train+valid pairs whose articles the runs read), as `seqae bench gigaword` trains its evaluation LM, but
small (hidden size 64) and saved in float16, so that it fits in the package (about 1.6 MB in all; it computes in
float32 once loaded). With `--blind SHEET ...` (blind-reading sheets: SHEET.items.json with SHEET.answers.json) it
prints how well its SLOR ranks the candidates as the readers' readable scores did, beside `--compare LM` (the bench's
evaluation LM, `fluency_lm`).
"""

import argparse
import json
import sys
from pathlib import Path

from seqae.data.errors import UsageError

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "seqae" / "pretrained" / "headline_lm"


def train_headline_lm(config_path: str, out: Path, hidden_size: int, steps: int, overrides=()) -> None:
    from seqae.core.config import load_config
    from seqae.data.corpus import load_corpus
    from seqae.rl.fixed_models import train_summary_lm

    config = load_config(config_path, [*overrides, f"summary_lm.hidden_size={hidden_size}",
                                       f"summary_lm.steps={steps}"])
    corpus = load_corpus(config.data, config.seed)
    if not corpus.held_out_summaries:
        raise UsageError(f"{config_path}: its corpus holds no held-out human summaries (data.titles) to learn from")
    lm = train_summary_lm(config, corpus.held_out_summaries, "cpu", seed_offset=1)  # the bench's evaluation LM seed
    lm.model.half()
    lm.save(out)


def blind_agreement(lm, sheets: list[str]) -> dict:
    """Spearman of SLOR with the readers' readable scores over every candidate, and its mean within an item (over
    items whose candidates the reader did not all score alike)."""
    from seqae.eval.diagnose import spearman, within_document_spearman

    slor, readable = [], []
    for sheet in sheets:
        items = json.loads(Path(f"{sheet}.items.json").read_text(encoding="utf-8"))
        answers = {a["item"]: a for a in json.loads(Path(f"{sheet}.answers.json").read_text(encoding="utf-8"))}
        for item in items:
            letters = sorted(item["candidates"])
            slor.append(lm.slor([item["candidates"][letter] for letter in letters]))
            readable.append([answers[item["item"]]["scores"][letter]["readable"] for letter in letters])
    within, items = within_document_spearman(slor, readable, min_candidates=2)
    return {"candidates": sum(map(len, slor)), "items": items,
            "spearman_all": round(spearman(sum(slor, []), sum(readable, [])), 3),
            "spearman_within_item": round(within, 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seqae.eval.headline_lm", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="configs/gigaword.yaml", help="the corpus whose held-out titles it learns")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where it goes (default: the package's)")
    parser.add_argument("--hidden-size", type=int, default=64, help="its width (the bench's evaluation LM: 128)")
    parser.add_argument("--steps", type=int, default=1000, help="training steps")
    parser.add_argument("--blind", nargs="*", default=[], metavar="SHEET", help="blind-reading sheets to check it on")
    parser.add_argument("--compare", metavar="LM", help="another summary LM to check on the same sheets")
    args = parser.parse_args(argv)
    from seqae.core.summary_lm import SummaryLM

    try:
        train_headline_lm(args.config, args.out, args.hidden_size, args.steps, args.overrides)
        sizes = {str(p.relative_to(args.out)): p.stat().st_size for p in sorted(args.out.rglob("*")) if p.is_file()}
        print(f"{args.out}: {sum(sizes.values()) / 1e6:.2f} MB ({', '.join(f'{k} {v:,}' for k, v in sizes.items())})")
        for name, path in [("headline LM", args.out), *([("compared", args.compare)] if args.compare else [])]:
            if args.blind:
                print(f"{name} ({path}): {blind_agreement(SummaryLM.load(path), args.blind)}")
    except (UsageError, FileNotFoundError) as error:
        print(f"headline_lm: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
