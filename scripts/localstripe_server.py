"""Start localstripe bound to 127.0.0.1 with an empty, in-memory state (`make run` and the tests use it).

localstripe's own entry point listens on every interface and keeps its state in a fixed pickle file that
every instance on the machine shares; this runs the same application on loopback only and never touches
that file. Optionally registers the portal's webhook endpoint (as POST /_config/webhooks/{id} would).

    python scripts/localstripe_server.py --port 8420 \
        --webhook-url http://127.0.0.1:8000/billing/stripe/webhook/ --webhook-secret whsec_localstripe
"""

import argparse
import logging

from aiohttp import web
from localstripe import resources, server, webhooks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--webhook-url")
    parser.add_argument("--webhook-secret", default="whsec_localstripe")
    args = parser.parse_args()

    resources.store.clear()
    resources.store.dump_to_disk = lambda: None  # state lives in this process only
    if args.webhook_url:
        webhooks.register_webhook("portal", args.webhook_url, args.webhook_secret, None)
    logging.basicConfig(level=logging.INFO, format="localstripe: %(message)s")
    web.run_app(server.app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
