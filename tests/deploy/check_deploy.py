#!/usr/bin/env python3
"""Checks deploy/ against the repository: the Dockerfile, the Kubernetes manifests and the
GitHub Actions workflow (README "Running many loops"). No cluster and no registry are reached:
the manifests are parsed and their promises checked; `kubectl apply --dry-run=client` is tried
and only reported, since it needs a cluster's API to map kinds.

Usage: check_deploy.py SOURCE_DIR RALPH_BINARY
"""
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

FAILURES = []


def check(condition, what):
    if not condition:
        FAILURES.append(what)


def apt_packages(run_line):
    """The packages an `apt-get install` in a RUN instruction names."""
    words = shlex.split(run_line.replace("\\\n", " "))
    if "install" not in words:
        return set()
    packages = set()
    for word in words[words.index("install") + 1:]:
        if word in ("&&", ";"):
            break
        if not word.startswith("-"):
            packages.add(word)
    return packages


def dockerfile_stages(text):
    """Each stage's instructions, continuation lines joined."""
    stages = []
    for line in re.sub(r"\\\n", " ", text).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append({"from": rest, "lines": []})
        elif stages:
            stages[-1]["lines"].append((instruction.upper(), rest))
    return stages


def check_dockerfile(source, binary):
    text = (source / "deploy/Dockerfile").read_text()
    pin = json.loads((source / "tests/support/package.json").read_text())["dependencies"][
        "@anthropic-ai/claude-code"]
    arg = re.search(r"^ARG CLAUDE_CODE_VERSION=(\S+)$", text, re.M)
    check(arg and arg.group(1) == pin,
          f"deploy/Dockerfile: CLAUDE_CODE_VERSION is {arg and arg.group(1)}, the tests pin {pin}")
    stages = dockerfile_stages(text)
    check(len(stages) == 2, "deploy/Dockerfile: a build stage and a run stage")
    if len(stages) != 2:
        return
    build, run = stages
    # The build stage installs what scripts/lib.sh builds with, less the tests' packages.
    lib = (source / "scripts/lib.sh").read_text()
    wanted = set(re.search(r"RALPH_PACKAGES=\(([^)]*)\)", lib).group(1).split())
    wanted -= {"libgtest-dev", "libgmock-dev", "tzdata"}
    built_with = set().union(*(apt_packages(r) for i, r in build["lines"] if i == "RUN"))
    check(wanted <= built_with,
          f"deploy/Dockerfile: the build stage lacks {sorted(wanted - built_with)}")
    # The run stage installs the package of every library the built ralph links.
    run_with = set().union(*(apt_packages(r) for i, r in run["lines"] if i == "RUN"))
    needed = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                            check=True).stdout
    in_base = {"libc6", "libstdc++6", "libgcc-s1"}
    for library in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", needed):
        # A sanitized build (scripts/test.sh runs one) links the sanitizers' runtimes; the
        # image builds without RALPH_SANITIZE, so its ralph never does.
        if re.match(r"lib(asan|ubsan|tsan|lsan|hwasan)\.so", library):
            continue
        owner = subprocess.run(["dpkg", "-S", f"*/{library}"], capture_output=True, text=True)
        packages = {line.split(":")[0] for line in owner.stdout.splitlines()}
        check(packages & (run_with | in_base),
              f"deploy/Dockerfile: the run stage installs none of {sorted(packages)}, "
              f"which hold {library}")
    for tool in ("git", "tini", "ca-certificates"):
        check(tool in run_with, f"deploy/Dockerfile: the run stage lacks {tool}")
    instructions = dict(run["lines"])
    user = instructions.get("USER", "0").split(":")[0]
    check(user not in ("0", "root"), "deploy/Dockerfile: the run stage runs as root")
    check("tini" in instructions.get("ENTRYPOINT", ""), "deploy/Dockerfile: tini is PID 1")
    check(any(i == "COPY" and "deploy/ralph-job.sh" in r for i, r in run["lines"]),
          "deploy/Dockerfile: ralph-job is not copied in")
    return user


