"""Twin runs launched from the web UI: a folder per run (status.json, figures.json, report.html), run in a thread.

The CLI writes the same files (``silkport twin run --out``), so runs made either way are listed alike. A run's
status is ``running`` (with ``done`` of ``total`` replications), ``done``, ``failed`` (with the error), or
``interrupted``: it was running in a process of this host that is gone (the web server stopped meanwhile).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from silkport.shared.errors import FieldError, NotFound, ValidationFailed
from silkport.twin.report import html_report, write_outputs
from silkport.twin.runner import aggregate, run_replications
from silkport.twin.scenario import load_scenario, shipped_scenarios

_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,120}$")
MAX_REPLICATIONS = 50
MAX_DAYS = 366.0


class TwinRuns:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(os.environ.get("SILKPORT_TWIN_DIR", "var/twin"))
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}

    def _dir(self, run_id: str) -> Path:
        if not _ID.match(run_id) or not (self.folder / run_id).is_dir():
            raise NotFound(f"no twin run {run_id!r}")
        return self.folder / run_id

    def _write_status(self, folder: Path, status: dict[str, Any]) -> None:
        tmp = folder / "status.json.tmp"
        tmp.write_text(json.dumps(status), encoding="utf-8")
        tmp.replace(folder / "status.json")

    def status(self, run_id: str) -> dict[str, Any]:
        folder = self._dir(run_id)
        path = folder / "status.json"
        if path.is_file():
            status: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        else:  # a run written by the CLI: done if it has its figures
            done = (folder / "figures.json").is_file()
            status = {"status": "done" if done else "unknown", "scenario": None, "done": None, "total": None}
        if status["status"] == "running" and not self._alive(run_id, status):
            status["status"] = "interrupted"
        status["id"] = run_id
        status["has_report"] = (folder / "report.html").is_file()
        return status

    def _alive(self, run_id: str, status: dict[str, Any]) -> bool:
        """Is the process running this run still there? (Unknown for another host, or a status without a pid.)"""
        pid, host = status.get("pid"), status.get("host")
        if not isinstance(pid, int) or host != socket.gethostname():
            return True
        if pid == os.getpid():
            if run_id in self._threads:  # launched here (its thread may be about to start)
                return True
            return any(t.name == f"twin-{run_id}" and t.is_alive() for t in threading.enumerate())
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def list(self) -> list[dict[str, Any]]:
        if not self.folder.is_dir():
            return []
        runs = [self.status(p.name) for p in self.folder.iterdir() if p.is_dir() and _ID.match(p.name)]
        return sorted(runs, key=lambda r: str(r.get("created") or r["id"]), reverse=True)

    def figures(self, run_id: str) -> dict[str, Any]:
        path = self._dir(run_id) / "figures.json"
        if not path.is_file():
            raise NotFound(f"twin run {run_id!r} has no figures yet")
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def report(self, run_id: str) -> str:
        path = self._dir(run_id) / "report.html"
        if not path.is_file():
            raise NotFound(f"twin run {run_id!r} has no report yet")
        return path.read_text(encoding="utf-8")

    def launch(self, scenario: str, replications: int, seed: int, days: float | None, by: str) -> dict[str, Any]:
        """Start a shipped scenario in a background thread; returns its status (``running``)."""
        errors = []
        if scenario not in shipped_scenarios():
            errors.append(FieldError("scenario", f"not a shipped scenario ({', '.join(shipped_scenarios())})"))
        if not 1 <= replications <= MAX_REPLICATIONS:
            errors.append(FieldError("replications", f"must be between 1 and {MAX_REPLICATIONS}"))
        if seed < 0:
            errors.append(FieldError("seed", "must not be negative"))
        if days is not None and not 0 < days <= MAX_DAYS:
            errors.append(FieldError("days", f"must be more than 0 and at most {MAX_DAYS:g}"))
        if errors:
            raise ValidationFailed(errors)
        loaded = load_scenario(scenario)
        if days is not None and days <= loaded.scenario.warmup_days:
            msg = f"must be longer than the scenario's warm-up ({loaded.scenario.warmup_days:g} days)"
            raise ValidationFailed(FieldError("days", msg))
        now = datetime.now(UTC)
        run_id = f"{now.strftime('%Y%m%dT%H%M%S')}-{scenario}-{uuid.uuid4().hex[:6]}"
        folder = self.folder / run_id
        folder.mkdir(parents=True)
        status: dict[str, Any] = {
            "status": "running",
            "scenario": scenario,
            "replications": replications,
            "seed": seed,
            "days": days,
            "done": 0,
            "total": replications,
            "created": now.isoformat(),
            "by": by,
            "host": socket.gethostname(),
            "pid": os.getpid(),
        }
        self._write_status(folder, status)

        def work() -> None:
            def progress(k: int) -> None:
                with self._lock:
                    status["done"] += k
                    self._write_status(folder, status)

            try:
                results = run_replications(loaded, replications, seed, 1, days, progress)
                figures = aggregate(loaded, results, seed, days)
                write_outputs(folder, figures, html_report([figures]))
                status["status"] = "done"
            except Exception as exc:  # a failed run records why; it must not kill the server
                status["status"] = "failed"
                status["error"] = str(exc)
            with self._lock:
                self._write_status(folder, status)

        thread = threading.Thread(target=work, name=f"twin-{run_id}", daemon=True)
        self._threads[run_id] = thread
        thread.start()
        return self.status(run_id)

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Join a run's thread (tests and the CLI; the web UI polls the status instead)."""
        thread = self._threads.get(run_id)
        if thread is not None:
            thread.join(timeout)
