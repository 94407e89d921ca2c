"""Downloads that verify what they fetch, and a tar extractor that refuses unsafe archives.

A download streams into a hidden temporary file in the destination folder, hashing as it goes;
only when the byte count and SHA-256 match is the file renamed (atomically, ``os.replace``) to its
final name. An interrupted, truncated or corrupt download therefore never leaves a file that
looks complete, and never replaces a good one.

A download is bounded in every dimension a server controls: its size (the expected size, else
``max_bytes``), its total duration (``deadline``) and its pace (after ``rate_grace`` seconds it must
average ``min_rate`` bytes/s), so a server trickling one byte a second cannot hold it forever.
Redirects are followed only to http and https URLs.

The mirrors a dataset downloads from can be replaced, for every dataset at once, by setting
``$MYTORCH_DATA_URL`` to a base URL (the file names are appended to it); tests point it at a
local server.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import posixpath
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import BinaryIO

_CHUNK = 1 << 20
URL_ENV = "MYTORCH_DATA_URL"
MAX_BYTES = 2 << 30  # the cap on a download whose size is not known in advance
DEADLINE = 3600.0  # seconds for one file, whatever the pace
MIN_RATE = 16 * 1024.0  # bytes/s averaged since the start, once RATE_GRACE seconds have passed
RATE_GRACE = 60.0


class DownloadError(RuntimeError):
    """A download failed (network error, interrupted transfer, wrong size or checksum)."""


def mirrors_for(default: Sequence[str]) -> list[str]:
    """The base URLs to try: ``$MYTORCH_DATA_URL`` alone when it is set, else ``default``."""
    override = os.environ.get(URL_ENV)
    bases = [override] if override else list(default)
    return [b if b.endswith("/") else b + "/" for b in bases]


def sha256_of(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def download_url(
    url: str,
    root: str | os.PathLike,
    filename: str | None = None,
    *,
    sha256: str | None,
    size: int | None = None,
    timeout: float = 60.0,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
    min_rate: float = MIN_RATE,
    rate_grace: float = RATE_GRACE,
) -> str:
    """Fetch ``url`` into ``root/filename`` and return that path.

    ``sha256`` (hex) and ``size`` (bytes), when given, must match or ``DownloadError`` is raised
    and nothing is left behind; pass ``sha256=None`` explicitly to accept unverified content. Only
    http and https URLs are fetched (redirects included). An existing ``root/filename`` is replaced
    only by a download that verified. ``timeout`` bounds each network wait, ``deadline`` the whole
    transfer; after ``rate_grace`` seconds the average pace must stay above ``min_rate`` bytes/s;
    without ``size`` the body may not exceed ``max_bytes``.
    """
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ("http", "https"):
        raise ValueError(f"only http(s) URLs can be downloaded, got {url!r}")
    filename = filename or posixpath.basename(urllib.parse.urlparse(url).path)
    if not filename or filename in (".", "..") or "/" in filename or os.sep in filename:
        raise ValueError(f"cannot derive a safe file name from {url!r}; pass filename=")
    root = os.fspath(root)
    os.makedirs(root, exist_ok=True)
    dest = os.path.join(root, filename)

    fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{filename}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            limits = _Limits(size, max_bytes, time.monotonic() + deadline, deadline, min_rate, rate_grace)
            digest, written = _fetch(url, out, min(timeout, deadline), limits)
        if size is not None and written != size:
            raise DownloadError(f"{url}: got {written} bytes, expected {size}")
        if sha256 is not None and digest != sha256.lower():
            raise DownloadError(f"{url}: SHA-256 mismatch: expected {sha256.lower()}, got {digest} ({written} bytes)")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):  # anything but a verified rename (errors, Ctrl-C): drop the partial file
            os.unlink(tmp)
    return dest


class _Limits:
    """What one transfer may take: bytes, a monotonic deadline, and a minimum average pace."""

    def __init__(self, size, max_bytes, end, deadline, min_rate, rate_grace) -> None:
        self.size, self.max_bytes, self.end, self.deadline = size, max_bytes, end, deadline
        self.min_rate, self.rate_grace, self.start = min_rate, rate_grace, time.monotonic()

    def check(self, url: str, written: int) -> None:
        now = time.monotonic()
        if self.size is not None and written > self.size:  # don't keep reading an endless or wrong body
            raise DownloadError(f"{url}: more than the expected {self.size} bytes")
        if self.size is None and written > self.max_bytes:
            raise DownloadError(f"{url}: more than {self.max_bytes} bytes, the cap for a download of unknown size")
        if now > self.end:
            raise DownloadError(f"{url}: gave up after the {self.deadline:g} s deadline ({written} bytes received)")
        elapsed = now - self.start
        if elapsed > self.rate_grace and written < self.min_rate * elapsed:
            raise DownloadError(
                f"{url}: too slow ({written} bytes in {elapsed:.0f} s, below the minimum {self.min_rate:g} bytes/s)"
            )


class _HTTPOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only (urllib would also follow ftp://)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201 (urllib's signature)
        scheme = urllib.parse.urlparse(urllib.parse.urljoin(req.full_url, newurl)).scheme
        if scheme not in ("http", "https"):
            raise DownloadError(f"{req.full_url}: refusing a redirect to {newurl!r} (only http and https are fetched)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HTTPOnlyRedirects)


def _fetch(url: str, out: BinaryIO, timeout: float, limits: _Limits) -> tuple[str, int]:
    """Stream ``url`` into ``out`` and flush it to disk; returns (hex SHA-256, byte count)."""
    h = hashlib.sha256()
    written = 0
    size = limits.size
    request = urllib.request.Request(url, headers={"User-Agent": "mytorch"})
    try:
        with _OPENER.open(request, timeout=timeout) as resp:
            announced = resp.headers.get("Content-Length")
            announced = int(announced) if announced and announced.isdigit() else None
            if size is not None and announced is not None and announced != size:
                raise DownloadError(f"{url}: the server announces {announced} bytes, expected {size}")
            if size is None and announced is not None and announced > limits.max_bytes:
                raise DownloadError(
                    f"{url}: the server announces {announced} bytes, more than the {limits.max_bytes} cap"
                )
            # read1: whatever has arrived (up to a chunk), so the limits are checked while a slow
            # server trickles; read(n) would wait for all n bytes.
            read = getattr(resp, "read1", resp.read)
            while True:
                limits.check(url, written)
                chunk = read(_CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                limits.check(url, written)
                h.update(chunk)
                out.write(chunk)
            if announced is not None and written != announced:
                raise DownloadError(f"{url}: interrupted after {written} of {announced} bytes")
        out.flush()
        os.fsync(out.fileno())
    except DownloadError:
        raise
    except http.client.IncompleteRead as e:
        raise DownloadError(f"{url}: interrupted after {written + len(e.partial)} bytes ({e})") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
        raise DownloadError(f"{url}: {type(e).__name__}: {e}") from None
    return h.hexdigest(), written


def download_resources(
    resources: Sequence[tuple[str, str, int | None]], root: str | os.PathLike, mirrors: Sequence[str]
) -> None:
    """Download each ``(filename, sha256, size)`` into ``root``, trying the mirrors in order.

    A file already in ``root`` is kept if its size and SHA-256 match (and refused with
    ``DownloadError`` if they do not: it is not silently replaced). If every mirror fails for a
    file, the error lists what each one did.
    """
    for filename, sha256, size in resources:
        existing = os.path.join(root, filename)
        if os.path.isfile(existing):
            _verify_existing(existing, sha256, size)
            continue
        failures = []
        for base in mirrors_for(mirrors):
            try:
                download_url(base + filename, root, filename, sha256=sha256, size=size)
                break
            except DownloadError as e:
                failures.append(str(e))
        else:
            raise DownloadError(f"could not download {filename} into {root}:\n  " + "\n  ".join(failures))


def _verify_existing(path: str, sha256: str | None, size: int | None) -> None:
    have = os.path.getsize(path)
    if size is not None and have != size:
        raise DownloadError(
            f"{path} is already there but holds {have} bytes, expected {size}; delete it to download again"
        )
    if sha256 is not None:
        digest = sha256_of(path)
        if digest != sha256.lower():
            raise DownloadError(
                f"{path} is already there but its SHA-256 is {digest}, expected {sha256.lower()}; "
                "delete it to download again"
            )


def extract_tar(archive: str | os.PathLike, root: str | os.PathLike, top: str) -> str:
    """Extract the directory ``top`` of a tar archive into ``root`` and return ``root/top``.

    Every member must be a regular file or directory under ``top/`` with a relative name free of
    ``..``; links, devices and anything else make the whole archive refused before a byte is
    written. Extraction goes to a temporary directory that is renamed into place at the end, so an
    interrupted extraction leaves no partial ``root/top``.
    """
    archive, root = os.fspath(archive), os.fspath(root)
    target = os.path.join(root, top)
    if os.path.exists(target):
        raise FileExistsError(f"{target} already exists; not overwriting it")
    try:
        tar = tarfile.open(archive, "r:*")  # noqa: SIM115 (closed by the "with tar" below)
    except (tarfile.TarError, OSError, EOFError) as e:
        raise ValueError(f"{archive}: not a readable tar archive ({e})") from None
    with tar:
        try:
            members = tar.getmembers()
        except (tarfile.TarError, OSError, EOFError) as e:
            raise ValueError(f"{archive}: corrupt tar archive ({e})") from None
        problems = [p for p in (_member_problem(m, top) for m in members) if p]
        if problems:
            raise ValueError(f"{archive}: refusing to extract an unsafe archive:\n  " + "\n  ".join(problems[:20]))
        staging = tempfile.mkdtemp(dir=root, prefix=f".{top}.", suffix=".extract")
        try:
            for m in members:
                path = os.path.join(staging, *(p for p in m.name.split("/") if p not in ("", ".")))
                if m.isdir():
                    os.makedirs(path, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(path), exist_ok=True)
                src = tar.extractfile(m)
                with src, open(path, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
            if not os.path.isdir(os.path.join(staging, top)):
                raise ValueError(f"{archive}: the archive holds no {top}/ directory")
            os.replace(os.path.join(staging, top), target)
        except (tarfile.TarError, EOFError) as e:
            raise ValueError(f"{archive}: corrupt tar archive ({e})") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _member_problem(member: tarfile.TarInfo, top: str) -> str | None:
    """Why a tar member may not be extracted, or None if it is a plain file/dir under ``top/``."""
    name = member.name
    parts = name.split("/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\\" in name:
        return f"{name!r}: absolute or non-POSIX path"
    if ".." in parts:
        return f"{name!r}: contains '..'"
    if not (member.isfile() or member.isdir()):
        return f"{name!r}: not a regular file or directory (links and devices are not extracted)"
    clean = [p for p in parts if p not in ("", ".")]
    if not clean or clean[0] != top or (member.isfile() and len(clean) < 2):
        return f"{name!r}: outside the expected directory {top!r}/"
    return None
