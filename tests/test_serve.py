"""`seqae serve`: the real server on a loopback port with the tiny trained model, its API and its refusals."""

import json
import logging
import threading
import time

import pytest

pytest.importorskip("fastapi", reason="seqae serve needs FastAPI: pip install -e '.[dev]'")
pytest.importorskip("uvicorn", reason="seqae serve needs uvicorn: pip install -e '.[dev]'")
httpx = pytest.importorskip("httpx", reason="the API tests talk to the server with httpx: pip install -e '.[dev]'")

from conftest import WORDS  # noqa: E402
from live_server import LiveServer, wait_for  # noqa: E402

from seqae.core.checkpoint import SUMMARY_LM_DIR  # noqa: E402
from seqae.cli import main  # noqa: E402
from seqae.apps.explain import sentence_positions, used_positions  # noqa: E402
from seqae.apps.serve import create_app  # noqa: E402

DOCUMENT = "police said on tuesday the army rebels fire in the city market as oil prices rise"
LONG_DOCUMENT = " ".join(WORDS)  # all different, more than the tiny model reads (24)
MAX_BYTES = 4096


@pytest.fixture(scope="module")
def app(tiny_run):
    return create_app(tiny_run, max_bytes=MAX_BYTES, timeout_s=30, workers=1, queue=1)


@pytest.fixture(scope="module")
def server(app):
    with LiveServer(app) as live:
        yield live


def post(server, payload=None, **kwargs):
    if payload is not None:
        kwargs["json"] = payload
    kwargs.setdefault("headers", {"content-type": "application/json"})
    return httpx.post(f"{server.url}/api/summarize", timeout=30, **kwargs)


def test_summary_kept_words_scores_and_reconstruction(server, app, tiny_run):
    response = post(server, {"text": DOCUMENT, "words": 3})
    assert response.status_code == 200, response.text
    result = response.json()
    words, kept = result["document_words"], result["kept"]
    assert words == DOCUMENT.split()
    assert len(kept) == 3 and kept == sorted(set(kept)) and all(0 <= i < len(words) for i in kept)
    assert result["summary"] == " ".join(words[i] for i in kept)
    # The same summary as the library's (and `seqae summarize`'s) for the same input and length.
    assert result["summary"] == app.state.explainer.summarizer.summarize_lines([DOCUMENT], words=3)[0]
    assert result["truncated"] is False and result["words_read"] == len(words)
    assert isinstance(result["reconstruction"], str)
    assert 1 <= len(result["reconstruction"].split()) <= len(words)
    assert result["reconstruction_target"] == DOCUMENT
    scores, ranges = result["scores"], result["score_ranges"]
    expected_terms = {"information", "readability"} | ({"fluency"} if (tiny_run / "model" / SUMMARY_LM_DIR).is_dir()
                                                       else set())
    assert set(scores) == expected_terms == set(ranges)
    assert 0 <= scores["readability"] <= 1
    assert ranges["information"][1] > 0  # R's NLL of the document given nothing


def test_documents_are_routed_as_the_cli_and_the_api_route_them(server, app):
    """One routing (Summarizer.route) for the server, the API and the CLI: a budget shorter than the best sentence
    gives a headline written from it; a longer one whole sentences of all of the document, never only its lead."""
    summarizer = app.state.explainer.summarizer
    result = post(server, {"text": LONG_DOCUMENT, "ratio": 0.5}).json()  # one "sentence", longer than the model reads
    assert result["headline"] is True and result["mode"] == "ratio"
    assert len(result["summary"].split()) == round(0.5 * len(WORDS))
    assert result["summary"] == summarizer([LONG_DOCUMENT], ratio=0.5)[0]
    sentences = [f"the s{i}a of s{i}b met s{i}c near the s{i}d ." for i in range(8)]
    text = " ".join(sentences)
    result = post(server, {"text": text, "words": 14}).json()  # 9 words each: one whole, 5 of the next
    assert result["document_mode"] is True and result["mode"] == "words" and result["truncated"] is False
    assert result["sentences"] == summarizer([text], words=14)[0].split("\n")
    whole, cut = sorted(result["sentences"], key=lambda line: line.endswith("…"))
    assert whole in sentences and cut.endswith("…") and len(cut.split()) == 5
    assert result["summary"].replace("…", "") == " ".join(result["document_words"][i] for i in result["kept"])
    result = post(server, {"text": DOCUMENT, "words": 3}).json()
    assert result["document_mode"] is False  # read whole: the generator's own word summary


