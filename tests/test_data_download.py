"""download=True against a local HTTP server on 127.0.0.1: verified, atomic, never half-written."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import struct
import tarfile
import threading

import numpy as np
import pytest

from mytorch.datasets import CIFAR10, MNIST, DownloadError, FashionMNIST, download_url, extract_tar
from mytorch.datasets.idx import write_idx
from test_data_cifar import make_cifar
from test_data_mnist import DEBIAN, make_idx_dir


class Server:
    """Serves ``files`` (URL path -> bytes). ``/cut/...`` announces the full length but sends half."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(self.path)
                cut = self.path.startswith("/cut/")
                body = server.files.get(self.path[4:] if cut else self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if cut else body)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def listing(path) -> list[str]:
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


# ------------------------------------------------------------------ download_url
def test_download_verifies_and_leaves_no_temporary_file(server, tmp_path):
    server.files["/a.bin"] = b"hello" * 1000
    path = download_url(f"{server.url}/a.bin", tmp_path, sha256=sha(b"hello" * 1000), size=5000)
    assert path == str(tmp_path / "a.bin")
    assert (tmp_path / "a.bin").read_bytes() == b"hello" * 1000
    assert listing(tmp_path) == ["a.bin"]


def test_checksum_mismatch_keeps_the_good_file(server, tmp_path):
    server.files["/a.bin"] = b"tampered"
    (tmp_path / "a.bin").write_bytes(b"good")
    with pytest.raises(DownloadError, match="SHA-256 mismatch: expected " + sha(b"good")):
        download_url(f"{server.url}/a.bin", tmp_path, sha256=sha(b"good"))
    assert (tmp_path / "a.bin").read_bytes() == b"good"
    assert listing(tmp_path) == ["a.bin"]


@pytest.mark.parametrize(
    "path, size, message",
    [
        ("/cut/a.bin", None, "interrupted after 500 of 1000 bytes"),
        ("/a.bin", 999, "announces 1000 bytes, expected 999"),
        ("/missing.bin", None, "HTTP Error 404"),
    ],
)
def test_failed_downloads_leave_nothing(server, tmp_path, path, size, message):
    server.files["/a.bin"] = bytes(1000)
    with pytest.raises(DownloadError, match=message):
        download_url(server.url + path, tmp_path, "a.bin", sha256=sha(bytes(1000)), size=size)
    assert listing(tmp_path) == []


def test_only_http_urls(tmp_path):
    with pytest.raises(ValueError, match="only http"):
        download_url(f"file://{tmp_path}/x", tmp_path, sha256=None)


# ------------------------------------------------------------------ MNIST / FashionMNIST download=True
def serve_idx_fixtures(server, tmp_path, prefix="/mnist"):
    """Fixture IDX files (gzip) on the server; returns (resources for them, the arrays)."""
    src = tmp_path / "src"
    arrays = make_idx_dir(src, gz=True)
    resources = []
    for name in sorted(os.listdir(src)):
        data = (src / name).read_bytes()
        server.files[f"{prefix}/{name}"] = data
        resources.append((name, sha(data), len(data)))
    return resources, arrays


def test_mnist_download_then_load(server, tmp_path, monkeypatch):
    resources, arrays = serve_idx_fixtures(server, tmp_path)
    monkeypatch.setattr(MNIST, "resources", resources)
    monkeypatch.setenv("MYTORCH_DATA_URL", server.url + "/mnist/")
    root = tmp_path / "data"
    ds = MNIST(root=root, train=False, download=True)
    np.testing.assert_array_equal(ds.data, arrays["t10k"][0])
    np.testing.assert_array_equal(ds.targets, arrays["t10k"][1])
    assert listing(root) == sorted(r[0] for r in resources)
    hits = len(server.hits)
    MNIST(root=root, train=True, download=True)  # everything is there: nothing fetched again
    assert len(server.hits) == hits


