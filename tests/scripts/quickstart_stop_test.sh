#!/usr/bin/env bash
# `scripts/quickstart stop` signals only a process it can prove is its own (its binary, with
# $SIGIL_HOME as working directory): a pid file naming a foreign process (a stale pid reused by
# another program, or our binary serving another SIGIL_HOME) is removed and the process lives.
# A copy of the script runs in a throw-away checkout whose "built programs" are copies of sleep.
set -uo pipefail
src="$1"
t=$(mktemp -d)
started=()
cleanup() {
  local p
  for p in "${started[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$t"
}
trap cleanup EXIT
fail() { echo "FAIL: $1"; [ -n "${out:-}" ] && echo "$out"; exit 1; }

repo="$t/repo" home="$t/home"
sts="$repo/build/quickstart/services/sts/sigil-sts"
certmgr="$repo/build/quickstart/services/certmgr/sigil-certmgr"
mkdir -p "$repo/scripts" "$(dirname "$sts")" "$(dirname "$certmgr")" "$home/run" "$t/elsewhere"
cp "$src/scripts/quickstart" "$repo/scripts/"
cp "$(command -v sleep)" "$sts"
cp "$(command -v sleep)" "$certmgr"

# Starts "$@" in directory $1 as an orphan (so it is reaped by init, never left a zombie of
# ours) and prints its pid.
spawn() {
  local dir="$1"; shift
  (cd "$dir" && exec "$@" </dev/null >/dev/null 2>&1 & echo $!)
}
alive() { [ -e "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
gone_within_2s() {
  for _ in $(seq 20); do alive "$1" || return 0; sleep 0.1; done
  return 1
}
quickstart() { SIGIL_HOME="$home" "$repo/scripts/quickstart" "$@" 2>&1; }

# 1. sts's pid file names our sts; certmgr's names an unrelated program (a reused pid).
ours=$(spawn "$home" "$sts" 300); started+=("$ours")
foreign=$(spawn "$home" sleep 300); started+=("$foreign")
echo "$ours" > "$home/run/sigil-sts.pid"
echo "$foreign" > "$home/run/sigil-certmgr.pid"
out=$(quickstart status)
grep -q "sigil-sts running (pid $ours)" <<<"$out" || fail "status does not report our sts"
grep -q "sigil-certmgr not running" <<<"$out" || fail "status calls a foreign process our certmgr"
out=$(quickstart stop) || fail "stop failed"
gone_within_2s "$ours" || fail "our sts (pid $ours) was not stopped"
grep -q "stopped sigil-sts (pid $ours)" <<<"$out" || fail "stop did not report stopping sts"
alive "$foreign" || fail "stop killed pid $foreign, a foreign process named in a stale pid file"
grep -q "names pid $foreign, which is not our sigil-certmgr" <<<"$out" ||
  fail "stop did not report the stale certmgr pid file"
[ ! -e "$home/run/sigil-certmgr.pid" ] || fail "the stale pid file was kept"
[ ! -e "$home/run/sigil-sts.pid" ] || fail "sts's pid file was kept after stopping it"

# 2. our certmgr binary, but serving another SIGIL_HOME (another working directory); and a pid
#    file that holds no number.
other=$(spawn "$t/elsewhere" "$certmgr" 300); started+=("$other")
echo "$other" > "$home/run/sigil-certmgr.pid"
echo "not-a-pid" > "$home/run/sigil-sts.pid"
out=$(quickstart stop) || fail "stop failed on a pid file without a number"
alive "$other" || fail "stop killed pid $other, our binary serving another SIGIL_HOME"
grep -q "names pid $other, which is not our sigil-certmgr" <<<"$out" ||
  fail "stop did not report the other home's certmgr"
echo "PASS: quickstart stop stops its own process and leaves foreign pids alone"