def test_sentences_mode_keeps_whole_sentences(server):
    sentences = ["the army said on tuesday that rebels set fire to the city market .",
                 "oil prices rise .", "police arrested the union leader after the strike vote ."]
    result = post(server, {"text": " ".join(sentences), "sentences": 1}).json()
    assert result["mode"] == "sentences" and len(result["sentences"]) == 1
    chosen = result["sentences"][0]
    assert chosen in sentences
    assert " ".join(result["document_words"][i] for i in result["kept"]) == chosen == result["summary"]


def test_kept_positions_of_an_abstractive_summary_and_of_sentences():
    assert used_positions(["a", "b", "a", "c"], ["a", "a", "x", "c", "a"]) == [0, 2, 3]
    assert sentence_positions(["a b .", "c .", "a b ."], ["a b ."]) == [0, 1, 2]
    assert sentence_positions(["a b .", "c .", "d e ."], ["c .", "d e ."]) == [3, 4, 5, 6, 7]
    assert sentence_positions(["a b .", "c d e .", "f ."], ["a b .", "c d"]) == [0, 1, 2, 3, 4]  # a cut last one
    assert sentence_positions(["a b .", "c d e .", "f ."], ["c d", "f ."]) == [3, 4, 7, 8]  # cut, then another


def test_health_page_and_static_files(server):
    health = httpx.get(f"{server.url}/health").json()
    assert health["status"] == "ok" and health["generator"] == "extractive" and health["max_bytes"] == MAX_BYTES
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200 and 'id="summary"' in page.text and "/static/app.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "style.css"):
        assert httpx.get(f"{server.url}/static/{name}").status_code == 200
    missing = httpx.get(f"{server.url}/nowhere")
    assert missing.status_code == 404 and set(missing.json()) == {"error"}


def one_line_error(response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert fragment in message and "\n" not in message


def test_bodies_over_the_limit_get_413_with_or_without_a_length(server):
    payload = json.dumps({"text": "word " * MAX_BYTES}).encode()
    one_line_error(post(server, content=payload), 413, f"over {MAX_BYTES} bytes")

    def chunks():  # no Content-Length: httpx sends it chunked
        for start in range(0, len(payload), 1000):
            yield payload[start:start + 1000]

    response = post(server, content=chunks())
    assert "content-length" not in response.request.headers
    one_line_error(response, 413, f"over {MAX_BYTES} bytes")


@pytest.mark.parametrize(("body", "fragment"), [
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"text": "police said', "malformed JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"text": 5}', '"text" must be a string'),
    (b'{"text": "   "}', "empty"),
    (b'{"text": "a b c", "words": "3"}', '"words" must be an integer'),
    (b'{"text": "a b c", "words": true}', '"words" must be an integer'),
    (b'{"text": "a b c", "words": 0}', '"words" must be an integer'),
    (b'{"text": "a b c", "words": 100000}', '"words" must be an integer from 1 to 24'),
    (b'{"text": "a b c", "ratio": 2}', '"ratio" must be a number'),
    (b'{"text": "a b c", "words": 3, "ratio": 0.5}', "at most one of words, ratio, sentences"),
    (b'{"text": "a b c", "length": 3}', "unknown field(s): length"),
])
def test_bad_requests_get_400_with_one_line(server, body, fragment):
    one_line_error(post(server, content=body), 400, fragment)


def test_deeply_nested_json_gets_400(server):
    response = post(server, content=b"[" * 2000 + b"]" * 2000)
    assert response.status_code == 400 and "\n" not in response.json()["error"]


