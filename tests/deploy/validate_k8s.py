#!/usr/bin/python3
"""Validates rendered Kubernetes manifests (`kubectl kustomize` output) without a cluster.

Run with Debian's /usr/bin/python3 and python3-kubernetes (the official client, whose model
classes are generated from the Kubernetes OpenAPI schema):

  validate_k8s.py RENDERED.yaml [--help PROGRAM=FILE]... [--rules-out FILE]

1. Schema: every object of a core kind is walked against its model class (the class's
   openapi_types and attribute_map): an unknown field, a wrong type or a missing required
   field is an error. ServiceMonitor and PrometheusRule (CRDs of the Prometheus Operator) are
   checked against the fields this project uses of their v1 schema.
2. References: selectors match pod templates, named ports exist, secrets and their keys exist,
   volume mounts name declared volumes, the namespace exists.
3. Sigil: containers run the image's entrypoint with sts, certmgr or migrate; each SIGIL_*
   variable they set appears in that program's --help (files given with --help); probes hit
   /readyz and /healthz on the metrics port; containers are non-root with a read-only root
   file system and have resource requests and limits.

--rules-out writes the PrometheusRule groups as a Prometheus rules file for promtool.
Prints one line per problem and exits 1 when there is any; prints a summary and exits 0 when
there is none.
"""
import argparse
import re
import sys

import yaml
from kubernetes import client

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


# ---------------------------------------------------------------------------------------------
# 1. Schema
# ---------------------------------------------------------------------------------------------

# apiVersion/kind this project may render, and the model class that describes it.
CORE_KINDS = {
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "Secret"): "V1Secret",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Service"): "V1Service",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "Pod"): "V1Pod",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("batch/v1", "Job"): "V1Job",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
    ("networking.k8s.io/v1", "NetworkPolicy"): "V1NetworkPolicy",
}

PRIMITIVES = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "datetime": (str,),
    "date": (str,),
}


