#!/bin/sh
# run-suite.sh: the whole test suite from a clean checkout, as CI runs it.
# Installs the Debian packages (tests/setup-debian.sh), builds out of tree in
# build/, runs `make check` (unit + integration tests) and `make distcheck`,
# and ends with one line "N passed, N failed, N skipped" for the whole suite.
# Exit status: 0 when everything passed.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MINIDFS_BUILD_DIR:-$top/build}
jobs=${MINIDFS_JOBS:-2}

"$top/tests/setup-debian.sh" || { echo "0 passed, 1 failed"; exit 1; }

set -e
cd "$top"
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p "$build"
cd "$build"
"$top/configure" -q
make -j"$jobs" >/dev/null
set +e

make -j"$jobs" check >check.out 2>&1
check_rc=$?
# The automake summary, then any failing test's log, so CI shows why.
sed -n '/^=*$/,$p' check.out | grep -E '^(#|=|Testsuite)' || true
if [ $check_rc -ne 0 ]; then
	for trs in $(grep -l -E '^:test-result: (FAIL|ERROR)' \
	    $(find . -name '*.trs') 2>/dev/null); do
		log=${trs%.trs}.log
		echo "---- $log"
		tail -n 60 "$log"
	done
	# last, where a clipped output still shows them: the failed checks
	echo "---- the failed checks"
	for trs in $(grep -l -E '^:test-result: (FAIL|ERROR)' \
	    $(find . -name '*.trs') 2>/dev/null); do
		grep -E -A 3 '^(not ok|Bail out)' "${trs%.trs}.log" |
		    sed "s|^|${trs%.trs}: |"
	done
fi

pass=0 fail=0 skip=0
for trs in $(find . -name '*.trs' -not -path './minidfs-*'); do
	p=$(grep -c '^:test-result: PASS' "$trs")
	x=$(grep -c '^:test-result: XFAIL' "$trs")
	f=$(grep -c -E '^:test-result: (FAIL|ERROR|XPASS)' "$trs")
	s=$(grep -c '^:test-result: SKIP' "$trs")
	pass=$((pass + p + x)); fail=$((fail + f)); skip=$((skip + s))
done

dist_rc=0
if [ "${MINIDFS_SKIP_DISTCHECK:-0}" != 1 ]; then
	echo "== make distcheck"
	# Packaging and the unit tests again from the tarball; the integration
	# tests already ran above and need not run twice.
	make -j"$jobs" distcheck TESTS='$(UNIT_TESTS)' >distcheck.out 2>&1
	dist_rc=$?
	if [ $dist_rc -eq 0 ]; then
		echo "distcheck: ok"
		pass=$((pass + 1))
	else
		echo "distcheck: FAILED"
		tail -n 40 distcheck.out
		fail=$((fail + 1))
	fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ $check_rc -eq 0 ] && [ $dist_rc -eq 0 ]
