"""`seqae train --articles ... --summaries ...`: a corpus of raw articles and unrelated human summaries becomes a run
(seqae.apps.own_corpus), with every choice in the run's config.yaml."""

import gzip
import json
import random
import statistics
from pathlib import Path

from conftest import TINY_CONFIG
from seqae.cli import main
from seqae.core.config import load_config
from seqae.apps.own_corpus import MIN_SUMMARIES, PreparedCorpus, corpus_config

CITIES = ["WASHINGTON", "LONDON", "NAIROBI", "LIMA", "OSLO"]
PEOPLE = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"]
THINGS = ["new parks", "bus lines", "school buildings", "water pumps", "bridges"]
DAYS = ["Monday", "Tuesday", "Friday"]


def raw_article(index: int) -> tuple[str, str]:
    """A raw, cased article with a dateline, and the lead sentence the run should learn from, normalized."""
    rng = random.Random(index)
    city, person, thing, day = rng.choice(CITIES), rng.choice(PEOPLE), rng.choice(THINGS), rng.choice(DAYS)
    count = rng.randint(2, 90)
    article = (f"{city} (AP) — Sen. {person} said on {day} that the council approved {count} {thing} for the "
               f"region. The vote was close, officials said. Work on the {thing} starts next year, and residents "
               f"welcomed the plan.")
    lead = f"sen. {person.lower()} said on {day.lower()} that the council approved {'#' * len(str(count))} {thing} " \
           f"for the region ."
    return article, lead


