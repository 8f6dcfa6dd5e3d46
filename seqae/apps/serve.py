"""`seqae serve MODEL_DIR`: a trained model behind a small HTTP API and a page to try it in a browser.

- `POST /api/summarize` `{"text": ..., "words": N | "ratio": R | "sentences": N}` -> the summary, the kept word
  positions, the reward terms and the reconstructor's greedy reconstruction (seqae.apps.explain);
- `GET /health`; `GET /` the page (seqae/apps/static: no CDN, works offline).

Built to survive hostile use: bodies over `max_bytes` get 413 (counted as they arrive, so a chunked body
without Content-Length is cut too), bad input 400 with a one-line `{"error": ...}`, model work runs in a
bounded pool (`workers` at a time, `queue` more waiting, 503 at once beyond that) under a per-request time
limit (504). Each connection has deadlines: its request's headers must arrive within `header_timeout`
(else the server closes it; HeaderDeadline), its body within `body_timeout` (else 408), so idle or trickling
connections cannot hold the server. A request must name the server in its Host header (400 otherwise), and a
POST that carries an Origin must come from the server's own page or an origin given to `cors` (403; CORS
headers for those), with a JSON body (415 otherwise): another site's page cannot use the server through a
visitor's browser. One log line a request: method, path, status (499: the client left before sending its body),
milliseconds, body bytes; never a body.

fastapi, uvicorn and torch are imported inside the functions that use them: `seqae --help` imports this module to
register `serve`.
"""

import asyncio
import contextlib
import json
import logging
import math
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from seqae.data.errors import SeqaeError, UsageError
from seqae.core.packaged import packaged_model

# The imports inside functions are FastAPI and uvicorn (optional: seqae[serve]) and torch, transformers or omegaconf,
# which `seqae --help` (it imports this module to register `seqae serve`) must not pay for.

STATIC = Path(__file__).resolve().parent / "static"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
LENGTH_FIELDS = ("words", "ratio", "sentences")
MAX_SENTENCES = 100
log = logging.getLogger("seqae.serve")  # the command's name, not the module's: log configurations keep it


class RequestError(Exception):
    """A request the server refuses: its HTTP status and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def error_response(status: int, message: str, headers: dict | None = None):
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": " ".join(message.split())}, status_code=status, headers=headers)


def shown(value: str, limit: int = 80) -> str:
    """A client's value fit for a one-line message or a log line: printable ASCII, cut at `limit`."""
    return ascii(value[:limit])[1:-1]


async def read_body(request, max_bytes: int, timeout_s: float) -> bytes:
    """The request body, refused with 413 once it passes `max_bytes`: by its Content-Length before reading, and
    by counting as it arrives otherwise (a chunked body has no length to trust); 408 unless all of it has
    arrived within `timeout_s` (a body trickled a byte at a time would otherwise hold its connection)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
        raise RequestError(413, f"request body over {max_bytes} bytes")

    async def read() -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise RequestError(413, f"request body over {max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(read(), timeout_s)
    except (TimeoutError, asyncio.TimeoutError):
        raise RequestError(408, f"request body not received within {timeout_s:g} s") from None


MAX_NUMBER_CHARS = 32  # far more than any length needs; int() of a long one is slow, past 4,300 digits an error


def bounded_number(kind):
    """json.loads' parse_int / parse_float: refuses a number longer than MAX_NUMBER_CHARS with a 400 (json
    itself would hand Python's int() 5,000 digits, a ValueError rather than a JSONDecodeError)."""

    def parse(literal: str):
        if len(literal) > MAX_NUMBER_CHARS:
            raise RequestError(400, f"a number {len(literal)} characters long (at most {MAX_NUMBER_CHARS})")
        return kind(literal)

    return parse


def refuse_constant(name: str):
    """json.loads' parse_constant: NaN and Infinity are Python's extension, not JSON."""
    raise RequestError(400, f"malformed JSON: {name} is not a JSON number")


