"""Checks the deployment files in deploy/ against the sccd that was built: the systemd unit
passes `systemd-analyze verify` (and its offline security review), every Kubernetes and Compose
file parses, every sccd option a file uses is one `sccd --help` lists, and the example
configuration starts sccd. Docker itself cannot run on the build machine; the Dockerfile is
checked for what the other files rely on (user, volumes, health check, entrypoint).

usage: check_deploy.py SOURCE_DIR SCCD SCCCTL
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

FAILURES = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILURES.append(what)


def main(source, sccd, sccctl):
    deploy = os.path.join(source, "deploy")
    help_text = subprocess.run([sccd, "--help"], capture_output=True, text=True).stdout
    known = set(re.findall(r"--([a-z][a-z0-9-]+)", help_text))
    sccctl_help = subprocess.run([sccctl, "--help"], capture_output=True, text=True).stdout

    # systemd: verify with the unit's ExecStart pointed at the built binary.
    unit = open(os.path.join(deploy, "sccd.service")).read()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sccd.service")
        with open(path, "w") as f:
            f.write(unit.replace("/usr/local/bin/sccd", sccd))
        if shutil.which("systemd-analyze"):
            run = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
            check(run.returncode == 0 and not run.stderr.strip(),
                  "systemd-analyze verify sccd.service " + run.stderr.strip())
            run = subprocess.run(["systemd-analyze", "security", "--offline=yes", path],
                                 capture_output=True, text=True)
            level = re.search(r"Overall exposure level for sccd.service: ([0-9.]+)", run.stdout)
            check(level is not None and float(level.group(1)) <= 2.0,
                  "systemd-analyze security: exposure %s (at most 2.0)"
                  % (level.group(1) if level else "?"))
        else:
            print("skip systemd-analyze is not installed")
    for option in re.findall(r"sccd --config (\S+)", unit):
        check(option == "/etc/sccd/sccd.toml", "sccd.service reads /etc/sccd/sccd.toml")

    # Every option a configuration file or manifest gives sccd exists.
    def config_keys(text):
        return re.findall(r"^\s*([a-z][a-z0-9-]+)\s*=", text, re.M)

    example = open(os.path.join(deploy, "sccd.example.toml")).read()
    for key in config_keys(example):
        check(key in known, "sccd.example.toml: %s is an sccd option" % key)

    documents = []
    files = [os.path.join("k8s", n) for n in sorted(os.listdir(os.path.join(deploy, "k8s")))]
    files += [os.path.join("k8s-postgres", n)
              for n in sorted(os.listdir(os.path.join(deploy, "k8s-postgres")))]
    files += ["compose.yaml", "compose-postgres.yaml"]
    for name in files:
        path = os.path.join(deploy, name)
        try:
            docs = [d for d in yaml.safe_load_all(open(path)) if d]
            check(bool(docs), "%s parses as YAML" % name)
            documents += [(name, d) for d in docs]
        except yaml.YAMLError as error:
            check(False, "%s parses as YAML: %s" % (name, error))
    kinds = {d.get("kind") for _, d in documents}
    for kind in ("StatefulSet", "Service", "CronJob", "ConfigMap"):
        check(kind in kinds, "k8s has a %s" % kind)
    for name, d in documents:
        if d.get("kind") == "ConfigMap":
            for key in config_keys(d["data"]["sccd.toml"]):
                check(key in known, "%s: %s is an sccd option" % (name, key))
        if d.get("kind") in ("Deployment", "StatefulSet") or name.startswith("compose"):
            if d.get("kind") in ("Deployment", "StatefulSet"):
                args = d["spec"]["template"]["spec"]["containers"][0].get("args", [])
            else:
                args = [a for s in d.get("services", {}).values() for a in s.get("command", [])]
            for arg in args:
                if arg.startswith("--"):
                    check(arg[2:] in known, "%s: %s is an sccd option" % (name, arg))
        if d.get("kind") == "Deployment":
            container = d["spec"]["template"]["spec"]["containers"][0]
            check(container["readinessProbe"]["httpGet"]["path"] == "/healthz/writer",
                  "%s: ready only on the writer" % name)
        if d.get("kind") == "StatefulSet":
            container = d["spec"]["template"]["spec"]["containers"][0]
            check("readinessProbe" in container and "livenessProbe" in container,
                  "%s: liveness and readiness probes" % name)
            check(d["spec"]["template"]["spec"]["securityContext"].get("runAsNonRoot") is True,
                  "%s: runs as non-root" % name)
            check(bool(d["spec"].get("volumeClaimTemplates")), "%s: persistent volume" % name)
    # sccctl sub-commands the manifests and the Dockerfile call exist.
    dockerfile = open(os.path.join(deploy, "Dockerfile")).read()
    everything = dockerfile + "\n" + "\n".join(
        open(os.path.join(deploy, "k8s", n)).read() for n in os.listdir(os.path.join(deploy, "k8s")))
    for command in ("health", "backup"):
        if command in everything:
            check(re.search(r"^\s+%s\b" % command, sccctl_help, re.M) is not None or
                  ("%s " % command) in sccctl_help,
                  "sccctl knows '%s'" % command)
    for needed in ("USER sccd", "VOLUME", "HEALTHCHECK", "ENTRYPOINT", "FROM debian:12-slim"):
        check(needed in dockerfile, "Dockerfile has %s" % needed)

    # The example configuration starts sccd (with local paths and ports in place of the
    # production ones).
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.Popen(
            [sccd, "--config", os.path.join(deploy, "sccd.example.toml"),
             "--data", os.path.join(tmp, "data"), "--listen", "127.0.0.1:0",
             "--tls-cert", "", "--tls-key", "", "--metrics-listen", "127.0.0.1:0",
             "--http-listen", "127.0.0.1:0", "--tokens", os.path.join(deploy, "dev-tokens.txt"),
             "--term-calendar", os.path.join(deploy, "term-calendar.txt"),
             "--backup-root", os.path.join(tmp, "backups")],
            stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "sccd.log"), "w"))
        line = run.stdout.readline().decode()
        check("sccd listening on 127.0.0.1:" in line, "sccd starts from sccd.example.toml")
        run.terminate()
        try:
            code = run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            run.kill()
            code = "no exit within 60 s"
        check(code == 0, "sccd stops cleanly on SIGTERM (exit %s); its log:\n%s"
              % (code, open(os.path.join(tmp, "sccd.log")).read()))

    print("%d problem(s)" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(*[os.path.abspath(a) for a in sys.argv[1:4]]))
