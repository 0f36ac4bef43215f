#!/usr/bin/env bash
# Golden tests of the planner: a policy plus the fixture tree in, `guard run --dry-run` out (the one stable
# entry that prints a plan), normalised and compared with tests/golden/plan/*.txt.
# GOLDEN_UPDATE=1 (make golden-update) rewrites the expected files instead.
#
# Normalised: temp paths (<PROJECT>, <HOME>, <WORK>); the proxy's port; host trees the default profile grants
# only where they exist (/lib32, /lib64, /libx32, /opt, /nix/store, /snap); the owner-only files that guard
# covers when it runs as root and the profile's /etc/shadow & co. otherwise (which exist is the host's); where the system keeps the programs exec.deny
# stubs out (/usr/bin or /bin); section counts that include those; the cgroup
# mechanism a limit would use; the order of the scan's findings (directory order is the filesystem's); in
# Landlock-only mode as root, the split of /etc around those owner-only files (folded back into one /etc
# grant); unix sockets other programs left in the host's /tmp.
. "$(dirname "$0")/common.sh"
GOLDEN_KIND=plan
golden_world

plan_normalise() {
	golden_paths | sed -E \
		-e 's/127\.0\.0\.1:[0-9]+/127.0.0.1:<PORT>/g' \
		-e '/\(guard: owner-only file, and guard runs as root\)/d' \
		-e '/^  (cover-file|cover-dir|deny|protect) +\/etc\//d' \
		-e '/^  [a-z-]+ +\/etc\/[^ ]*  .*\[split around a denied or protected path\]$/d' \
		-e 's/^  list        \/etc  (.*)  \[split around a denied or protected path\]$/  read        \/etc  \1/' \
		-e '/^  cover-file  \/tmp\/[^ ]*  \[host unix socket /d' \
		-e 's/^  exec-stub   (\/usr)?\/bin\//  exec-stub   <BIN>\//' \
		-e '/^  [a-z-]+ +\/(lib32|lib64|libx32|opt|nix\/store|snap)(\/[^ ]*)? /d' \
		-e 's/^(Landlock rules|Mounts) \([0-9]+\)/\1 (#)/' \
		-e 's/^(Denied or protected inside granted trees) \([0-9]+; [0-9]+ entries scanned\)/\1 (#; # entries scanned)/' \
		-e '/^  processes as root: /d' \
		-e 's/^  (memory [^:]*|cpu [^:]*): .*/  \1: <CGROUP>/' |
		awk '/^Denied or protected inside granted trees/ { print; sorting = 1; n = 0; next }
		     sorting && /^$/ { flush(); sorting = 0 }
		     sorting { held[++n] = $0; next }
		     { print }
		     END { if (sorting) flush() }
		     function flush(  i, j, t) {
			for (i = 2; i <= n; i++) { t = held[i]; for (j = i - 1; j >= 1 && held[j] > t; j--) held[j + 1] = held[j]; held[j + 1] = t }
			for (i = 1; i <= n; i++) print held[i]
		     }'
}

# without_seccomp: the filter table is the same in every plan; one golden file (default) carries it.
without_seccomp() {
	awk '/^seccomp:$/ { skip = 1; next } skip && /^$/ { skip = 0; next } !skip { print }'
}

# plan_case NAME [G-ARGS...]: dry-run plan of `cat .env` with the given options, checked against NAME.txt.
plan_case() {
	local name=$1
	shift
	G run --dry-run "$@" -- cat .env
	local text # stdout, then stderr (a refusal's reason) and the exit status
	text=$(printf '%s\n-- stderr:\n%s\n-- exit %s\n' "$OUT" "$ERR" "$RC" | plan_normalise)
	[ "$name" = default ] || text=$(printf '%s\n' "$text" | without_seccomp)
	golden_check "$name.txt" "$text"
}

N_CASES=7
if [ "$(landlock_abi)" -lt "$GOLDEN_ABI" ]; then
	t_skip_n $N_CASES "golden plans" "the kernel's Landlock ABI is below $GOLDEN_ABI, which the expected plans pin"
	t_done
fi
if ! have_userns; then
	t_skip_n $N_CASES "golden plans" "no user namespaces here (the expected plans are in namespaces mode)"
	t_done
fi
if [ "$(uname -m)" != x86_64 ]; then
	t_skip_n $N_CASES "golden plans" "the expected seccomp table is x86_64's"
	t_done
fi

# 1. The default profile alone: system trees, the project writable, .env covered, .git/hooks read-only.
plan_case default

# 2. The same without namespaces: Landlock alone, no mounts.
plan_case landlock-only --no-userns

# 3. A project file that denies a directory and a glob, protects docs/, refuses dd, and re-allows
#    sub/.env.local: untrusted, a project file may only tighten, so the run is refused (exit 125).
cat >.guard.yaml <<'YAML'
files:
  deny:
    - secrets/
    - "*.pem"
    - "!sub/.env.local"
  protect:
    - docs/
exec:
  deny:
    - dd
YAML
plan_case project-untrusted

# 4. The same file once trusted (by content hash): the re-allow applies.
G trust
t_eq "guard trust of the fixture's .guard.yaml exits 0" 0 "$RC"
plan_case project-trusted

# 5. Network: an allow list from the user's config plus one from a flag.
rm -f .guard.yaml
mkdir -p "$G_HOME/.config/guard"
cat >"$G_HOME/.config/guard/config.yaml" <<'YAML'
network:
  allow:
    - api.example.com
    - "*.github.com"
YAML
plan_case network --allow-net example.org:8443

# 6. Exec rules from flags: programs (each gets guard's stub) and a subcommand (the shim's to refuse).
rm -f "$G_HOME/.config/guard/config.yaml"
plan_case exec --deny-exec chown --deny-exec "git push --force"

t_done
