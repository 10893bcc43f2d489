#!/usr/bin/env python3
"""docs/rules.md's table of where each rule is enforced and tested, from the code's R-n citations.

  rules_doc.py ROOT           check: exit 1, printing the table that should be there, when the
                              document and the code disagree, a rule has no section, or the code
                              cites a rule the rulebook does not have
  rules_doc.py ROOT --write   rewrite the table in docs/rules.md
"""
import os
import re
import sys

RULES = range(1, 26)
SCANNED = ("proto", "services", "storage", "clients", "tests")
SOURCE_SUFFIXES = (".cc", ".h", ".proto", ".py", ".js", ".mjs", ".sh")
SKIPPED_DIRS = {"node_modules", "build", "dist", "__pycache__", "golden", "corpus"}
BEGIN = "<!-- BEGIN rules index -->"
END = "<!-- END rules index -->"
CITATION = re.compile(r"\bR-(\d{1,3})\b")


def is_test(path):
    name = os.path.basename(path)
    return (path.startswith("tests/") or name.endswith("_test.cc") or name.startswith("test_")
            or name.endswith(".test.mjs") or name.endswith("_test_util.cc")
            or name.endswith("_test_util.h"))


def column(path):
    """0: services/ and storage/ (enforced), 1: proto/ and clients/ (contract, clients), 2: tests."""
    if is_test(path):
        return 2
    return 0 if path.startswith(("services/", "storage/")) else 1


def citations(root):
    """{rule: ({enforcing files}, {contract and client files}, {testing files})}, and the
    citations of rules that do not exist."""
    found = {n: (set(), set(), set()) for n in RULES}
    unknown = []
    for top in SCANNED:
        for directory, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(files):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                full = os.path.join(directory, name)
                path = os.path.relpath(full, root)
                if path == "tests/docs/rules_doc.py" or path.startswith("proto/google/"):
                    continue
                with open(full, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        for match in CITATION.finditer(line):
                            rule = int(match.group(1))
                            if rule not in found:
                                unknown.append(f"{path}:{number}: R-{rule}")
                                continue
                            found[rule][column(path)].add(path)
    return found, unknown


def cell(paths):
    return ", ".join(f"`{p}`" for p in sorted(paths)) if paths else "—"


def table(found):
    lines = ["| rule | enforced in | contract and clients | tested in |", "|---|---|---|---|"]
    for rule in RULES:
        enforced, declared, tested = found[rule]
        lines.append(f"| R-{rule} | {cell(enforced)} | {cell(declared)} | {cell(tested)} |")
    return "\n".join(lines)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    doc_path = os.path.join(root, "docs", "rules.md")
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        print(f"{doc_path}: the markers {BEGIN} and {END} are missing", file=sys.stderr)
        return 1
    problems = [f"docs/rules.md has no section for R-{n} (a line starting '**R-{n} ')"
                for n in RULES if f"\n**R-{n} " not in doc]
    found, unknown = citations(root)
    problems += [f"{u} is cited, but the rulebook has no such rule" for u in unknown]
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    wanted = f"{head}{BEGIN}\n{table(found)}\n{END}{tail}"
    if "--write" in argv[2:]:
        with open(doc_path, "w", encoding="utf-8") as f:
            f.write(wanted)
    elif wanted != doc:
        problems.append("docs/rules.md's index is out of date; run "
                        "tests/docs/rules_doc.py . --write, or put in this table:\n" + table(found))
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
