#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# README command #2 (and CI: .ci/run): everything leasewire tests, in order.
#
#   1. dependencies (scripts/install-deps.sh; no apt at all when present)
#   2. lint: clang-format --dry-run --Werror, when a .clang-format exists
#   3. build "build" (gcc, debugoptimized) and "build-asan" (ASan + UBSan)
#   4. meson test in both; each Check suite's summary line is printed
#   5. clang libFuzzer build "build-fuzz"; every tests/fuzz target runs for
#      LW_FUZZ_SECS (default 20) on a scratch copy of its corpus, one target
#      per CPU at a time
#   6. every tests/integration/test_*.sh against the real daemon in network
#      namespaces, each bounded by timeout
#   7. one closing line: "N passed, N failed" (lint when it runs, unit
#      tests, fuzz targets, integration tests, plus any build that failed);
#      exit 1 if anything failed.
#
# Environment: LW_FUZZ_SECS; LW_BUILD_DIR / LW_ASAN_DIR / LW_FUZZ_DIR (the
# three build directories, default build, build-asan, build-fuzz);
# LW_IT_BUILD (which build the integration tests run the daemon from:
# default the ASan one); LW_SKIP_FUZZ=1, LW_SKIP_IT=1 to skip stages while
# developing (CI never sets them).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

B=${LW_BUILD_DIR:-build}
BA=${LW_ASAN_DIR:-build-asan}
BF=${LW_FUZZ_DIR:-build-fuzz}
FUZZ_SECS=${LW_FUZZ_SECS:-20}
# Integration tests run the ASan+UBSan daemon: on af_packet at the rates the
# tests use (500 DORA/s) it keeps up on 2 cores, and a memory error in the
# packet path then fails the test instead of passing silently. Set
# LW_IT_BUILD=build to use the plain build.
IT_BUILD=${LW_IT_BUILD:-$BA}

PASSED=0
FAILED=0
SUMMARY=()
T0=$(date +%s)

stage() { printf '\n======== %s (%ds)\n' "$*" "$(($(date +%s) - T0))"; }
count() { # count <ok:0|1> <what>
	if [ "$1" -eq 0 ]; then
		PASSED=$((PASSED + 1)); SUMMARY+=("PASS  $2")
	else
		FAILED=$((FAILED + 1)); SUMMARY+=("FAIL  $2")
	fi
}

# ------------------------------------------------------------------ 1. deps
stage "dependencies"
if ! bash scripts/install-deps.sh; then
	echo "install-deps failed"
	count 1 "install-deps"
fi

# ------------------------------------------------------------------ 2. lint
stage "lint"
if [ -f .clang-format ]; then
	mapfile -t srcs < <(find common control dataplane tests -name '*.[ch]' \
		-not -path '*/build*' 2>/dev/null | sort)
	lint_log=$(mktemp /tmp/lw-lint.XXXXXX)
	if clang-format --dry-run --Werror "${srcs[@]}" >"$lint_log" 2>&1; then
		echo "clang-format: ${#srcs[@]} files clean"
		count 0 "clang-format --dry-run --Werror (${#srcs[@]} files)"
	else
		head -n 30 "$lint_log"
		echo "... violations per file:"
		grep -oE '^[^: ]+\.[ch]:[0-9]+:[0-9]+: error' "$lint_log" | cut -d: -f1 | sort | uniq -c
		count 1 "clang-format --dry-run --Werror"
	fi
	rm -f "$lint_log"
else
	echo "no .clang-format: lint skipped"
fi

# ------------------------------------------------------------------ 3. builds
# setup_build <dir> <env/args...>: meson setup unless already configured.
setup_build() {
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		return 0
	fi
	env "$@"
}

build_ok=1; asan_ok=1
stage "build $B (gcc, debugoptimized)"
if setup_build "$B" CC=gcc meson setup "$B" --buildtype=debugoptimized >"/tmp/lw-setup-$$.log" 2>&1 ||
	{ cat "/tmp/lw-setup-$$.log"; false; }; then
	ninja -C "$B" || build_ok=0