def check_job(source, uid):
    path = source / "deploy/k8s/ralph-job.yaml"
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    by_kind = {d["kind"]: d for d in docs}
    check(set(by_kind) == {"ConfigMap", "PersistentVolumeClaim", "Job"},
          f"{path.name}: kinds {sorted(by_kind)}")
    job = by_kind.get("Job")
    if job is None:
        return
    spec = job["spec"]
    pod = spec["template"]["spec"]
    check(spec.get("backoffLimit") == 0, "Job: backoffLimit must be 0")
    check(pod.get("restartPolicy") == "Never", "Job: restartPolicy must be Never")
    # ralph needs 5 s for the agent and 5 s for what its tools left, then it records, commits
    # and pushes: Kubernetes' default of 30 s is the least.
    check(pod.get("terminationGracePeriodSeconds", 30) >= 30,
          "Job: terminationGracePeriodSeconds under 30")
    security = pod.get("securityContext", {})
    check(security.get("runAsNonRoot") is True, "Job: runAsNonRoot")
    check(str(security.get("runAsUser")) == uid,
          f"Job: runAsUser {security.get('runAsUser')} is not the image's user {uid}")
    init = pod.get("initContainers", [])
    check(len(init) == 1 and "git clone" in "\n".join(init[0].get("args", [])),
          "Job: an init container clones the repository")
    (main,) = pod["containers"]
    command = main.get("command", []) + main.get("args", [])
    check(command[:2] == ["/usr/bin/tini", "--"], "Job: tini is PID 1")
    check(any("ralph-job" in word for word in command), "Job: the container runs ralph-job")
    env = {e["name"]: e for e in main.get("env", [])}
    key = env.get("ANTHROPIC_API_KEY", {}).get("valueFrom", {}).get("secretKeyRef")
    check(key is not None, "Job: ANTHROPIC_API_KEY comes from a Secret")
    config = by_kind["ConfigMap"]
    check(all(not re.search(r"sk-ant-|password", str(v), re.I) for v in config["data"].values()),
          "ConfigMap: holds what looks like a secret")
    ledger = config["data"].get("RALPH_LEDGER", "")
    check(re.match(r"postgres(ql)?://[^:@/]+@", ledger) is not None,
          "ConfigMap: RALPH_LEDGER is a PostgreSQL URL with a role and no password")
    check("sslmode=verify-full" in ledger, "ConfigMap: RALPH_LEDGER without sslmode=verify-full")
    pgpassword = env.get("PGPASSWORD", {}).get("valueFrom", {}).get("secretKeyRef")
    check(pgpassword is not None, "Job: PGPASSWORD comes from a Secret")
    for container in init + [main]:
        for source_ref in container.get("envFrom", []):
            name = source_ref.get("configMapRef", {}).get("name")
            check(name == config["metadata"]["name"], f"Job: envFrom names {name}")
        volumes = {v["name"]: v for v in pod["volumes"]}
        for mount in container.get("volumeMounts", []):
            check(mount["name"] in volumes, f"Job: mount of an unknown volume {mount['name']}")
    claim = volumes["work"].get("persistentVolumeClaim", {}).get("claimName")
    check(claim == by_kind["PersistentVolumeClaim"]["metadata"]["name"],
          "Job: the work volume is the manifest's PersistentVolumeClaim")
    check(volumes["secrets"]["secret"].get("defaultMode", 0o644) & 0o040,
          "Job: the Secret's files must be readable by the pod's fsGroup")

    kubectl = shutil.which("kubectl")
    if kubectl:
        tried = subprocess.run([kubectl, "apply", "--dry-run=client", "--validate=false", "-f",
                                str(path)], capture_output=True, text=True, timeout=60)
        last = (tried.stdout + tried.stderr).strip().splitlines()[-1:] or [""]
        print(f"kubectl apply --dry-run=client: exit {tried.returncode}: {last[0]}")


def check_workflow(source, uid):
    path = source / "deploy/github-actions/ralph-plans.yml"
    flow = yaml.safe_load(path.read_text())
    triggers = flow.get("on", flow.get(True))
    check(triggers is not None, f"{path.name}: no trigger")
    (job,) = flow["jobs"].values()
    strategy = job.get("strategy", {})
    check(strategy.get("fail-fast") is False, f"{path.name}: fail-fast must be false")
    plans = strategy.get("matrix", {}).get("plan", [])
    check(isinstance(plans, list) and len(plans) >= 2, f"{path.name}: a matrix of plans")
    check(f"--user {uid}" in job.get("container", {}).get("options", ""),
          f"{path.name}: the container runs as the image's user")
    check("secrets.ANTHROPIC_API_KEY" in str(job.get("env", {})),
          f"{path.name}: the API key comes from a secret")
    runs = [step.get("run", "") for step in job["steps"]]
    check(any(r.startswith("exec ralph-job") and "${{ matrix.plan }}" in r for r in runs),
          f"{path.name}: a step execs ralph-job on the matrix's plan")
    check(flow.get("permissions", {}).get("contents") == "write",
          f"{path.name}: contents: write, to push the run's branch")


def main():
    source, binary = Path(sys.argv[1]), sys.argv[2]
    uid = check_dockerfile(source, binary) or "?"
    check_job(source, uid)
    check_workflow(source, uid)
    for failure in FAILURES:
        print(f"FAIL: {failure}")
    print("deploy/: all checks passed" if not FAILURES else f"{len(FAILURES)} checks failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
