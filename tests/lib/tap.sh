# tap.sh: TAP output for shell tests (sourced).  Each check is one line:
#   ok "what it shows" command args...     # passes when the command succeeds
#   ok_eq "what" "$expected" "$actual"     # passes when the strings are equal
#   tap_skip "why"                         # counts one skipped check
#   tap_diag "text"                        # a diagnostic line
#   tap_done                               # prints the plan; exit status
# tap_done exits 1 if any check failed, so `set -e` scripts stay honest.

TAP_N=0
TAP_FAILED=0

tap_diag() {
	printf '# %s\n' "$*"
}

ok() {
	local what=$1; shift
	TAP_N=$((TAP_N + 1))
	if "$@"; then
		printf 'ok %d - %s\n' "$TAP_N" "$what"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		printf 'not ok %d - %s\n' "$TAP_N" "$what"
		tap_diag "failed: $*"
	fi
}

ok_eq() {
	local what=$1 want=$2 got=$3
	TAP_N=$((TAP_N + 1))
	if [ "$want" = "$got" ]; then
		printf 'ok %d - %s\n' "$TAP_N" "$what"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		printf 'not ok %d - %s\n' "$TAP_N" "$what"
		tap_diag "expected: $want"
		tap_diag "got:      $got"
	fi
}

tap_skip() {
	TAP_N=$((TAP_N + 1))
	printf 'ok %d # SKIP %s\n' "$TAP_N" "$*"
}

# Bails out of the whole script (setup failed); the driver counts an error.
tap_bail() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

tap_done() {
	printf '1..%d\n' "$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
