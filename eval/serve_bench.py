"""`seqae bench serve MODEL`: a load run of `seqae serve` on loopback, bounded in count and time.

The server runs in its own process on a free port (its memory is its own); once /health answers, `--requests`
requests go to /api/summarize, `--concurrency` at a time, each a Gigaword dev article (valid.article.txt, never
test) at the model's default length. Printed and written to the "serve" section of docs/RESULTS.md: errors,
p50 and p95 latency, requests/s, and the server's resident memory (VmRSS) when loaded, after 100 requests and
at the end, to show it flat. `--screenshot PATH` also photographs the page in headless chromium on one article.
"""

import asyncio
import base64
import contextlib
import itertools
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seqae.data.errors import DataError, UsageError
from seqae.eval.pages import write_section

# On a closed network chromium waits on its background services unless they are all switched off.
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` (VmRSS of /proc/PID/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise DataError(f"/proc/{pid}/status", "no VmRSS line")


@contextlib.contextmanager
def server_process(model: str, options: list[str], startup_s: float = 180):
    """`seqae serve MODEL` in a child process on a free loopback port; yields (url, process) once /health
    answers, and stops it afterwards. Its log goes to a temporary file, shown when it fails to start."""
    import httpx  # seqae[dev], only for this bench

    url = f"http://127.0.0.1:{free_port()}"
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen([sys.executable, "-m", "seqae", "serve", model, "--port", url.rsplit(":", 1)[1],
                                    *options], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + startup_s
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise UsageError(f"seqae serve exited ({process.returncode}): "
                                     f"{(log.read().strip().splitlines() or [''])[-1]}")
                if time.monotonic() > deadline:
                    raise UsageError(f"seqae serve did not answer /health within {startup_s:g} s")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                time.sleep(0.2)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def send_all(url: str, documents: list[str], concurrency: int, on_done) -> tuple[list[float], list[str]]:
    """POST every document, `concurrency` at a time; returns the latencies (s) of the answered requests and one
    line per failure (a status other than 200, or no answer). `on_done(count)` runs after each request."""
    import httpx  # seqae[dev], only for this bench

    latencies, failures, done = [], [], 0
    queue = iter(documents)

    async def worker(client):
        nonlocal done
        for document in queue:
            started = time.perf_counter()
            try:
                response = await client.post(f"{url}/api/summarize", json={"text": document})
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    failures.append(f"{response.status_code}: {response.text[:200]}")
            except httpx.HTTPError as error:
                failures.append(f"{type(error).__name__}: {error}")
            done += 1
            on_done(done)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return latencies, failures


def load_run(url: str, pid: int, documents: list[str], concurrency: int, timeout_s: float) -> dict:
    memory = {"loaded": rss_mb(pid)}

    def on_done(count):
        if count == 100:
            memory["after_100"] = rss_mb(pid)

    started = time.perf_counter()
    try:
        latencies, failures = asyncio.run(asyncio.wait_for(send_all(url, documents, concurrency, on_done), timeout_s))
    except (TimeoutError, asyncio.TimeoutError):
        raise UsageError(f"the load run passed --timeout ({timeout_s:g} s)") from None
    seconds = time.perf_counter() - started
    memory["end"] = rss_mb(pid)
    return {"requests": len(documents), "concurrency": concurrency, "errors": len(failures),
            "first_errors": failures[:5], "seconds": round(seconds, 1),
            "requests_per_s": round(len(documents) / seconds, 2),
            "latency_ms": {"p50": round(1000 * percentile(latencies, 0.5)) if latencies else None,
                           "p95": round(1000 * percentile(latencies, 0.95)) if latencies else None},
            "server_rss_mb": memory}


def headless_chromium(profile: str, width: int = 1000, height: int = 900):
    """Debian's chromium, headless, with a fresh profile, driven through chromedriver (selenium)."""
    # seqae[dev], only for the screenshots
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        raise UsageError("a screenshot needs chromium and chromedriver: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(30)
    return driver


def screenshot(url: str, document: str, path: Path, width: int = 1000) -> None:
    """The page after summarizing `document`, the whole page tall."""
    # seqae[dev], only for the screenshots
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory(prefix="seqae-chromium-") as profile:
        driver = headless_chromium(profile, width)
        try:
            driver.get(url + "/")
            wait = WebDriverWait(driver, 60)
            wait.until(lambda d: d.find_element(By.ID, "model").text.startswith("Model:"))
            driver.find_element(By.ID, "text").send_keys(document)
            driver.find_element(By.ID, "summarize").click()
            wait.until(expected_conditions.visibility_of_element_located((By.ID, "result")))
            # The whole page, below the window's fold too (DevTools' capture beyond the viewport).
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(shot["data"]))
        finally:
            driver.quit()


def render_markdown(results: dict) -> str:
    latency, memory = results["latency_ms"], results["server_rss_mb"]
    return "\n".join([
        "## Serving (`seqae serve`)", "",
        f"Written by `seqae bench serve` on {results['machine']}: `seqae serve {results['model']} "
        f"{' '.join(results['server_options'])}` in its own process on loopback, {results['requests']} requests "
        f"to /api/summarize, {results['concurrency']} at a time, each a Gigaword dev article "
        "(valid.article.txt) at the model's default length; each answer holds the summary, the kept positions, "
        "the reward terms and the reconstructor's greedy reconstruction. Latency is measured by the client, "
        "waiting in the server's queue included.", "",
        "| requests | concurrent | errors | p50 latency | p95 latency | requests/s | server RSS: loaded / after 100 / end |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| {results['requests']} | {results['concurrency']} | {results['errors']} | {latency['p50']} ms | "
        f"{latency['p95']} ms | {results['requests_per_s']} | {memory['loaded']} / {memory.get('after_100', '-')} / "
        f"{memory['end']} MB |"])


