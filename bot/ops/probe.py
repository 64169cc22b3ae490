"""``python -m bot.ops.probe``: exit 0 when this container's bot answers ``/healthz`` with 200.

The container's HEALTHCHECK. It asks the address the bot listens on: WEBHOOK_LISTEN in
webhook mode (WEBHOOK_URL set), else HEALTH_LISTEN; ``0.0.0.0`` means this host. Prints one
line; never reads a secret.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def probe_url() -> str | None:
    if os.environ.get("WEBHOOK_URL"):
        listen = os.environ.get("WEBHOOK_LISTEN", "127.0.0.1:8443")
    else:
        listen = os.environ.get("HEALTH_LISTEN", "")
    if not listen:
        return None
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if host in ("0.0.0.0", "", "::"):  # noqa: S104 (reading a setting, not binding)
        host = "127.0.0.1"
    return f"http://{host}:{port}/healthz"


def main() -> int:
    url = probe_url()
    if url is None:
        print("probe: set HEALTH_LISTEN (or WEBHOOK_URL) so the bot serves /healthz")  # noqa: T201
        return 1
    try:
        with urllib.request.urlopen(url, timeout=8) as response:  # noqa: S310 (http to us)
            print(f"probe: {url} {response.status}")  # noqa: T201
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        print(f"probe: {url} {error.code}")  # noqa: T201
    except (urllib.error.URLError, OSError) as error:
        print(f"probe: {url} unreachable ({type(error).__name__})")  # noqa: T201
    return 1


if __name__ == "__main__":
    sys.exit(main())
