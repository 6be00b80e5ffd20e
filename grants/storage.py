"""Where uploaded and generated files live: a small interface so app servers stay stateless.

Every stored file is bytes under a key we make (random hex); the database row keeps the key. Two
backends, chosen by the STORAGE setting:

- `local` (default): a folder, UPLOAD_FOLDER (else instance/files). With several app servers it must be a
  folder every server mounts (NFS, a shared disk), or one server would not find another's uploads.
- `s3`: a bucket in an S3-compatible store (AWS S3, MinIO, Ceph, Garage ...): S3_BUCKET, S3_ENDPOINT_URL,
  S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY.

Both answer the same three calls. `read` raises FileNotFoundError for a key that names no file and
ValueError for a key we could never have made; callers turn either into a 404.
"""
import os
import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app


class Storage(Protocol):
    def save(self, data: bytes) -> str: ...
    def put(self, key: str, data: bytes) -> None: ...  # under a key made by save (a restore keeps its keys)
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def new_key() -> str:
    return secrets.token_hex(16)


def checked(key: str) -> str:
    # Keys are ours (random hex), never a user's file name, so no path or object name can escape the store.
    if not key or not key.isalnum():
        raise ValueError("invalid storage key")
    return key


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = checked(key)
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = new_key()
        self.put(key, data)
        return key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file, even on another server sharing the folder

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects named by the key alone in one bucket. A PUT is atomic on S3, so no temporary name is needed."""

    def __init__(self, client, bucket: str):
        self.client = client
        self.bucket = bucket

    def save(self, data: bytes) -> str:
        key = new_key()
        self.put(key, data)
        return key

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=checked(key), Body=data)

    def read(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=checked(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(key) from error
            raise
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        # S3 answers a delete of a missing object with success, like unlink(missing_ok=True).
        self.client.delete_object(Bucket=self.bucket, Key=checked(key))


def s3_client(config):
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL"),
        region_name=config.get("S3_REGION") or "us-east-1",
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID"),
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        # Path-style URLs work with every S3-compatible server (MinIO has no per-bucket host names by default);
        # bounded timeouts so a store that hangs fails the request instead of holding a worker.
        config=BotoConfig(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=30,
                          retries={"max_attempts": 3, "mode": "standard"}),
    )


STORAGE_SETTINGS = ("STORAGE", "UPLOAD_FOLDER", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION",
                    "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")


def make_storage(config, instance_path: str) -> Storage:
    backend = (config.get("STORAGE") or "local").lower()
    if backend == "local":
        return LocalStorage(config.get("UPLOAD_FOLDER") or os.path.join(instance_path, "files"))
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE=s3 needs S3_BUCKET")
        return S3Storage(s3_client(config), config["S3_BUCKET"])
    raise RuntimeError(f"unknown STORAGE {backend!r}: use 'local' or 's3'")


def storage() -> Storage:
    """The app's store. Built once per app and settings (an S3 client costs milliseconds and keeps a connection
    pool; boto3 clients are safe to share between threads)."""
    app = current_app._get_current_object()
    settings = tuple(app.config.get(name) for name in STORAGE_SETTINGS)
    cached = app.extensions.get("minha_storage")
    if cached is None or cached[0] != settings:
        cached = (settings, make_storage(app.config, app.instance_path))
        app.extensions["minha_storage"] = cached
    return cached[1]
