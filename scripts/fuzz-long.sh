#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Long libFuzzer campaigns, by hand (not part of CI; scripts/test.sh runs
# the short ones): every tests/fuzz/fuzz_*.c target of the clang
# -Dfuzz=true build, under ASan + UBSan, for a time or a number of
# executions each, on a scratch copy of its committed corpus
# (tests/data/corpus/<target>/; the committed corpus is never written).
#
#   scripts/fuzz-long.sh [--secs N | --runs N] [--jobs N] [--keep] [TARGET...]
#     --secs N    run each target for N seconds (default 600)
#     --runs N    run each target for N executions instead (e.g. 10000000)
#     --jobs N    libFuzzer -jobs=N -workers=N: N fuzzing processes per
#                 target sharing one corpus (counts summed, coverage the best)
#     --keep      keep the scratch directory (corpora grown, logs, artifacts)
#     TARGET...   only these targets (e.g. fuzz_frame); default all
#
# Ends with one table: target, executions, coverage (cov: and ft: from
# libFuzzer's last status line), corpus size after the run (files, bytes),
# crashes (crash-, leak-, timeout- and oom- artifacts) and exit status.
# Exits 1 if any target crashed or exited non-zero; the artifacts are then
# copied to <build>/fuzz-artifacts/<target>/.
#
# Environment: LW_FUZZ_DIR, the build directory (default build-fuzz, as
# scripts/test.sh); it is configured and built when missing, after
# scripts/install-deps.sh. Nothing else is installed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BF=${LW_FUZZ_DIR:-build-fuzz}

secs=600
runs=
jobs=1
keep=0
targets=()
usage() { sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--secs) secs=${2:?--secs needs a number}; runs=; shift 2 ;;
	--runs) runs=${2:?--runs needs a number}; shift 2 ;;
	--jobs | --workers) jobs=${2:?--jobs needs a number}; shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "fuzz-long: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
for v in "$secs" "${runs:-1}" "$jobs"; do
	case "$v" in
	'' | *[!0-9]*) echo "fuzz-long: not a number: $v" >&2; exit 2 ;;
	esac
done
[ "$jobs" -ge 1 ] || jobs=1

# ---- the build
if [ ! -f "$BF/build.ninja" ]; then
	bash scripts/install-deps.sh || { echo "fuzz-long: install-deps failed" >&2; exit 1; }
	CC=clang meson setup "$BF" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false || exit 1
fi
if ! grep -q '"name": "fuzz", "value": true' "$BF/meson-info/intro-buildoptions.json" 2>/dev/null; then
	echo "fuzz-long: $BF is not a -Dfuzz=true build (set LW_FUZZ_DIR)" >&2
	exit 1
fi
ninja -C "$BF" >/dev/null || { ninja -C "$BF"; exit 1; }

if [ ${#targets[@]} -eq 0 ]; then
	for src in tests/fuzz/fuzz_*.c; do
		[ -e "$src" ] && targets+=("$(basename "$src" .c)")
	done
fi

scratch=$(mktemp -d /tmp/lw-fuzz-long.XXXXXX)
if [ $keep = 0 ]; then
	trap 'rm -rf "$scratch"' EXIT
fi
if [ -n "$runs" ]; then
	budget="-runs=$runs"
	what="$runs executions"
	limit=()
else
	budget="-max_total_time=$secs"
	what="${secs}s"
	# A hung target must not hold the run for ever: libFuzzer's own time
	# limit plus room for its merge of the jobs' corpora.
	limit=(timeout -k 30 $((secs + 300)))
fi

rows=()
failed=0
for t in "${targets[@]}"; do
	bin=$ROOT/$BF/tests/fuzz/$t
	dir=$scratch/$t
	mkdir -p "$dir/corpus" "$dir/artifacts"
	if [ ! -x "$bin" ]; then
		echo "---- $t: not built in $BF"
		rows+=("$t|-|-|-|-|-|not built")
		failed=1
		continue
	fi
	[ -d "tests/data/corpus/$t" ] && cp -r "tests/data/corpus/$t/." "$dir/corpus/"
	echo "---- $t: $(find "$dir/corpus" -type f | wc -l) corpus files, $what, $jobs job(s)"
	jobargs=()
	[ "$jobs" -gt 1 ] && jobargs=(-jobs="$jobs" -workers="$jobs")
	# Jobs write fuzz-<n>.log into the current directory: run inside the scratch dir.
	(
		cd "$dir" &&
			ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
				"${limit[@]}" "$bin" "$budget" -timeout=10 -rss_limit_mb=2048 \
				-print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
				"${jobargs[@]}" "$dir/corpus"
	) >"$dir/main.log" 2>&1
	rc=$?
	# With -jobs the parent's log repeats each job's: read the jobs' own logs.
	logs=()
	for l in "$dir"/fuzz-*.log; do [ -e "$l" ] && logs+=("$l"); done
	[ ${#logs[@]} -gt 0 ] || logs=("$dir/main.log")

	# Executions: each process's final stat line, summed over the jobs.
	execs=$(cat "${logs[@]}" | awk -F: '/^stat::number_of_executed_units/ {s += $NF} END {print s + 0}')
	# Coverage: the best cov/ft any process reached on its last status line.
	read -r cov ft < <(cat "${logs[@]}" | awk '
		/^#[0-9]+/ {
			for (i = 1; i < NF; i++) {
				if ($i == "cov:") c = $(i + 1)
				if ($i == "ft:") f = $(i + 1)
			}
			if (c + 0 > bc) bc = c + 0
			if (f + 0 > bf) bf = f + 0
		}
		END { print (bc ? bc : "-"), (bf ? bf : "-") }')
	nfiles=$(find "$dir/corpus" -type f | wc -l)
	bytes=$(du -sb "$dir/corpus" | cut -f1)
	crashes=$(find "$dir/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	status=$rc
	[ $rc -eq 124 ] && status="124 (timeout)"
	rows+=("$t|$execs|$cov|$ft|$nfiles files, $((bytes / 1024)) KiB|$crashes|$status")
	grep -hE '^#[0-9]+.*DONE' "${logs[@]}" | tail -n 1 | sed 's/^/  /'
	if [ "$crashes" -gt 0 ] || [ $rc -ne 0 ]; then
		failed=1
		echo "$t: exit $rc, $crashes artifact(s); last lines:"
		tail -n 30 "$dir/main.log"
		mkdir -p "$ROOT/$BF/fuzz-artifacts/$t" &&
			cp -r "$dir/artifacts/." "$ROOT/$BF/fuzz-artifacts/$t/" 2>/dev/null &&
			echo "$t: artifacts copied to $BF/fuzz-artifacts/$t/"
	fi
done

echo
{
	echo "target|executions|cov|ft|corpus|crashes|exit"
	printf '%s\n' "${rows[@]}"
} | column -t -s '|'
[ $keep = 1 ] && echo "scratch kept: $scratch"
exit $failed