def test_a_full_queue_answers_503_at_once_and_the_queue_then_drains(server, app, monkeypatch):
    explainer, pool = app.state.explainer, app.state.pool
    release, explain = threading.Event(), explainer.explain
    monkeypatch.setattr(explainer, "explain", lambda text, **options: release.wait(10) and explain(text, **options))
    answers = {}

    def send(name):
        answers[name] = post(server, {"text": DOCUMENT})

    running = [threading.Thread(target=send, args=(name,)) for name in ("first", "queued")]
    running[0].start()
    wait_for(lambda: pool.in_use == 1)
    running[1].start()
    wait_for(lambda: pool.in_use == 2)  # one summarizing, one waiting: the pool (workers=1, queue=1) is full
    started = time.perf_counter()
    refused = post(server, {"text": DOCUMENT})
    one_line_error(refused, 503, "busy")
    assert time.perf_counter() - started < 5 and refused.headers["retry-after"] == "1"
    release.set()
    for thread in running:
        thread.join(30)
    assert [answers[name].status_code for name in ("first", "queued")] == [200, 200]
    assert pool.in_use == 0


def test_a_request_past_the_time_limit_gets_504(server, app, monkeypatch):
    release, explain = threading.Event(), app.state.explainer.explain
    monkeypatch.setattr(app.state.explainer, "explain",
                        lambda text, **options: release.wait(10) and explain(text, **options))
    limit, app.state.timeout_s = app.state.timeout_s, 0.3
    try:
        one_line_error(post(server, {"text": DOCUMENT}), 504, "timed out after 0.3 s")
    finally:
        release.set()
        app.state.timeout_s = limit
    wait_for(lambda: app.state.pool.in_use == 0)


def test_a_failing_request_does_not_take_the_server_down(server, app, monkeypatch, caplog):
    def fail(text, **options):
        raise RuntimeError(f"cannot summarize {text}")  # a message quoting the request's text

    monkeypatch.setattr(app.state.explainer, "explain", fail)
    one_line_error(post(server, {"text": DOCUMENT}), 500, "internal error")
    failures = [record.getMessage() for record in caplog.records if "summarize failed" in record.getMessage()]
    assert failures and failures[0].startswith("summarize failed: RuntimeError at test_serve.py:")
    assert not any(DOCUMENT in record.getMessage() for record in caplog.records)
    monkeypatch.undo()
    assert post(server, {"text": DOCUMENT}).status_code == 200


def test_one_log_line_a_request_and_never_the_body(server, caplog):
    caplog.set_level(logging.INFO, logger="seqae.serve")
    # The previous test's last line may still be on its way (a line follows its response): once a request of
    # this test has its own line, start counting afresh.
    assert httpx.get(f"{server.url}/health", timeout=30).status_code == 200
    wait_for(lambda: any(record.getMessage().startswith("GET /health ") for record in caplog.records))
    caplog.clear()
    secret = "zanzibar quokka"
    post(server, {"text": f"{DOCUMENT} {secret}"})
    post(server, content=b"\xff not json " + secret.encode())
    def lines():  # a request's line is written just after its response is sent
        return [record.getMessage() for record in caplog.records if record.name == "seqae.serve"]

    wait_for(lambda: len(lines()) >= 2)
    time.sleep(0.1)
    lines = lines()
    assert len(lines) == 2
    assert lines[0].startswith("POST /api/summarize 200 ") and lines[1].startswith("POST /api/summarize 400 ")
    assert all(line.endswith(" B") and " ms " in line for line in lines)
    assert not any(secret.split()[0] in record.getMessage() for record in caplog.records)


def test_cli_refuses_a_missing_model_and_bad_options(tmp_path, capsys, tiny_run):
    assert main(["serve", str(tmp_path / "missing")]) == 1
    error = capsys.readouterr().err.strip()
    assert error == f"seqae: error: {tmp_path / 'missing'}: does not exist (no model directory here)"
    assert main(["serve", str(tiny_run), "--port", "70000"]) == 2
    assert "--port must be from 0 to 65535" in capsys.readouterr().err
    assert main(["serve", str(tiny_run), "--max-bytes", "0"]) == 2
    assert "--max-bytes must be at least 1" in capsys.readouterr().err
    assert main(["serve", str(tiny_run), "--header-timeout", "0"]) == 2
    assert "--header-timeout must be a positive number of seconds" in capsys.readouterr().err
    assert main(["serve", str(tiny_run), "--body-timeout", "nan"]) == 2
    assert "--body-timeout must be a positive number of seconds" in capsys.readouterr().err
    for origin in ("page.example", "ftp://page.example", "https://page.example/app", "http://[::1"):
        assert main(["serve", str(tiny_run), "--cors", origin]) == 2
        assert "--cors takes an origin" in capsys.readouterr().err
