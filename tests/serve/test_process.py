"""``textcnn serve`` as a real uvicorn process on 127.0.0.1: what Python clients see of an oversized body.

The in-process test client hands the app the whole body at once; only a real socket shows a server that
answers while the client is still sending (the client then gets a reset instead of the 413).
"""

from __future__ import annotations

import json
import select
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import httpx
import pytest

BIG = b'{"texts": ["' + b"x" * 20_000_000 + b'"]}'  # ten times the default --max-body-bytes


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_run):
    """The base URL of a ``python -m textcnn serve`` process, read from its ``serving`` line."""
    command = [sys.executable, "-m", "textcnn", "serve", str(tiny_run), "--port", str(_free_port()), "--device", "cpu"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        if not line:
            process.kill()
            pytest.fail(f"the server printed no serving line: {process.communicate(timeout=10)[1][-2000:]}")
        yield json.loads(line)["url"].rstrip("/")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _chunks(body: bytes, size: int = 1 << 16):
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _post(url: str, body) -> tuple[int, dict]:
    """POST ``body`` (bytes, or an iterable of them: sent chunked) with urllib; the status and the JSON answer."""
    headers = {"content-type": "application/json"}
    if not isinstance(body, bytes):
        headers["transfer-encoding"] = "chunked"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_serving_line_comes_once_the_port_listens(server):
    with urllib.request.urlopen(f"{server}/health", timeout=30) as response:  # no retry: it must answer now
        assert json.loads(response.read())["status"] == "ok"


def test_urllib_sees_the_413_of_an_oversized_body(server):
    for _ in range(5):  # the reset it replaced came in 9 tries of 10
        for content in (BIG, _chunks(BIG)):
            status, body = _post(f"{server}/predict", content)
            assert status == 413 and "--max-body-bytes" in body["error"]
    assert _post(f"{server}/predict", b'{"texts": ["a film"]}')[0] == 200


def test_httpx_sees_the_413_with_and_without_a_content_length(server):
    with httpx.Client(timeout=30) as client:
        for content in (BIG, _chunks(BIG)):
            response = client.post(f"{server}/predict", content=content, headers={"content-type": "application/json"})
            assert response.status_code == 413 and "--max-body-bytes" in response.json()["error"]
            assert client.post(f"{server}/predict", json={"texts": ["a film"]}).status_code == 200  # same connection


def test_expect_100_continue_gets_the_413_before_sending_the_body(server):
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: 20000000\r\nExpect: 100-continue\r\n\r\n"
        )
        reply = b""
        while chunk := sock.recv(1 << 16):  # the server closes: the body it refused is never sent
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and b"100 Continue" not in head
    assert "--max-body-bytes" in json.loads(body)["error"]
