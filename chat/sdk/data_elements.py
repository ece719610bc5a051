"""`cl.Plotly`, `cl.Dataframe` and `cl.Pyplot`: elements made from a plotly figure, a data
frame or a matplotlib figure.

Neither library is needed to import the SDK: each class only touches the object it is
given, so an app without pandas, plotly or matplotlib never loads them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from chat.engine import elements as engine
from chat.sdk.elements import Element, ElementSize, ElementType, Image


@dataclass(kw_only=True)
class Plotly(Element):
    """An interactive chart from a `plotly.graph_objects.Figure` (zoom, hover, pan)."""

    type: ClassVar[ElementType] = "plotly"
    size: ElementSize = "medium"
    figure: Any = None

    def _computed(self) -> bool:
        return True

    def __post_init__(self) -> None:
        if self.figure is None and self.content is None:
            raise TypeError("figure must be a plotly.graph_objects.Figure")
        if self.figure is not None:
            self.content = _figure_json(self.figure)
        self.mime = "application/json"
        super().__post_init__()


def _figure_json(figure: Any) -> str:
    if isinstance(figure, dict):
        return json.dumps(figure)
    if not hasattr(figure, "to_json"):
        raise TypeError("figure must be a plotly.graph_objects.Figure")
    # The chart fills its frame, whatever size the figure was made for (as in Chainlit).
    figure = type(figure)(figure)
    figure.layout.autosize = True
    figure.layout.width = None
    figure.layout.height = None
    return figure.to_json()


@dataclass(kw_only=True)
class Dataframe(Element):
    """A table from a pandas (or polars) DataFrame, shown a page of rows at a time.

    The whole table is kept as a CSV file (which the user can download); its first
    rows are kept with the element, so showing it costs no file read.
    """

    type: ClassVar[ElementType] = "dataframe"
    size: ElementSize = "large"
    data: Any = None

    def _computed(self) -> bool:
        return True

    def __post_init__(self) -> None:
        if self.data is None:
            raise TypeError("data must be a pandas.DataFrame")
        text, rows, numeric = _frame_csv(self.data)
        self.content = text.encode("utf-8")
        self.mime = "text/csv"
        reader = csv.reader(io.StringIO(text))
        columns = next(reader, [])
        head = [row for _, row in zip(range(engine.PREVIEW_ROWS), reader, strict=False)]
        self._table = {"columns": columns, "rows": rows, "numeric": numeric, "head": head}
        super().__post_init__()

    def _metadata(self) -> dict[str, Any]:
        return {**super()._metadata(), **self._table}

    def _source(self) -> engine.ElementSource:
        source = super()._source()
        if not source.name.lower().endswith(".csv"):
            source.mime = "text/csv"
        return source


def _frame_csv(frame: Any) -> tuple[str, int, list[bool]]:
    """A pandas or polars frame as CSV text, its row count, and which columns are numbers."""
    if hasattr(frame, "to_csv") and hasattr(frame, "index"):  # pandas
        # Optional dependency: pandas (the "elements" extra); a polars frame needs none.
        from pandas.api.types import is_numeric_dtype

        index = frame.index
        plain_index = (
            type(index).__name__ == "RangeIndex"
            and index.start == 0
            and index.step == 1
            and index.name is None
        )
        if not plain_index:
            frame = frame.reset_index()
        numeric = [bool(is_numeric_dtype(dtype)) for dtype in frame.dtypes]
        return frame.to_csv(index=False), len(frame), numeric
    if hasattr(frame, "write_csv"):  # polars
        numeric = [bool(dtype.is_numeric()) for dtype in frame.dtypes]
        return frame.write_csv(), frame.height, numeric
    raise TypeError("data must be a pandas.DataFrame (or a polars.DataFrame)")


@dataclass(kw_only=True)
class Pyplot(Image):
    """A matplotlib figure, shown as a PNG image (as Chainlit's `cl.Pyplot`).

    Only the figure's own `savefig` is called: the SDK imports without matplotlib (the
    `plots` extra installs it).

    Example:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [1, 4, 2])
        await cl.Message(content="A chart", elements=[cl.Pyplot(name="plot", figure=fig)]).send()
    """

    figure: Any = None

    def _computed(self) -> bool:
        return True

    def __post_init__(self) -> None:
        if self.figure is None and self.content is None:
            raise TypeError("figure must be a matplotlib.figure.Figure")
        if self.figure is not None:
            if not callable(getattr(self.figure, "savefig", None)):
                raise TypeError(
                    f"figure must be a matplotlib.figure.Figure, not {type(self.figure).__name__}"
                )
            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="png", bbox_inches="tight")
            self.content = buffer.getvalue()
        self.mime = "image/png"
        super().__post_init__()
