#!/usr/bin/python3
"""Static checks of docker/Dockerfile (no Docker engine needed).

  check_dockerfile.py SOURCE_DIR

- Parses the Dockerfile into instructions (continuation lines joined) and checks its shape:
  two stages on debian:12-slim, `build` then the runtime stage; the build stage installs the
  `build` role with scripts/setup and builds with the release preset; the runtime stage copies
  the three binaries from the build stage, runs as a numeric non-root USER, has a HEALTHCHECK
  and an exec-form ENTRYPOINT that is docker/entrypoint.
- Every package named after `apt-get install` is in scripts/packages.txt with the role of its
  stage (build stage: build; runtime stage: runtime); `scripts/setup ROLE` names existing roles.
- Every COPY source exists in the repository and is not excluded by .dockerignore.
- Every SIGIL_* variable the image sets is one the binaries know (SIGIL_DB ... from --help
  texts given as further arguments).
- No `# syntax=` directive (it makes every build fetch a frontend from Docker Hub); both stages
  start FROM ${DEBIAN_IMAGE}, and every `--build-arg NAME` scripts/build-image passes is an ARG
  of the Dockerfile (it swaps the base and mounts a compiler cache through them);
  scripts/build-image passes shellcheck.
Prints one line per problem; exit 1 when there is any.
"""
import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys

errors = []


def err(msg):
    errors.append(msg)


def instructions(text):
    """[(line number, INSTRUCTION, arguments)] with continuations joined, comments dropped."""
    out, buf, start = [], "", 0
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue
        if not buf:
            start = n
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        word, _, rest = buf.partition(" ")
        out.append((start, word.upper(), rest.strip()))
        buf = ""
    return out


