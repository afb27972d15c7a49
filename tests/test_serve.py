"""The service through its test client: every endpoint, every kind of bad request, concurrent requests."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi.testclient import TestClient

from textcnn.config import ServeLimits
from textcnn.inference import Run
from textcnn.serve import create_app


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
