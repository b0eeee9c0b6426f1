"""The run's report: the figures as JSON and a self-contained HTML page with inline SVG plots (no JS, no CDN)."""

from __future__ import annotations

import html
import itertools
import json
from pathlib import Path
from typing import Any

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")
_W, _H, _PAD = 640, 260, 44


def _axes(title: str, xlabel: str, ylabel: str, xmax: float, ymax: float, xticks: list[float]) -> list[str]:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" role="img" '
        f'aria-label="{html.escape(title)}">',
        f'<text x="{_W / 2}" y="16" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - 10}" y2="{_H - _PAD}" stroke="#333"/>',
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_PAD}" y2="24" stroke="#333"/>',
        f'<text x="{_W / 2}" y="{_H - 8}" text-anchor="middle" font-size="11">{html.escape(xlabel)}</text>',
        f'<text x="12" y="{_H / 2}" font-size="11" transform="rotate(-90 12 {_H / 2})" text-anchor="middle">'
        f"{html.escape(ylabel)}</text>",
    ]
    for t in xticks:
        x = _x(t, xmax)
        parts.append(f'<text x="{x:.1f}" y="{_H - _PAD + 14}" text-anchor="middle" font-size="10">{t:g}</text>')
    for frac in (0.0, 0.5, 1.0):
        y = _y(frac * ymax, ymax)
        parts.append(f'<text x="{_PAD - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10">{frac * ymax:.3g}</text>')
    return parts


def _x(v: float, xmax: float) -> float:
    return _PAD + (_W - 10 - _PAD) * (v / xmax if xmax > 0 else 0)


def _y(v: float, ymax: float) -> float:
    return (_H - _PAD) - (_H - _PAD - 24) * (v / ymax if ymax > 0 else 0)


