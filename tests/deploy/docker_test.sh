#!/usr/bin/env bash
# ctest docker_image_definition: what can be checked of the container image without a Docker
# engine.
#   docker_test.sh SOURCE_DIR BINARY_DIR
# 1. check_dockerfile.py: the Dockerfile's stages, packages (against scripts/packages.txt and
#    their roles), COPY sources (against .dockerignore), USER, HEALTHCHECK, ENTRYPOINT.
# 2. shellcheck on docker/entrypoint and docker/runtime-packages.
# 3. docker/runtime-packages on the built binaries names the runtime library packages (and no
#    -dev package), as the Dockerfile's build stage runs it.
# 4. docker/entrypoint with the built binaries on PATH: picks the program by its first
#    argument, refuses an unknown one, and its healthcheck answers 0 for a live sigil-sts
#    and 1 for a closed port.
set -uo pipefail
src=$(cd "$1" && pwd); bin=$(cd "$2" && pwd)
py=/usr/bin/python3
t=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$t"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

for b in services/sts/sigil-sts services/certmgr/sigil-certmgr sigilctl/sigilctl; do
  "$bin/$b" --help > "$t/$(basename "$b").help" || fail "$b --help"
done
"$py" "$src/tests/deploy/check_dockerfile.py" "$src" "$t"/*.help || fail "docker/Dockerfile"

command -v shellcheck >/dev/null || fail "no shellcheck (Debian package shellcheck)"
shellcheck "$src/docker/entrypoint" "$src/docker/runtime-packages" || fail "shellcheck docker/"

pkgs=$("$src/docker/runtime-packages" "$bin/services/sts/sigil-sts" "$bin/services/certmgr/sigil-certmgr" \
  "$bin/sigilctl/sigilctl") || fail "docker/runtime-packages"
for want in libc6 libssl3 libpq5 libxml2; do
  grep -qx "$want" <<<"$pkgs" || fail "docker/runtime-packages did not name $want: $pkgs"
done
grep -- '-dev$' <<<"$pkgs" && fail "docker/runtime-packages named a -dev package"
while read -r p; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
    fail "docker/runtime-packages named $p, which is not an installed package"
done <<<"$pkgs"

mkdir -p "$t/bin"
ln -s "$bin/services/sts/sigil-sts" "$bin/services/certmgr/sigil-certmgr" "$bin/sigilctl/sigilctl" "$t/bin/"
ep() { PATH="$t/bin:$PATH" "$src/docker/entrypoint" "$@"; }
for prog in sts:sigil-sts certmgr:sigil-certmgr sigilctl:sigilctl sigil-sts:sigil-sts; do
  out=$(ep "${prog%%:*}" --version) || fail "entrypoint ${prog%%:*} --version"
  [[ "$out" == "${prog##*:} "* ]] || fail "entrypoint ${prog%%:*} ran '$out', not ${prog##*:}"
done
out=$(ep migrate --help) && grep -q '^Usage: sigil-certmgr' <<<"$out" || fail "entrypoint migrate --help"
ep frobnicate 2>"$t/err"; rc=$?
[ "$rc" = 2 ] && grep -q "unknown program 'frobnicate'" "$t/err" || fail "entrypoint frobnicate: exit $rc, $(cat "$t/err")"

# A closed port fails the health check; a live sigil-sts (no database: alive, not ready) passes.
closed=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ep healthcheck "127.0.0.1:$closed" 2>/dev/null && fail "healthcheck passed against a closed port"
"$bin/services/sts/sigil-sts" --metrics-listen 127.0.0.1:0 --listen 127.0.0.1:0 --home "$t/home" \
  2>"$t/sts.log" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*event=listener.started listener=metrics addr=127.0.0.1:\([0-9]*\).*/\1/p' "$t/sts.log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "sigil-sts did not start: $(cat "$t/sts.log")"
ep healthcheck "127.0.0.1:$port" || fail "healthcheck failed against a live sigil-sts on $port"
ep healthcheck "0.0.0.0:$port" || fail "healthcheck did not map 0.0.0.0 to 127.0.0.1"
echo "PASS: docker/ image definition, entrypoint and health check"
