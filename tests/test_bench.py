"""`seqae bench gigaword` end to end on a tiny paired corpus: every run trains, every row is scored, the page
and its JSON are written, and --keep reuses finished runs."""

import json

import pytest

from seqae.apps.summarize import Summarizer
from seqae.cli import main

from conftest import TINY_CONFIG, paired_texts


@pytest.mark.slow
def test_bench_writes_every_row_on_a_tiny_corpus(tmp_path, capsys):
    articles, titles = paired_texts(80, seed=7, title_words=5)
    paths = {name: tmp_path / f"{name}.txt" for name in ("articles", "titles", "test_articles", "test_titles")}
    paths["articles"].write_text("\n".join(articles[:70]) + "\n")
    paths["titles"].write_text("\n".join(titles[:70]) + "\n")
    paths["test_articles"].write_text("\n".join(articles[70:]) + "\n")
    paths["test_titles"].write_text("\n".join(titles[70:]) + "\n")
    docs, out = tmp_path / "docs", tmp_path / "bench"
    argv = ["bench", "gigaword", f"data.articles=[{paths['articles']}]", f"data.titles=[{paths['titles']}]",
            "search.similarity_weight=0", "rl.similarity_weight=0",
            "--config", str(TINY_CONFIG), "--out", str(out), "--docs", str(docs),
            "--test-articles", str(paths["test_articles"]), "--test-titles", str(paths["test_titles"]),
            "--warm-steps", "2", "--distill-documents", "6", "--distill-steps", "2", "--rl-steps", "2",
            "--ablation-steps", "2", "--search-rounds", "1", "--lead-warm-steps", "2", "--lead-rl-steps", "2",
            "--abstractive-warm-steps", "2", "--abstractive-rl-steps", "2", "--abstractive-distill-documents", "6",
            "--abstractive-distill-steps", "2", "--fluency-steps", "5"]
    assert main([*argv, "--kinds", "extractive", "abstractive"]) == 0
    results = json.loads((docs / "results.json").read_text())["gigaword"]
    systems = [row["system"] for row in results["rows"]]
    for expected in ("Lead-8", "the warm start's teacher", "extractive: warm start only", "RL only",
                     "learning from search only", "extractive: full", "bag-of-words rewards", "auto-encoder terms",
                     "test-time search",
                     "abstractive: warm start only", "abstractive: learning from search and the tagger",
                     "abstractive: full"):
        assert any(expected in system for system in systems), expected
    # the writer learns each of its articles twice: labelled by its own search, then by the full tagger's choices
    targets = out / "abstractive" / "learning_from_search_and_the_tagger" / "search_targets.json"
    labels = json.loads(targets.read_text())
    assert len(labels) == 12 and [d for d, _ in labels[:6]] == [d for d, _ in labels[6:]]
    tagger = Summarizer(out / "extractive" / "full" / "model")
    chosen = tagger.select([d for d, _ in labels[6:]], words=4)[1]
    assert [sorted(kept) for kept in chosen] == [p for _, p in labels[6:]]
    for row in results["rows"]:
        assert 0 <= row["rouge1"] <= 100 and row["perplexity"] > 1 and row["words"] > 0
        assert isinstance(row["readability"], float) and 0 <= row["number_kept_pct"] <= 100
        assert 0 <= row["phrase_share"] <= 1
    check = results["readability_check"]  # the page says which way the measure ordered the two rows
    rows = {row["system"]: row["readability"] for row in results["rows"]}
    assert check["teacher"] in rows.values() and check["bag_of_words_recipe"] in rows.values()
    assert any("minus warm start" in name for name in results["differences"])
    assert set(results["rl_from_lead"]) >= {"warm_start_dev_rouge1", "rl_best_dev_rouge1", "gain"}
    page = (docs / "RESULTS.md").read_text()
    assert "| system |" in page and "readability (SLOR)" in page
    assert ("orders them as blind readers did" in page) == check["agrees_with_readers"] and (docs / "learning_curve.png").is_file()
    # --keep: the finished runs are reused, not trained again (no training times this time).
    assert main([*argv, "--kinds", "extractive", "abstractive", "--keep"]) == 0
    again = json.loads((docs / "results.json").read_text())["gigaword"]
    assert not any("training minutes" in key for key in again["speed"])
    assert [row["system"] for row in again["rows"]] == systems
    # Each kind alone is a section of its own: the writer's beside the tagger's, which it leaves as it was.
    tagger_section = (docs / "RESULTS.md").read_text().split("<!-- /bench:gigaword -->")[0]
    assert main([*argv, "--kinds", "abstractive", "--abstractive-distill-documents", "8"]) == 0
    assert len(json.loads(targets.read_text())) == 16
    both = json.loads((docs / "results.json").read_text())
    assert both["gigaword"] == again and all("abstractive" in row["system"] or "seqae" not in row["system"]
                                             for row in both["gigaword-abstractive"]["rows"])
    page = (docs / "RESULTS.md").read_text()
    assert page.startswith(tagger_section) and "## Gigaword: the writer (abstractive)" in page
    assert (out / "extractive" / "full" / "model").is_dir()  # the writer's invocation cleared only its own runs
    # The writer alone, into an --out without the tagger it learns from: one line saying so.
    capsys.readouterr()
    elsewhere = [str(tmp_path / "elsewhere") if arg == str(out) else arg for arg in argv]
    assert main([*elsewhere, "--kinds", "abstractive"]) == 2
    err = capsys.readouterr().err
    error = err.strip().splitlines()[-1]
    assert error.startswith("seqae: error: ") and "train the tagger first (--kinds extractive)" in error
    assert "trained abstractive" not in err and not (tmp_path / "elsewhere").exists()  # before anything else


