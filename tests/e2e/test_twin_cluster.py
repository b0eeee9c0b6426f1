"""``silkport twin run --cluster``: replications on a Dask cluster give the figures of the local run."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from silkport.entrypoints.cli.main import app
from silkport.twin.runner import ClusterUnavailable, run_replications
from silkport.twin.scenario import load_scenario

distributed = pytest.importorskip("distributed")
runner = CliRunner()


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A Dask scheduler with one in-process worker (two threads), started for these tests."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as local:
        yield str(local.scheduler_address)


def _figures(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path / "figures.json").read_text())
    return data


def test_a_run_on_the_cluster_gives_the_local_figures(cluster: str, tmp_path: Path) -> None:
    args = ["twin", "run", "horgos-smart-port", "-n", "3", "--days", "3", "--seed", "12"]
    local = runner.invoke(app, [*args, "--out", str(tmp_path / "local")])
    remote = runner.invoke(app, [*args, "--cluster", cluster, "--out", str(tmp_path / "dask")])
    assert local.exit_code == 0, local.output
    assert remote.exit_code == 0, remote.output
    assert _figures(tmp_path / "local") == _figures(tmp_path / "dask")
    assert [r["replication"] for r in _figures(tmp_path / "dask")["per_replication"]] == [0, 1, 2]


def test_replications_report_progress_as_they_complete_on_the_cluster(cluster: str) -> None:
    loaded = load_scenario("horgos-before")
    ticks: list[int] = []
    on_cluster = run_replications(loaded, 4, 3, days=3, progress=ticks.append, cluster=cluster)
    assert ticks == [1, 1, 1, 1]
    here = run_replications(loaded, 4, 3, days=3)
    assert json.dumps(on_cluster) == json.dumps(here)


def test_a_scenario_file_runs_on_workers_that_do_not_have_it(cluster: str, tmp_path: Path) -> None:
    """The loaded scenario travels with the tasks: the file is read once, here."""
    shipped = Path(__file__).parents[2] / "src/silkport/twin/scenarios/horgos-smart-port.yaml"
    mine = tmp_path / "mine.yaml"
    mine.write_text(shipped.read_text().replace("name: horgos-smart-port", "name: two-more-bays"))
    loaded = load_scenario(str(mine))
    mine.unlink()
    results = run_replications(loaded, 2, 1, days=3, cluster=cluster)
    assert [r["replication"] for r in results] == [0, 1]


def test_a_scheduler_that_does_not_answer_is_a_clear_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = runner.invoke(app, ["twin", "run", "horgos-before", "-n", "2", "--days", "3",
                                 "--cluster", f"tcp://127.0.0.1:{port}", "--cluster-timeout", "1"])  # fmt: skip
    assert result.exit_code == 1
    assert f"no Dask scheduler answered at tcp://127.0.0.1:{port} within 1 s" in result.output


def test_without_dask_installed_the_cluster_option_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ClusterUnavailable, match=r"dask\[distributed\]"):
        run_replications(load_scenario("horgos-before"), 1, 1, days=3, cluster="tcp://127.0.0.1:8786")
    local = run_replications(load_scenario("horgos-before"), 1, 1, days=3)  # the local default needs no dask
    assert local[0]["replication"] == 0


def test_a_worker_in_another_process_gives_the_same_figures() -> None:
    """The scenario and the replications are pickled across processes: still the same figures."""
    loaded = load_scenario("horgos-smart-port")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        remote = run_replications(loaded, 2, 5, days=3, cluster=str(lc.scheduler_address))
    assert json.dumps(remote) == json.dumps(run_replications(loaded, 2, 5, days=3))
