"""The zone dashboard as an analyst uses it: figures, charts with their values, filters, CSV downloads."""

from __future__ import annotations

import csv
import io
import re

from tests.conftest import Zone
from tests.e2e.test_pages import sign_in
from tests.integration.test_analytics_indicators import fill

JAN_SEP = "from=2025-01-01&to=2025-09-30"


def _filled(zone: Zone) -> Zone:
    with zone.platform.session_factory() as s:
        fill(s)
    return zone


def bar_values(html: str, name: str) -> dict[str, str]:
    block = html.split(f'data-testid="bars-{name}"', 1)[1].split("</ul>", 1)[0]
    return dict(re.findall(r'<li data-label="([^"]+)" data-value="([^"]+)">', block))


def test_the_dashboard_draws_its_charts_with_their_values(zone: Zone) -> None:
    _filled(zone)
    sign_in(zone.client, "analyst")
    r = zone.client.get(f"/dashboard?{JAN_SEP}")
    assert r.status_code == 200, r.text
    html = r.text
    assert 'data-testid="stat-enterprises">3<' in html
    assert 'data-testid="stat-trade">10,201.50 <' in html
    assert 'data-testid="stat-vehicles">4<' in html
    # bars by partner: KG 5000, KZ 2700 + 1000*4+1 ... as the query computes them
    partners = bar_values(html, "partners")
    assert partners["KG"] == "5000.00"
    assert bar_values(html, "makes") == {"FAW": "2", "Shacman": "1", "Sinotruk": "1"}
    assert bar_values(html, "destinations") == {"KZ": "2", "KG": "1", "UZ": "1"}
    # the largest bar is full length
    assert '<rect class="bar-fill" width="100.0"' in html
    # the time series: one point per month with its value
    trade = html.split('data-testid="series-trade"', 1)[1].split("</svg>", 1)[0]
    assert "<polyline" in trade
    assert 'data-month="2025-02" data-value="3000.00"' in trade
    # clearance before/after the rulebook change, as histograms
    assert bar_values(html, "clearance-before")["3h"] == "1"
    assert sum(int(v) for v in bar_values(html, "clearance-after").values()) == 4
    assert 'data-testid="table-claims"' in html and 'data-key="vehicle_exports"' in html
    assert 'href="/dashboard/csv/trade-by-partner?from=2025-01-01&amp;to=2025-09-30"' in html
    assert "/static/analytics.css" in html and "cdn" not in html.lower()


def test_the_area_filter_and_htmx_body(zone: Zone) -> None:
    _filled(zone)
    sign_in(zone.client, "admin")
    r = zone.client.get(f"/dashboard?{JAN_SEP}&area=KASHGAR", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text  # only the body, swapped in by the filters
    assert 'data-testid="stat-vehicles">1<' in r.text
    assert bar_values(r.text, "partners") == {"KG": "5000.00", "KZ": "700.00"}


def test_csv_downloads(zone: Zone) -> None:
    _filled(zone)
    sign_in(zone.client, "analyst")
    r = zone.client.get(f"/dashboard/csv/trade-by-partner?{JAN_SEP}&area=KASHGAR")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="silkport-trade-by-partner-2025-01-01-2025-09-30-kashgar.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows == [
        ["country", "declarations", "import_cny", "export_cny", "total_cny"],
        ["KG", "2", "2000.00", "3000.00", "5000.00"],
        ["KZ", "1", "700.00", "0", "700.00"],
    ]
    r = zone.client.get(f"/dashboard/csv/clearance-times?{JAN_SEP}&area=HORGOS")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert ["change", "before", "3", "3.00", "4.00", "3.00"] in rows
    assert zone.client.get(f"/dashboard/csv/nothing?{JAN_SEP}").status_code == 404


def test_only_analysts_and_admins_and_bad_filters_are_refused(zone: Zone) -> None:
    sign_in(zone.client, "trader_a")
    assert zone.client.get("/dashboard").status_code == 403
    assert zone.client.get("/dashboard/csv/claims").status_code == 403
    sign_in(zone.client, "officer")
    assert zone.client.get("/dashboard").status_code == 403
    sign_in(zone.client, "analyst")
    r = zone.client.get("/dashboard?from=2025-09-30&to=2025-01-01")
    assert r.status_code == 422 and "is before" in r.text
    r = zone.client.get("/dashboard?area=LHASA")
    assert r.status_code == 422 and "not an area of the zone" in r.text
    r = zone.client.get("/dashboard?from=yesterday")
    assert r.status_code == 422 and "is not a date" in r.text


def test_an_empty_zone_says_so(zone: Zone) -> None:
    sign_in(zone.client, "analyst")
    r = zone.client.get("/dashboard")
    assert r.status_code == 200
    assert "No data in this period." in r.text
    assert "2023-11-01" in r.text  # the default period starts with the zone
