"""The service through its test client: every endpoint, every kind of bad request, concurrent requests."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import socket
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from textcnn.cli.main import main
from textcnn.config import ServeLimits
from textcnn.runs.loaded import Run
from textcnn.serve.app import MicroBatcher, create_app


@pytest.fixture(scope="module")
def run(tiny_run):
    return Run.load(tiny_run, device="cpu")


@pytest.fixture(scope="module")
def client(run):
    with TestClient(create_app(run, ServeLimits(max_texts=8, max_body_bytes=4000, max_explain_texts=2))) as client:
        yield client


def test_health_names_the_run_and_its_classes(client, tiny_run):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["run"] == tiny_run.name
    assert body["classes"] == ["neg", "pos"] and body["explanation"] == "exact"


def test_predict_matches_the_run_and_gives_every_probability(client, run):
    texts = ["a wonderful superb film", "awful boring and dull", "一部电影"]
    body = client.post("/predict", json={"texts": texts}).json()
    expected = run.predict_proba(texts)
    assert len(body["predictions"]) == 3
    for row, prediction in zip(expected, body["predictions"]):
        assert prediction["label"] == ["neg", "pos"][int(row.argmax())]
        assert prediction["probabilities"]["pos"] == pytest.approx(float(row[1]), abs=1e-5)
        assert sum(prediction["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)


def test_explain_is_the_exact_decomposition(client):
    body = client.post("/explain", json={"texts": ["a wonderful film but a dull ending"], "top": 3}).json()
    e = body["explanations"][0]
    assert e["exact"] is True and len(e["filters"]) <= 3
    for name in ("neg", "pos"):
        total = e["bias"][name] + sum(g["contributions"][name] for g in e["ngrams"])
        assert total == pytest.approx(e["logits"][name], abs=1e-4)


def test_slide_steps_over_every_token(client):
    body = client.post("/slide", json={"text": "a wonderful film", "filter": 0}).json()
    assert body["filter"] == 0 and len(body["steps"]) == len(body["tokens"]) == 3
    assert body["steps"][body["peak"]]["response"] == max(s["response"] for s in body["steps"])
    bad = client.post("/slide", json={"text": "a film", "filter": 10_000})
    assert bad.status_code == 422 and "filter must be between" in bad.json()["error"]


def test_page_and_its_assets_are_served_offline(client):
    page = client.get("/")
    assert page.status_code == 200 and '<script src="/static/app.js">' in page.text
    assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")  # nothing fetched from elsewhere
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert "/predict" in client.get("/openapi.json").json()["paths"]


BAD_REQUESTS = [
    ("malformed JSON", {"content": b'{"texts": ["a",', "headers": {"content-type": "application/json"}}, 400, "JSON"),
    (
        "not UTF-8",
        {"content": b'{"texts": ["\xff\xfe bad"]}', "headers": {"content-type": "application/json"}},
        400,
        "",
    ),
    ("texts is a string", {"json": {"texts": "one text"}}, 422, "texts"),
    ("a text is a number", {"json": {"texts": ["fine", 3]}}, 422, "texts.1"),
    ("no texts key", {"json": {"text": ["a"]}}, 422, "texts"),
    ("empty list", {"json": {"texts": []}}, 422, "empty"),
    ("too many texts", {"json": {"texts": ["a"] * 9}}, 413, "--max-texts"),
    ("oversized body", {"json": {"texts": ["a" * 5000]}}, 413, "--max-body-bytes"),
    ("JSON null", {"content": b"null", "headers": {"content-type": "application/json"}}, 422, ""),
]


@pytest.mark.parametrize("name, request_args, status, words", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_requests_get_a_clear_4xx_and_the_server_stays_up(client, name, request_args, status, words):
    response = client.post("/predict", **request_args)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert isinstance(error, str) and words in error and "\n" not in error
    assert client.post("/predict", json={"texts": ["still here"]}).status_code == 200


def test_chunked_oversized_body_is_cut_off(client):
    def chunks():
        yield b'{"texts": ["'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"]}'

    response = client.post("/predict", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_explain_has_its_own_smaller_limit(client):
    response = client.post("/explain", json={"texts": ["a", "b", "c"]})
    assert response.status_code == 413 and "--max-explain-texts" in response.json()["error"]
    assert client.post("/explain", json={"texts": ["a"], "top": 0}).status_code == 422
    assert client.get("/predict").status_code == 405
    assert client.get("/nowhere").status_code == 404


def test_concurrent_requests_each_get_their_own_answers(run):
    """Micro-batched requests: every client gets the predictions of its own texts, in order."""
    app = create_app(run)
    texts = [f"{'wonderful ' * (i % 3)}film {'awful ' * (i % 4)}" for i in range(40)]
    expected = run.predict_proba(texts)

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            responses = await asyncio.gather(*(c.post("/predict", json={"texts": [t, t]}) for t in texts))
        return [json.loads(r.content) for r in responses]

    results = asyncio.run(main())
    for row, body in zip(expected, results):
        assert [p["probabilities"]["pos"] for p in body["predictions"]] == [pytest.approx(float(row[1]), abs=1e-5)] * 2


POISON = b'{"texts": ["fine", "\\ud800 x"]}'  # JSON's lone-surrogate escape: valid JSON, not valid Unicode


@pytest.mark.parametrize(
    "path, body, where",
    [
        ("/predict", POISON, "texts.1: "),
        ("/explain", POISON, "texts.1: "),
        ("/slide", b'{"text": "a \\udfff"}', "text: "),
    ],
)
def test_a_text_that_is_not_unicode_is_a_422_naming_it(client, path, body, where):
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error.startswith(where) and "lone surrogate" in error and "\n" not in error


def test_a_poisoned_request_fails_alone_not_its_whole_batch(run):
    """Good and poisoned requests at once: every good one gets its own answer, every poisoned one a 422 JSON."""
    app = create_app(run)
    texts = [f"{'wonderful ' * (i % 3)}film {'awful ' * (i % 4)}" for i in range(30)]
    expected = run.predict_proba(texts)

    def request(c, i):
        if i % 3 == 0:
            return c.post("/predict", content=POISON, headers={"content-type": "application/json"})
        return c.post("/predict", json={"texts": [texts[i]]})

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await asyncio.gather(*(request(c, i) for i in range(len(texts))))

    for i, response in enumerate(asyncio.run(main())):
        body = json.loads(response.content)  # never a plain-text error page
        if i % 3 == 0:
            assert response.status_code == 422 and body["error"].startswith("texts.1: ")
        else:
            assert response.status_code == 200
            assert body["predictions"][0]["probabilities"]["pos"] == pytest.approx(float(expected[i][1]), abs=1e-5)


class PickyRun:
    """A stand-in run whose predict_proba fails for any batch holding "poison" (and records every call)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if "poison" in texts:
            raise RuntimeError("poison in the batch")
        return np.array([[len(t), 0.0] for t in texts])


