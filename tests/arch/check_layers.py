#!/usr/bin/env python3
"""The layering rule of the source tree, checked over every #include line.

Modules, lowest first. A file may include headers of its own module and of the modules
listed in ALLOWED for it; nothing else of the project. Also:
  - libtorch (<torch/...>, <ATen/...>, <c10/...>) only in core/model and the trainer;
    in headers only in core/model and the trainer's private train/detail/;
  - train/detail/ headers only from train/;
  - no Qt in core/ or train/ (the core is Qt-free; the CLI never links Qt Widgets).

usage: check_layers.py SOURCE_DIR        check the tree (exit 1 on a violation)
       check_layers.py --self-test       show that each rule catches a planted violation
"""
import os
import re
import sys
import tempfile

CORE = ["core/model", "core/text", "core/corpus", "core/store", "core/curate", "core/jobs"]
# module -> modules it may include (besides itself). The core is a chain: each module may
# use every module below it.
ALLOWED = {m: CORE[:i] for i, m in enumerate(CORE)}
ALLOWED["cli"] = []
ALLOWED["train"] = ["core/model", "core/text", "core/corpus", "core/store", "core/curate", "cli"]
ALLOWED["ui"] = CORE
ALLOWED["app"] = CORE + ["ui", "train", "cli"]
CHECKED = list(ALLOWED)

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
TORCH = re.compile(r"^(torch|ATen|c10)/")
QT = re.compile(r"^Q[A-Za-z]*(/|$)|^Qt")


def module_of(path):
    for m in sorted(ALLOWED, key=len, reverse=True):
        if path == m or path.startswith(m + "/"):
            return m
    return None


def check(root):
    problems = []
    for dirpath, dirs, files in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        dirs[:] = [d for d in dirs if module_of((d if rel_dir == "." else rel_dir + "/" + d)) is not None
                   or rel_dir == "." and d == "core"]
        for name in files:
            if not name.endswith((".h", ".cpp")):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            mod = module_of(rel)
            if mod is None:
                continue  # tests/, bench/, build trees
            header = rel.endswith(".h")
            with open(full, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    kind, inc = m.groups()
                    where = f"{rel}:{lineno}"
                    if kind == "<":
                        if TORCH.match(inc):
                            ok_mod = mod == "core/model" or mod == "train"
                            ok_hdr = not header or mod == "core/model" or rel.startswith("train/detail/")
                            if not ok_mod:
                                problems.append(f"{where}: includes libtorch <{inc}> outside core/model and train/")
                            elif not ok_hdr:
                                problems.append(f"{where}: a public header includes libtorch <{inc}>")
                        if QT.match(inc) and (mod.startswith("core/") or mod in ("train", "cli")):
                            problems.append(f"{where}: Qt header <{inc}> in the Qt-free {mod}")
                        continue
                    target = module_of(inc)
                    if target is None:
                        if inc.startswith(("core/", "train/", "ui/", "app/", "cli/", "tests/", "bench/")):
                            problems.append(f"{where}: includes \"{inc}\", which belongs to no module")
                        continue
                    if inc.startswith("train/detail/") and mod != "train":
                        problems.append(f"{where}: includes the trainer's private \"{inc}\"")
                    if target != mod and target not in ALLOWED[mod]:
                        problems.append(f"{where}: {mod} may not include \"{inc}\" ({target} is not below it)")
    return problems


def self_test():
    cases = {
        "core/text/a.h": ('#include "core/store/cache.h"\n', "core/text may not include"),
        "core/store/b.h": ("#include <torch/torch.h>\n", "outside core/model"),
        "train/c.h": ("#include <torch/torch.h>\n", "public header includes libtorch"),
        "ui/d.cpp": ('#include "train/detail/calculator_net.h"\n', "private"),
        "core/curate/e.cpp": ("#include <QString>\n", "Qt header"),
        "core/model/f.cpp": ('#include "core/jobs/score_job.h"\n', "core/model may not include"),
    }
    failed = 0
    for path, (text, expect) in cases.items():
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, os.path.dirname(path)))
            with open(os.path.join(d, path), "w") as f:
                f.write(text)
            found = check(d)
            if not any(expect in p for p in found):
                print(f"self-test: {path} with {text.strip()!r} was not reported ({found})")
                failed += 1
    with tempfile.TemporaryDirectory() as d:  # allowed edges stay allowed
        os.makedirs(os.path.join(d, "core/jobs"))
        with open(os.path.join(d, "core/jobs/g.cpp"), "w") as f:
            f.write('#include "core/model/engine.h"\n#include "core/store/cache.h"\n')
        if check(d):
            print("self-test: an allowed edge was reported")
            failed += 1
    return failed


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--self-test":
        return 1 if self_test() else 0
    if len(sys.argv) != 2:
        print(__doc__)
        return 64
    if self_test():
        return 1
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    print(f"{len(problems)} layering violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
