"""A local S3-compatible server for the tests: moto's server mode on 127.0.0.1, in a thread of the test
process.

The portal reaches it through django-storages and boto3 exactly as it reaches a real bucket (HTTP, signed
requests); a Celery worker process reaches it through the same environment variables a deployment sets.
Nothing here leaves the machine.
"""

import logging
import secrets
from dataclasses import dataclass

import boto3

REGION = "us-east-1"
# moto accepts any key pair; these only have to be the same on every side.
ACCESS_KEY_ID = "portal-test-access-key"
SECRET_ACCESS_KEY = "portal-test-secret-key"


class S3Server:
    """moto's ThreadedMotoServer on 127.0.0.1 and a port the system picks."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def start(self) -> "S3Server":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )


@dataclass
class S3Bucket:
    """A private bucket of this test on the local server, and how the portal is configured to use it."""

    server: S3Server
    name: str

    @classmethod
    def create(cls, server: S3Server) -> "S3Bucket":
        bucket = cls(server=server, name=f"portal-files-{secrets.token_hex(4)}")
        server.client().create_bucket(Bucket=bucket.name)
        return bucket

    @property
    def environment(self) -> dict[str, str]:
        """The variables that switch a portal process (web or worker) to this bucket (README, deployment)."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.server.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        }

    def object_keys(self) -> list[str]:
        listed = self.server.client().list_objects_v2(Bucket=self.name)
        return sorted(entry["Key"] for entry in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.name, Key=key)["Body"].read()

    def grants(self, key: str) -> list[dict]:
        return self.server.client().get_object_acl(Bucket=self.name, Key=key)["Grants"]

    def public_url(self, key: str) -> str:
        """Where the object would be if the bucket or the object were public (path-style addressing)."""
        return f"{self.server.endpoint_url}/{self.name}/{key}"
