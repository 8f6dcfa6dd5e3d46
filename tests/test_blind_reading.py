"""`seqae blind-reading`: the sheet hides which system wrote what, and the scores come back per system."""

import json

import pytest

from seqae.cli import main
from seqae.data.errors import UsageError
from seqae.eval.blind_reading import make_sheet, score_sheet


def test_the_sheet_hides_the_systems_and_the_key_restores_them():
    articles = [f"article {i}" for i in range(30)]
    systems = {"human": [f"human {i}" for i in range(30)], "model": [f"model {i}" for i in range(30)]}
    sheet, key = make_sheet(articles, systems, items=10, seed=3)
    assert len(sheet) == 10 and [s["item"] for s in sheet] == list(range(1, 11))
    assert "human" not in json.dumps(sheet).replace("human ", "")  # no system name outside the texts
    orders = set()
    for item, entry in zip(sheet, key):
        assert item["article"] == f"article {entry['line']}"
        for letter, system in entry["letters"].items():
            assert item["candidates"][letter] == f"{system} {entry['line']}"
        orders.add(entry["letters"]["A"])
    assert orders == {"human", "model"}  # shuffled: each system sits under A somewhere
    assert make_sheet(articles, systems, items=10, seed=3) == (sheet, key)  # seeded
    with pytest.raises(UsageError, match="lines for"):
        make_sheet(articles, {"a": ["x"], "b": articles}, items=2, seed=0)


def test_scores_per_system_and_a_measure_s_agreement_by_hand():
    key = [{"item": 1, "line": 0, "letters": {"A": "human", "B": "model", "C": "lead"}},
           {"item": 2, "line": 1, "letters": {"A": "model", "B": "lead", "C": "human"}}]
    answers = [{"item": 1, "scores": {"A": {"readable": 5, "informative": 4}, "B": {"readable": 2, "informative": 4},
                                      "C": {"readable": 3, "informative": 2}}, "best": "A"},
               {"item": 2, "scores": {"A": {"readable": 3, "informative": 5}, "B": {"readable": 3, "informative": 1},
                                      "C": {"readable": 4, "informative": 4}}, "best": "C"}]
    # the measure agrees on item 1's pairs (h > l > m) and on item 2's h > m, disagrees on h > l: 4 of 5 untied
    measures = {"human": [1.0, 0.9], "model": [0.1, 0.5], "lead": [0.5, 0.95]}
    result = score_sheet(key, answers, measures)
    # a measure that ties two candidates says nothing about them: item 2's h vs m pair leaves (3 of 4)
    assert score_sheet(key, answers, {**measures, "model": [0.1, 0.9]})["measure_agreement"] == {"pairs": 4,
                                                                                                "agree": 0.75}
    assert result["systems"]["human"] == {"readable": 4.5, "informative": 4.0, "best": 2, "n": 2}
    assert result["systems"]["model"] == {"readable": 2.5, "informative": 4.5, "best": 0, "n": 2}
    assert result["measure_agreement"] == {"pairs": 5, "agree": 0.8}
    # human minus model: readable 5-2 and 4-3, informative 4-4 and 4-5; resampling two items gives means in {3, 2, 1}
    difference = result["differences"]["human minus model"]
    assert difference["items"] == 2 and difference["readable"]["mean"] == 2.0
    assert difference["informative"]["mean"] == -0.5 and difference["informative"]["ci95"] == [-1.0, 0.0]
    assert 1.0 <= difference["readable"]["ci95"][0] <= difference["readable"]["ci95"][1] <= 3.0
    assert set(result["differences"]) == {"human minus model", "human minus lead", "model minus lead"}


def test_the_command_writes_a_sheet_and_scores_answers(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("".join(f"article {i}\n" for i in range(5)))
    (tmp_path / "x.txt").write_text("".join(f"x {i}\n" for i in range(5)))
    (tmp_path / "y.txt").write_text("".join(f"y {i}\n" for i in range(5)))
    out = tmp_path / "sheet"
    assert main(["blind-reading", "make", str(out), "--articles", str(tmp_path / "a.txt"), "--items", "3",
                 "--system", f"x={tmp_path / 'x.txt'}", f"y={tmp_path / 'y.txt'}"]) == 0
    sheet = json.loads((tmp_path / "sheet.items.json").read_text())
    answers = [{"item": s["item"], "scores": {letter: {"readable": 4 if text.startswith("x") else 2, "informative": 3}
                                              for letter, text in s["candidates"].items()}, "best": "A"} for s in sheet]
    (tmp_path / "sheet.answers.json").write_text(json.dumps(answers))
    capsys.readouterr()
    assert main(["blind-reading", "score", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["systems"]["x"]["readable"] == 4 and result["systems"]["y"]["readable"] == 2
    assert main(["blind-reading", "score", str(out), "--answers", str(tmp_path / "missing.json")]) != 0
    # a measure file one line short, a blank line, a sheet made again over its answers: one-line errors
    (tmp_path / "m.txt").write_text("1\n2\n\n4\n")
    assert main(["blind-reading", "score", str(out), "--measure", f"x={tmp_path / 'm.txt'}",
                 f"y={tmp_path / 'm.txt'}"]) != 0
    assert "not a number" in capsys.readouterr().err
    answers[0]["scores"]["A"]["readable"] = 9
    (tmp_path / "sheet.answers.json").write_text(json.dumps(answers))
    assert main(["blind-reading", "score", str(out)]) != 0
    assert "sheet.answers.json: item 1, A" in capsys.readouterr().err
    assert main(["blind-reading", "make", str(out), "--articles", str(tmp_path / "a.txt"), "--items", "3",
                 "--system", f"x={tmp_path / 'x.txt'}", f"y={tmp_path / 'y.txt'}"]) != 0
    assert "sheet.key.json exists" in capsys.readouterr().err
