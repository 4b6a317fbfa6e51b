#!/bin/sh
# `npm ci` for the image builds (Dockerfile.hub, Dockerfile.node): usage npm-ci.sh [npm ci flags].
#
# - Behind a TLS-intercepting proxy, npm must trust the proxy's CA: when the build context carried
#   .build-context/ca.pem (copied to /tmp/build-context/), NODE_EXTRA_CA_CERTS points at it.
# - Install scripts stay off: every package with one is denied in package.json's allowScripts
#   (npm 11) and --ignore-scripts makes npm 10 (the official node image's) behave the same.
# - npm 11 refuses a lock file that lacks entries for optional platform packages the registry
#   cannot serve (here: @msgpackr-extract/*-darwin-*, *-win32-* at the locked version), although
#   npm install resolves the very same tree from it. Only for that refusal (EUSAGE) this falls back
#   to npm install, and fails unless the lock file came out unchanged: the image still gets exactly
#   the locked versions.
set -eu
if [ -s /tmp/build-context/ca.pem ]; then
  export NODE_EXTRA_CA_CERTS=/tmp/build-context/ca.pem
fi
log=/tmp/npm-ci.log
if npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=warn "$@" 2>"$log"; then
  cat "$log" >&2
  exit 0
fi
if ! grep -q 'code EUSAGE' "$log"; then
  cat "$log" >&2
  exit 1
fi
grep -E 'Missing|in sync' "$log" | head -n 8 >&2
echo "npm-ci.sh: npm ci refused package-lock.json (see above); installing the same locked tree with npm install" >&2
cp package-lock.json /tmp/package-lock.before
npm install --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=warn "$@"
if ! cmp -s package-lock.json /tmp/package-lock.before; then
  echo "npm-ci.sh: npm install changed package-lock.json: it is out of sync with package.json; run npm install and commit the lock file" >&2
  exit 1
fi
