"""Fixtures for the black-box tests: the real sccd binary on a free loopback port with its own
data directory and tokens, and Python clients for each role."""

import hashlib
import os
import select
import subprocess
import time

import pytest

from scc_client import Client

TOKENS = {
    "hosi": ("t-hosi", "head_of_school_improvement"),
    "lo-ann": ("t-lead-officer", "lead_officer"),
    "srg-chair": ("t-srg", "srg_member"),
    "ey-lead": ("t-early-years", "early_years_standards_team"),
    "auditor": ("t-auditor", "auditor"),
    "board-reader": ("t-reader", "report_reader"),
    "gias-sync": ("t-service", "service_account"),
}


class Sccd:
    """One sccd process; restartable on the same data directory."""

    def __init__(self, workdir, extra_args=()):
        self.workdir = workdir
        self.extra_args = list(extra_args)
        self.tokens = os.path.join(workdir, "tokens.txt")
        with open(self.tokens, "w") as f:
            for user, (token, role) in TOKENS.items():
                f.write("%s %s %s\n" % (hashlib.sha256(token.encode()).hexdigest(), user, role))
        self.process = None
        self.address = None
        self.http_url = None
        self.metrics_url = None

    def start(self):
        self.process = subprocess.Popen(
            [os.environ["SCCD_BIN"], "--listen", "127.0.0.1:0", "--data",
             os.path.join(self.workdir, "data"), "--tokens", self.tokens,
             "--term-calendar", os.environ["TERM_CALENDAR"], "--no-access-log",
             "--metrics-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"] + self.extra_args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        line = b""
        while b"\n" not in line:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.process.stdout], [], [], max(left, 0))
            if not ready:
                raise RuntimeError("sccd did not start: " + self.process.stderr.read1().decode())
            chunk = os.read(self.process.stdout.fileno(), 256)
            if not chunk:
                raise RuntimeError("sccd exited: " + self.process.stderr.read().decode())
            line += chunk
        self.address = line.decode().split("listening on ")[1].split()[0]
        self.http_url = line.decode().split("JSON API on ")[1].split(")")[0]
        self.metrics_url = line.decode().split("metrics on ")[1].split(";")[0][:-len("metrics")]

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def client(self, user, **tls):
        return Client(self.address, token=TOKENS[user][0], **tls)


@pytest.fixture
def sccd(tmp_path):
    server = Sccd(str(tmp_path))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hosi(sccd):
    with sccd.client("hosi") as client:
        yield client
