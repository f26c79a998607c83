"""Make `bench/*.py` runnable as scripts from the repository root with the project's settings."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amtportal.settings")

import django  # noqa: E402

django.setup()