else
	build_ok=0
fi
[ $build_ok = 1 ] || count 1 "build $B"

stage "build $BA (gcc, ASan + UBSan)"
if setup_build "$BA" CC=gcc meson setup "$BA" --buildtype=debugoptimized \
	-Db_sanitize=address,undefined -Db_lundef=false >"/tmp/lw-setup-$$.log" 2>&1 ||
	{ cat "/tmp/lw-setup-$$.log"; false; }; then
	ninja -C "$BA" || asan_ok=0
else
	asan_ok=0
fi
[ $asan_ok = 1 ] || count 1 "build $BA"
rm -f "/tmp/lw-setup-$$.log"

# ------------------------------------------------------------------ 4. unit
CHECK_RE='^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+'
# run_meson_tests <dir>: meson test, then count each test's result from
# testlog.json and print the Check summary lines from testlog.txt.
run_meson_tests() {
	local dir=$1
	meson test -C "$dir" --print-errorlogs
	local json=$dir/meson-logs/testlog.json
	if [ ! -s "$json" ]; then
		echo "no $json"
		count 1 "meson test -C $dir (no test log)"
		return
	fi
	echo "---- Check suites ($dir/meson-logs/testlog.txt):"
	/usr/bin/python3 - "$json" <<-'EOF' || grep -hE "$CHECK_RE" "$dir/meson-logs/testlog.txt"
	import json, re, sys
	pat = re.compile(r"^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+")
	for line in open(sys.argv[1]):
	    if line.strip():
	        t = json.loads(line)
	        for out in (t.get("stdout") or "").splitlines():
	            if pat.match(out):
	                print(f"{out}   [{t['name']}]")
	EOF
	local line name result
	while IFS=$'\t' read -r name result; do
		case "$result" in
		OK | EXPECTEDFAIL) count 0 "unit[$dir] $name" ;;
		SKIP) SUMMARY+=("SKIP  unit[$dir] $name") ;;
		*) count 1 "unit[$dir] $name ($result)" ;;
		esac
	done < <(/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        t = json.loads(line)
        print(t["name"] + "\t" + t["result"])' "$json")
}

if [ $build_ok = 1 ]; then
	stage "unit tests: $B"
	run_meson_tests "$B"
fi
if [ $asan_ok = 1 ]; then
	stage "unit tests: $BA (ASan + UBSan, leak detection on)"
	# Leak detection stays on: the unit suites link no DPDK, and every
	# allocation of leasewire's own is freed on exit.
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:print_summary=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_meson_tests "$BA"
fi

