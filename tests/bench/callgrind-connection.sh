#!/bin/bash
# SPDX-License-Identifier: MIT
#
# NAME
#	callgrind-connection.sh - instructions per connection of dkimmod-spawn and dkimmod, by callgrind
# SYNOPSIS
#	tests/bench/callgrind-connection.sh BUILDDIR [WORKDIR]
# DESCRIPTION
#	Builds what it needs, writes the benchmark corpus (make-corpus.py)
#	into WORKDIR (default a new /tmp/dkimmod-callgrind.XXXXXX) and runs
#	callgrind-connection.py: one connection of dkimmod-spawn verify,
#	sign RSA-2048 and sign Ed25519 as spawn(8) runs it, and the dkimmod
#	verify and sign CLI, each under valgrind --tool=callgrind, printing
#	instructions per connection (Ir) and the median page faults of 10
#	native runs. Instruction counts are repeatable on a shared, noisy
#	machine where timings are not; docs/benchmarks.md records them.
#	Then the top of callgrind_annotate for each case (inclusive, 25
#	lines), to see where the instructions go. The callgrind output files
#	stay in WORKDIR.
#	Needs valgrind (tools/debian-packages). Not run by meson test.
# ENVIRONMENT
#	CALLGRIND_CASES  comma-separated case names to run (default all)
#	CALLGRIND_ANNOTATE=0  skip the annotations
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILDDIR [WORKDIR]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
B=$(cd "$1" && pwd)
WORK=${2:-$(mktemp -d /tmp/dkimmod-callgrind.XXXXXX)}
mkdir -p "$WORK"
ninja -C "$B" tools/dkimmod spawn/dkimmod-spawn > "$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log" >&2; exit 1; }
[ -f "$WORK/corpus/signed-rsa-2k.eml" ] ||
	/usr/bin/python3 "$HERE/make-corpus.py" "$B/tools/dkimmod" "$SRC" "$WORK/corpus" > /dev/null
/usr/bin/python3 "$HERE/callgrind-connection.py" "$B" "$WORK/corpus" "$WORK" 10 | tee "$WORK/callgrind.txt"
if [ "${CALLGRIND_ANNOTATE:-1}" != 0 ]; then
	for f in "$WORK"/callgrind.*.out; do
		echo "-- $(basename "$f" .out | sed 's/^callgrind\.//'): callgrind_annotate --inclusive=yes (top 25)"
		callgrind_annotate --inclusive=yes "$f" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n '3,27p' |
			sed 's/ \/[^ ]*\/\([^/ ]*:\)/ \1/'
	done
fi
