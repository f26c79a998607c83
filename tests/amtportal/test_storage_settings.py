"""Where files go is decided by the environment alone: the local folder by default, one private S3 bucket
when AWS_STORAGE_BUCKET_NAME is set; production settings with a bucket pass Django's deployment checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "portal.example.org",
    "EMAIL_URL": "smtp+tls://portal:secret@smtp.example.org:587",
    "CREDENTIAL_SIGNING_KEY": "set-in-production",
}
BUCKET = {
    "AWS_STORAGE_BUCKET_NAME": "amt-portal-files",
    "AWS_S3_REGION_NAME": "eu-central-1",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
    "AWS_LOCATION": "portal",
}
DESCRIBE = """
import django, json
django.setup()
from django.core.files.storage import default_storage as storage
storage._setup()
described = {"backend": type(storage._wrapped).__name__}
for name in ("location", "bucket_name", "endpoint_url", "region_name", "default_acl", "querystring_auth"):
    described[name] = str(getattr(storage, name, ""))
print(json.dumps(described))
"""


def run(arguments: list[str], variables: dict[str, str]) -> str:
    """`python arguments` with the settings read from `variables` only (no test-run variable leaks in)."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "amtportal.settings",
        "DATABASE_URL": "sqlite:///:memory:",
        **variables,
    }
    result = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def storage(variables: dict[str, str]) -> dict:
    return json.loads(run(["-c", DESCRIBE], variables).strip().splitlines()[-1])


def test_without_a_bucket_files_stay_in_the_local_folder():
    described = storage({})

    assert described["backend"] == "FileSystemStorage"
    assert described["location"] == str(ROOT / "var" / "private")


def test_a_bucket_name_switches_every_file_to_that_private_bucket():
    described = storage(PRODUCTION | BUCKET)

    assert described == {
        "backend": "S3Storage",
        "location": "portal",
        "bucket_name": "amt-portal-files",
        "endpoint_url": "https://s3.example.org",
        "region_name": "eu-central-1",
        "default_acl": "None",  # no ACL sent: the bucket's own (private) applies
        "querystring_auth": "True",  # were a URL ever made, it would be signed and expire
    }


def test_production_settings_with_a_bucket_pass_the_deployment_checks():
    output = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION | BUCKET)

    assert "System check identified no issues (0 silenced)." in output
