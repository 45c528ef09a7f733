#!/usr/bin/env bash
# Installs what the browser test (tests/it/browser.rs) needs and is missing:
# Debian's chromium (+ chromium-driver) and a CJK font via apt-get (run as
# root), and playwright-core from package-lock.json via npm ci. Node.js >= 20
# with npm must already be there. Safe to run again: it skips what is present.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || true)
if [ -z "$major" ] || [ "$major" -lt 20 ]; then
  echo "the browser test needs Node.js >= 20 with npm (found: ${major:-none})" >&2
  exit 1
fi
[ -f node_modules/playwright-core/package.json ] || npm ci --no-audit --no-fund
/usr/bin/chromium --version
