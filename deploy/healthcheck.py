"""Container health check: exit 0 when GET /api/v1/health answers 200 (database reachable)."""
import os
import sys
import urllib.request

URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/api/v1/health"

try:
    with urllib.request.urlopen(URL, timeout=4) as response:  # noqa: S310 - fixed local URL
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"; a 503 raises HTTPError
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