def packages(src):
    roles = {}
    with open(os.path.join(src, "scripts/packages.txt"), encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            roles[fields[0]] = fields[1].strip() if len(fields) > 1 else ""
    return roles


def dockerignore(src):
    path = os.path.join(src, ".dockerignore")
    if not os.path.exists(path):
        err(".dockerignore is missing")
        return []
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def ignored(path, patterns):
    parts = path.split("/")
    for p in patterns:
        p = p.rstrip("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if fnmatch.fnmatch(prefix, p) or (p.startswith("**/") and fnmatch.fnmatch(parts[i - 1], p[3:])):
                return True
    return False


def check_build_image(src, text, ins):
    """The Dockerfile stays buildable by scripts/build-image (buildah, no Docker Hub)."""
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        if re.match(r"#\s*syntax\s*=", line, re.I):
            err(f"line {n}: `# syntax=` directive: it fetches a frontend image from Docker Hub")
    declared = {rest.partition("=")[0].strip() for _, w, rest in ins if w == "ARG"}
    script = os.path.join(src, "scripts/build-image")
    if not os.access(script, os.X_OK):
        err("scripts/build-image is missing or not executable")
        return
    with open(script, encoding="utf-8") as f:
        passed = set(re.findall(r"--build-arg\s+\"?(\w+)=", f.read()))
    if "DEBIAN_IMAGE" not in passed:
        err("scripts/build-image does not pass --build-arg DEBIAN_IMAGE")
    for name in sorted(passed - declared):
        err(f"scripts/build-image passes --build-arg {name}, which docker/Dockerfile does not declare")
    if shutil.which("shellcheck"):
        r = subprocess.run(["shellcheck", script], capture_output=True, text=True)
        if r.returncode != 0:
            err("shellcheck scripts/build-image:\n" + r.stdout)
    else:
        err("no shellcheck (Debian package shellcheck) to check scripts/build-image")


def main():
    src = sys.argv[1]
    helps = ""
    for h in sys.argv[2:]:
        with open(h, encoding="utf-8") as f:
            helps += f.read()
    with open(os.path.join(src, "docker/Dockerfile"), encoding="utf-8") as f:
        text = f.read()
    ins = instructions(text)
    check_build_image(src, text, ins)
    roles = packages(src)
    known_roles = set(roles.values())
    ignore = dockerignore(src)

    args = {}
    stages = []  # [{"name", "base", "ins": [...]}]
    for n, word, rest in ins:
        if word == "ARG" and not stages:
            k, _, v = rest.partition("=")
            args[k] = v
            continue
        if word == "FROM":
            if not rest.startswith("${DEBIAN_IMAGE}"):
                err(f"line {n}: FROM {rest}: stages start from ${{DEBIAN_IMAGE}} (scripts/build-image sets it)")
            m = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
            if not m:
                err(f"line {n}: cannot parse FROM {rest}")
                continue
            base = re.sub(r"\$\{(\w+)\}", lambda x: args.get(x.group(1), ""), m.group(1))
            stages.append({"name": m.group(2), "base": base, "ins": [], "line": n})
            continue
        if not stages:
            err(f"line {n}: {word} before the first FROM")
            continue
        stages[-1]["ins"].append((n, word, rest))

    if len(stages) != 2:
        err(f"expected 2 stages (build, runtime), found {len(stages)}")
        return
    build, runtime = stages
    for s in stages:
        if s["base"] != "debian:12-slim":
            err(f"line {s['line']}: stage {s['name']} is based on {s['base']}, not debian:12-slim")
    if build["name"] != "build":
        err("the first stage must be named build")

    def runs(stage):
        return [(n, r) for n, w, r in stage["ins"] if w == "RUN"]

    # Packages: scripts/setup ROLE and apt-get install NAMES, per stage role.
    for stage, role in ((build, "build"), (runtime, "runtime")):
        for n, r in runs(stage):
            for m in re.finditer(r"scripts/setup((?:\s+\w+)*)", r):
                for named in m.group(1).split():
                    if named not in known_roles:
                        err(f"line {n}: scripts/setup {named}: no such role in scripts/packages.txt")
                    if named != role:
                        err(f"line {n}: the {stage['name']} stage installs role {named}, expected {role}")
            for m in re.finditer(r"apt-get install((?:\s+[^&|;]+)?)", r):
                for tok in shlex.split(m.group(1)):
                    if tok.startswith("-"):
                        continue
                    if tok not in roles:
                        err(f"line {n}: package {tok} is not in scripts/packages.txt")
                    elif roles[tok] != role:
                        err(f"line {n}: package {tok} has role {roles[tok]} in scripts/packages.txt, "
                            f"the {stage['name']} stage needs role {role}")
            if "apt-get install" in r and "--no-install-recommends" not in r:
                err(f"line {n}: apt-get install without --no-install-recommends")
            if "apt-get update" in r and "rm -rf /var/lib/apt/lists" not in r:
                err(f"line {n}: apt-get update without removing /var/lib/apt/lists in the same RUN")
            if stage is runtime and "apt-get install" in r and "apt-get clean" not in r:
                err(f"line {n}: apt-get install in the runtime stage without apt-get clean in the same RUN "
                    "(the downloaded .debs would stay in the image)")
    build_runs = " ".join(r for _, r in runs(build))
    if not re.search(r"scripts/setup build\b", build_runs):
        err("the build stage must install its packages with `scripts/setup build`")
    if "cmake --preset release" not in build_runs or "cmake --build --preset release" not in build_runs:
        err("the build stage must configure and build with the release preset")
    for b in ("sigil-sts", "sigil-certmgr", "sigilctl"):
        if not re.search(rf"--target[^&]*\b{b}\b", build_runs):
            err(f"the build stage does not build {b}")
    if "docker/runtime-packages" not in build_runs:
        err("the build stage must list the runtime packages with docker/runtime-packages")

    # COPY sources.
    for stage in stages:
        for n, word, rest in stage["ins"]:
            if word not in ("COPY", "ADD"):
                continue
            if word == "ADD":
                err(f"line {n}: use COPY, not ADD")
            toks = shlex.split(rest)
            from_stage = any(t.startswith("--from=") for t in toks)
            paths = [t for t in toks if not t.startswith("--")]
            for p in paths[:-1]:
                if from_stage:
                    continue
                if p == ".":
                    continue
                if not os.path.exists(os.path.join(src, p)):
                    err(f"line {n}: COPY source {p} does not exist")
                elif ignored(p, ignore):
                    err(f"line {n}: COPY source {p} is excluded by .dockerignore")
    if ignored("docker/runtime-packages", ignore) or ignored("proto/sql", ignore) or \
            ignored("CMakePresets.json", ignore):
        err(".dockerignore excludes files the build needs")
    for must in (".git", "build", ".sigil"):
        if not ignored(must, ignore):
            err(f".dockerignore should exclude {must}")

    # Runtime stage.
    rt = {w: (n, r) for n, w, r in runtime["ins"]}
    copies = " ".join(r for _, w, r in runtime["ins"] if w == "COPY")
    for b in ("sigil-sts", "sigil-certmgr", "sigilctl"):
        if not re.search(rf"--from=build\s.*\b{b}\b", copies):
            err(f"the runtime stage does not copy {b} from the build stage")
    if "docker/entrypoint" not in copies:
        err("the runtime stage does not copy docker/entrypoint")
    user = rt.get("USER")
    if not user:
        err("the runtime stage sets no USER")
    else:
        uid = user[1].split(":")[0]
        if not uid.isdigit() or uid == "0":
            err(f"line {user[0]}: USER must be a numeric non-root uid (Kubernetes runAsNonRoot), got {user[1]}")
    hc = rt.get("HEALTHCHECK")
    if not hc or "CMD" not in hc[1]:
        err("the runtime stage has no HEALTHCHECK CMD")
    elif "healthcheck" not in hc[1]:
        err(f"line {hc[0]}: HEALTHCHECK must run the entrypoint's healthcheck (GET /healthz)")
    ep = rt.get("ENTRYPOINT")
    if not ep or not ep[1].startswith("["):
        err("the runtime stage needs an exec-form ENTRYPOINT")
    elif "sigil-entrypoint" not in ep[1]:
        err(f"line {ep[0]}: ENTRYPOINT is not the copied docker/entrypoint")
    env_text = " ".join(r for _, w, r in runtime["ins"] if w == "ENV")
    for name in re.findall(r"\b(SIGIL_\w+)=", env_text):
        if helps and not re.search(rf"\b{name}\b", helps):
            err(f"ENV {name} is not a setting of any binary (not in their --help)")

    for e in errors:
        print(f"FAIL: {e}")
    if errors:
        sys.exit(1)
    print("PASS: docker/Dockerfile: 2 stages on debian:12-slim, packages from scripts/packages.txt, "
          "non-root USER, HEALTHCHECK, entrypoint")


if __name__ == "__main__":
    main()
