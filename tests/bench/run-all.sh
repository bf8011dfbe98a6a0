#!/bin/bash
# SPDX-License-Identifier: MIT
#
# NAME
#	run-all.sh - every benchmark of issue 4 in one run, medians and ratios
# SYNOPSIS
#	tests/bench/run-all.sh BUILDDIR [CHARTDIR]
# DESCRIPTION
#	Builds what it needs in BUILDDIR, prints the machine line (CPU
#	model, cores, OpenSSL, build type, load average), then runs, in this
#	order and in the same run so that ratios compare like with like:
#	  1. the limit: openssl speed rsa2048 ed25519 (-seconds 2) and
#	     openssl speed -evp sha256 -bytes 16384, three times each (before
#	     and during section 2);
#	  2. library throughput on the corpus of make-corpus.py: dkimmod
#	     (bench-sign --corpus), libopendkim (bench-opendkim), dkimpy
#	     (bench-dkimpy.py), Mail::DKIM (bench-maildkim.pl), plus
#	     bench-sign -H (1 MB body hashing) and tests/verify/bench-verify;
#	  3./4. dkimmod-spawn per connection and memory (bench-proc.py spawn);
#	  5. dkimmod sign vs ref-sign, whole-process CPU (bench-proc.py exec-cpu);
#	  5b. instructions per connection (callgrind-connection.py, issue 11):
#	     one connection of dkimmod-spawn verify, sign RSA-2048 and sign
#	     Ed25519 as spawn(8) runs it, and the dkimmod CLI, under valgrind
#	     --tool=callgrind, with page faults of native runs;
#	  6. end to end through the private Postfix rig (bench-e2e.py; root
#	     only, skipped otherwise): signing paths a-c (b3: the pooled
#	     mode), verifying paths d and e on the corpus's signed 2 KB
#	     message (d3: the pooled mode), and the filter's
#	     per-process cost from rusage-exec;
#	  7. the 2,000-message soak of tests/postfix/faults.py in the pooled
#	     mode (RIG_FILTER=serve; meson test runs 500);
#	and ends with the Markdown tables of report.py, the lines pasted
#	into docs/benchmarks.md. Library rates are messages per CPU second
#	of the measuring process, as openssl speed counts; end-to-end rates
#	are per wall-clock second and so depend on the machine's load, which
#	is printed at each section. The chart bench-library.png (gnuplot, from
#	Debian's gnuplot-nox) is written to CHARTDIR, default the work
#	directory. Raw output and the corpus stay in $BENCH_WORK (default a
#	new /tmp/dkimmod-bench.XXXXXX; the generated sender maps are reused
#	when the directory is given again). Takes about 5 minutes.
#	Not run by meson test: timings belong to a run made on purpose.
# ENVIRONMENT
#	BENCH_ROUNDS (3)   rounds per library case and end-to-end path
#	BENCH_SECONDS (0.5) CPU seconds per library round
#	BENCH_E2E (1)      0 skips the Postfix part
#	BENCH_STATIC_BUILD a build directory configured -Dstatic_helper=true:
#	                   section 5b counts its spawn-mode connections too, and
#	                   section 6 adds the path d-kf-static (bench-e2e.py)
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILDDIR [CHARTDIR]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
B=$(cd "$1" && pwd)
WORK=${BENCH_WORK:-$(mktemp -d /tmp/dkimmod-bench.XXXXXX)}
mkdir -p "$WORK"
chmod 0755 "$WORK"
CHARTDIR=$(cd "${2:-$WORK}" && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-0.5}
PY=/usr/bin/python3
RAW=$WORK/raw.txt
: > "$RAW"

# out LINE... - print and keep for the report
out () { printf '%s\n' "$*" | tee -a "$RAW"; }
# keep CMD... - run CMD, its output printed and kept
keep () { "$@" | tee -a "$RAW"; }

targets="tools/dkimmod spawn/dkimmod-spawn tests/bench/bench-sign tests/bench/ref-sign tests/bench/rusage-exec tests/verify/bench-verify"
if grep -q "bench-opendkim" "$B/build.ninja"; then
	targets="$targets tests/bench/bench-opendkim"
fi
ninja -C "$B" $targets > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
buildtype=$(meson introspect --buildoptions "$B" 2>/dev/null |
	$PY -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' ||
	echo unknown)
out "machine: $cpu, $(nproc) cores, $(openssl version | cut -d' ' -f1-2), $(uname -sr)," \
	"dkimmod $(git -C "$SRC" describe --always --dirty 2>/dev/null || echo '?') ($buildtype build)"
out "date: $(date -u '+%Y-%m-%d %H:%M UTC'), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)

# ---- 1. the limit -------------------------------------------------------
# limit_run - one openssl speed run of each kind. openssl speed counts CPU
# (user) time, and so do the library harnesses: on a shared machine the
# rates then do not depend on what the others run. The three runs are
# spread over the library section so that the medians cover its span.
limit_run () {
	openssl speed -seconds 2 rsa2048 ed25519 2>/dev/null | awk '
		/^rsa 2048 bits/ { print "LIMIT rsa2048-sign", $(NF-1); print "LIMIT rsa2048-verify", $NF }
		/EdDSA \(Ed25519\)/ { print "LIMIT ed25519-sign", $(NF-1); print "LIMIT ed25519-verify", $NF }' |
		tee -a "$RAW"
	openssl speed -seconds 2 -evp sha256 -bytes 16384 2>/dev/null |
		awk '/^sha256/ { sub(/k$/, "", $2); print "LIMIT sha256", $2 }' | tee -a "$RAW"
}
load () { echo "   (load average $(cut -d' ' -f1-3 /proc/loadavg))"; }