def test_cnndm_bench_scores_every_system_at_both_budgets(tiny_run, tmp_path):
    import gzip

    records = [{"article": " ".join(f"police s{i}w{j} met union s{i}x{j} in city ." for j in range(6)),
                "highlights": [f"police s{i}w0 met union", f"city s{i}x1 ."]} for i in range(4)]
    (tmp_path / "data" / "cnndm").mkdir(parents=True)
    with gzip.open(tmp_path / "data" / "cnndm" / "val.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in records)
    docs = tmp_path / "docs"
    (docs).mkdir()
    (docs / "RESULTS.md").write_text("# seqae results\n\n<!-- bench:gigaword -->\nkept\n<!-- /bench:gigaword -->\n")
    assert main(["bench", "cnndm", str(tiny_run), "--data", str(tmp_path / "data"), "--split", "val",
                 "--docs", str(docs)]) == 0
    data = json.loads((docs / "results.json").read_text())["cnndm"]
    systems = {(row["system"].split(" (")[0], row["budget"]) for row in data["rows"]}
    for system in ("Lead-3", "seqae select", "sumy LexRank", "sumy TextRank", "seqae select+compress"):
        assert {(system, "3 sentences"), (system, "Lead-3 budget")} <= systems, system
    assert {("seqae headline", "10 words"), ("tagger on the first sentence", "10 words")} <= systems
    lead = {row["budget"]: row["all"] for row in data["rows"] if row["system"] == "Lead-3"}
    assert lead["3 sentences"]["rouge1"] == lead["Lead-3 budget"]["rouge1"] > 0  # its own budget is itself
    for row in data["rows"]:
        if row["budget"] == "Lead-3 budget":  # no system goes over Lead-3's words
            assert row["all"]["words"] <= lead["3 sentences"]["words"] + 1e-9, row["system"]
    page = (docs / "RESULTS.md").read_text()
    assert "kept" in page and "## CNN/DailyMail" in page and (docs / "cnndm.png").is_file()


def test_keep_reuses_a_finished_run_only_under_the_same_config_and_never_after_its_parent_is_trained(
        tmp_path, monkeypatch):
    from types import SimpleNamespace

    from seqae.eval import bench_runs

    teacher = tmp_path / "extractive" / "full" / "model"
    teacher.mkdir(parents=True)
    (teacher / "weights").write_text("1")

    def config(path, overrides):  # a run overridden with "taught" learns the teacher's labels
        taught = "taught" in overrides
        return SimpleNamespace(stage_ends=lambda: {"rl": 5}, decode=None, default=defaults[0],
                               distill=SimpleNamespace(documents=4 if taught else 0, teacher=str(teacher) * taught))

    defaults = ["16"]  # a default of the code's config, which no override names

    trained = []

    def fake_train(config_path, out, overrides, resume=False):
        trained.append(out.name)
        out.mkdir(parents=True, exist_ok=True)
        return 0.0

    monkeypatch.setattr(bench_runs, "load_config", config)
    monkeypatch.setattr(bench_runs, "config_digest", lambda resolved: resolved.default)
    monkeypatch.setattr(bench_runs, "finished", lambda run, steps: True)
    monkeypatch.setattr(bench_runs, "copy_run", lambda source, destination: destination.mkdir(parents=True))
    monkeypatch.setattr(bench_runs, "train", fake_train)
    args = SimpleNamespace(overrides=["seed=0"], config="c.yaml", keep=True)

    def invocation(warm_overrides, full_overrides=("rl.steps=5",)):
        runs = [dict(id="warm", name="warm start only", kind="abstractive", parent=None, overrides=warm_overrides),
                dict(id="full", name="full", kind="abstractive", parent="warm", overrides=list(full_overrides))]
        trained.clear()
        results = {"speed": {}}
        bench_runs.train_runs(args, runs, tmp_path, results)
        return list(trained), results.get("reused", [])

    for name in ("warm_start_only", "full"):  # runs of an invocation that did not record their overrides
        (tmp_path / "abstractive" / name).mkdir(parents=True)
    assert invocation(["a=1"]) == ([], ["abstractive warm start only", "abstractive full"])
    for name, overrides in (("warm_start_only", ["seed=0", "a=1"]), ("full", ["seed=0", "rl.steps=5"])):
        (tmp_path / "abstractive" / name / "bench_run.json").write_text(json.dumps({"overrides": overrides}))
    assert invocation(["a=1"]) == ([], ["abstractive warm start only", "abstractive full"])
    # another override for the warm start: it is trained again, and so is the run that continues from it
    assert invocation(["a=2"]) == (["warm_start_only", "full"], [])
    assert bench_runs.trained_with(tmp_path / "abstractive" / "full") == {"overrides": ["seed=0", "rl.steps=5"],
                                                                           "config": "16"}
    assert invocation(["a=2"]) == ([], ["abstractive warm start only", "abstractive full"])
    assert invocation(["a=1"]) == (["warm_start_only", "full"], [])
    # a run that learned a teacher's labels is reused while the teacher's files are the same, whatever its path says
    assert invocation(["a=1"], ["taught"]) == (["full"], ["abstractive warm start only"])
    assert invocation(["a=1"], ["taught"]) == ([], ["abstractive warm start only", "abstractive full"])
    (teacher / "weights").write_text("2")  # the tagger trained again into the same --out
    assert invocation(["a=1"], ["taught"]) == (["full"], ["abstractive warm start only"])
    defaults[0] = "0"  # the code's default changed: the same overrides make another config
    assert invocation(["a=1"], ["taught"]) == (["warm_start_only", "full"], [])
    assert invocation(["a=1"], ["taught"]) == ([], ["abstractive warm start only", "abstractive full"])