def line_chart(
    title: str,
    xlabel: str,
    ylabel: str,
    series: dict[str, list[float]],
    xs: list[float],
    xticks: list[float] | None = None,
) -> str:
    xmax = max(xs) if xs else 1.0
    ymax = max((max(v) for v in series.values() if v), default=1.0) or 1.0
    ticks = xticks if xticks is not None else [float(t) for t in range(0, int(xmax) + 1, max(1, int(xmax) // 8))]
    parts = _axes(title, xlabel, ylabel, xmax, ymax, ticks)
    for k, (name, values) in enumerate(series.items()):
        colour = _COLOURS[k % len(_COLOURS)]
        pts = " ".join(f"{_x(x, xmax):.1f},{_y(v, ymax):.1f}" for x, v in zip(xs, values, strict=False))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{pts}"/>')
        parts.append(
            f'<text x="{_W - 14}" y="{30 + 13 * k}" text-anchor="end" font-size="10" fill="{colour}">'
            f"{html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def distribution_chart(title: str, runs: list[dict[str, Any]]) -> str:
    """Share of declarations per 5-minute bin of clearance time, one line per run (before/after)."""
    series: dict[str, list[float]] = {}
    xs: list[float] = []
    for run in runs:
        edges = run["histogram"]["edges_hours"]
        counts = run["histogram"]["counts"][: len(edges) - 1]
        total = sum(run["histogram"]["counts"]) or 1
        xs = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
        series[run["scenario"]] = [c / total for c in counts]
    ticks = [float(h) for h in range(int(max(xs, default=0.0)) + 1)]
    return line_chart(title, "clearance time (hours, arrival to release)", "share of declarations", series, xs, ticks)


def _table(run: dict[str, Any]) -> str:
    ct = run["clearance_time_hours"]
    rows = []
    for q in ("mean", "median", "p90", "p99"):
        c = ct[q]
        rows.append(
            f"<tr><td>{q}</td><td>{_fmt(c['mean'])}</td><td>{_fmt(c['ci_low'])} - {_fmt(c['ci_high'])}</td></tr>"
        )
    lanes = "".join(
        f"<tr><td>{lane}</td><td>{_fmt(v['share']['mean'])}</td>"
        f"<td>{_fmt(v['clearance_time_hours']['median']['mean'])}</td></tr>"
        for lane, v in run["lanes"].items()
    )
    stages = "".join(
        f"<tr><td>{name}</td><td>{_fmt(v['share']['mean'])}</td><td>{_fmt(v['waiting_mean']['mean'])}</td>"
        f"<td>{_fmt(v['working_mean']['mean'])}</td></tr>"
        for name, v in run["stages"].items()
    )
    res = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{_fmt(v['utilisation']['mean'])}</td>"
        f"<td>{_fmt(v['mean_queue']['mean'])}</td></tr>"
        for name, v in run["resources"].items()
    )
    return (
        f"<h2>{html.escape(run['scenario'])}</h2><p>{html.escape(run['description'])}</p>"
        f"<p>{run['replications']} replications of {run['days']:g} days (warm-up {run['warmup_days']:g} d, "
        f"seed {run['seed']}, rulebook {html.escape(run['rulebook_version'])}); throughput "
        f"{_fmt(run['throughput_per_day']['mean'])} declarations/day; within {run['target_hours']:g} h: "
        f"{_fmt(run['share_within_target']['mean'])}</p>"
        "<table><tr><th>clearance time (h)</th><th>value</th><th>95% CI</th></tr>" + "".join(rows) + "</table>"
        "<table><tr><th>lane</th><th>share</th><th>median (h)</th></tr>" + lanes + "</table>"
        "<table><tr><th>stage</th><th>share</th><th>waiting (h)</th><th>working (h)</th></tr>" + stages + "</table>"
        "<table><tr><th>resource</th><th>utilisation</th><th>mean queue</th></tr>" + res + "</table>"
    )


def _fmt(v: object) -> str:
    return f"{v:.3f}" if isinstance(v, float) else ("-" if v is None else str(v))


def html_report(runs: list[dict[str, Any]], comparison: dict[str, Any] | None = None) -> str:
    hours = [float(h) for h in range(24)]
    body = [distribution_chart("Clearance time distribution", runs)]
    for run in runs:
        util = {k: v["utilisation_by_hour"] for k, v in run["resources"].items()}
        queue = {k: v["queue_by_hour"] for k, v in run["resources"].items()}
        body.append(
            line_chart(f"{run['scenario']}: utilisation over the day", "hour of day", "utilisation", util, hours)
        )
        body.append(line_chart(f"{run['scenario']}: queue length over the day", "hour of day", "waiting", queue, hours))
    if comparison is not None:
        d = comparison["difference_hours"]
        body.append(
            f"<h2>Paired comparison ({html.escape(comparison['b'])} - {html.escape(comparison['a'])}, common random "
            "numbers)</h2><table><tr><th>figure</th><th>difference (h)</th><th>95% CI</th></tr>"
            + "".join(
                f"<tr><td>{q}</td><td>{_fmt(v['mean'])}</td><td>{_fmt(v['ci_low'])} - {_fmt(v['ci_high'])}</td></tr>"
                for q, v in d.items()
            )
            + "</table>"
        )
    body.extend(_table(run) for run in runs)
    style = "body{font-family:sans-serif;max-width:960px;margin:1em auto}table{border-collapse:collapse;margin:.5em 0}"
    style += "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}svg{display:block;margin:.5em 0}"
    title = " vs ".join(html.escape(r["scenario"]) for r in runs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>silkport twin: {title}</title>'
        f"<style>{style}</style></head><body><h1>silkport digital twin: {title}</h1>" + "".join(body) + "</body></html>"
    )


def write_outputs(out_dir: Path, figures: dict[str, Any], page: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "figures.json"
    json_path.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    html_path = out_dir / "report.html"
    html_path.write_text(page, encoding="utf-8")
    return json_path, html_path
