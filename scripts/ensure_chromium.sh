#!/usr/bin/env bash
# The query-page browser test (tests/python/test_query_page.py) drives Debian's chromium through Playwright.
# Install it from Debian's packages when it is missing (as root, or through sudo).
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "ensure_chromium: /usr/bin/chromium is missing and neither root nor sudo can install it" \
        "(apt-get install chromium)" >&2
    exit 1
fi
echo "ensure_chromium: installing Debian's chromium for the browser test" >&2
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
