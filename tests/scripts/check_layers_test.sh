#!/usr/bin/env bash
# scripts/check-layers must fail on a tree that breaks the module map, naming each violation,
# and pass on a tree that respects it.
set -uo pipefail
check="$1"
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir -p "$t/common/crypto" "$t/common/xml" "$t/services/sts" "$t/services/common" "$t/sigilctl"
printf '#include <boost/beast/core.hpp>\n#include "sigil/db/store.hpp"\n' > "$t/common/crypto/bad.cpp"
printf '#include "sigil/crypto/handles.hpp"\n#include <libxml/tree.h>\n' > "$t/common/xml/good.cpp"
printf '#include "certmgr/ca.hpp"\n' > "$t/services/sts/main.cpp"
printf '#include "sigil/ca/builtin_ca.hpp"\n#include "certmgr/ca/builtin_ca.hpp"\n' > "$t/sigilctl/tenant.cpp"
printf '#include "sigil/service/cli.hpp"\n#include "sts/config.hpp"\n' > "$t/services/common/host.cpp"
out=$("$check" "$t"); rc=$?
fail() { echo "FAIL: $1"; echo "$out"; exit 1; }
[ $rc -eq 1 ] || fail "expected exit 1, got $rc"
grep -q 'crypto/bad.cpp includes boost/beast/core.hpp' <<<"$out" || fail "Beast in crypto not reported"
grep -q 'crypto may not depend on db' <<<"$out" || fail "crypto -> db not reported"
grep -q 'services/sts/main.cpp includes code of services/certmgr' <<<"$out" || fail "sts -> certmgr not reported"
grep -q 'sigilctl/tenant.cpp includes service code: #include "certmgr/ca/builtin_ca.hpp"' <<<"$out" ||
  fail "sigilctl -> certmgr not reported"
grep -q 'services/common/host.cpp includes service code: #include "sts/config.hpp"' <<<"$out" ||
  fail "services/common -> sts not reported"
grep -q 'xml/good.cpp' <<<"$out" && fail "a permitted include was reported"
grep -q 'sigil/ca/builtin_ca.hpp\|sigil/service/cli.hpp' <<<"$out" && fail "a library include was reported"
rm "$t/common/crypto/bad.cpp" "$t/services/sts/main.cpp"
sed -i '/certmgr\//d' "$t/sigilctl/tenant.cpp"
sed -i '/sts\//d' "$t/services/common/host.cpp"
"$check" "$t" >/dev/null || fail "a clean tree was refused"
echo "PASS: check-layers reports every violation and accepts a clean tree"