# ------------------------------------------------------------------ 5. fuzz
if [ "${LW_SKIP_FUZZ:-0}" != 1 ]; then
	stage "fuzz: clang libFuzzer build $BF, ${FUZZ_SECS}s per target"
	fuzz_ok=1
	if setup_build "$BF" CC=clang meson setup "$BF" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false >"/tmp/lw-fsetup-$$.log" 2>&1 ||
		{ cat "/tmp/lw-fsetup-$$.log"; false; }; then
		ninja -C "$BF" || fuzz_ok=0
	else
		fuzz_ok=0
	fi
	rm -f "/tmp/lw-fsetup-$$.log"
	if [ $fuzz_ok = 0 ]; then
		count 1 "build $BF"
	else
		scratch=$(mktemp -d /tmp/lw-fuzz.XXXXXX)
		# One target per CPU at a time (each is one process): the same
		# seconds per target in half the wall time on two cores. Reported
		# one by one, in name order, once all have run.
		par=$(nproc 2>/dev/null || echo 1)
		targets=()
		for src in tests/fuzz/fuzz_*.c; do
			[ -e "$src" ] || continue
			t=$(basename "$src" .c)
			bin=$BF/tests/fuzz/$t
			targets+=("$t")
			[ -x "$bin" ] || continue
			mkdir -p "$scratch/$t/corpus" "$scratch/$t/artifacts"
			if [ -d "tests/data/corpus/$t" ]; then
				cp -r "tests/data/corpus/$t/." "$scratch/$t/corpus/"
			fi
			echo "$(find "$scratch/$t/corpus" -type f | wc -l)" >"$scratch/$t.files"
			while [ "$(jobs -rp | wc -l)" -ge "$par" ]; do wait -n; done
			(
				ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
				UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
				timeout -k 10 $((FUZZ_SECS + 120)) "$bin" \
					-max_total_time="$FUZZ_SECS" -timeout=10 -rss_limit_mb=2048 \
					-print_final_stats=1 -artifact_prefix="$scratch/$t/artifacts/" \
					"$scratch/$t/corpus" >"$scratch/$t.log" 2>&1
				echo $? >"$scratch/$t.rc"
			) &
		done
		wait
		nf=0
		for t in "${targets[@]}"; do
			if [ ! -x "$BF/tests/fuzz/$t" ]; then
				echo "$t: $BF/tests/fuzz/$t was not built"
				count 1 "fuzz $t (not built)"
				continue
			fi
			nf=$((nf + 1))
			rc=$(cat "$scratch/$t.rc" 2>/dev/null || echo 1)
			echo "---- $t: $(cat "$scratch/$t.files") corpus files, ${FUZZ_SECS}s"
			grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$scratch/$t.log" | sed 's/^/  /'
			if [ "$rc" -eq 0 ]; then
				count 0 "fuzz $t"
			else
				echo "$t: exit $rc; last lines:"
				tail -n 40 "$scratch/$t.log"
				ls -l "$scratch/$t/artifacts/" 2>/dev/null
				# Keep the crashing input where a developer can find it.
				mkdir -p "$ROOT/$BF/fuzz-artifacts" &&
					cp -r "$scratch/$t/artifacts/." "$ROOT/$BF/fuzz-artifacts/" 2>/dev/null
				count 1 "fuzz $t (exit $rc)"
			fi
		done
		[ $nf -gt 0 ] || echo "no fuzz targets in tests/fuzz"
		rm -rf "$scratch"
	fi
fi

# ------------------------------------------------------------------ 6. integration
if [ "${LW_SKIP_IT:-0}" != 1 ]; then
	stage "integration tests (daemon from $IT_BUILD)"
	for t in tests/integration/test_*.sh; do
		[ -e "$t" ] || continue
		name=$(basename "$t" .sh)
		case "$name" in
		test_perfdhcp) budget=900 ;;
		# both roles against a real dhcpd, 10,000 clients each: ~400 s alone
		test_failover_isc) budget=600 ;;
		*) budget=420 ;;
		esac
		if [ ! -x "$IT_BUILD/dataplane/leasewired" ]; then
			echo "$name: no daemon at $IT_BUILD/dataplane/leasewired"
			count 1 "integration $name (no daemon)"
			continue
		fi
		echo "---- $name (at most ${budget}s)"
		t1=$(date +%s)
		# The ASan daemon runs with leak detection on; only allocations
		# inside DPDK's and liburcu's own libraries are suppressed
		# (tests/integration/lsan-dpdk.supp), so a leak in leasewire's code
		# makes the daemon exit non-zero on SIGTERM and fails the test.
		LW_BUILD=$ROOT/$IT_BUILD \
		ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$ROOT/tests/integration/lsan-dpdk.supp:print_suppressions=0 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			timeout -k 30 "$budget" bash "$t"
		rc=$?
		echo "---- $name: exit $rc after $(($(date +%s) - t1))s"
		if [ $rc -eq 0 ]; then
			count 0 "integration $name"
		else
			count 1 "integration $name (exit $rc)"
		fi
	done
fi

# ------------------------------------------------------------------ 7. summary
stage "summary"
printf '%s\n' "${SUMMARY[@]}"
echo "total time $(($(date +%s) - T0))s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
