#!/usr/bin/env bash
# tests/format.sh (make check runs it as test_format; make format rewrites): every C file of the tree is as
# .clang-format lays it out, so a change's diff is its content, never a reflow of someone else's lines.
cd "$(dirname "$0")/.." || exit 1
FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$FORMAT" >/dev/null 2>&1; then
	echo "not ok 1 - $FORMAT is not installed (./install-deps installs clang-format)"
	echo "1..1"
	exit 1
fi
mapfile -t files < <(find include preload launcher tests -name '*.[ch]' -not -path '*/build*' | sort)
# One clang-format for all files (starting it costs more than formatting a file): it names each file that differs
# in its "FILE:LINE:COL: error: code should be clang-formatted" lines.
out=$("$FORMAT" --dry-run -Werror "${files[@]}" 2>&1 >/dev/null)
rc=$?
mapfile -t bad < <(printf '%s\n' "$out" | sed -n 's/^\(.*\.[ch]\):[0-9]*:[0-9]*: error: .*clang-format.*/\1/p' | sort -u)
if [ $rc -ne 0 ] && [ ${#bad[@]} -eq 0 ]; then # failed without naming a file: say how
	echo "not ok 1 - $FORMAT failed: $(printf '%s\n' "$out" | head -3 | tr '\n' ' ')"
	echo "1..1"
	exit 1
fi
if [ ${#bad[@]} -eq 0 ]; then
	echo "ok 1 - ${#files[@]} C files match .clang-format"
else
	echo "not ok 1 - ${#bad[@]} of ${#files[@]} C files differ from .clang-format (make format rewrites them)"
	printf '#   %s\n' "${bad[@]}"
fi
echo "1..1"
[ ${#bad[@]} -eq 0 ]
