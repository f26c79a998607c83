"""Tests' handle on the Credly stand-in (scripts/credly_server.py): queue failures, read its state."""

from dataclasses import dataclass

import requests


@dataclass
class CredlyControl:
    server: object  # the stand-in's ThreadingHTTPServer (or None with `base_url` given)
    base_url: str = ""

    def __post_init__(self):
        if not self.base_url:
            self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"  # type: ignore[attr-defined]

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/v1"

    def reset(self) -> None:
        requests.post(f"{self.base_url}/_control/reset", timeout=5).raise_for_status()

    def fail(self, endpoint: str, mode: str, *, times: int = 1, **options) -> None:
        """The next `times` calls of `endpoint` (issue, lookup, get, revoke) fail as `mode` says (timeout,
        500, 429, 422, lost); options: retry_after (429), sleep (timeout), message (422)."""
        order = {"endpoint": endpoint, "mode": mode, "times": times, **options}
        requests.post(f"{self.base_url}/_control/fail", json=order, timeout=5).raise_for_status()

    def state(self) -> dict:
        return requests.get(f"{self.base_url}/_control/state", timeout=5).json()

    def badges(self, issuer_earner_id: str | None = None) -> list[dict]:
        badges = self.state()["badges"]
        return [b for b in badges if issuer_earner_id is None or b["issuer_earner_id"] == issuer_earner_id]

    def calls(self, endpoint: str) -> int:
        return self.state()["calls"][endpoint]
