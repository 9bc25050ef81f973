"""What the load benches share (bench/scheduler_load.py, bench/load.py): the processes they start (flask
commands, gunicorn, schedulers), each with its log file and stopped together; a free loopback port; a
loopback JSON client that counts answer codes and times per kind of call."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- processes -----------------------------------------------------------------------------------
class Processes:
    """The processes this bench started: each with its log file; stopped together at the end."""

    def __init__(self, env: dict, scratch: str):
        self.env, self.scratch, self.started = env, scratch, []

    def run(self, *args: str) -> str:
        """Run `flask --app wsgi ARGS` to completion and return its output (exit on failure)."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        """Start a long-running process with its output in scratch/NAME.log."""
        log = open(os.path.join(self.scratch, f"{name}.log"), "w")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.started.append((name, process, log))
        return process

    def stop(self) -> dict:
        """SIGTERM every started process, wait up to 30 s, kill what is left; return the exit codes."""
        for _name, process, _log in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process, log in self.started:
            try:
                codes[name] = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = f"killed ({process.wait()})"
            log.close()
        self.started = []
        return codes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- HTTP ----------------------------------------------------------------------------------------
class Client:
    """Loopback JSON requests with the answer codes and times per kind of call."""

    def __init__(self, port: int):
        self.port = port
        self.lock = threading.Lock()
        self.codes: Counter = Counter()
        self.times: dict[str, list[float]] = {}

    def call(self, kind: str, method: str, path: str, body=None, token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = connection.getresponse()
            status, raw = response.status, response.read()
        finally:
            connection.close()
        with self.lock:
            self.codes[(kind, status)] += 1
            self.times.setdefault(kind, []).append(time.perf_counter() - started)
        return status, json.loads(raw) if raw else {}

    def wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/api/v1/openapi.json")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not answer in time")


def processes_log(scratch: str, name: str) -> str:
    path = os.path.join(scratch, f"{name}.log")
    if not os.path.exists(path):
        return ""
    with open(path) as handle:
        return handle.read()