def test_download_into_mytorch_data(server, tmp_path, monkeypatch):
    resources, _ = serve_idx_fixtures(server, tmp_path)
    monkeypatch.setattr(FashionMNIST, "resources", resources)
    monkeypatch.setattr(FashionMNIST, "system_dirs", ())
    monkeypatch.setenv("MYTORCH_DATA_URL", server.url + "/mnist")  # trailing slash optional
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "home"))
    ds = FashionMNIST(download=True)
    assert ds.root == str(tmp_path / "home" / "fashion-mnist") and len(ds) == 6


def test_download_checksum_mismatch_leaves_no_complete_looking_file(server, tmp_path, monkeypatch):
    resources, _ = serve_idx_fixtures(server, tmp_path)
    bad = "train-images-idx3-ubyte.gz"
    content = bytearray(server.files[f"/mnist/{bad}"])
    content[len(content) // 2] ^= 0xFF  # same size, other bytes
    server.files[f"/mnist/{bad}"] = bytes(content)
    monkeypatch.setattr(MNIST, "resources", resources)
    monkeypatch.setenv("MYTORCH_DATA_URL", server.url + "/mnist/")
    root = tmp_path / "data"
    with pytest.raises(DownloadError, match=f"(?s)could not download {bad}.*SHA-256 mismatch"):
        MNIST(root=root, download=True)
    assert bad not in listing(root)
    assert not [f for f in listing(root) if f.startswith(".")]  # no temporary files left either


def test_mirrors_are_tried_in_order(server, tmp_path, monkeypatch):
    resources, _ = serve_idx_fixtures(server, tmp_path, prefix="/second")
    monkeypatch.delenv("MYTORCH_DATA_URL", raising=False)
    monkeypatch.setattr(MNIST, "resources", resources)
    monkeypatch.setattr(MNIST, "mirrors", [server.url + "/first/", server.url + "/second/"])
    assert len(MNIST(root=tmp_path / "d", download=True)) == 6
    assert any(h.startswith("/first/") for h in server.hits)


def _upstream_gzip(debian_file: str, mtime: int) -> bytes:
    """Debian's file with the gzip header the upstream file has (file name, 2017 timestamp).

    Debian's packaging dropped the name and reset the time; the deflate data is the upstream one,
    so this rebuilds Zalando's exact file (the SHA-256 values checked below prove it).
    """
    with open(os.path.join(DEBIAN, debian_file), "rb") as f:
        data = f.read()
    assert data[:4] == b"\x1f\x8b\x08\x00"
    name = debian_file[: -len(".gz")].encode() + b"\0"
    return b"\x1f\x8b\x08\x08" + struct.pack("<I", mtime) + data[8:9] + b"\x03" + name + data[10:]


def test_real_fashion_mnist_checksums_verify_upstream_files(server, tmp_path, monkeypatch):
    """The SHA-256 table in FashionMNIST accepts the real files, served locally."""
    mtimes = {"train": 1504176606, "t10k": 1504176627}
    for name, _, _ in FashionMNIST.resources:
        server.files[f"/fashion/{name}"] = _upstream_gzip(name, mtimes[name.split("-")[0]])
    monkeypatch.setenv("MYTORCH_DATA_URL", server.url + "/fashion/")
    ds = FashionMNIST(root=tmp_path, train=False, download=True)
    reference = FashionMNIST(root=DEBIAN, train=False)
    np.testing.assert_array_equal(ds.data, reference.data)
    np.testing.assert_array_equal(ds.targets, reference.targets)
    # Zalando's published MD5s agree with the same bytes.
    md5 = {name: hashlib.md5((tmp_path / name).read_bytes()).hexdigest() for name, _, _ in FashionMNIST.resources}
    assert md5 == {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }


# ------------------------------------------------------------------ CIFAR-10 archive
def make_tar(entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def cifar_archive(tmp_path) -> bytes:
    src = tmp_path / "src"
    make_cifar(src)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    return buf.getvalue()


def test_cifar10_download_extracts_and_loads(server, tmp_path, monkeypatch):
    archive = cifar_archive(tmp_path)
    server.files["/kriz/cifar-10-python.tar.gz"] = archive
    monkeypatch.setattr(CIFAR10, "resources", [("cifar-10-python.tar.gz", sha(archive), None)])
    monkeypatch.setenv("MYTORCH_DATA_URL", server.url + "/kriz/")
    root = tmp_path / "data"
    ds = CIFAR10(root, train=True, download=True)
    assert len(ds) == 20 and ds.classes[0] == "airplane"
    assert listing(root) == ["cifar-10-batches-py", "cifar-10-python.tar.gz"]
    hits = len(server.hits)
    CIFAR10(root, train=False, download=True)
    assert len(server.hits) == hits


def test_cifar10_download_checksum_mismatch(server, tmp_path, monkeypatch):
    archive = cifar_archive(tmp_path)
    server.files["/kriz/cifar-10-python.tar.gz"] = archive
    monkeypatch.setenv("MYTORCH_DATA_URL", server.url + "/kriz/")
    root = tmp_path / "data"
    with pytest.raises(DownloadError, match=f"announces {len(archive)} bytes, expected 170498071"):
        CIFAR10(root, download=True)  # the real size is checked before a byte is kept
    monkeypatch.setattr(CIFAR10, "resources", [(CIFAR10.resources[0][0], CIFAR10.resources[0][1], len(archive))])
    with pytest.raises(DownloadError, match="SHA-256 mismatch: expected 6d958be0"):
        CIFAR10(root, download=True)  # the real SHA-256 cannot match
    assert listing(root) == []


def _info(name: str, kind: bytes = tarfile.REGTYPE, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size, link
    return info


UNSAFE = {
    "parent dir": [(_info("cifar-10-batches-py/../../evil", size=4), b"evil")],
    "absolute": [(_info("/tmp/mytorch-evil-absolute", size=4), b"evil")],
    "symlink": [(_info("cifar-10-batches-py/data_batch_1", tarfile.SYMTYPE, link="/etc/passwd"), None)],
    "hardlink": [(_info("cifar-10-batches-py/data_batch_1", tarfile.LNKTYPE, link="/etc/passwd"), None)],
    "device": [(_info("cifar-10-batches-py/dev", tarfile.CHRTYPE), None)],
    "outside top": [(_info("elsewhere/evil", size=4), b"evil")],
}


@pytest.mark.parametrize("case", list(UNSAFE))
def test_unsafe_archive_is_refused_whole(tmp_path, case):
    good = [(_info("cifar-10-batches-py/ok", size=2), b"ok")]
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(make_tar(good + UNSAFE[case]))
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(ValueError, match="refusing to extract an unsafe archive"):
        extract_tar(archive, root, "cifar-10-batches-py")
    assert listing(root) == [] and not (tmp_path / "evil").exists()
    assert not os.path.exists("/tmp/mytorch-evil-absolute")


def test_corrupt_archive_leaves_no_partial_folder(tmp_path):
    data = make_tar([(_info("cifar-10-batches-py/a", size=4096), bytes(4096))] * 3)
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(data[: len(data) - 30])  # cut inside the compressed stream
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(ValueError, match="corrupt|not a readable"):
        extract_tar(archive, root, "cifar-10-batches-py")
    assert listing(root) == []


def test_extract_refuses_to_overwrite(tmp_path):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(make_tar([(_info("top/f", size=1), b"x")]))
    (tmp_path / "top").mkdir()
    with pytest.raises(FileExistsError):
        extract_tar(archive, tmp_path, "top")


def test_write_idx_helper_gzip_is_detected(tmp_path):
    write_idx(tmp_path / "x.gz", np.zeros(3, np.uint8))
    assert (tmp_path / "x.gz").read_bytes()[:2] == b"\x1f\x8b"
