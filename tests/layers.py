#!/usr/bin/env python3
"""tests/layers.py — the layering check: no file uses a folder on a higher floor, no two files in a circle.

    tests/layers.py [--build DIR] [--tap]      (make layers; make check runs it through $BUILD/tests/test_layers)

Edges come from two sources, so a dependency cannot hide from either:
  * every #include "..." (and <guard/...>) in launcher/, preload/ and include/, resolved the way the compiler
    does (the including file's folder, then -iquote launcher, then -I include);
  * nm of the built objects: a file that leaves a global symbol undefined depends on the file that defines it,
    resolved inside its own link unit (the launcher with its copy of the core; the shim with its own).
    A call made from a static inline function of a header counts for the .c file that compiled it.

The floors are data: tests/layers.txt. Violations that are known and being removed are listed, one per line
with the reason, in tests/layers.allow; they are printed but do not fail. An allow line that no longer matches
anything is reported so it can be deleted. The last line counts floors, back-arrows and circles.

Exit status: 0 when every violation is allowed, 1 otherwise, 2 when the check could not run.
"""
import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_TREES = ("launcher", "preload", "include")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)


class Layers:
    """tests/layers.txt: floors, stand-alone folders, same-floor exceptions, allowed rings."""

    def __init__(self, path):
        self.floor_of = {}  # folder -> floor index, 0 = top
        self.floors = []
        self.only = {}  # folder -> set of folders it may use
        self.same = set()  # (from, to)
        self.rings = []  # (files in cycle order, reason): the first edge is the deliberate one
        self.interfaces = []  # (header, set of implementing folders)
        with open(path) as f:
            for n, raw in enumerate(f, 1):
                line = raw.split("#", 1)[0].strip()
                if not line:
                    continue
                word, _, rest = line.partition(" ")
                if word == "floor":
                    for folder in rest.split():
                        self.floor_of[folder] = len(self.floors)
                    self.floors.append(rest.split())
                elif word == "only":
                    folder, _, allowed = rest.partition(":")
                    self.only[folder.strip()] = set(allowed.split())
                elif word == "same":
                    pair, _, _reason = rest.partition(":")
                    a, _, b = pair.partition("->")
                    self.same.add((a.strip(), b.strip()))
                elif word == "interface":
                    header, _, impls = rest.partition(":")
                    header = header.strip()  # named like a folder: below launcher/ unless preload/ or include/
                    if not header.startswith(("preload/", "include/")):
                        header = "launcher/" + header
                    self.interfaces.append((header, set(impls.split())))
                elif word == "ring":
                    files, _, reason = rest.partition(":")
                    self.rings.append((files.split(), reason.strip()))
                else:
                    sys.exit(f"{path}:{n}: unknown line kind '{word}'")

    def placed(self, folder):
        return folder in self.floor_of or folder in self.only

    def name(self, folder):
        if folder in self.floor_of:
            return f"{folder}, floor {self.floor_of[folder] + 1}"
        return f"{folder}, apart" if folder in self.only else f"{folder}, not in layers.txt"

    def violation(self, src, dst):
        """The kind of violation when folder src uses folder dst, or None."""
        if src == dst:
            return None
        if not self.placed(src) or not self.placed(dst):
            return "unplaced"
        if src in self.only:
            return None if dst in self.only[src] else "apart"
        if dst in self.only:
            return "apart"
        if self.floor_of[dst] < self.floor_of[src]:
            return "back-arrow"
        if self.floor_of[dst] == self.floor_of[src] and (src, dst) not in self.same:
            return "same-floor"
        return None


def folder_of(path):
    """launcher/policy/x.c -> policy, launcher/main.c -> main, preload/core/x.c -> preload/core."""
    parts = path.split("/")
    if parts[0] == "launcher":
        return "/".join(parts[1:-1]) or os.path.splitext(parts[-1])[0]
    return "/".join(parts[:-1])


def source_files():
    out = []
    for tree in SOURCE_TREES:
        for dirpath, _dirs, files in os.walk(os.path.join(ROOT, tree)):
            for name in files:
                if name.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, name), ROOT))
    return sorted(out)


def generated_headers():
    """Headers the Makefile writes into $(BUILD)/gen (rules named `$(BUILD)/gen/NAME.h:`): they are not in the
    tree until a build, and they sit below everything (plain text made from VERSION and git)."""
    with open(os.path.join(ROOT, "Makefile"), errors="replace") as f:
        return set(re.findall(r"^\$\(BUILD\)/gen/([\w.]+\.h)\s*:", f.read(), flags=re.M))


GENERATED = generated_headers()


