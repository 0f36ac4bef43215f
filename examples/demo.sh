#!/bin/sh
# The README's demo: a project holding a secret, an agent-like command reading it, and guard refusing.
set -u
# From a checkout: its build; installed (share/doc/guard/examples): the guard on PATH.
guard=${GUARD:-$(cd "$(dirname "$0")/.." && pwd)/build/guard}
[ -n "${GUARD:-}" ] || [ -x "$guard" ] || guard=$(command -v guard) || { echo "demo: no guard found" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/guard-demo.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/project" && cd "$dir/project" || exit 1
echo 'OPENAI_API_KEY=sk-demo-not-a-real-key' > .env
echo 'int main(void) { return 0; }' > main.c

echo "\$ ls -a            # a project with a secret in .env"
ls -a
echo
echo "\$ guard run -- ls   # the project is readable"
"$guard" run -- ls
echo
echo "\$ guard run -- cat .env"
if "$guard" run -- cat .env; then
	echo "demo: UNEXPECTED: the secret was readable" >&2
	exit 1
fi
echo
echo "demo: guard denied the secret (exit status above is cat's own: 1)"
