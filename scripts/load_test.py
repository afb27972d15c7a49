"""Drive `textcnn serve` from a second process: throughput, latency, errors, memory, then a barrage of bad requests.

    python scripts/load_test.py RUN_DIR --data ../shared/data/imdb --clients 8 --requests 800

Starts the server on a free port of 127.0.0.1 (or uses --url), sends --requests POST /predict requests of
--texts-per-request reviews each from --clients concurrent clients (one keep-alive connection each),
and reports requests and reviews per second, p50 / p99 latency, errors (must be 0) and the server's RSS
before and after. Then every kind of bad request, --bad-repeats times each and concurrently, after
which the server must still answer /health and a good /predict. Writes --out (JSON) if given.
A load script, not a test: its figures depend on the machine, and the clients share its cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

JSON = {"Content-Type": "application/json"}
BAD_REQUESTS = {  # name: (method, path, body, headers) -- each must get a 4xx JSON error
    "malformed JSON": ("POST", "/predict", b'{"texts": ["a",', JSON),
    "not UTF-8": ("POST", "/predict", b'{"texts": ["\xff\xfe"]}', JSON),
    "texts not a list": ("POST", "/predict", b'{"texts": "one"}', JSON),
    "a text not a string": ("POST", "/predict", b'{"texts": [1, 2]}', JSON),
    "empty list": ("POST", "/predict", b'{"texts": []}', JSON),
    "no body": ("POST", "/predict", b"", JSON),
    "too many texts": ("POST", "/predict", json.dumps({"texts": ["a"] * 100_000}).encode(), JSON),
    "oversized body": ("POST", "/predict", json.dumps({"texts": ["x" * 3_000_000]}).encode(), JSON),
    "explain: too many": ("POST", "/explain", json.dumps({"texts": ["a"] * 1000}).encode(), JSON),
    "slide: bad filter": ("POST", "/slide", b'{"text": "a film", "filter": -5}', JSON),
    "wrong method": ("GET", "/predict", None, {}),
    "unknown path": ("POST", "/nowhere", b"{}", JSON),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, from /proc (Linux)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None, headers: dict) -> tuple:
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def load_texts(data: str | None, n: int) -> list[str]:
    if data is None:
        words = "the film was a wonderful moving story but the ending felt dull and far too long".split()
        rng = np.random.default_rng(0)
        return [" ".join(rng.choice(words, size=int(rng.integers(20, 300)))) for _ in range(n)]
    from textcnn.config import DataConfig
    from textcnn.text.reading import load_raw

    raw = load_raw(DataConfig(path=data))
    texts = raw["test" if "test" in raw else next(iter(raw))][DataConfig.text_column]
    rng = np.random.default_rng(0)
    return [texts[i] for i in rng.choice(len(texts), size=min(n, len(texts)), replace=False)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", nargs="?", help="run folder to serve (else --url)")
    parser.add_argument("--url", help="an already running server, e.g. http://127.0.0.1:8000 (no RSS then)")
    parser.add_argument("--data", help="dataset whose test split supplies the reviews (default: synthetic text)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default: 8)")
    parser.add_argument("--requests", type=int, default=800, help="total /predict requests (default: 800)")
    parser.add_argument("--texts-per-request", type=int, default=1, help="reviews per request (default: 1)")
    parser.add_argument("--bad-repeats", type=int, default=20, help="times each bad request is sent (default: 20)")
    parser.add_argument("--out", help="write the results here as JSON")
    args = parser.parse_args()
    if not args.run_dir and not args.url:
        parser.error("give RUN_DIR (the script starts the server) or --url")

    server = None
    if args.url:
        host, port = args.url.removeprefix("http://").rstrip("/").split(":")
    else:
        host, port = "127.0.0.1", str(free_port())
        server = subprocess.Popen(
            [sys.executable, "-m", "textcnn", "serve", args.run_dir, "--port", port],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    port = int(port)
    deadline = time.monotonic() + 120
    while True:
        try:
            request(http.client.HTTPConnection(host, port, timeout=2), "GET", "/health", None, {})
            break
        except OSError:
            if (server and server.poll() is not None) or time.monotonic() > deadline:
                sys.exit(f"the server did not start: {server.stderr.read().decode() if server else ''}")
            time.sleep(0.3)

    texts = load_texts(args.data, max(args.requests * args.texts_per_request, 1000))
    k = args.texts_per_request
    bodies = [
        json.dumps({"texts": [texts[(i * k + j) % len(texts)] for j in range(k)]}).encode()
        for i in range(args.requests)
    ]
    warm = http.client.HTTPConnection(host, port, timeout=60)
    for body in bodies[:10]:  # first requests build oneDNN kernels; not part of the measurement
        request(warm, "POST", "/predict", body, {"Content-Type": "application/json"})
    before = rss_mib(server.pid) if server else None

    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    next_index = iter(range(args.requests))

    def client() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            start = time.perf_counter()
            try:
                status, _ = request(conn, "POST", "/predict", bodies[i], {"Content-Type": "application/json"})
            except OSError:
                status, conn = 0, http.client.HTTPConnection(host, port, timeout=120)
            with lock:
                latencies.append(time.perf_counter() - start)
                statuses.append(status)

    start = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        for _ in range(args.clients):
            pool.submit(client)
    elapsed = time.perf_counter() - start
    after = rss_mib(server.pid) if server else None

    bad_results: dict[str, list[int]] = {}

    def send_bad(name: str) -> None:
        method, path, body, headers = BAD_REQUESTS[name]
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            status, content = request(conn, method, path, body, headers)
            json.loads(content)["error"]  # noqa: B018 - a JSON error, or this raises
        except (OSError, ValueError, KeyError, http.client.HTTPException):
            status = 0  # a dropped connection or a non-JSON answer both count as failures
        with lock:
            bad_results.setdefault(name, []).append(status)

    with ThreadPoolExecutor(args.clients) as pool:
        for name in BAD_REQUESTS:
            for _ in range(args.bad_repeats):
                pool.submit(send_bad, name)
    check = http.client.HTTPConnection(host, port, timeout=60)
    health, _ = request(check, "GET", "/health", None, {})
    good, _ = request(check, "POST", "/predict", bodies[0], {"Content-Type": "application/json"})
    final = rss_mib(server.pid) if server else None
    if server:
        server.terminate()
        server.wait(timeout=30)

    lat = np.array(latencies) * 1000
    errors = sum(s != 200 for s in statuses)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    result = {
        "machine": f"{cpu}, {len(os.sched_getaffinity(0))} cores",
        "clients": args.clients,
        "requests": args.requests,
        "texts_per_request": args.texts_per_request,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(args.requests / elapsed, 1),
        "reviews_per_second": round(args.requests * args.texts_per_request / elapsed, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 1),
        "p99_ms": round(float(np.percentile(lat, 99)), 1),
        "errors": errors,
        "rss_mib_before": None if before is None else round(before[0]),
        "rss_mib_after": None if after is None else round(after[0]),
        "rss_mib_after_bad_requests": None if final is None else round(final[0]),
        "rss_mib_peak": None if final is None else round(final[1]),
        "bad_requests": {name: sorted(set(codes)) for name, codes in bad_results.items()},
        "bad_requests_all_4xx": all(400 <= c < 500 for codes in bad_results.values() for c in codes),
        "alive_after_bad_requests": health == 200 and good == 200,
    }
    print(json.dumps(result, indent=2))
    print(
        f"\n| clients | reviews/request | requests/s | reviews/s | p50 ms | p99 ms | errors | server RSS MiB "
        f"(before, after, after bad requests) |\n|---|---|---|---|---|---|---|---|\n"
        f"| {args.clients} | {args.texts_per_request} | {result['requests_per_second']} | "
        f"{result['reviews_per_second']} | {result['p50_ms']} | {result['p99_ms']} | {errors} | "
        f"{result['rss_mib_before']}, {result['rss_mib_after']}, {result['rss_mib_after_bad_requests']} |"
    )
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    ok = errors == 0 and result["bad_requests_all_4xx"] and result["alive_after_bad_requests"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
