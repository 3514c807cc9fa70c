"""Files chosen in a form that came back with an error are kept, so that the user does not choose them again.

A browser cannot put a file back into a file input, so when a form with uploads is shown again (an error, a
search in the same form), each accepted upload is stored under `kept-uploads/<random>/` in the default storage
and the form carries a signed token for it ("file.pdf (kept)", with a check box to drop it). The next submission
turns each token back into an uploaded file. A token names a random directory and is signed: it cannot point
anywhere else, and only the user who uploaded the file ever sees it. Kept files are deleted once used
(`release`) and, if the form is abandoned, after `MAX_AGE` (`purge_stale`, run whenever a file is kept).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

KEPT_DIR = "kept-uploads"
MAX_AGE = timedelta(hours=24)
PURGE_BATCH = 50
_SALT = "core.kept_uploads"


class KeptUpload(UploadedFile):
    """A file kept from an earlier submission: reads like an upload; `token` is what the form carries."""

    def __init__(self, token: str, path: str, name: str, size: int, content_type: str) -> None:
        super().__init__(default_storage.open(path, "rb"), name, content_type, size)
        self.token, self.path = token, path


class LostUpload:
    """A token that no longer resolves (expired, tampered with, already used): the field reports it."""

    name = ""
    size = 0


def _clean_name(name: str) -> str:
    return ((name or "attachment").replace("\\", "/").rsplit("/", 1)[-1][:200]) or "attachment"


def keep(upload) -> str:
    """Store `upload` for a later submission of the same form and return its token (once per upload)."""
    if isinstance(upload, KeptUpload):
        return upload.token
    token = getattr(upload, "kept_token", None)
    if token:
        return token
    purge_stale()
    name = _clean_name(upload.name)
    upload.seek(0)
    path = default_storage.save(f"{KEPT_DIR}/{uuid.uuid4().hex}/{name}", upload)
    token = signing.dumps(
        {"p": path, "n": name, "s": upload.size, "t": getattr(upload, "content_type", "") or ""}, salt=_SALT,
    )
    upload.kept_token = token
    return token


def restore(token: str) -> KeptUpload | LostUpload:
    """The kept file a token names, or a LostUpload when it expired or was tampered with."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
        path = data["p"]
        if not path.startswith(f"{KEPT_DIR}/") or ".." in path or not default_storage.exists(path):
            return LostUpload()
        return KeptUpload(token, path, data["n"], int(data["s"]), data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return LostUpload()


def lost_error() -> ValidationError:
    return ValidationError("A file kept from your last attempt is no longer available: choose it again.")


def release(uploads: Iterable) -> None:
    """Delete the kept files among `uploads` once they have been attached for good."""
    for upload in uploads:
        if isinstance(upload, KeptUpload):
            upload.close()
            default_storage.delete(upload.path)
            _remove_directory(upload.path.rsplit("/", 1)[0])


def _remove_directory(directory: str) -> None:
    # Not a local storage, or not empty: purge_stale comes back to it later.
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(directory))


def purge_stale(now: datetime | None = None) -> int:
    """Delete kept files older than MAX_AGE (at most PURGE_BATCH per call); the number of files deleted."""
    now = now or datetime.now(UTC)
    try:
        directories, _files = default_storage.listdir(KEPT_DIR)
    except FileNotFoundError:
        return 0
    deleted = 0
    for directory in directories:
        if deleted >= PURGE_BATCH:
            break
        _dirs, files = default_storage.listdir(f"{KEPT_DIR}/{directory}")
        stale = [f"{KEPT_DIR}/{directory}/{name}" for name in files
                 if now - default_storage.get_modified_time(f"{KEPT_DIR}/{directory}/{name}") > MAX_AGE]
        for path in stale:
            default_storage.delete(path)
        if stale:  # never an empty directory a concurrent `keep` may be about to fill
            deleted += len(stale)
            _remove_directory(f"{KEPT_DIR}/{directory}")
    return deleted
