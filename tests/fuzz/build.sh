#!/bin/sh
# build.sh: builds every fuzz target (tests/fuzz/fuzz_<x>.c) with clang and
# libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer, into
# OUTDIR/fuzz_<x>.  The gcc build is not touched: sources are compiled here,
# with a config.h of our own.
#
#   tests/fuzz/build.sh OUTDIR [target...]     (default: every target)
#
# Environment: CC (default clang), JOBS (parallel compiles, default 2).
# Exit status 77 when clang cannot link with -fsanitize=fuzzer (Debian:
# apt-get install clang libclang-rt-14-dev).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: build.sh OUTDIR [target...]}
shift
CC=${CC:-clang}
JOBS=${JOBS:-2}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ return d == 0 && n > 0; }\n' >"$out/probe.c"
if ! "$CC" -fsanitize=fuzzer "$out/probe.c" -o "$out/probe" 2>/dev/null; then
	echo "build.sh: $CC cannot link with -fsanitize=fuzzer" >&2
	exit 77
fi

# What AC_USE_SYSTEM_EXTENSIONS gives the normal build.
cat >"$out/config.h" <<'H'
#define _GNU_SOURCE 1
#define _ALL_SOURCE 1
#define _POSIX_PTHREAD_SEMANTICS 1
#define _TANDEM_SOURCE 1
#define __EXTENSIONS__ 1
#define PACKAGE_VERSION "fuzz"
H

PKGS="libmicrohttpd libcurl libcjson libcrypto yaml-0.1 libxxhash"
cflags="-g -O1 -std=gnu11 -pthread -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -I$out -I$top $(pkg-config --cflags $PKGS)"
libs="$(pkg-config --libs $PKGS) -pthread"

# One object per source, compiled JOBS at a time.
srcs=$(cd "$top" && ls common/*.c server/data/*.c server/meta/*.c \
	tests/fuzz/fuzz_*.c | grep -v '/main\.c$')
export top out cflags CC
printf '%s\n' $srcs | xargs -P "$JOBS" -I{} sh -c '
	o="$out/obj/$(echo {} | tr / _ | sed "s/\.c$/.o/")"
	exec $CC $cflags -c "$top/{}" -o "$o"'

cd "$out/obj"
rm -f ../libcommon.a ../libdata.a ../libmeta.a
ar rcs ../libcommon.a common_*.o
ar rcs ../libdata.a server_data_*.o
ar rcs ../libmeta.a server_meta_*.o

targets=$*
[ -n "$targets" ] || targets=$(cd "$top/tests/fuzz" && ls fuzz_*.c |
	grep -v '^fuzz_http\.c$' | sed 's/^fuzz_//; s/\.c$//')
for t in $targets; do
	extra=
	case $t in
	data_*)	extra=../libdata.a ;;
	meta_*)	extra=../libmeta.a ;;
	esac
	# shellcheck disable=SC2086
	$CC -fsanitize=fuzzer,address,undefined -pthread -o "$out/fuzz_$t" \
	    "tests_fuzz_fuzz_$t.o" tests_fuzz_fuzz_http.o $extra \
	    ../libcommon.a $libs
	echo "build.sh: $out/fuzz_$t"
done