def run_serve_bench(args) -> int:
    if args.requests < 1 or args.concurrency < 1:
        raise UsageError("--requests and --concurrency must be at least 1")
    if args.screenshot and not 0 <= args.screenshot_article < args.requests:
        raise UsageError(f"--screenshot-article must be from 0 to {args.requests - 1}")
    articles = Path(args.data) / "gigaword" / "valid.article.txt"
    if not articles.is_file():
        raise DataError(articles, "does not exist (the Gigaword dev articles; see --data)")
    with open(articles, encoding="utf-8") as handle:
        documents = [line.strip() for line in itertools.islice(handle, args.requests * 2) if line.strip()]
    if len(documents) < args.requests:
        raise DataError(articles, f"only {len(documents)} non-blank lines, fewer than --requests")
    documents = documents[:args.requests]
    options = ["--workers", str(args.workers), "--queue", str(args.queue), "--threads", str(args.threads)]
    with server_process(args.model, options) as (url, process):
        results = load_run(url, process.pid, documents, args.concurrency, args.timeout)
        if args.screenshot:
            screenshot(url, documents[args.screenshot_article], Path(args.screenshot))
            print(f"bench: wrote {args.screenshot}", file=sys.stderr)
    results.update(model=args.model, server_options=options,
                   machine=f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPU cores")
    latency, memory = results["latency_ms"], results["server_rss_mb"]
    print(f"serve bench: {results['requests']} requests, {results['concurrency']} concurrent, "
          f"{results['errors']} errors, {results['seconds']} s")
    print(f"latency p50 {latency['p50']} ms, p95 {latency['p95']} ms; {results['requests_per_s']} requests/s")
    print(f"server RSS: {memory['loaded']} MB loaded, {memory.get('after_100', '-')} MB after 100 requests, "
          f"{memory['end']} MB at the end")
    for failure in results["first_errors"]:
        print(f"  error: {failure}", file=sys.stderr)
    write_section(Path(args.docs), "serve", render_markdown(results), results)
    return 1 if results["errors"] else 0


def register(names) -> None:
    bench = names.add_parser("serve", help="a load run of `seqae serve` on loopback (latency, requests/s, memory)")
    bench.add_argument("model", help="a trained model directory")
    bench.add_argument("--requests", type=int, default=500, help="requests sent in all")
    bench.add_argument("--concurrency", type=int, default=16, help="requests in flight at a time")
    bench.add_argument("--timeout", type=float, default=900, help="seconds the whole load run may take")
    bench.add_argument("--workers", type=int, default=1, help="the server's --workers")
    bench.add_argument("--queue", type=int, default=32, help="the server's --queue")
    bench.add_argument("--threads", type=int, default=1, help="the server's --threads")
    bench.add_argument("--data", default="../shared/data", help="the data folder (see its README)")
    bench.add_argument("--docs", default="docs", help="where RESULTS.md and results.json go")
    bench.add_argument("--screenshot", help="also save the page after summarizing one article here (PNG)")
    bench.add_argument("--screenshot-article", type=int, default=2, help="which dev article (0-based line)")
    bench.set_defaults(func=run_serve_bench)