def write_corpus(directory: Path, articles: int, summaries: int) -> tuple[Path, Path, list[str], list[list[str]]]:
    article_dir = directory / "articles"
    article_dir.mkdir(parents=True)
    leads = []
    for index in range(articles):
        article, lead = raw_article(index)
        (article_dir / f"{index:04d}.txt").write_text(article + "\n", encoding="utf-8")
        leads.append(lead)
    rng = random.Random(7)
    highlights = [[f"{rng.choice(PEOPLE)} backs plan for {rng.choice(THINGS)}",
                   f"council vote on {rng.choice(THINGS)} was close in {rng.choice(CITIES).title()} on "
                   f"{rng.choice(DAYS)}"] for _ in range(summaries // 2)]
    summary_path = directory / "highlights.jsonl.gz"
    with gzip.open(summary_path, "wt", encoding="utf-8") as handle:
        for record in highlights:
            handle.write(json.dumps({"highlights": record, "url": "x"}) + "\n")
    return article_dir, summary_path, leads, highlights


def test_train_on_raw_articles_and_unrelated_summaries(tmp_path, capsys):
    article_dir, summary_path, leads, highlights = write_corpus(tmp_path, 230, 240)
    out = tmp_path / "run"
    assert main(["train", str(TINY_CONFIG), "--articles", str(article_dir), "--summaries", str(summary_path),
                 "--summaries-field", "highlights", "--out", str(out), "rl.steps=2", "rl.word_prior_weight=1.0"]) == 0
    err = capsys.readouterr().err
    # Each article gives its lead sentence, dateline dropped, `Sen.` kept whole, digits as Gigaword writes them.
    assert (out / "data" / "documents.txt").read_text(encoding="utf-8").splitlines() == leads
    # Each string of a JSON list is one summary.
    summaries = (out / "data" / "summaries.txt").read_text(encoding="utf-8").splitlines()
    assert len(summaries) == 2 * len(highlights) and summaries[1] == highlights[0][1].lower()
    config = load_config(out / "config.yaml")
    median = round(statistics.median(len(s.split()) for pair in highlights for s in pair))
    assert config.decode.words == config.rl.target_words == config.warm_start.target_words == median
    assert config.data.articles == [str((out / "data" / "documents.txt").resolve())] and config.data.titles == []
    assert config.data.max_document_words == 20  # the leads are shorter than the lower bound
    assert config.rl.steps == 2 and config.model.hidden_size == load_config(TINY_CONFIG).model.hidden_size
    # No references: the run reports the recipe's reward (here the word prior) on its held-out documents beside the
    # baseline's.
    assert "held-out documents): the recipe's reward" in err and "the content-word lead's" in err
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert any("dev_reward_content_lead" in row for row in rows)
    # The trained run writes a headline of a raw article from its lead, in the article's own words; its
    # config.yaml beside model/ does not hide the model.
    assert main(["summarize", str(out), str(article_dir / "0000.txt"), "--words", "5"]) == 0
    headline = capsys.readouterr().out.split()
    raw_lead = raw_article(0)[0].split(" — ")[1].split(". The vote")[0].split()
    assert len(headline) == 5 and set(headline) <= set(raw_lead)


def test_too_few_summaries_is_one_line_naming_the_file_and_writes_nothing(tmp_path, capsys):
    article_dir, summary_path, _, _ = write_corpus(tmp_path, 230, 50)
    out = tmp_path / "run"
    code = main(["train", str(TINY_CONFIG), "--articles", str(article_dir), "--summaries", str(summary_path),
                 "--summaries-field", "highlights", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1
    assert str(summary_path) in err and f"only 50 human summaries" in err and str(MIN_SUMMARIES) in err
    assert not out.exists()


def test_a_missing_field_names_the_file_and_line(tmp_path, capsys):
    article_dir, summary_path, _, _ = write_corpus(tmp_path, 10, 10)
    code = main(["train", "--articles", str(article_dir), "--summaries", str(summary_path), "--out",
                 str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and str(summary_path) in err and "line 1: no field 'text'" in err and "highlights" in err


def test_resume_and_a_lone_summaries_flag_are_refused(tmp_path, capsys):
    assert main(["train", "rl.steps=1", "--articles", "a.txt", "--summaries", "s.txt", "--out", str(tmp_path),
                 "--resume"]) != 0
    assert f"seqae train {tmp_path / 'config.yaml'} --out {tmp_path} --resume" in capsys.readouterr().err
    assert main(["train", "--summaries", "s.txt", "--out", str(tmp_path / "run")]) != 0
    assert "both --articles and --summaries" in capsys.readouterr().err
    assert main(["train", "--out", str(tmp_path / "run")]) != 0
    assert "give a config file" in capsys.readouterr().err


def test_the_corpus_sets_lengths_and_vocabulary_and_overrides_win(tmp_path):
    prepared = PreparedCorpus(tmp_path / "d.txt", tmp_path / "s.txt", articles=3000, documents=2990, summaries=900,
                              document_words=70, summary_words=13, vocab_size=12345)
    config = corpus_config(prepared, ["decode.words=9"], similarity=False)
    assert (config.rl.target_words, config.decode.words, config.data.max_document_words) == (13, 9, 70)
    assert config.data.vocab_size == 12345 and config.data.dev_size == 299 and config.data.vocab_counts == []
    assert config.rl.similarity_weight == config.search.similarity_weight == 0.0
    # Otherwise the Gigaword recipe, as selected on its dev set.
    recipe = load_config(Path(__file__).resolve().parent.parent / "configs" / "gigaword.yaml")
    assert config.rl.steps == recipe.rl.steps and config.distill == recipe.distill
    assert corpus_config(prepared, [], similarity=True).rl.similarity_weight == recipe.rl.similarity_weight


def test_a_line_file_of_sentences_in_gigaword_form_is_taken_as_it_is(tmp_path):
    from conftest import synthetic_texts
    from seqae.apps.own_corpus import prepare_corpus

    lines = [text + " ." for text in synthetic_texts(MIN_SUMMARIES + 10, 12, 18, seed=3)]
    articles, summaries = tmp_path / "articles.txt", tmp_path / "titles.txt.gz"
    articles.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    with gzip.open(summaries, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(synthetic_texts(MIN_SUMMARIES, 5, 9, seed=4)) + "\n")
    prepared = prepare_corpus([str(articles)], [str(summaries)], tmp_path / "data")
    # One article a line, each its own lead; already in the recipe's form, so written unchanged.
    assert prepared.documents_path.read_text(encoding="utf-8").splitlines() == lines
    assert prepared.summaries == MIN_SUMMARIES and prepared.summary_words == 7
    assert prepared.document_words == 20  # the 95th percentile (19 words) raised to the lower bound
