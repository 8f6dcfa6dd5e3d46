"""`seqae serve` against hostile clients on loopback: idle, half-sent and trickling connections (the header and
body deadlines), foreign Host and Origin headers, malformed and fuzzed values, work that outlasts its time limit,
and /health answering through all of it."""

import asyncio
import collections
import logging
import random
import selectors
import socket
import threading
import time

import pytest

pytest.importorskip("fastapi", reason="seqae serve needs FastAPI: pip install -e '.[dev]'")
pytest.importorskip("uvicorn", reason="seqae serve needs uvicorn: pip install -e '.[dev]'")
httpx = pytest.importorskip("httpx", reason="the API tests talk to the server with httpx: pip install -e '.[dev]'")

from conftest import WORDS  # noqa: E402
from live_server import LiveServer, wait_for  # noqa: E402

from seqae.apps.serve import HostAndOrigin, create_app  # noqa: E402

DOCUMENT = "police said on tuesday the army rebels fire in the city market as oil prices rise"
HEADER_TIMEOUT = BODY_TIMEOUT = 1.0
SLACK = 1.5  # a loaded 2-core machine may be late to close or answer by this much
IDLE = 200
# Half-sent requests: nothing at all, part of the request line, part of the headers.
PARTIAL = [b"", b"GET /hea", b"POST /api/summarize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl"]


@pytest.fixture(scope="module")
def app(tiny_run):
    return create_app(tiny_run, timeout_s=30, body_timeout_s=BODY_TIMEOUT, workers=1, queue=2)


@pytest.fixture(scope="module")
def server(app):
    with LiveServer(app, header_timeout=HEADER_TIMEOUT) as live:
        assert httpx.post(f"{live.url}/api/summarize", json={"text": DOCUMENT}, timeout=30).status_code == 200
        yield live


def connect(server) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def closed_within(sock: socket.socket, seconds: float) -> bytes:
    """What the server sent before it closed `sock`, waiting at most `seconds`; fails if it stays open."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open past {seconds:g} s; it sent {received[:80]!r}")
    return received


def read_response(sock: socket.socket) -> bytes:
    """One whole response (headers and a Content-Length body) from `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += sock.recv(4096)
    return head + b"\r\n\r\n" + body


@pytest.mark.slow
def test_idle_half_sent_connections_do_not_block_requests_and_are_closed_by_the_deadline(server):
    opened, sockets = [], []
    try:
        for index in range(IDLE):
            sock = connect(server)
            sock.sendall(PARTIAL[index % len(PARTIAL)])
            sockets.append(sock)
            opened.append(time.monotonic())
        started = time.perf_counter()
        assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200
        assert httpx.post(f"{server.url}/api/summarize", json={"text": DOCUMENT}, timeout=5).status_code == 200
        assert time.perf_counter() - started < 2

        selector, open_since = selectors.DefaultSelector(), dict(zip(sockets, opened))
        for sock in sockets:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        lived = []
        give_up = time.monotonic() + HEADER_TIMEOUT + SLACK + 1
        while open_since and time.monotonic() < give_up:
            for key, _ in selector.select(0.1):
                try:
                    assert key.fileobj.recv(4096) == b""  # closed without an answer
                except ConnectionResetError:
                    pass
                lived.append(time.monotonic() - open_since.pop(key.fileobj))
                selector.unregister(key.fileobj)
        assert not open_since, f"{len(open_since)} of {IDLE} idle connections still open"
        assert HEADER_TIMEOUT * 0.9 < min(lived) and max(lived) < HEADER_TIMEOUT + SLACK
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.slow
def test_headers_trickled_a_byte_at_a_time_are_cut_at_the_deadline(server):
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 100
    with connect(server) as sock:
        started = time.monotonic()
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            for byte in request:
                sock.sendall(bytes([byte]))
                time.sleep(0.1)
        assert time.monotonic() - started < HEADER_TIMEOUT + SLACK


@pytest.mark.slow
def test_a_kept_alive_connection_gets_the_same_header_deadline(server):
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /hea")  # then the next request stalls
        started = time.monotonic()
        assert closed_within(sock, HEADER_TIMEOUT + SLACK) == b""
        assert time.monotonic() - started > HEADER_TIMEOUT * 0.9


@pytest.mark.slow
def test_a_body_trickled_a_byte_at_a_time_gets_408_at_the_deadline(server):
    with connect(server) as sock:
        sock.sendall(b"POST /api/summarize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n")
        started, answer = time.monotonic(), b""
        sock.settimeout(0.2)
        while not answer and time.monotonic() - started < BODY_TIMEOUT + SLACK:
            sock.sendall(b" ")
            try:
                answer = sock.recv(4096)
            except TimeoutError:
                pass
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        assert b"not received within 1 s" in answer + closed_within(sock, SLACK)


@pytest.mark.slow
def test_a_request_whose_work_outlasts_the_header_deadline_still_gets_its_answer(server, app, monkeypatch):
    explain = app.state.explainer.explain
    monkeypatch.setattr(app.state.explainer, "explain",
                        lambda text, **options: time.sleep(HEADER_TIMEOUT + 0.5) or explain(text, **options))
    response = httpx.post(f"{server.url}/api/summarize", json={"text": DOCUMENT}, timeout=30)
    assert response.status_code == 200, response.text


def summarize(url: str, headers: dict | None = None, **kwargs) -> httpx.Response:
    return httpx.post(f"{url}/api/summarize", timeout=30, headers=headers,
                      **({"json": {"text": DOCUMENT}} if "content" not in kwargs else {}), **kwargs)


def test_a_host_that_is_not_the_servers_gets_400(server):
    port = server.url.rsplit(":", 1)[1]
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "evil@127.0.0.1", "[::1",
                 f"[::1]:{port}", ""):
        response = summarize(server.url, {"host": host})
        assert response.status_code == 400, host
        assert "not a name of this server" in response.json()["error"] and "--allow-host" in response.json()["error"]
    assert httpx.get(f"{server.url}/", headers={"host": "evil.example"}).status_code == 400
    for host in (f"localhost:{port}", f"LOCALHOST:{port}", "127.0.0.1"):
        assert summarize(server.url, {"host": host}).status_code == 200, host


def test_a_post_from_another_sites_page_gets_403_and_text_plain_415(server):
    port = server.url.rsplit(":", 1)[1]
    for origin in ("http://evil.example", f"http://localhost:{port}", "null", "http://[::1"):
        response = summarize(server.url, {"origin": origin})
        assert response.status_code == 403, origin
        assert "cross-origin" in response.json()["error"] and "--cors" in response.json()["error"]
    assert summarize(server.url, {"origin": server.url}).status_code == 200  # the server's own page
    # A simple request (no preflight): what a form or fetch(..., {mode: "no-cors"}) on any page can send.
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None):
        headers = {"content-type": content_type} if content_type else {}
        response = summarize(server.url, headers, content=b'{"text": "a b c"}')
        assert response.status_code == 415, content_type
        assert "Content-Type: application/json" in response.json()["error"]
    assert summarize(server.url, {"content-type": "Application/JSON; charset=utf-8"},
                     content=b'{"text": "a b c"}').status_code == 200
    assert httpx.get(f"{server.url}/health", headers={"origin": "http://evil.example"}).status_code == 200


def test_cors_names_the_origins_whose_pages_may_post(app):
    page = "https://page.example:8443"
    with LiveServer(create_app(None, explainer=app.state.explainer, hosts=("127.0.0.1", "api.example"),
                               cors=[page])) as live:
        preflight = httpx.options(f"{live.url}/api/summarize", headers={
            "origin": page, "access-control-request-method": "POST", "access-control-request-headers": "content-type"})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == page
        assert "POST" in preflight.headers["access-control-allow-methods"]
        response = summarize(live.url, {"origin": page})
        assert response.status_code == 200 and response.headers["access-control-allow-origin"] == page
        assert summarize(live.url, {"origin": "https://other.example"}).status_code == 403
        assert summarize(live.url, {"host": "api.example"}).status_code == 200  # an --allow-host name


def test_a_lone_surrogate_or_a_5000_digit_number_is_400_before_the_model_runs(server, app, monkeypatch):
    def explain(text, **options):
        raise AssertionError("the model ran")

    monkeypatch.setattr(app.state.explainer, "explain", explain)
    for body, fragment in [(b'{"text": "police \\ud800 said"}', "lone surrogate (\\ud800) at character 7"),
                           (b'{"text": "a b c", "words": ' + b"7" * 5000 + b"}", "5000 characters long"),
                           (b'{"text": "a b c", "ratio": 0.' + b"5" * 5000 + b"}", "5002 characters long"),
                           (b'{"text": "a b c", "ratio": NaN}', "NaN is not a JSON number"),
                           (b'{"text": "a b c", "\\udfff": 1}', "unknown field(s): \\udfff")]:
        response = summarize(server.url, {"content-type": "application/json"}, content=body)
        assert response.status_code == 400 and fragment in response.json()["error"], response.text


def test_a_client_that_leaves_mid_body_is_logged_as_a_disconnect(server, caplog):
    caplog.set_level(logging.INFO, logger="seqae.serve")
    with connect(server) as sock:
        sock.sendall(b"POST /api/summarize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b'Content-Length: 100\r\n\r\n{"text": "po')
        time.sleep(0.2)
    deadline = time.monotonic() + 5
    while not any(" 499 " in record.getMessage() for record in caplog.records):
        assert time.monotonic() < deadline, [record.getMessage() for record in caplog.records]
        time.sleep(0.02)
    assert not any("failed" in record.getMessage() for record in caplog.records)


def fuzzed_bodies(count: int, seed: int = 21):
    """JSON bodies (as text, to hold what json.dumps would not write: NaN, 5,000 digits, lone surrogates) mixing
    good and bad values in every field, about half of them good."""
    rng = random.Random(seed)
    good = {"words": ["1", "3", "24"], "ratio": ["1", "1.0", "0.5", "5e-324", "1e-7", "0.999999"],
            "sentences": ["1", "2", "100"]}
    bad = ["0", "-1", "25", "101", "9223372036854775808", "-9223372036854775809", "1" * 31, "1" * 5000,
           "1.0000001", "0.0", "-0.0", "1e308", "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "3.0", "2.5",
           '"3"', '""', '"\\ud800"', "true", "false", "[]", "{}", "[3]", '{"n": 3}']
    good_texts = [DOCUMENT, "a", "1 2 3 4", "!!! ... ???", "\\ud83d\\ude00 emoji \\u200b zero \\u202e width",
                  "a" * 5000, " ".join(WORDS) * 3, "by " + "a" * 40 + "!", "\\u0000 police" * 8, "tab\\tand\\nnewline"]
    bad_texts = ['""', '" "', '"\\n\\t\\n"', '"\\ud800"', '"police \\udfff said"', "3", "null", "[]", "{}"]
    for _ in range(count):
        fields = {}
        if rng.random() < 0.95:
            fields['"text"'] = f'"{rng.choice(good_texts)}"' if rng.random() < 0.7 else rng.choice(bad_texts)
        for name in rng.sample(sorted(good), rng.choice([0, 1, 1, 1, 2])):
            fields[f'"{name}"'] = rng.choice(good[name]) if rng.random() < 0.6 else rng.choice(bad + ["null"])
        if rng.random() < 0.05:
            fields[rng.choice(['"length"', '"\\ud800"', '"TEXT"', '""'])] = "1"
        yield "{" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}"


def test_fuzzed_fields_get_an_answer_or_a_one_line_400_never_a_500(server, caplog):
    caplog.set_level(logging.INFO, logger="seqae.serve")
    statuses = collections.Counter()
    with httpx.Client(timeout=30, headers={"content-type": "application/json"}) as client:
        for body in fuzzed_bodies(300):
            response = client.post(f"{server.url}/api/summarize", content=body.encode())
            statuses[response.status_code] += 1
            assert response.status_code in (200, 400), (body[:200], response.text)
            answer = response.json()
            if response.status_code == 400:
                assert set(answer) == {"error"} and "\n" not in answer["error"], body[:200]
            else:
                assert isinstance(answer["summary"], str), body[:200]
    assert statuses[200] > 50 and statuses[400] > 100, statuses
    assert not any("failed" in record.getMessage() for record in caplog.records)


def spinning(explain, seconds: float):
    """`explain` after `seconds` of pure-Python work: it holds the interpreter lock, as the model's own Python
    code does, and lets go of it only at each switch interval."""
    def work(text, **options):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            sum(range(1000))
        return explain(text, **options)

    return work


@pytest.mark.slow
def test_health_answers_within_a_second_while_work_runs_and_waits(server, app, monkeypatch):
    pool = app.state.pool
    # Long enough that the first request is still running after five /health calls on a loaded machine.
    monkeypatch.setattr(app.state.explainer, "explain", spinning(app.state.explainer.explain, 4))
    answers = []
    senders = [threading.Thread(target=lambda: answers.append(summarize(server.url).status_code)) for _ in range(2)]
    for sender in senders:
        sender.start()
    wait_for(lambda: pool.in_use == 2)  # one summarizing, one waiting
    for _ in range(5):
        started = time.perf_counter()
        health = httpx.get(f"{server.url}/health", timeout=5)
        assert time.perf_counter() - started < 1 and health.json()["busy"] == 2
        time.sleep(0.1)
    for sender in senders:
        sender.join(30)
    assert answers == [200, 200]


@pytest.mark.slow
def test_a_timed_out_request_frees_its_place_at_once_and_health_still_answers(server, app, monkeypatch):
    pool, limit = app.state.pool, app.state.timeout_s
    # The work outlasts both deadlines by seconds, so the running one still holds its worker when /health is asked.
    monkeypatch.setattr(app.state.explainer, "explain", spinning(app.state.explainer.explain, 6))
    app.state.timeout_s = 0.5
    try:
        answers = []
        senders = [threading.Thread(target=lambda: answers.append(summarize(server.url))) for _ in range(2)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(30)
    finally:
        app.state.timeout_s = limit
    assert [answer.status_code for answer in answers] == [504, 504]
    # The waiting one left the queue at its deadline; the running one holds its worker until its work ends (a
    # thread cannot be stopped), and /health still answers meanwhile.
    assert pool.in_use == 1
    started = time.perf_counter()
    assert httpx.get(f"{server.url}/health", timeout=5).json()["busy"] == 1
    assert time.perf_counter() - started < 1
    wait_for(lambda: pool.in_use == 0)


def raw_status(server, method: str, path: str) -> int:
    """The status of `method path` sent exactly as written (httpx would normalize `..` away)."""
    with connect(server) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n".encode())
        return int(read_response(sock).split(b" ", 2)[1])


def test_what_already_held_still_holds_405_and_404_on_path_traversal(server):
    for method, path in [("GET", "/api/summarize"), ("PUT", "/api/summarize"), ("DELETE", "/"),
                         ("POST", "/health")]:
        assert raw_status(server, method, path) == 405, (method, path)
    for path in ["/static/../serve.py", "/static/%2e%2e/serve.py", "/static/..%2fserve.py", "/static/%2e%2e%2f%2e%2e"
                 "%2fetc%2fpasswd", "/static/../../../../etc/passwd", "/static/..\\serve.py", "/static//etc/passwd",
                 "/static/%252e%252e/serve.py", "/../seqae/apps/serve.py"]:
        assert raw_status(server, "GET", path) == 404, path


def test_a_star_allows_any_host_and_any_origin():
    async def answer(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def status(guard, host: bytes, origin: bytes) -> int:
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "headers": [(b"host", host), (b"origin", origin)]}
        asyncio.run(guard(scope, None, send))
        return sent[0]["status"]

    assert status(HostAndOrigin(answer, ["*"], ["*"]), b"evil.example", b"http://other.example") == 200
    assert status(HostAndOrigin(answer, ["*"], []), b"evil.example", b"http://other.example") == 403
    assert status(HostAndOrigin(answer, ["127.0.0.1"], ["*"]), b"evil.example", b"http://evil.example") == 400
    assert status(HostAndOrigin(answer, ["::1"], []), b"[::1]:8000", b"http://[::1]:8000") == 200
