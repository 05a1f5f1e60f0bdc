#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prints a nuget.config whose package Rdpneg comes only from the local feed
# FEED (what bindings/csharp/pack.sh wrote) and every other package from
# nuget.org (package source mapping, so no Rdpneg from nuget.org is taken):
#
#   bindings/csharp/feed_config.sh FEED >nuget.config
#
# Used by test/packaging/test_nuget.sh and test/windows/run_tests.sh.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 FEED" >&2
  exit 2
fi
cat <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local-feed" value="$1" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local-feed"><package pattern="Rdpneg" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
EOF
