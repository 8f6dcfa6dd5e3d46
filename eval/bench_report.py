"""The page of `seqae bench gigaword`: its markdown section of docs/RESULTS.md (the measured rows beside the
published ones, the paired differences, selection, D's band, RL from lead, speed) and the learning-curve plot.
"""

import importlib.resources
import json
from pathlib import Path

from matplotlib.figure import Figure

from seqae.eval.bench_runs import metrics_rows


def published_rows(benchmark: str = "gigaword") -> list[dict]:
    """Published reference numbers (eval/published.json), shown beside the measured rows."""
    text = (importlib.resources.files("seqae.eval") / "published.json").read_text(encoding="utf-8")
    return json.loads(text)[benchmark]


def plot_learning_curves(runs: dict, path: Path) -> None:
    """Each run's curves of dev R-1, the rewards and D's accuracy against the step, one panel a quantity."""
    panels = [("dev_rouge1", "dev R-1 (greedy)"), ("reward", "total reward of the samples"),
              ("beats_greedy", "groups whose best sample beats greedy"), ("reward_word_prior", "word prior"),
              ("reward_similarity", "similarity"), ("reward_fluency", "fluency (summary LM)"),
              ("reward_reconstruction", "reconstruction (R)"), ("discriminator_accuracy", "D accuracy")]
    figure = Figure(figsize=(18, 7))  # not pyplot's: no display backend, no global figure to close
    axes = figure.subplots(2, 4)
    for axis, (key, title) in zip(axes.flat, panels):
        for label, run in runs.items():
            points = [(r["step"], r[key]) for r in metrics_rows(run) if r.get(key) is not None]
            if points:
                axis.plot(*zip(*points), label=label, marker="." if key == "dev_rouge1" else None)
        axis.set_title(title)
        axis.set_xlabel("step")
    axes.flat[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def render_markdown(results: dict) -> str:
    command = "seqae bench gigaword" + ("" if results["kinds"] == ["extractive"] else
                                        " --kinds " + " ".join(results["kinds"]))
    lines = ["## Gigaword" + ("" if "extractive" in results["kinds"] else ": the writer (abstractive)"), "",
             f"Written by `{command}`: every number in this section comes from that one command "
             f"(config `{results['config']}`, overrides `{' '.join(results['overrides']) or 'none'}`, "
             f"{results['bench_minutes']} minutes on this machine, CPU only)."
             + (f" With `--keep`: finished runs of an earlier invocation into the same `--out` were reused, not "
                f"trained again ({'; '.join(results['reused'])}); every row was scored anew." if results.get("reused")
                else ""), "",
             "### Gigaword test (1,951 pairs), ROUGE F1 with Porter stemming (rouge-score)", "",
             "Readability: SLOR of the summaries under a language model of held-out human titles (trained once "
             "for evaluation, never a reward): per token, log P_LM minus log P_unigram, so frequent headline words "
             "do not count, word order does; higher reads better (the test titles score "
             f"{results['fluency']['slor_of_test_titles']}). It ordered four systems as blind readers did "
             "(docs/readability.md); perplexity under the same LM did not (lower is more title-like vocabulary). "
             f"Number kept: of the {results['titles_with_a_number']} test titles with a number (in digits or spelled, "
             "`two`, `hundreds`), the share whose summary has one; "
             f"{results['titles_with_a_number_in_the_article']} of their articles have one in the words the models "
             "read (data.max_document_words), the most an extractive summary can keep. Phrase share: of the "
             "summary's adjacent word pairs, the share adjacent in its article; among writers, which reorder, blind "
             "readers' scores followed it (Spearman +0.71 within an item on two sheets) where SLOR's did not "
             "(+0.04 to +0.15; docs/readability.md).", "",
             "| system | R-1 | R-2 | R-L | words | readability (SLOR) | phrase share | number kept | perplexity "
             "| no repeated word | summaries/s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in results["rows"]:
        lines.append(f"| {row['system']} | {row['rouge1']:.2f} | {row['rouge2']:.2f} | {row['rougeL']:.2f} | "
                     f"{row['words']:.1f} | {row['readability']:+.3f} | {row['phrase_share']:.2f} | "
                     f"{row['number_kept_pct']:.0f}% | {row['perplexity']} | {row['no_repeat_pct']:.1f}% | "
                     f"{row.get('summaries_per_s', '-')} |")
    for row in published_rows():
        lines.append(f"| {row['system']} | {row['rouge1']:.2f} | {row['rouge2']:.2f} | {row['rougeL']:.2f} "
                     "| - | - | - | - | - | - | - |")
    check = results.get("readability_check")
    if check:
        lines += ["", f"Readability check: the teacher scores {check['teacher']:+.3f}, the bag-of-words recipe "
                      f"{check['bag_of_words_recipe']:+.3f}: " + ("the measure orders them as blind readers did."
                      if check["agrees_with_readers"] else "the measure DISAGREES with blind readers here: do not "
                      "trust its ranking of this run.")]
    lines += ["", "95% bootstrap intervals of every score are in results.json.", "",
              "Paired differences on the same test lines (R-1 F1 points, paired bootstrap 95% interval):", ""]
    for name, value in results["differences"].items():
        lines.append(f"- {name}: {value['mean']:+.2f} [{value['ci95'][0]:+.2f}, {value['ci95'][1]:+.2f}]")
    lines += ["", "Selection on the dev slice only: pseudo-summary scheme by dev R-1 "
              f"{results['selection']['pseudo_target_dev_rouge1']} -> `{results['selection']['pseudo_target']}`; "
              "each run keeps the checkpoint with the best dev R-1 as its model (a tagger's greedy selection; a writer "
              "decoded as it is used, reranked when its decode.rerank is on)."]
    for name, band in results.get("discriminator_accuracy_during_rl", {}).items():
        lines += ["", f"D's accuracy during RL ({name}): min {band['min']}, mean {band['mean']}, max {band['max']} "
                      "(rl.discriminator_max_accuracy holds D's step above the configured band)."]
    if results.get("rl_from_lead"):
        lead = results["rl_from_lead"]
        lines += ["", f"RL alone from a plain lead warm start (dev R-1, greedy): {lead['warm_start_dev_rouge1']} -> "
                      f"{lead['rl_best_dev_rouge1']} ({lead['gain']:+.2f}) in {lead['rl_steps']} RL steps; "
                      f"curve {lead['dev_curve']}."]
    if "extractive" in results["kinds"]:  # the plot is of the tagger's RL runs
        lines += ["", "![learning curves](learning_curve.png)"]
    lines += ["", "### Speed (2 CPU cores)", ""]
    for key, value in results["speed"].items():
        lines.append(f"- {key}: {value}")
    return "\n".join(lines) + "\n"