echo "== 1. the limit: openssl speed (3 runs: now, and twice during section 2)$(load)"
limit_run

# ---- 2. library throughput ---------------------------------------------
echo "== 2. library throughput (median of $ROUNDS rounds of $SECS CPU seconds per case)$(load)"
$PY "$HERE/make-corpus.py" "$B/tools/dkimmod" "$SRC" "$WORK/corpus"
keep "$B/tests/bench/bench-sign" --corpus "$WORK/corpus" -s "$SECS" -r "$ROUNDS"
if [ -x "$B/tests/bench/bench-opendkim" ]; then
	keep "$B/tests/bench/bench-opendkim" "$WORK/corpus" "$SECS" "$ROUNDS"
else
	out "(libopendkim harness not built: install libopendkim-dev and reconfigure)"
fi
limit_run
keep $PY "$HERE/bench-dkimpy.py" "$WORK/corpus" "$SECS" "$ROUNDS"
keep perl "$HERE/bench-maildkim.pl" "$WORK/corpus" "$SECS" "$ROUNDS"
limit_run
"$B/tests/bench/bench-sign" -H -s 2 | tee "$WORK/hash.txt"
sed -n 's/.*relaxed+SHA-256 \([0-9.]*\) MB\/s.*SHA-256 alone \([0-9.]*\) MB\/s.*/HASH relaxed \1 MB\/s sha256 \2 MB\/s/p' \
	"$WORK/hash.txt" | tee -a "$RAW"
echo "-- cross-check, tests/verify/bench-verify (2 KB, its own keys):"
"$B/tests/verify/bench-verify" 2

# ---- 3./4./5. processes -------------------------------------------------
echo "== 3./4. dkimmod-spawn per connection and memory$(load)"
keep $PY "$HERE/bench-proc.py" spawn "$B" "$WORK/corpus" "$WORK/spawn" 20
echo "== 5. dkimmod sign vs the minimal OpenSSL program (ref-sign)$(load)"
keep $PY "$HERE/bench-proc.py" exec-cpu "$B" "$WORK/corpus" 200
echo "== 5b. instructions per connection (callgrind, one connection each)$(load)"
keep $PY "$HERE/callgrind-connection.py" "$B" "$WORK/corpus" "$WORK/callgrind" 10
if [ -n "${BENCH_STATIC_BUILD:-}" ]; then
	echo "-- the static-pie helper ($BENCH_STATIC_BUILD), spawn mode:"
	keep env CALLGRIND_CASES=spawn-verify,spawn-verify-dkim,spawn-sign-rsa,spawn-sign-ed \
		$PY "$HERE/callgrind-connection.py" "$BENCH_STATIC_BUILD" "$WORK/corpus" \
		"$WORK/callgrind-static" 10
fi

# ---- 6. end to end --------------------------------------------------------
echo "== 6. end to end through the private Postfix rig$(load)"
if [ "${BENCH_E2E:-1}" = 0 ]; then
	out "(skipped: BENCH_E2E=0)"
elif [ "$(id -u)" != 0 ]; then
	out "(skipped: needs root)"
else
	keep $PY "$HERE/bench-e2e.py" "$B" "$ROUNDS" 500 "$WORK/corpus"
fi

# ---- 7. the pooled mode's soak --------------------------------------------
# meson test runs it with 500 messages (postfix-serve-faults-soak); the
# issue's 2,000 run here, with the same fault injection.
echo "== 7. pooled mode soak: FAULTS_SOAK_N=${BENCH_SOAK_N:-2000} through dkimmod-spawn serve$(load)"
if [ "${BENCH_E2E:-1}" = 0 ] || [ "$(id -u)" != 0 ]; then
	out "(skipped: BENCH_E2E=0 or not root)"
else
	keep env RIG_FILTER=serve FAULTS_SOAK_N="${BENCH_SOAK_N:-2000}" DKIMMOD_BUILDDIR="$B" \
		DKIMMOD_SPAWN="$B/spawn/dkimmod-spawn" $PY "$SRC/tests/postfix/faults.py" soak
fi

out "elapsed: $(($(date +%s) - start)) s, load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report -----------------------------------------------------------------
echo
$PY "$HERE/report.py" "$RAW" "$WORK/library.dat"
if command -v gnuplot > /dev/null; then
	gnuplot -e "dat='$WORK/library.dat'; png='$CHARTDIR/bench-library.png'; machine='$cpu, $(nproc) cores'" \
		"$HERE/bench-library.gp"
	echo
	echo "chart: $CHARTDIR/bench-library.png"
else
	echo "(no chart: apt-get install gnuplot-nox)"
fi
echo "raw output: $RAW"