def parse_request(body: bytes, max_words: int) -> dict:
    """`{"text": str, "words": int | "ratio": float | "sentences": int}` checked field by field; returns the
    keyword arguments of Explainer.explain. Every problem is a 400 with a one-line message."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(400, f"request body is not UTF-8 (byte {error.start})") from None
    try:
        request = json.loads(text, parse_int=bounded_number(int), parse_float=bounded_number(float),
                             parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise RequestError(400, f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise RequestError(400, "malformed JSON: nested too deeply") from None
    if not isinstance(request, dict):
        raise RequestError(400, 'the body must be a JSON object: {"text": ..., "words": N}')
    unknown = sorted(set(request) - {"text", *LENGTH_FIELDS})
    if unknown:
        raise RequestError(400, f"unknown field(s): {', '.join(shown(name, 40) for name in unknown[:5])}")
    document = request.get("text")
    if not isinstance(document, str):
        raise RequestError(400, '"text" must be a string')
    try:
        # JSON's \ud800 escapes decode to lone surrogates, which no encoding (nor the tokenizer) accepts.
        document.encode("utf-8")
    except UnicodeEncodeError as error:
        raise RequestError(400, f'"text" holds a lone surrogate ({shown(document[error.start])}) at character '
                                f"{error.start}: not Unicode text") from None
    if not document.strip():
        raise RequestError(400, '"text" is empty: nothing to summarize')
    given = [name for name in LENGTH_FIELDS if request.get(name) is not None]
    if len(given) > 1:
        raise RequestError(400, f"give at most one of words, ratio, sentences (got {', '.join(given)})")
    options = {"text": document}
    for name in given:
        value = request[name]
        if name == "ratio":
            # bool is an int in Python: true/false are not lengths.
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise RequestError(400, '"ratio" must be a number in (0, 1]')
            options[name] = float(value)
        else:
            limit = max_words if name == "words" else MAX_SENTENCES
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
                raise RequestError(400, f'"{name}" must be an integer from 1 to {limit}')
            options[name] = value
    return options


class WorkerPool:
    """Model work in `workers` threads, `queue` more requests waiting; beyond that `submit` refuses at once,
    so a burst queues in bounded memory instead of piling up. A request's time limit covers its wait.

    Threads, not processes: the model loads once and /health, answered on the event loop, never waits for the
    pool. A thread cannot be stopped, so past its deadline a request gets its 504 while its work runs on; that
    work is bounded by the input (`max_bytes`); torch lets go of the interpreter lock in its kernels, Python
    code at every switch interval (5 ms), so /health answers meanwhile (about 0.1 s worst on a 64 KB document,
    2 cores). What one C call holds the lock for, it holds: a backtracking regular expression froze everything
    for 15 s, hence the linear patterns of seqae.data.normalize. Killable worker processes would cost a model
    copy and a start-up each."""

    def __init__(self, workers: int, queue: int, threads: int):
        import torch

        # torch's intra-op threads are per calling thread: set them in every worker.
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="seqae-serve",
                                           initializer=torch.set_num_threads, initargs=(threads,))
        self.capacity = workers + queue
        self.lock = threading.Lock()
        self.in_use = 0  # running + waiting

    def _claim(self) -> bool:
        with self.lock:
            if self.in_use >= self.capacity:
                return False
            self.in_use += 1
            return True

    def _release(self, _future=None) -> None:
        with self.lock:
            self.in_use -= 1

    async def run(self, function, timeout_s: float):
        """`function()` in the pool; RequestError 503 when the queue is full, 504 past `timeout_s`."""
        if not self._claim():
            raise RequestError(503, "busy: too many requests waiting; try again shortly")
        deadline = time.monotonic() + timeout_s

        def job():
            if time.monotonic() > deadline:  # waited out its time in the queue: skip the work
                raise TimeoutError
            return function()

        try:
            future = self.executor.submit(job)
        except RuntimeError:  # shutting down
            self._release()
            raise RequestError(503, "the server is shutting down") from None
        # The slot frees when the work really ends: a timed-out request keeps it while its thread still runs, and
        # one still waiting frees it at its deadline (wait_for cancels the wrapped future, which cancels `future`).
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout_s)
        except (TimeoutError, asyncio.TimeoutError):
            raise RequestError(504, f"timed out after {timeout_s:g} s") from None

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def header_deadline_protocol(header_timeout: float):
    """uvicorn's HTTP protocol (h11, or httptools where installed) with a deadline on request headers: a
    connection closes unless a request's headers are complete within `header_timeout` of its opening or of its
    previous response. uvicorn has no such deadline (its keep-alive timer stops at the first byte received), so
    half-sent requests would stay open for as long as their client likes; a request whose headers arrived is
    not affected, however long its body or its model work takes (the body has its own deadline, read_body)."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class HeaderDeadline(AutoHTTPProtocol):
        timer = None

        def connection_made(self, transport):
            super().connection_made(transport)
            self.await_headers()

        def on_response_complete(self):
            # Armed first: the parent may go on at once to a pipelined request, which replaces `cycle`.
            self.await_headers()
            super().on_response_complete()

        def connection_lost(self, exc):
            self.timer.cancel()
            super().connection_lost(exc)

        def await_headers(self):
            # uvicorn makes a new `cycle` for each request once its headers are complete: if the cycle is
            # still the one seen now when the time is up, no request's headers arrived.
            if self.timer is not None:
                self.timer.cancel()
            waiting = self.cycle

            def expire():
                if self.cycle is waiting:
                    self.transport.close()

            self.timer = self.loop.call_later(header_timeout, expire)

    return HeaderDeadline


