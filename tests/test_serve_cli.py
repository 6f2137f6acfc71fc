"""``alliancekg serve`` as a user runs it: a subprocess that prints its URLs, answers on
127.0.0.1, stops cleanly, and refuses to start without a store."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from servers import free_port

ALLIANCEKG = [sys.executable, "-m", "alliancekg"]


def test_serve_prints_its_urls_answers_and_stops(built) -> None:
    port = free_port()
    process = subprocess.Popen([*ALLIANCEKG, "serve", "--port", str(port), "--store", str(built.dist_dir / "store")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "the server did not start"
                time.sleep(0.1)
        assert response.json()["boolean"] is True
    finally:
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    for path in ("/", "/sparql", "/.well-known/void", "/ontology"):
        assert f"{base}{path}" in stdout


def test_serve_without_a_store_exits_2(tmp_path: Path) -> None:
    result = subprocess.run([*ALLIANCEKG, "serve", "--store", str(tmp_path / "nothing")],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "run `alliancekg build` first" in result.stderr
