#!/bin/sh
# Installs the packed SDK (the tarballs given) into the locked tree without saving it, so the lock
# file stays valid whatever the tarball's hash: usage install-sdk.sh [npm install flags] TARBALL.
# Behind a TLS-intercepting proxy npm trusts the CA the build context carried, as npm-ci.sh does.
set -eu
if [ -s /tmp/build-context/ca.pem ]; then
  export NODE_EXTRA_CA_CERTS=/tmp/build-context/ca.pem
fi
exec npm install --no-save --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=warn "$@"
