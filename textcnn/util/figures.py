"""One figure helper for every figure the package draws (matplotlib, headless).

Figures are made with matplotlib's object API and drawn by the Agg canvas, without pyplot: importing
a module that draws leaves matplotlib's backend and pyplot's figures alone (a notebook keeps its own).
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def figure(**kwargs) -> Figure:
    """A figure on its own Agg canvas, outside pyplot (nothing to close: it goes when unreferenced).

    ``kwargs`` go to ``matplotlib.figure.Figure`` (``figsize``, ``dpi``, ...); save it with ``savefig``.
    """
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig
