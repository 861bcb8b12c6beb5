#!/bin/bash
# smoke: builds the fuzz targets with clang and libFuzzer (tests/fuzz/build.sh,
# AddressSanitizer and UBSan on) into a temporary directory and runs each
# for FUZZ_SMOKE_SECONDS (default 15), two at a time, from a copy of its
# seed corpus: no crash, no leak, no broken invariant.  Skips when clang
# cannot link with -fsanitize=fuzzer (apt-get install clang
# libclang-rt-14-dev).  The long local runs are in tests/fuzz/README.
# TIMEOUT: 300
. "$top_srcdir/tests/lib/tap.sh"

SECS=${FUZZ_SMOKE_SECONDS:-15}
W=$(mktemp -d /tmp/minidfs-fuzz-smoke.XXXXXX)
PIDS=
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

if ! command -v "${CC:-clang}" >/dev/null 2>&1; then
	tap_skip "clang not installed"
	tap_done
	exit 0
fi
rc=0
"$top_srcdir/tests/fuzz/build.sh" "$W/bin" >"$W/build.log" 2>&1 || rc=$?
if [ "$rc" -eq 77 ]; then
	tap_skip "clang cannot link with -fsanitize=fuzzer (libclang-rt-14-dev)"
	tap_done
	exit 0
fi
ok "the fuzz targets build with clang and libFuzzer" test "$rc" -eq 0
if [ "$rc" -ne 0 ]; then
	tail -n 20 "$W/build.log" | sed 's/^/# /'
	tap_done
	exit 1
fi

# run NAME: SECS of fuzzing; its exit status in $W/NAME.rc
run() {
	mkdir -p "$W/corpus/$1" "$W/art"
	cp "$top_srcdir/tests/fuzz/corpus/$1"/* "$W/corpus/$1/"
	"$W/bin/fuzz_$1" -max_total_time="$SECS" -timeout=10 \
	    -rss_limit_mb=2048 -artifact_prefix="$W/art/$1-" \
	    "$W/corpus/$1" >"$W/$1.log" 2>&1
	echo $? >"$W/$1.rc"
}

targets=$(cd "$top_srcdir/tests/fuzz" && ls fuzz_*.c | grep -v '^fuzz_http\.c$' |
    sed 's/^fuzz_//; s/\.c$//')
set -- $targets
while [ $# -gt 0 ]; do
	PIDS=
	run "$1" & PIDS=$!
	if [ $# -gt 1 ]; then
		run "$2" & PIDS="$PIDS $!"
	fi
	wait
	for t in "$1" ${2:+"$2"}; do
		r=$(cat "$W/$t.rc" 2>/dev/null)
		ok_eq "fuzz_$t: ${SECS}s without a crash" 0 "$r"
		[ "$r" = 0 ] || grep -E 'ERROR|invariant|SUMMARY|artifact' \
		    "$W/$t.log" | head -n 10 | sed 's/^/# /'
		tap_diag "fuzz_$t: $(grep -E '^(stat::number_of_executed_units|Done)' \
		    "$W/$t.log" | tail -n 1)"
	done
	shift; [ $# -gt 0 ] && shift
done
PIDS=
tap_done
