#!/usr/bin/env python3
"""Runs the scim2-tester compliance suite (PyPI `scim2-tester`, the checks `scim2 test`
runs) against a SCIM endpoint and fails on any check that found a violation.

    python3 scripts/scim_compliance.py BASE_URL TOKEN

Every check is printed with its status. A check the suite skips (a feature the
server's /ServiceProviderConfig says it does not offer, e.g. bulk) is shown and is
not a failure; ERROR and CRITICAL (a MUST broken) and DEVIATION (a SHOULD broken) are.
"""
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

FAILING = {Status.ERROR, Status.CRITICAL, Status.DEVIATION}


def main() -> int:
    base, token = sys.argv[1], sys.argv[2]
    client = SyncSCIMClient(
        Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    )
    results = check_server(client)
    failed = [r for r in results if r.status in FAILING]
    for r in results:
        line = f"{r.status.name:<10} {r.title or ''}"
        if r.resource_type:
            line += f" [{r.resource_type}]"
        print(line)
        if r.status is not Status.SUCCESS and r.reason:
            print(f"           {r.reason}")
    print(f"\n{len(results)} checks: {len(results) - len(failed)} passed or skipped, {len(failed)} failed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