def server_options(header_timeout: float = 5.0) -> dict:
    """uvicorn's settings for `seqae serve` (uvicorn.run or uvicorn.Config keyword arguments; the tests' live
    server uses them too)."""
    # access_log off: RequestLog writes the one line a request. No limit_concurrency: uvicorn counts open
    # connections against it, so idle ones would make every request 503, /health too; HeaderDeadline closes
    # those instead, and the pool bounds the model work.
    return {"http": header_deadline_protocol(header_timeout), "access_log": False, "log_level": "warning",
            "server_header": False, "timeout_keep_alive": 5}


# Everything the page needs comes from this server: no other origin, no inline script.
SECURITY_HEADERS = [(b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
                    (b"x-content-type-options", b"nosniff")]


def host_name(host: str) -> str | None:
    """The name in a Host header or an origin's authority ("[::1]:8000" -> "::1"), lower case; None where it is
    not one (userinfo, a path, a broken IPv6 literal)."""
    if not host or any(character in host for character in "@/?#\\ "):
        return None
    try:
        return urlsplit("//" + host).hostname
    except ValueError:
        return None


class HostAndOrigin:
    """ASGI middleware: the Host header must name this server (`hosts`; "*" for any), else 400, so that a page
    on a name the attacker controls, resolved to this machine (DNS rebinding), is refused; a request other than
    GET and HEAD that carries an Origin must come from the server's own page (the origin naming the same host
    and port) or from one of `cors_origins` ("*" for any), else 403: any web page can make its visitors'
    browsers post here."""

    def __init__(self, app, hosts, cors_origins):
        self.app = app
        self.hosts = {host.lower().strip("[]") for host in hosts}
        self.origins = {origin.lower().rstrip("/") for origin in cors_origins}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {name: value.decode("latin-1") for name, value in scope["headers"] if name in (b"host", b"origin")}
        host, origin = headers.get(b"host", ""), headers.get(b"origin")
        if "*" not in self.hosts and host_name(host) not in self.hosts:
            message = (f'Host "{shown(host)}" is not a name of this server; start it with --allow-host NAME '
                       "to answer to another name")
            return await error_response(400, message)(scope, receive, send)
        if origin is not None and scope["method"] not in ("GET", "HEAD") and not self.allowed(origin, host):
            message = (f'cross-origin request from "{shown(origin)}" refused; start the server with --cors ORIGIN '
                       "to allow one")
            return await error_response(403, message)(scope, receive, send)
        await self.app(scope, receive, send)

    def allowed(self, origin: str, host: str) -> bool:
        scheme, _, authority = origin.lower().rstrip("/").partition("://")
        return (scheme in ("http", "https") and authority == host.lower()) or bool(
            {"*", origin.lower().rstrip("/")} & self.origins)


class RequestLog:
    """ASGI middleware: one log line a request (method, path, status, ms, body bytes), never a body; it also
    adds SECURITY_HEADERS to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, received, status = time.perf_counter(), 0, 500

        async def counting_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return message

        async def status_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        try:
            await self.app(scope, counting_receive, status_send)
        finally:
            # ascii(): a percent-encoded newline in the path cannot forge a log line.
            path = ascii(scope.get("path", ""))[1:-1][:200]
            log.info("%s %s %d %.0f ms %d B", scope.get("method", "-"), path, status,
                     1000 * (time.perf_counter() - started), received)


def create_app(model_dir, *, max_bytes: int = 65536, timeout_s: float = 30.0, body_timeout_s: float = 10.0,
               workers: int = 1, queue: int = 32, threads: int = 1, hosts=LOOPBACK_NAMES, cors=(), explainer=None):
    """The FastAPI app around a model loaded once (`explainer`: one already loaded, seqae.apps.explain.Explainer).
    `hosts`: the names the server answers to (HostAndOrigin); `cors`: the other origins whose pages may use
    the API. `app.state` holds the explainer, the pool and the limits."""
    from fastapi import FastAPI, Request
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.responses import FileResponse, JSONResponse
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.requests import ClientDisconnect

    if explainer is None:
        from seqae.apps.explain import Explainer

        explainer = Explainer(model_dir)
    pool = WorkerPool(workers, queue, threads)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        pool.shutdown()

    app = FastAPI(title="seqae", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.explainer, app.state.pool = explainer, pool
    app.state.max_bytes, app.state.timeout_s, app.state.body_timeout_s = max_bytes, timeout_s, body_timeout_s
    summarizer = explainer.summarizer
    # Asking for the splitter loads it, and nltk with it, now: before any worker thread runs (nltk's import hides
    # a few optional packages for its duration, seqae.data.normalize.import_nltk).
    info = {"model": f"{summarizer.directory.parent.name}/{summarizer.directory.name}", "generator": summarizer.config.model.generator,
            "words": summarizer.config.decode.words, "max_document_words": summarizer.config.data.max_document_words,
            "sentences": summarizer.splitter is not None, "max_bytes": max_bytes}

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request, error):  # 404, 405: the same one-line JSON as every other error
        return error_response(error.status_code, str(error.detail), getattr(error, "headers", None))

    @app.get("/health")
    async def health():
        return {"status": "ok", **info, "busy": app.state.pool.in_use}

    @app.get("/")
    async def page():
        return FileResponse(STATIC / "index.html")

    @app.post("/api/summarize")
    async def summarize(request: Request):
        try:
            # Only JSON: a form or text/plain post is what a page on another site can send without asking.
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type != "application/json":
                raise RequestError(415, "send the request as JSON, with Content-Type: application/json (got "
                                        f'{shown(media_type) or "no Content-Type"})')
            body = await read_body(request, app.state.max_bytes, app.state.body_timeout_s)
            options = parse_request(body, info["max_document_words"])
            text = options.pop("text")
            result = await app.state.pool.run(lambda: app.state.explainer.explain(text, **options),
                                              app.state.timeout_s)
            return JSONResponse(result)
        except RequestError as error:
            # 408: the rest of the body may still be on its way; closing is the only way to stop reading it.
            headers = {503: {"Retry-After": "1"}, 408: {"Connection": "close"}}.get(error.status)
            return error_response(error.status, error.message, headers)
        except ClientDisconnect:
            # The client left before its body was sent: nobody to answer. 499 (nginx's "client closed request")
            # is for the log line only.
            return error_response(499, "client disconnected")
        except SeqaeError as error:  # what the model cannot do for this input (no sentence splitter, ...)
            return error_response(400, str(error))
        except Exception as error:  # noqa: BLE001 - one bad request must not take the server down
            # Where it failed, not its message: a message may quote the request's text.
            frame = traceback.extract_tb(error.__traceback__)[-1]
            log.error("summarize failed: %s at %s:%d", type(error).__name__, Path(frame.filename).name, frame.lineno)
            return error_response(500, "internal error while summarizing")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The last added is the outermost: RequestLog sees every status, HostAndOrigin refuses before CORS answers
    # a preflight.
    if cors:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"])
    app.add_middleware(HostAndOrigin, hosts=hosts, cors_origins=cors)
    app.add_middleware(RequestLog)
    return app


def register(subparsers) -> None:
    serve = subparsers.add_parser("serve", help="serve a model over HTTP: an API and a page to try it in a browser")
    serve.add_argument("model", nargs="?",
                       help="a run directory or a model directory (default: the Gigaword headline model that ships "
                            "with seqae, docs/MODEL_CARD.md)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--allow-host", action="append", metavar="NAME",
                       help="another name the server answers to in the Host header, besides 127.0.0.1, localhost "
                            "and --host (repeatable; * for any); requests naming others get 400")
    serve.add_argument("--cors", action="append", metavar="ORIGIN",
                       help="an origin (scheme://host[:port]) whose pages may call the API (repeatable; * for any); "
                            "without it, posts from other sites' pages get 403")
    serve.add_argument("--max-bytes", type=int, default=65536, help="largest request body accepted (else 413)")
    serve.add_argument("--timeout", type=float, default=30.0, help="seconds a request may take, waiting included "
                                                                   "(else 504)")
    serve.add_argument("--header-timeout", type=float, default=5.0,
                       help="seconds a connection may take to send a request's headers, from its opening or its "
                            "previous response (else the server closes it)")
    serve.add_argument("--body-timeout", type=float, default=10.0,
                       help="seconds a request may take to send its body (else 408)")
    serve.add_argument("--workers", type=int, default=1, help="requests summarized at the same time")
    serve.add_argument("--queue", type=int, default=32, help="requests waiting beyond those (else 503 at once)")
    serve.add_argument("--threads", type=int, default=1,
                       help="torch threads per worker (the models are small: more threads mostly contend)")
    serve.set_defaults(func=run_serve)


def run_serve(args) -> int:
    from seqae.core.checkpoint import check_bundle, resolve_model_dir

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535, got {args.port}")
    for name in ("max_bytes", "workers", "threads"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.queue < 0:
        raise UsageError(f"--queue must be at least 0, got {args.queue}")
    for name in ("timeout", "header_timeout", "body_timeout"):
        value = getattr(args, name)
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number of seconds, got {value}")
    # One form for both checks: browsers send origins lowercase and without a trailing slash, and Starlette's
    # CORSMiddleware matches them exactly.
    args.cors = [origin.lower().rstrip("/") for origin in args.cors or ()]
    for origin in args.cors:
        scheme, _, authority = origin.partition("://")
        if origin != "*" and not (scheme in ("http", "https") and host_name(authority)):
            raise UsageError(f"--cors takes an origin such as https://example.org:8443 or *, got {origin!r}")
    if args.model is None:
        args.model = packaged_model()
    check_bundle(resolve_model_dir(args.model))  # a wrong model path fails in one line, before any import
    try:
        import uvicorn
    except ImportError:
        raise UsageError("seqae serve needs FastAPI and uvicorn: pip install 'seqae[serve]'") from None
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    app = create_app(args.model, max_bytes=args.max_bytes, timeout_s=args.timeout, body_timeout_s=args.body_timeout,
                     workers=args.workers, queue=args.queue, threads=args.threads,
                     hosts=[*LOOPBACK_NAMES, args.host, *(args.allow_host or ())], cors=args.cors)
    import torch

    torch.set_num_threads(args.threads)
    print(f"seqae: serving {resolve_model_dir(args.model)} on http://{args.host}:{args.port}/", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, **server_options(args.header_timeout))
    return 0