def test_micro_batch_failure_is_charged_to_the_request_that_caused_it():
    fake = PickyRun()
    requests = [["a"], ["bb", "ccc"], ["poison"], ["dddd"]]

    async def main():
        batcher = MicroBatcher(fake, ThreadPoolExecutor(max_workers=1))
        submitted = [asyncio.create_task(batcher.submit(texts)) for texts in requests]
        await asyncio.sleep(0)  # all four are queued before the worker starts: one batch
        worker = asyncio.create_task(batcher.serve_forever())
        results = await asyncio.gather(*submitted, return_exceptions=True)
        worker.cancel()
        return results

    results = asyncio.run(main())
    assert fake.calls[0] == ["a", "bb", "ccc", "poison", "dddd"]  # they were batched, and the batch failed
    assert results[0][:, 0].tolist() == [1] and results[1][:, 0].tolist() == [2, 3] and results[3][:, 0].tolist() == [4]
    assert isinstance(results[2], RuntimeError) and "poison" in str(results[2])


def test_an_unexpected_error_is_a_500_json_with_its_traceback_logged(run, caplog):
    broken = copy.copy(run)

    def fail(texts, batch_size=None):
        raise RuntimeError("the GPU\nfell over")

    broken.predict_proba = fail
    with caplog.at_level(logging.ERROR, logger="textcnn.serve.middleware"), TestClient(create_app(broken)) as client:
        response = client.post("/predict", json={"texts": ["a film"]})
        assert client.get("/health").status_code == 200  # the server stays up
    assert response.status_code == 500 and response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "internal error: RuntimeError: the GPU fell over"}
    assert any(record.exc_info and "the GPU" in str(record.exc_info[1]) for record in caplog.records)


def test_non_finite_probabilities_are_a_500_not_a_null(tiny_run):
    diverged = Run.load(tiny_run, device="cpu")
    with torch.no_grad():
        for parameter in diverged.model.parameters():
            parameter.fill_(float("nan"))
    with TestClient(create_app(diverged)) as client:
        for path in ("/predict", "/explain"):
            response = client.post(path, json={"texts": ["a film"]})
            error = response.json()["error"]  # JSON: a NaN would have been a null
            assert response.status_code == 500 and "non-finite probabilities for text 0" in error, error
            assert "train.lr" in error and not error.startswith("internal error")


@pytest.mark.parametrize("port", ["70000", "0", "-1", "http"])
def test_serve_refuses_a_port_out_of_range(tiny_run, port, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["serve", str(tiny_run), "--port", port])
    assert exit_.value.code == 2 and "--port" in capsys.readouterr().err


def test_serve_on_a_taken_port_is_a_one_line_error_and_prints_no_serving_line(tiny_run, capsys):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code = main(["serve", str(tiny_run), "--port", str(port), "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 2 and "serving" not in out
    assert err.startswith(f"error: --port {port}: address already in use") and err.count("\n") == 1
