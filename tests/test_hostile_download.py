"""Hostile download servers (issue 13, item 8), on 127.0.0.1: a trickling server is given up on
within the deadline, sizes are capped, redirects leave http(s) never, an archive already on disk
is checked before it is extracted."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import threading
import time

import pytest

from mytorch.datasets import CIFAR10, DownloadError, download_url
from mytorch.datasets.download import download_resources
from test_data_download import cifar_archive


class HostileServer:
    """``/trickle``: one byte every 50 ms, forever; ``/big``: 3 MB; ``/redirect?to=URL``: a 302."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.stop = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/trickle"):
                    self.send_response(200)
                    if "announced" in self.path:
                        self.send_header("Content-Length", str(10**6))
                    self.end_headers()
                    while not server.stop.is_set():
                        try:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.05)
                    return
                if self.path.startswith("/redirect?to="):
                    self.send_response(302)
                    self.send_header("Location", self.path.split("=", 1)[1])
                    self.end_headers()
                    return
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                if "unannounced" not in self.path:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:  # the client stopped reading (a refused or oversized download): expected
                    return

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def server():
    s = HostileServer()
    yield s
    s.close()


@pytest.mark.parametrize("path", ["/trickle", "/trickle?announced"])
def test_a_trickling_server_is_given_up_on_within_the_deadline(server, tmp_path, path):
    t = time.monotonic()
    with pytest.raises(DownloadError, match=r"gave up after the 1.5 s deadline \(\d+ bytes received\)"):
        download_url(server.url + path, tmp_path, "f", sha256=None, deadline=1.5, timeout=1.0, rate_grace=100)
    assert time.monotonic() - t < 3.5
    assert os.listdir(tmp_path) == []


def test_a_server_below_the_minimum_rate_is_given_up_on(server, tmp_path):
    t = time.monotonic()
    with pytest.raises(DownloadError, match=r"too slow \(\d+ bytes in 1 s, below the minimum 1000 bytes/s\)"):
        download_url(server.url + "/trickle", tmp_path, "f", sha256=None, min_rate=1000, rate_grace=1.0)
    assert time.monotonic() - t < 3.0
    assert os.listdir(tmp_path) == []


def test_unknown_size_is_capped(server, tmp_path):
    server.files["/big"] = server.files["/big-unannounced"] = bytes(3 << 20)
    with pytest.raises(DownloadError, match="announces 3145728 bytes, more than the 1048576 cap"):
        download_url(server.url + "/big", tmp_path, "f", sha256=None, max_bytes=1 << 20)
    with pytest.raises(DownloadError, match="more than 1048576 bytes, the cap for a download of unknown size"):
        download_url(server.url + "/big-unannounced", tmp_path, "f", sha256=None, max_bytes=1 << 20)
    assert os.listdir(tmp_path) == []


def test_cifar_archive_size_is_enforced(server, tmp_path, monkeypatch):
    """CIFAR-10's archive has a known size: a body of any other length is refused (and never kept)."""
    server.files["/unannounced/cifar-10-python.tar.gz"] = bytes(1000)
    monkeypatch.setenv("MYTORCH_DATA_URL", server.url + "/unannounced/")
    with pytest.raises(DownloadError, match="got 1000 bytes, expected 170498071"):
        CIFAR10(tmp_path / "d", download=True)
    assert os.listdir(tmp_path / "d") == []


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1/x", "data:,hello"])
def test_redirects_leave_http_never(server, tmp_path, target):
    # urllib itself refuses most schemes; ftp (which urllib follows) is refused by mytorch's handler
    with pytest.raises(DownloadError, match=f"(refusing a redirect to|Redirection to url) '{re.escape(target)}'"):
        download_url(f"{server.url}/redirect?to={target}", tmp_path, "f", sha256=None)
    assert os.listdir(tmp_path) == []


def test_http_redirects_are_followed(server, tmp_path):
    server.files["/a"] = b"hello"
    path = download_url(f"{server.url}/redirect?to={server.url}/a", tmp_path, "f",
                        sha256=hashlib.sha256(b"hello").hexdigest())
    with open(path, "rb") as f:
        assert f.read() == b"hello"


def test_an_archive_already_on_disk_is_verified_before_extraction(tmp_path, monkeypatch):
    good = cifar_archive(tmp_path)
    root = tmp_path / "data"
    root.mkdir()
    archive = root / "cifar-10-python.tar.gz"
    tampered = bytearray(good)
    tampered[len(tampered) // 2] ^= 1
    archive.write_bytes(bytes(tampered))
    monkeypatch.setattr(CIFAR10, "resources", [(archive.name, hashlib.sha256(good).hexdigest(), len(good))])
    monkeypatch.setenv("MYTORCH_DATA_URL", "http://127.0.0.1:9/")  # nothing may be fetched
    with pytest.raises(DownloadError, match="cifar-10-python.tar.gz is already there but its SHA-256 is"):
        CIFAR10(root, download=True)
    assert sorted(os.listdir(root)) == ["cifar-10-python.tar.gz"]  # not extracted, not replaced
    assert archive.read_bytes() == bytes(tampered)
    archive.write_bytes(good[:-1])
    with pytest.raises(DownloadError, match=f"already there but holds {len(good) - 1} bytes, expected {len(good)}"):
        download_resources(CIFAR10.resources, root, ["http://127.0.0.1:9/"])
    archive.write_bytes(good)
    assert len(CIFAR10(root, download=True)) == 20