def resolve_include(src, kind, target):
    if kind == '"' and target in GENERATED:
        return src  # no edge: a generated header depends on nothing in the tree
    candidates = [] if kind == "<" else [os.path.join(os.path.dirname(src), target), os.path.join("launcher", target)]
    candidates.append(os.path.join("include", target))
    for c in candidates:
        c = os.path.normpath(c)
        if os.path.isfile(os.path.join(ROOT, c)):
            return c
    return None


def include_edges(files):
    edges, unresolved = set(), []
    for src in files:
        with open(os.path.join(ROOT, src), errors="replace") as f:
            text = f.read()
        for kind, target in INCLUDE_RE.findall(text):
            dst = resolve_include(src, kind, target)
            if dst:
                if dst != src:
                    edges.add((src, dst))
            elif kind == '"':
                unresolved.append(f"{src}: #include \"{target}\"")
    return edges, unresolved


def objects(build, sub):
    top = os.path.join(build, sub)
    out = []
    for dirpath, _dirs, files in os.walk(top):
        for name in files:
            if name.endswith(".o"):
                obj = os.path.join(dirpath, name)
                src = os.path.relpath(obj, top)[:-2] + ".c"
                if os.path.isfile(os.path.join(ROOT, src)):
                    out.append((obj, src))
    return out


COMMENT_RE = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_TEXT = {}


def code_text(path):
    if path not in _TEXT:
        with open(os.path.join(ROOT, path), errors="replace") as f:
            _TEXT[path] = COMMENT_RE.sub(" ", f.read())
    return _TEXT[path]


_IDENTS = {}


def identifiers(path):
    if path not in _IDENTS:
        _IDENTS[path] = set(IDENT_RE.findall(code_text(path)))
    return _IDENTS[path]


def body_identifiers(path):
    """Identifiers a header uses inside function bodies or macro definitions: the calls it makes itself
    (a prototype at file level is a declaration, not a use)."""
    used, depth = set(), 0
    lines = code_text(path).split("\n")
    in_macro = False
    for line in lines:
        if in_macro or line.lstrip().startswith("#define"):
            used.update(IDENT_RE.findall(line))
            in_macro = line.rstrip().endswith("\\")
            continue
        for tok in re.findall(r"[{}]|[A-Za-z_][A-Za-z0-9_]*", line):
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth = max(0, depth - 1)
            elif depth > 0:
                used.add(tok)
    return used


def closure(src, inc_succ):
    seen, todo = set(), [src]
    while todo:
        for h in inc_succ[todo.pop()]:
            if h not in seen:
                seen.add(h)
                todo.append(h)
    return seen


def referrer(src, sym, dst, inc_succ, bodies, ring_first):
    """The file that makes the reference nm found in src's object: src itself, or, when src's own code never
    names the symbol, the included header whose inline function or macro does. A use of the state a ring's
    first file declares (shim_state.h: `shim`, `shim_tls_busy`, defined in shim_init.c) goes through that
    header, so the ring's deliberate edge carries it."""
    for h, impl in ring_first:
        if impl == dst and h in closure(src, inc_succ) and sym in identifiers(h):
            return [h]
    if sym in identifiers(src):
        return [src]
    headers = [h for h in sorted(closure(src, inc_succ)) if sym in bodies.setdefault(h, body_identifiers(h))]
    return headers or [src]


def declares(header, sym):
    """Does the header declare sym as a function (a prototype at file level)?"""
    return re.search(r"\b" + re.escape(sym) + r"\s*\(", code_text(header)) is not None


def through_interface(sym, dst, interfaces):
    """A function declared in an interface header and defined by one of its implementations (a platform
    backend) is reached through the header: the caller depends on the interface, not on the backend."""
    for header, impls in interfaces:
        if folder_of(dst) in impls and declares(header, sym):
            return header
    return dst