def check_type(value, type_name, path):
    """Walks `value` against the client's type string, reporting into `errors`."""
    if value is None:
        return
    m = re.fullmatch(r"list\[(.+)\]", type_name)
    if m:
        if not isinstance(value, list):
            err(path, f"expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check_type(item, m.group(1), f"{path}[{i}]")
        return
    m = re.fullmatch(r"dict\(str, (.+)\)", type_name)
    if m:
        if not isinstance(value, dict):
            err(path, f"expected a map, got {type(value).__name__}")
            return
        inner = m.group(1)
        for k, v in value.items():
            if not isinstance(k, str):
                err(path, f"map key {k!r} is not a string")
            # Quantities (resources) are strings in the schema and numbers are accepted too.
            if inner == "str" and isinstance(v, (int, float)) and not isinstance(v, bool) \
                    and path.endswith((".limits", ".requests")):
                continue
            check_type(v, inner, f"{path}.{k}")
        return
    if type_name == "object":  # IntOrString and free-form fields
        return
    if type_name in PRIMITIVES:
        ok = PRIMITIVES[type_name]
        if isinstance(value, bool) and bool not in ok:
            err(path, f"expected {type_name}, got a boolean")
        elif not isinstance(value, ok):
            err(path, f"expected {type_name}, got {type(value).__name__} {value!r}")
        return
    cls = getattr(client, type_name, None)
    if cls is None:
        err(path, f"no model class {type_name}")
        return
    if not isinstance(value, dict):
        err(path, f"expected an object ({type_name}), got {type(value).__name__}")
        return
    by_json = {json: attr for attr, json in cls.attribute_map.items()}
    for key, v in value.items():
        attr = by_json.get(key)
        if attr is None:
            err(f"{path}.{key}", f"unknown field (not in {type_name})")
            continue
        check_type(v, cls.openapi_types[attr], f"{path}.{key}")


def check_required(obj, model, where):
    """The client raises ValueError for a missing required field or a value out of its enum."""
    api = client.ApiClient()
    try:
        api._ApiClient__deserialize(obj, model)  # pylint: disable=protected-access
    except (ValueError, TypeError) as e:
        err(where, f"schema: {e}")


# The fields of the Prometheus Operator's v1 CRDs that are allowed here (a strict subset).
SERVICE_MONITOR_SPEC = {
    "selector": dict, "endpoints": list, "namespaceSelector": dict, "jobLabel": str,
    "targetLabels": list, "podTargetLabels": list,
}
SERVICE_MONITOR_ENDPOINT = {
    "port": str, "path": str, "scheme": str, "interval": str, "scrapeTimeout": str,
    "honorLabels": bool, "relabelings": list, "metricRelabelings": list,
}
RULE_FIELDS = {"alert": str, "record": str, "expr": str, "for": str, "labels": dict,
               "annotations": dict}


def check_fields(value, allowed, where):
    if not isinstance(value, dict):
        err(where, "expected an object")
        return False
    for k, v in value.items():
        if k not in allowed:
            err(f"{where}.{k}", "unknown field")
        elif not isinstance(v, allowed[k]):
            err(f"{where}.{k}", f"expected {allowed[k].__name__}")
    return True


def check_crd(obj, where):
    kind = obj.get("kind")
    check_fields(obj, {"apiVersion": str, "kind": str, "metadata": dict, "spec": dict}, where)
    check_type(obj.get("metadata"), "V1ObjectMeta", f"{where}.metadata")
    spec = obj.get("spec") or {}
    if kind == "ServiceMonitor":
        check_fields(spec, SERVICE_MONITOR_SPEC, f"{where}.spec")
        check_type(spec.get("selector"), "V1LabelSelector", f"{where}.spec.selector")
        if not spec.get("endpoints"):
            err(f"{where}.spec.endpoints", "no endpoints")
        for i, ep in enumerate(spec.get("endpoints") or []):
            check_fields(ep, SERVICE_MONITOR_ENDPOINT, f"{where}.spec.endpoints[{i}]")
    elif kind == "PrometheusRule":
        check_fields(spec, {"groups": list}, f"{where}.spec")
        names = set()
        for i, g in enumerate(spec.get("groups") or []):
            gw = f"{where}.spec.groups[{i}]"
            check_fields(g, {"name": str, "interval": str, "rules": list}, gw)
            if g.get("name") in names:
                err(gw, f"duplicate group name {g.get('name')}")
            names.add(g.get("name"))
            for j, r in enumerate(g.get("rules") or []):
                rw = f"{gw}.rules[{j}]"
                check_fields(r, RULE_FIELDS, rw)
                if ("alert" in r) == ("record" in r):
                    err(rw, "a rule needs exactly one of alert and record")
                if "alert" in r and "severity" not in (r.get("labels") or {}):
                    err(rw, f"alert {r['alert']} has no severity label")
                if "alert" in r and "summary" not in (r.get("annotations") or {}):
                    err(rw, f"alert {r['alert']} has no summary annotation")


# ---------------------------------------------------------------------------------------------
# 2. References and 3. Sigil
# ---------------------------------------------------------------------------------------------

def selects(selector, labels):
    """Whether a matchLabels/matchExpressions selector selects `labels`."""
    if not selector:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def pod_templates(objs):
    """(where, object, pod template) of every workload."""
    out = []
    for where, o in objs:
        if o.get("kind") in ("Deployment", "Job"):
            out.append((where, o, (o.get("spec") or {}).get("template") or {}))
        elif o.get("kind") == "Pod":
            out.append((where, o, {"metadata": o.get("metadata") or {}, "spec": o.get("spec") or {}}))
    return out


def container_ports(template):
    names = {}
    for c in ((template.get("spec") or {}).get("containers") or []):
        for p in c.get("ports") or []:
            if "name" in p:
                names[p["name"]] = p.get("containerPort")
    return names


SIGIL_PROGRAMS = {"sts": "sigil-sts", "certmgr": "sigil-certmgr", "migrate": "sigil-certmgr",
                  "sigilctl": "sigilctl"}


def check_references(objs, helps):
    namespaces = {o["metadata"]["name"] for _, o in objs if o.get("kind") == "Namespace"}
    secrets = {}
    for _, o in objs:
        if o.get("kind") == "Secret":
            keys = set((o.get("data") or {}).keys()) | set((o.get("stringData") or {}).keys())
            secrets[(o["metadata"].get("namespace"), o["metadata"]["name"])] = keys
    templates = pod_templates(objs)
    services = [(w, o) for w, o in objs if o.get("kind") == "Service"]

    for where, o in objs:
        meta = o.get("metadata") or {}
        if not meta.get("name"):
            err(where, "no metadata.name")
        if o.get("kind") != "Namespace":
            ns = meta.get("namespace")
            if not ns:
                err(where, "no namespace (the overlay must set one)")
            elif namespaces and ns not in namespaces:
                err(where, f"namespace {ns} is not rendered")

    for where, o, tpl in templates:
        ns = o["metadata"].get("namespace")
        spec = o.get("spec") or {}
        labels = (tpl.get("metadata") or {}).get("labels") or {}
        if o.get("kind") == "Deployment" and not selects(spec.get("selector"), labels):
            err(where, "spec.selector does not select the pod template's labels")
        pod = tpl.get("spec") or {}
        psc = pod.get("securityContext") or {}
        if psc.get("runAsNonRoot") is not True or not psc.get("runAsUser"):
            err(where, "pod securityContext must set runAsNonRoot: true and a non-zero runAsUser")
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        for v in volumes.values():
            sec = v.get("secret")
            if sec and not sec.get("optional"):
                keys = secrets.get((ns, sec.get("secretName")))
                if keys is None:
                    err(f"{where} volume {v['name']}", f"secret {sec.get('secretName')} is not rendered")
                else:
                    for item in sec.get("items") or []:
                        if item["key"] not in keys:
                            err(f"{where} volume {v['name']}",
                                f"secret {sec.get('secretName')} has no key {item['key']}")
        ports = container_ports(tpl)
        for c in (pod.get("initContainers") or []) + (pod.get("containers") or []):
            cw = f"{where} container {c.get('name')}"
            is_main = c in (pod.get("containers") or [])
            if not c.get("image"):
                err(cw, "no image")
            res = c.get("resources") or {}
            if not res.get("requests") or not res.get("limits"):
                err(cw, "resources.requests and resources.limits must both be set")
            sc = c.get("securityContext") or {}
            if sc.get("readOnlyRootFilesystem") is not True or sc.get("allowPrivilegeEscalation") is not False:
                err(cw, "securityContext must set readOnlyRootFilesystem: true and "
                        "allowPrivilegeEscalation: false")
            for m in c.get("volumeMounts") or []:
                if m.get("name") not in volumes:
                    err(cw, f"mounts undeclared volume {m.get('name')}")
            for e in c.get("env") or []:
                ref = ((e.get("valueFrom") or {}).get("secretKeyRef"))
                if ref and not ref.get("optional"):
                    keys = secrets.get((ns, ref.get("name")))
                    if keys is None:
                        err(f"{cw} env {e['name']}", f"secret {ref.get('name')} is not rendered")
                    elif ref.get("key") not in keys:
                        err(f"{cw} env {e['name']}", f"secret {ref.get('name')} has no key {ref.get('key')}")
            for probe_name, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
                probe = c.get(probe_name)
                if probe is None:
                    if is_main and c.get("args", [""])[0] in ("sts", "certmgr"):
                        err(cw, f"no {probe_name}")
                    continue
                get = probe.get("httpGet") or {}
                if get.get("path") != path:
                    err(cw, f"{probe_name} must GET {path}")
                if get.get("port") != "metrics" or "metrics" not in ports:
                    err(cw, f"{probe_name} must use the named port metrics")
            # Sigil's programs: the image entrypoint's first argument picks one.
            if c.get("command"):
                continue  # a plain command in the image (the master key copy)
            args = c.get("args") or []
            program = SIGIL_PROGRAMS.get(args[0] if args else "sts")
            if program is None:
                err(cw, f"args[0] {args[0]!r} is not a program of the image's entrypoint")
                continue
            help_text = helps.get(program)
            if help_text is None:
                continue
            for e in c.get("env") or []:
                name = e.get("name", "")
                if name.startswith("SIGIL_") and not re.search(rf"\b{re.escape(name)}\b", help_text):
                    err(f"{cw} env {name}", f"not a setting of {program} (not in its --help)")

    for where, o in services:
        sel = (o.get("spec") or {}).get("selector") or {}
        matched = [t for _, w, t in [(None, w, t) for w, _, t in templates]
                   if selects({"matchLabels": sel}, (t.get("metadata") or {}).get("labels") or {})]
        if not matched:
            err(where, "selector matches no pod template")
            continue
        for p in (o.get("spec") or {}).get("ports") or []:
            tp = p.get("targetPort", p.get("port"))
            if isinstance(tp, str) and not all(tp in container_ports(t) for t in matched):
                err(where, f"targetPort {tp} is not a container port of the selected pods")

    for where, o in objs:
        kind = o.get("kind")
        spec = o.get("spec") or {}
        if kind == "PodDisruptionBudget":
            if not any(selects(spec.get("selector"), (t.get("metadata") or {}).get("labels") or {})
                       for _, _, t in templates):
                err(where, "selector matches no pod template")
        elif kind == "NetworkPolicy":
            matched = [t for _, _, t in templates
                       if selects(spec.get("podSelector"), (t.get("metadata") or {}).get("labels") or {})]
            if not matched:
                err(where, "podSelector matches no pod template")
            for rule in spec.get("ingress") or []:
                for p in rule.get("ports") or []:
                    if isinstance(p.get("port"), str) and not all(
                            p["port"] in container_ports(t) for t in matched):
                        err(where, f"port {p['port']} is not a container port of the selected pods")
        elif kind == "ServiceMonitor":
            matched = [s for _, s in services
                       if selects(spec.get("selector"), s["metadata"].get("labels") or {})]
            if not matched:
                err(where, "selector matches no Service")
            for ep in spec.get("endpoints") or []:
                for s in matched:
                    names = {p.get("name") for p in s["spec"].get("ports") or []}
                    if ep.get("port") not in names:
                        err(where, f"Service {s['metadata']['name']} has no port {ep.get('port')}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rendered")
    ap.add_argument("--help-text", action="append", default=[], metavar="PROGRAM=FILE")
    ap.add_argument("--rules-out")
    a = ap.parse_args()
    helps = {}
    for h in a.help_text:
        program, _, path = h.partition("=")
        with open(path, encoding="utf-8") as f:
            helps[program] = f.read()

    with open(a.rendered, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    objs = []
    counts = {}
    rule_groups = []
    for i, o in enumerate(docs):
        where = f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')} (document {i + 1})"
        key = (o.get("apiVersion"), o.get("kind"))
        counts[o.get("kind")] = counts.get(o.get("kind"), 0) + 1
        if key in CORE_KINDS:
            model = CORE_KINDS[key]
            check_type(o, model, where)
            check_required(o, model, where)
        elif key in (("monitoring.coreos.com/v1", "ServiceMonitor"),
                     ("monitoring.coreos.com/v1", "PrometheusRule")):
            check_crd(o, where)
            if o["kind"] == "PrometheusRule":
                rule_groups += (o.get("spec") or {}).get("groups") or []
        else:
            err(where, f"no schema for {key[0]} {key[1]}; add it to validate_k8s.py")
            continue
        objs.append((where, o))
    check_references(objs, helps)

    if a.rules_out:
        with open(a.rules_out, "w", encoding="utf-8") as f:
            yaml.safe_dump({"groups": rule_groups}, f, sort_keys=False)
    for e in errors:
        print(f"FAIL: {e}")
    if errors:
        print(f"{len(errors)} problems in {a.rendered}")
        return 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    print(f"PASS: {len(docs)} objects valid ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
