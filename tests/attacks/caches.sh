#!/usr/bin/env bash
# Shared toolchain caches hold programs (issue 13, class 4): a crate's build.rs in the cargo registry, a Go module
# (after a chmod of the read-only module cache), a CLI npx installed, a pre-commit hook repository, a .pth in a
# poetry virtualenv, a playwright browser binary each run later in other projects, outside guard; under the
# claude-code profile so does ~/.claude/local/claude (a user's alias runs it). The defaults protect them.
. "$(dirname "$0")/common.bash"

CACHED="$HOME/.cargo/registry/src/index.crates.io-x/evil-1.0.0/build.rs
$HOME/.cargo/git/checkouts/evil-x/abc/build.rs
$HOME/go/pkg/mod/example.com/evil@v1.0.0/evil.go
$HOME/.npm/_npx/0123abcd/node_modules/.bin/cli
$HOME/.cache/pre-commit/repo0123/hook.py
$HOME/.cache/pypoetry/virtualenvs/p-AbCd-py3.11/lib/python3.11/site-packages/x.pth
$HOME/.cache/ms-playwright/chromium-1105/chrome-linux/chrome"
while IFS= read -r p; do mkdir -p "$(dirname "$p")" && echo original > "$p"; done <<<"$CACHED"
chmod -R a-w "$HOME/go/pkg/mod" # as go leaves it
at_exit "chmod -R u+w '$HOME/go' 2>/dev/null"

# changed: the cached programs that no longer hold just "original", and new files planted beside them
changed() {
	local p left=
	while IFS= read -r p; do
		[ "$(cat "$p" 2>/dev/null)" = original ] || left="$left ${p#$HOME/}"
		[ -e "$(dirname "$p")/planted" ] && left="$left ${p#$HOME/}(beside)"
	done <<<"$CACHED"
	printf '%s' "$left"
}

for f in $FLAVOURS; do
	ga "$f" -- sh -c 'printf "%s\n" "$1" | while IFS= read -r p; do d=$(dirname "$p"); chmod u+w "$d" "$p"
		echo PLANTED >> "$p"; echo PLANTED > "$d/planted"; mv "$p" "$p.x" && echo PLANTED > "$p"; done 2>/dev/null
		true' sh "$CACHED"
	t_eq "[$f] programs in the shared toolchain caches are not changed, replaced or joined" "" "$(changed)"
	while IFS= read -r p; do chmod -R u+w "$(dirname "$p")"; rm -f "$p.x" "$(dirname "$p")/planted"
		echo original > "$p"; done <<<"$CACHED"
	chmod -R a-w "$HOME/go/pkg/mod"
done

# the claude-code profile: ~/.claude/ is its state (writable), ~/.claude/local/ its legacy install
mkdir -p "$HOME/.claude/local" && printf '#!/bin/sh\necho real claude\n' > "$HOME/.claude/local/claude"
chmod +x "$HOME/.claude/local/claude"
for f in $FLAVOURS; do
	ga "$f" --profile claude-code -- sh -c 'printf "#!/bin/sh\necho PLANTED\n" > "$HOME/.claude/local/claude"
		mv "$HOME/.claude/local" "$HOME/.claude/l2" && mkdir "$HOME/.claude/local" &&
		printf "#!/bin/sh\necho PLANTED\n" > "$HOME/.claude/local/claude"; true'
	t_lacks "[$f] claude-code profile: ~/.claude/local/claude is not replaced" PLANTED \
		"$(cat "$HOME/.claude/local/claude" 2>/dev/null)"
	if [ -d "$HOME/.claude/l2" ]; then rm -rf "$HOME/.claude/local"; mv "$HOME/.claude/l2" "$HOME/.claude/local"; fi
	printf '#!/bin/sh\necho real claude\n' > "$HOME/.claude/local/claude"
done

t_done
