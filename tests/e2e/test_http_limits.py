"""The HTTP ports under hostile clients (issue 17, holes 3 and 4; SECURITY.md "HTTP limits"):
slow clients cannot starve the console, the JSON API or /healthz, one address cannot hold every
connection, and request bodies are bounded (chunked ones too) and read only for a known token."""

import json
import os
import select
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import Sccd, TOKENS


def host_port(url):
    parsed = urllib.parse.urlparse(url)
    return parsed.hostname, parsed.port


def connect(url, source="127.0.0.1"):
    s = socket.create_connection(host_port(url), timeout=5, source_address=(source, 0))
    return s


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def wait_closed(sock, until):
    """Reads until the server closes `sock` (or resets it); returns whether it did by `until`."""
    while time.monotonic() < until:
        sock.settimeout(max(until - time.monotonic(), 0.01))
        try:
            if sock.recv(65536) == b"":
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
    return False


def answer_of(sock, timeout):
    """The status line and body of the HTTP answer on `sock`, read until the server closes it."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body


def api(sccd, rpc, body, user="hosi", timeout=2, content_type="application/json"):
    request = urllib.request.Request(sccd.http_url + "v1/scc.v1." + rpc, data=body,
                                     method="POST")
    request.add_header("Content-Type", content_type)
    if user:
        request.add_header("Authorization", "Bearer " + TOKENS[user][0])
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Trickler:
    """Slow clients: connections that send a request line, then one header line at a time."""

    def __init__(self, url, count, sources=("127.0.0.1",)):
        self.sockets = []
        for i in range(count):
            s = connect(url, sources[i % len(sources)])
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            self.sockets.append(s)

        self.open = list(self.sockets)

    def trickle(self):
        """One more header line on each connection the server has not closed; returns how many
        it has not."""
        still = []
        for s in self.open:
            s.setblocking(False)
            try:
                s.recv(65536)  # the server's 400 and its close, or a reset: either ends it
                closed = True
            except BlockingIOError:
                closed = False
            except OSError:
                closed = True
            s.setblocking(True)
            if not closed:
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                    still.append(s)
                except OSError:
                    pass
        self.open = still
        return len(still)

    def close(self):
        for s in self.sockets:
            s.close()


@pytest.fixture
def limited_sccd(tmp_path):
    server = Sccd(str(tmp_path), ["--http-header-timeout-seconds", "3",
                                  "--max-message-bytes", str(1 << 20)])
    server.start()
    yield server
    server.stop()


def test_slow_clients_starve_neither_console_api_nor_healthz(limited_sccd):
    sccd = limited_sccd
    started = time.monotonic()
    console_slow = Trickler(sccd.http_url, 20)
    metrics_slow = Trickler(sccd.metrics_url, 12)
    try:
        console_slow.trickle()
        metrics_slow.trickle()
        asked = time.monotonic()
        with urllib.request.urlopen(sccd.metrics_url + "healthz", timeout=2) as health:
            assert health.read() == b"ok\n"
        with urllib.request.urlopen(sccd.http_url, timeout=2) as page:
            assert page.headers["Content-Type"].startswith("text/html")
        status, me = api(sccd, "AdminService/WhoAmI", b"{}", user="auditor")
        assert (status, me["user"]) == (200, "auditor")
        answered = time.monotonic() - asked
        assert answered < 2, answered
        # Trickling one header line each half second is not enough: every slow connection is
        # closed once its headers' three seconds are up (with room for a loaded machine).
        deadline = started + 3 + 8
        while time.monotonic() < deadline and console_slow.trickle() + metrics_slow.trickle():
            time.sleep(0.5)
        closed_after = time.monotonic() - started
        assert console_slow.trickle() == 0
        assert metrics_slow.trickle() == 0
        print("answered in %.3f s while 32 slow clients held on; slow ones closed after %.1f s"
              % (answered, closed_after))
    finally:
        console_slow.close()
        metrics_slow.close()


def test_a_body_trickled_past_its_deadline_is_cut_off(tmp_path):
    sccd = Sccd(str(tmp_path), ["--http-body-timeout-seconds", "2"])
    sccd.start()
    try:
        s = connect(sccd.http_url)
        s.sendall(("POST /v1/scc.v1.AdminService/WhoAmI HTTP/1.1\r\nHost: x\r\n"
                   "Content-Type: application/json\r\nContent-Length: 100\r\n"
                   "Authorization: Bearer %s\r\n\r\n" % TOKENS["hosi"][0]).encode())
        started = time.monotonic()
        answered = None
        while answered is None and time.monotonic() < started + 8:
            if select.select([s], [], [], 0.5)[0]:
                answered = time.monotonic() - started
            else:
                s.sendall(b" ")  # a byte each half second: never a read timeout
        assert answered is not None, "the body was still being read after 8 s"
        status, body = answer_of(s, 3)
        s.close()
        print("a trickled body was cut off after %.1f s" % answered)
        assert status.startswith("HTTP/1.1 400"), status
        assert "in time" in json.loads(body)["error"]["message"]
        assert 1.5 < answered < 4
    finally:
        sccd.stop()


@pytest.fixture
def crowded_sccd(tmp_path):
    server = Sccd(str(tmp_path), ["--http-max-connections-per-address", "4",
                                  "--http-max-connections", "6"])
    server.start()
    yield server
    server.stop()


def test_one_address_cannot_hold_every_connection(crowded_sccd):
    sccd = crowded_sccd
    held = [connect(sccd.http_url) for _ in range(4)]
    try:
        for s in held:  # each answered, so admitted, and kept open for the next request
            s.sendall(b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(5)
            assert s.recv(12) == b"HTTP/1.1 200"
        extra = connect(sccd.http_url)
        assert wait_closed(extra, time.monotonic() + 2), "a fifth connection was kept"
        extra.close()
        other = connect(sccd.http_url, "127.0.0.2")
        other.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, _ = answer_of(other, 2)
        assert status.startswith("HTTP/1.1 200"), status
        other.close()
    finally:
        for s in held:
            s.close()


def test_healthz_is_answered_when_slow_clients_fill_the_metrics_port(crowded_sccd):
    sccd = crowded_sccd
    # Ten slow clients from ten addresses, more than the port serves at once.
    crowd = Trickler(sccd.metrics_url, 10, ["127.0.0.%d" % i for i in range(10, 20)])
    try:
        crowd.trickle()
        asked = time.monotonic()
        with urllib.request.urlopen(sccd.metrics_url + "healthz", timeout=2) as health:
            assert health.read() == b"ok\n"
        print("healthz answered in %.3f s" % (time.monotonic() - asked))
    finally:
        crowd.close()


def chunked_post(sccd, token, limit_bytes):
    """Sends a chunked API body of up to `limit_bytes` (stopping once the server answers);
    returns (bytes of body sent, status line, answer body)."""
    s = connect(sccd.http_url)
    head = ("POST /v1/scc.v1.AuditService/GetWorkflowState HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n")
    if token:
        head += "Authorization: Bearer %s\r\n" % token
    s.sendall((head + "\r\n").encode())
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
    sent = 0
    s.settimeout(2)  # a server that stops reading stops this too
    while sent < limit_bytes and not select.select([s], [], [], 0)[0]:
        try:
            s.sendall(chunk)
        except (socket.timeout, BrokenPipeError, ConnectionResetError):
            break
        sent += 65536
    status, body = answer_of(s, 5)
    s.close()
    return sent, status, body


def test_a_chunked_body_over_the_limit_is_refused_while_read(limited_sccd):
    sccd = limited_sccd
    before = rss_kib(sccd.process.pid)
    sent, status, body = chunked_post(sccd, TOKENS["hosi"][0], 96 << 20)
    grown = rss_kib(sccd.process.pid) - before
    print("chunked body: %d MiB sent before the answer, RSS grew %d KiB" % (sent >> 20, grown))
    assert status.startswith("HTTP/1.1 413"), status
    assert "over 1048576 bytes" in json.loads(body)["error"]["message"]
    assert sent < 24 << 20
    assert grown < 32 << 10


def test_a_large_body_without_a_known_token_is_refused_before_it_is_read(limited_sccd):
    sccd = limited_sccd
    # Chunked: the answer comes before any of the body is sent.
    sent, status, body = chunked_post(sccd, "not-a-token", 0)
    assert status.startswith("HTTP/1.1 401"), status
    assert json.loads(body)["error"]["status"] == "UNAUTHENTICATED"
    # A stated length under the limit but over 64 KiB: the same.
    s = connect(sccd.http_url)
    s.sendall(b"POST /v1/scc.v1.AuditService/GetWorkflowState HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\nContent-Length: 900000\r\n\r\n")
    status, body = answer_of(s, 3)
    s.close()
    assert status.startswith("HTTP/1.1 401"), status
    # A body where none is taken (here a chunked PUT): refused before it is read.
    s = connect(sccd.http_url)
    s.sendall(b"PUT /v1/scc.v1.AuditService/GetWorkflowState HTTP/1.1\r\nHost: x\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    status, body = answer_of(s, 3)
    s.close()
    assert status.startswith("HTTP/1.1 413"), status
    assert "takes no request body" in json.loads(body)["error"]["message"]
    # A small body is read and refused by the gRPC server as before.
    status, answer = api(sccd, "AuditService/GetWorkflowState", b'{"urn": "100001"}', user=None)
    assert (status, answer["error"]["status"]) == (401, "UNAUTHENTICATED")


def test_percent_00_in_a_console_url_is_refused(sccd):
    for path in ("app.js%00.html", "index.html%00.js"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(sccd.http_url + path, timeout=5)
        assert refused.value.code == 400, path
        assert "control character" in json.loads(refused.value.read())["error"]["message"]
    with urllib.request.urlopen(sccd.http_url + "app.js", timeout=5) as script:
        assert script.headers["Content-Type"].startswith("text/javascript")


def test_a_form_encoded_body_is_refused_for_its_type(sccd):
    # What `curl -d` sends: a body over 8 KB, typed application/x-www-form-urlencoded.
    status, answer = api(sccd, "AuditService/GetWorkflowState",
                         json.dumps({"urn": "1" * 9000}).encode(),
                         content_type="application/x-www-form-urlencoded")
    assert status == 415
    assert "Content-Type application/json" in answer["error"]["message"]
    status, me = api(sccd, "AdminService/WhoAmI", b"{}",
                     content_type="application/json; charset=utf-8")
    assert (status, me["user"]) == (200, "hosi")


@pytest.fixture
def https_sccd(tmp_path):
    certs = str(tmp_path / "tls")
    subprocess.run([os.environ["MAKE_DEV_CA"], certs], check=True, capture_output=True)
    server = Sccd(str(tmp_path), ["--tls-cert", certs + "/server.pem",
                                  "--tls-key", certs + "/server.key",
                                  "--http-header-timeout-seconds", "2"])
    server.start()
    yield server, ssl.create_default_context(cafile=certs + "/ca.pem")
    server.stop()


def test_https_is_served_under_the_same_limits(https_sccd):
    sccd, context = https_sccd
    assert sccd.http_url.startswith("https://")
    slow = [connect(sccd.http_url) for _ in range(10)]  # never start a TLS handshake
    try:
        with urllib.request.urlopen(sccd.http_url, timeout=2, context=context) as page:
            assert page.headers["Content-Type"].startswith("text/html")
        request = urllib.request.Request(sccd.http_url + "v1/scc.v1.AdminService/WhoAmI",
                                         data=b"{}", method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", "Bearer " + TOKENS["auditor"][0])
        with urllib.request.urlopen(request, timeout=2, context=context) as answer:
            assert json.loads(answer.read())["user"] == "auditor"
        until = time.monotonic() + 2 + 3
        assert all(wait_closed(s, until) for s in slow), "a handshake outlived its deadline"
    finally:
        for s in slow:
            s.close()


def test_https_asks_for_client_certificates_when_told(tmp_path):
    certs = str(tmp_path / "tls")
    subprocess.run([os.environ["MAKE_DEV_CA"], certs], check=True, capture_output=True)
    sccd = Sccd(str(tmp_path), ["--tls-cert", certs + "/server.pem",
                                "--tls-key", certs + "/server.key",
                                "--tls-client-ca", certs + "/ca.pem"])
    sccd.start()
    try:
        context = ssl.create_default_context(cafile=certs + "/ca.pem")
        with pytest.raises((urllib.error.URLError, ConnectionError, ssl.SSLError)):
            urllib.request.urlopen(sccd.http_url, timeout=5, context=context).read()
        context.load_cert_chain(certs + "/client.pem", certs + "/client.key")
        with urllib.request.urlopen(sccd.http_url, timeout=5, context=context) as page:
            assert page.headers["Content-Type"].startswith("text/html")
    finally:
        sccd.stop()
