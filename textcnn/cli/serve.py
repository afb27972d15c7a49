"""Load a run once and serve it (FastAPI on uvicorn): POST /predict {"texts": [...]} gives each text's label and every
class's probability; POST /explain gives the explanations of 'textcnn explain'; POST /slide gives one filter's step-
through; GET /health; GET / is a page to try it (works offline); GET /docs is the OpenAPI schema. Bad requests get a
4xx JSON error and the server stays up. Texts longer than the run's data.max_length tokens are cut as in training.
"""

from __future__ import annotations

from ..config import ServeLimits
from ..config.commands import ServeOptions

NAME = "serve"
HELP = "serve a run over HTTP: /predict, /explain, /health and a page that shows the TextCNN reading"
OPTIONS = (ServeOptions, ServeLimits)  # dataclasses: their fields are the flags
EXAMPLES = (  # shown under --help
    "textcnn serve runs/mine --port 8000   # then open http://127.0.0.1:8000/",
)


def run(options: ServeOptions, limits: ServeLimits) -> int:
    from ..serve.server import serve

    serve(
        options.run_dir,
        host=options.host,
        port=options.port,
        limits=limits,
        device=options.device,
        backend=options.backend,
    )
    return 0
