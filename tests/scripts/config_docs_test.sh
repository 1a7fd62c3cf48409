#!/usr/bin/env bash
# docs/configuration.md must be exactly what scripts/gen-config-docs makes from the built
# binaries' --help, so every flag, variable and file key is documented as the code defines it.
set -uo pipefail
src="$1"; bin="$2"
diff -u "$src/docs/configuration.md" <("$src/scripts/gen-config-docs" "$bin") && {
  echo "PASS: docs/configuration.md matches the binaries' --help"; exit 0; }
echo "FAIL: docs/configuration.md is out of date; run scripts/gen-config-docs $bin > docs/configuration.md"
exit 1
