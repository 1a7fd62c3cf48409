#!/usr/bin/env bash
# ctest k8s_manifests: the Kubernetes manifests under deploy/k8s render, validate and alert.
#   k8s_test.sh SOURCE_DIR BINARY_DIR
# 1. `kubectl kustomize deploy/k8s/overlays/example` renders (kubectl from kubernetes-client;
#    SIGIL_KUBECTL overrides), and so do the base and monitoring directories on their own.
# 2. validate_k8s.py checks every rendered object against the Kubernetes schema
#    (python3-kubernetes), the references between objects, and each SIGIL_* variable against
#    the built binaries' --help.
# 3. promtool checks the PrometheusRule's rules and runs deploy/k8s/monitoring/rules_test.yaml.
# 4. The base has no Secret (example values live in the overlay only) and the example master
#    key is what sigil accepts (base64 of 32 bytes); examples/cnpg-cluster.yaml parses.
set -uo pipefail
src="$1"; bin="$2"
kubectl="${SIGIL_KUBECTL:-kubectl}"
py=/usr/bin/python3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

command -v "$kubectl" >/dev/null || fail "no kubectl (Debian package kubernetes-client; scripts/setup installs it)"
command -v promtool >/dev/null || fail "no promtool (Debian package prometheus)"
"$py" -c 'import kubernetes, yaml' 2>/dev/null || fail "no python3-kubernetes for $py"

for dir in overlays/example base monitoring; do
  "$kubectl" kustomize "$src/deploy/k8s/$dir" > "$t/$(basename "$dir").yaml" 2> "$t/kustomize.err" ||
    { cat "$t/kustomize.err"; fail "kubectl kustomize deploy/k8s/$dir"; }
done
rendered="$t/example.yaml"

for b in services/sts/sigil-sts services/certmgr/sigil-certmgr sigilctl/sigilctl; do
  "$bin/$b" --help > "$t/$(basename "$b").help" || fail "$b --help"
done
"$py" "$src/tests/deploy/validate_k8s.py" "$rendered" \
  --help-text sigil-sts="$t/sigil-sts.help" \
  --help-text sigil-certmgr="$t/sigil-certmgr.help" \
  --help-text sigilctl="$t/sigilctl.help" \
  --rules-out "$t/sigil-rules.yaml" || fail "rendered objects do not validate"

promtool check rules "$t/sigil-rules.yaml" || fail "promtool check rules"
cp "$src/deploy/k8s/monitoring/rules_test.yaml" "$t/rules_test.yaml"
promtool test rules "$t/rules_test.yaml" || fail "promtool test rules (deploy/k8s/monitoring/rules_test.yaml)"

grep -q '^kind: Secret' "$t/base.yaml" && fail "the base renders a Secret; secret values belong in an overlay"
"$py" - "$rendered" "$src/deploy/k8s/examples/cnpg-cluster.yaml" <<'EOF' || fail "example values"
import base64, sys, yaml
secrets = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "Secret"]
assert len(secrets) == 1, f"expected one Secret, got {len(secrets)}"
key = base64.b64decode(base64.b64decode(secrets[0]["data"]["master.key"]))
assert len(key) == 32, f"the example master.key holds {len(key)} bytes, sigil needs 32"
db = base64.b64decode(secrets[0]["data"]["db"]).decode()
assert "EXAMPLE" in db, "the example connection string must be marked EXAMPLE"
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
pods = [d for d in docs if d.get("kind") == "Pod" and d["metadata"]["name"] == "sigilctl"]
assert pods, "the example overlay has no sigilctl pod"
assert pods[0]["metadata"]["labels"].get("sigil.io/admin-client") == "true", \
    "the sigilctl pod lacks the label the NetworkPolicy admits to certmgr's admin API"
env = {e["name"]: e.get("value") for e in pods[0]["spec"]["containers"][0]["env"]}
assert env.get("SIGIL_SERVER", "").startswith("https://sigil-certmgr."), "sigilctl pod: SIGIL_SERVER"
cnpg = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
assert any(d.get("kind") == "Cluster" and d.get("apiVersion") == "postgresql.cnpg.io/v1" for d in cnpg), \
    "examples/cnpg-cluster.yaml has no postgresql.cnpg.io/v1 Cluster"
EOF
echo "PASS: deploy/k8s renders with $("$kubectl" version --client --short 2>/dev/null || "$kubectl" version --client 2>/dev/null | head -n 1), validates, and its alert rules pass promtool"
