"""Where uploaded and generated files live: a small interface so app servers stay stateless.

The default keeps files in a local folder (UPLOAD_FOLDER, outside static/); a shared folder or an
S3-compatible store can take its place behind the same three methods.
"""
import os
import secrets
from pathlib import Path

from flask import current_app


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        # Keys are ours (random hex), never a user's file name, so no path can escape the root.
        if not key.isalnum():
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage() -> LocalStorage:
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "files")
    return LocalStorage(folder)