def call_edges(units, inc_succ, ring_first, interfaces=()):
    """units: list of [(object, source)], one per link unit. Returns (edges, number of objects read)."""
    edges, n, bodies = set(), 0, {}
    for unit in units:
        defined, undefined = {}, defaultdict(set)
        if not unit:
            continue
        src_of = dict(unit)
        res = subprocess.run(["nm", "-P", "-A"] + [obj for obj, _ in unit], capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(f"layers: nm failed: {res.stderr.strip()}")
        n += len(unit)
        for line in res.stdout.splitlines():
            # "object: symbol type [value size]"; the object's path may hold spaces, a symbol never holds ": "
            obj, _, rest = line.rpartition(": ")
            f = rest.split()
            if obj not in src_of or len(f) < 2:
                continue
            src, sym, typ = src_of[obj], f[0], f[1]
            if typ in "Uvw":  # undefined (lowercase v/w: an undefined weak reference)
                undefined[src].add(sym)
            elif typ.isupper() or typ == "u":
                defined.setdefault(sym, src)
        for src, syms in undefined.items():
            for sym in syms:
                dst = defined.get(sym)
                if dst and dst != src:
                    dst = through_interface(sym, dst, interfaces)
                    for who in referrer(src, sym, dst, inc_succ, bodies, ring_first):
                        if who != dst:
                            edges.add((who, dst))
    return edges, n


def circles(nodes, succ):
    """Strongly connected components with more than one file (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(succ[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(succ[w]))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def one_cycle(comp, succ):
    """A readable cycle through the component's first file (shortest, by breadth-first search)."""
    members, start = set(comp), comp[0]
    prev, queue = {start: None}, [start]
    for v in queue:
        for w in sorted(succ[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return [start] + path[::-1][1:] + [start] if len(path) > 1 else [start, v, start]
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    return comp + [start]


def file_circles(files, kinds, inc, rings):
    """Circles between rooms. A header and a .c file that includes it, where the header's macro or inline
    function calls into that file (guard.h's GUARD_VEC_PUSH into util.c), are one room: its interface and its
    implementation. A ring of tests/layers.txt is allowed when cutting its first edge (the deliberate one) leaves
    no circle among its component's files. Yields (files, cycle) per circle, (None, ring) per allowed ring."""
    ring_first = {(ring[0], ring[1]) for ring, _ in rings}
    parent = {f: f for f in files}

    def find(f):
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    for (a, b) in kinds:
        if a.endswith(".h") and b.endswith(".c") and (b, a) in inc and (a, b) not in ring_first:
            parent[find(a)] = find(b)
    rooms = defaultdict(list)
    for f in files:
        rooms[find(f)].append(f)

    def room_name(r):
        return "+".join(os.path.basename(f) if i else f for i, f in enumerate(sorted(rooms[r])))

    def room_graph(cut=None):
        g = defaultdict(set)
        for (a, b) in kinds:
            ra, rb = find(a), find(b)
            if ra != rb and (a, b) != cut:
                g[ra].add(rb)
        return g

    g = room_graph()
    for comp in circles(list(rooms), g):
        comp_files = sorted(f for r in comp for f in rooms[r])
        ring = next((lst for lst, _ in rings if set(lst) <= set(comp_files)), None)
        if ring:
            cut = room_graph((ring[0], ring[1]))
            sub = {r: cut[r] & set(comp) for r in comp}
            rest = circles(comp, defaultdict(set, sub))
            yield None, ring
            for c in rest:
                yield (sorted(f for r in c for f in rooms[r]),
                       [room_name(r) for r in one_cycle(c, defaultdict(set, sub))])
            continue
        yield comp_files, [room_name(r) for r in one_cycle(comp, g)]


def measured_floors(folders, fsucc):
    """The longest chain of folder dependencies, in floors (folder circles collapsed to one floor)."""
    comps = circles(folders, fsucc)
    rep = {f: f for f in folders}
    for comp in comps:
        for f in comp:
            rep[f] = comp[0]
    dag = defaultdict(set)
    for a in folders:
        for b in fsucc[a]:
            if rep[a] != rep[b]:
                dag[rep[a]].add(rep[b])
    depth = {}

    def deep(v):
        if v not in depth:
            depth[v] = 1 + max((deep(w) for w in dag[v]), default=0)
        return depth[v]

    sys.setrecursionlimit(10000)
    return max((deep(rep[f]) for f in folders), default=0)


def read_allow(path):
    """tests/layers.allow: 'KEY  # reason' per line; the reason is required."""
    allow = []
    if not os.path.exists(path):
        return allow
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            key, sep, reason = raw.partition("#")
            if not sep or not reason.strip():
                sys.exit(f"{path}:{n}: an allowed violation needs its reason after '#'")
            allow.append({"key": " ".join(key.split()), "line": n, "used": False})
    return allow


def allowed(key, allow):
    """Is this violation listed? A circle is covered by a listed circle that holds all its files."""
    for a in allow:
        if a["key"] == key:
            a["used"] = True
            return True
        if key.startswith("circle ") and a["key"].startswith("circle "):
            if set(key.split()[1:]) <= set(a["key"].split()[1:]):
                a["used"] = True
                return True
    return False


def dependency_graph(layers, build):
    """Every file-to-file dependency: {(src, dst): {"include", "call"}}, plus what the report needs."""
    files = source_files()
    inc, unresolved = include_edges(files)
    launcher_unit = [o for o in objects(build, "obj") if o[1].startswith(("launcher/", "preload/core/"))]
    shim_unit = objects(build, "pic")
    inc_succ = defaultdict(set)
    for a, b in inc:
        inc_succ[a].add(b)
    ring_first = {(ring[0], ring[1]) for ring, _ in layers.rings}
    calls, n_obj = call_edges([launcher_unit, shim_unit], inc_succ, ring_first, layers.interfaces)
    kinds = defaultdict(set)
    for e in inc:
        kinds[e].add("include")
    for e in calls:
        kinds[e].add("call")
    return {"files": files, "inc": inc, "kinds": kinds, "unresolved": unresolved, "n_obj": n_obj}


def violations(layers, g):
    """(found [(key, text)], counts by kind, allowed rings seen, folder graph)."""
    found, counts, seen_rings = [], defaultdict(int), []
    fsucc = defaultdict(set)
    for (a, b), how in sorted(g["kinds"].items()):
        if folder_of(a) != folder_of(b):
            fsucc[folder_of(a)].add(folder_of(b))
        kind = layers.violation(folder_of(a), folder_of(b))
        if kind:
            counts[kind] += 1
            found.append((f"{kind} {a} -> {b}",
                          f"{a} → {b}  ({'+'.join(sorted(how))}; {layers.name(folder_of(a))} → "
                          f"{layers.name(folder_of(b))})"))
    for comp, cycle in file_circles(g["files"], g["kinds"], g["inc"], layers.rings):
        if comp is None:
            seen_rings.append(cycle)
            continue
        counts["circle"] += 1
        found.append((f"circle {' '.join(comp)}", "circle: " + " → ".join(cycle)))
    return found, counts, seen_rings, fsucc


def print_tap(g, new, stale, summary, build):
    edges = [t for k, t in new if not k.startswith("circle")]
    rings = [t for k, t in new if k.startswith("circle")]
    checks = [
        ("objects read with nm", g["n_obj"] > 0, [f"no objects under {build}: build first (make tests)"]),
        ("every #include \"...\" resolves to a file in the tree", not g["unresolved"], g["unresolved"]),
        ("no include or call goes up a floor, sideways or into the shim (beyond tests/layers.allow)", not edges,
         edges),
        ("no two files in a circle (beyond the shim's ring and tests/layers.allow)", not rings, rings),
    ]
    for i, (desc, ok, diag) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {desc}")
        if not ok:
            for d in diag[:40]:
                print(f"#   {d}")
    print(f"# {summary}")
    for a in stale:
        print(f"# layers.allow:{a['line']} (or layers.txt) matches nothing any more, delete it: {a['key']}")
    print(f"1..{len(checks)}")
    return 0 if all(ok for _, ok, _ in checks) else 1


def print_report(g, found, new, stale, summary):
    for line in g["unresolved"]:
        print(f"unresolved  {line}")
    for key, text in found:
        print(f"{'VIOLATION' if (key, text) in new else 'allowed'}  {text}")
    if new:
        print("\nnot in tests/layers.allow (fix them, or list one per line with its reason):")
        for key, _ in new:
            print(f"  {key}  # <reason>")
    for a in stale:
        print(f"layers.allow:{a['line']} (or layers.txt) matches nothing any more, delete it: {a['key']}")
    print(summary)
    return 1 if new or g["unresolved"] else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--tap", action="store_true", help="print TAP (for tests/run)")
    ap.add_argument("--layers", default=os.path.join(ROOT, "tests/layers.txt"))
    ap.add_argument("--allow", default=os.path.join(ROOT, "tests/layers.allow"))
    args = ap.parse_args()
    build = args.build if os.path.isabs(args.build) else os.path.join(ROOT, args.build)

    layers = Layers(args.layers)
    allow = read_allow(args.allow)
    g = dependency_graph(layers, build)
    if g["n_obj"] == 0 and not args.tap:
        print(f"layers: no objects under {build}: build first (make tests)", file=sys.stderr)
        return 2
    found, counts, seen_rings, fsucc = violations(layers, g)
    new = [(k, t) for k, t in found if not allowed(k, allow)]
    stale = [a for a in allow if not a["used"]]
    stale += [{"line": "-", "key": "ring " + " ".join(r)} for r, _ in layers.rings if r not in seen_rings]
    folders = set(folder_of(f) for f in g["files"])
    summary = (f"layers: {len(layers.floors)} floors declared, {measured_floors(folders, fsucc)} measured; "
               f"{counts['back-arrow']} back-arrows, {counts['same-floor']} same-floor, "
               f"{counts['apart'] + counts['unplaced']} into or out of a folder apart or unplaced; "
               f"{counts['circle']} circles (+{len(seen_rings)} allowed ring); "
               f"{len(found) - len(new)} listed in layers.allow, {len(new)} not")
    if args.tap:
        return print_tap(g, new, stale, summary, build)
    return print_report(g, found, new, stale, summary)


if __name__ == "__main__":
    sys.exit(main())
