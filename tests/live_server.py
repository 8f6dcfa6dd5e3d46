"""The real seqae server (uvicorn with `seqae serve`'s settings + the FastAPI app) on a free loopback port, in a
background thread."""

import threading
import time


class LiveServer:
    """`with LiveServer(app) as server:` then talk to `server.url`; stopped through uvicorn's should_exit."""

    def __init__(self, app, header_timeout: float = 5.0):
        import uvicorn

        from seqae.apps.serve import server_options

        # Port 0: the kernel picks a free port, read back from the listening socket once started.
        config = uvicorn.Config(app, host="127.0.0.1", port=0, **server_options(header_timeout))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *_):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def wait_for(condition, seconds: float = 10) -> None:
    """Poll `condition` until it holds; fail the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)
