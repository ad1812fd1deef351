"""The report's figures over time: articles per story, and per outlet, by publication date.

Drawn only when the articles' dates span more than one day (a pile saved in
one morning has nothing to show over time).  Dates are the articles' ISO
``date`` column (:mod:`topicsum._ingest._dates`: from metadata, the date
column of a table, or a dateline, never guessed); tables written before that
column existed fall back to the dates written in ``published`` that name a year.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._canvas import GRID, new_figure, style
from ._common import OUTLIER_COLOUR, parse_dates, short_label, theme_ids, theme_label, topic_colours, unique_mask

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .._types import RunData

__all__ = ["TIMELINE_OUTLETS", "dated_articles", "plot_over_time", "plot_timeline"]

#: The timeline shows the outlets with most articles by name, the others together.
TIMELINE_OUTLETS = 8


def dated_articles(result: RunData) -> pd.DataFrame:
    """One row per non-duplicate article with a known publication day: topic, outlet, date (UTC midnight).

    Examples
    --------
    >>> dated_articles(result).empty  # the seeds say "22 minutes ago", not a date
    True
    """
    frame = result.articles
    if frame is None or len(frame) == 0:
        frame = result.segments.drop_duplicates("article_id") if "article_id" in result.segments else None
    if frame is None or len(frame) == 0 or not ({"date", "published"} & set(frame.columns)):
        return pd.DataFrame(columns=["topic", "outlet", "date"])
    frame = frame[unique_mask(frame)]
    if "date" in frame:
        dates = pd.to_datetime(frame["date"].fillna("").astype(str).replace("", None), errors="coerce", utc=True)
    else:
        dates = parse_dates(frame["published"].tolist())
    outlets = frame["outlet"].fillna("").astype(str) if "outlet" in frame else pd.Series("", index=frame.index)
    out = pd.DataFrame(
        {"topic": frame["topic"].to_numpy(dtype=np.int64), "outlet": outlets.to_numpy(), "date": dates.to_numpy()}
    )
    return out.dropna(subset=["date"])


def _periods(dates: pd.DatetimeIndex) -> tuple[str, np.ndarray, str]:
    """The unit of the bars (day, week or month, by the span), each date's period, and the pandas frequency."""
    span = (dates.max() - dates.min()).days
    if span <= 62:
        return "day", np.asarray(dates.floor("D")), "D"
    if span <= 500:
        return "week", np.asarray(dates.to_period("W-SUN").start_time), "W-MON"
    return "month", np.asarray(dates.to_period("M").start_time), "MS"


def _stacked(
    dated: pd.DataFrame, key: str, order: list[object], colour_of: Callable[[object], tuple[str, str]]
) -> Figure | None:
    """Stacked bars of articles per period, one layer per value of ``key`` in ``order``; ``None`` on one day."""
    if dated.empty:
        return None
    dates = pd.DatetimeIndex(dated["date"]).tz_convert(None)
    if dates.floor("D").nunique() < 2:
        return None
    with style():
        import matplotlib.dates as mdates
        from matplotlib.ticker import MaxNLocator

        unit, periods, freq = _periods(dates)
        table = dated.assign(period=periods).groupby(["period", key]).size().unstack(fill_value=0).sort_index()
        full = pd.date_range(table.index.min(), table.index.max(), freq=freq)
        if 0 < len(full) <= 2000:
            table = table.reindex(table.index.union(full), fill_value=0)
        fig = new_figure(7.0, 3.4)
        ax = fig.add_subplot()
        width = {"day": 0.8, "week": 5.5, "month": 24}[unit]
        bottom = np.zeros(len(table))
        for value in [v for v in order if v in table.columns]:
            colour, name = colour_of(value)
            values = table[value].to_numpy(dtype=float)
            ax.bar(table.index, values, bottom=bottom, width=width, color=colour, label=name, align="edge")
            bottom += values
        ax.set_ylabel(f"articles per {unit}")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return fig


def plot_over_time(result: RunData) -> Figure | None:
    """Stacked bars of articles per story per day, week or month; ``None`` unless dates span more than one day.

    The ten largest stories by name, the others together, outliers in grey.

    Examples
    --------
    >>> plot_over_time(result) is None  # the seeds give relative times ("22 minutes ago"), not dates
    True
    """
    dated = dated_articles(result)
    colours = topic_colours(result)
    top = theme_ids(result)[:10]
    dated = dated.assign(group=[t if t in top else (-1 if t < 0 else -2) for t in dated["topic"]])

    def colour_of(g: object) -> tuple[str, str]:
        topic = int(str(g))
        if topic == -2:
            return "#cfcfcf", "other stories"
        return colours.get(topic, OUTLIER_COLOUR), short_label(theme_label(result, topic), 28)

    return _stacked(dated, "group", [*top, -2, -1], colour_of)


def plot_timeline(result: RunData) -> Figure | None:
    """Stacked bars of articles per outlet per day, week or month; ``None`` unless dates span more than one day.

    The :data:`TIMELINE_OUTLETS` outlets with most articles by name, the
    others together, articles without an outlet as "outlet not given".

    Examples
    --------
    >>> plot_timeline(result) is None
    True
    """
    dated = dated_articles(result)
    counts = dated.loc[dated["outlet"] != "", "outlet"].value_counts()
    top = sorted(counts.index[:TIMELINE_OUTLETS], key=lambda o: (-counts[o], o))
    dated = dated.assign(layer=[o if o in top else ("" if not o else "\0other") for o in dated["outlet"]])
    palette = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")

    def colour_of(o: object) -> tuple[str, str]:
        if o == "\0other":
            return "#cfcfcf", "other outlets"
        if o == "":
            return OUTLIER_COLOUR, "outlet not given"
        return palette[top.index(o) % len(palette)], short_label(str(o), 28)

    return _stacked(dated, "layer", [*top, "\0other", ""], colour_of)
