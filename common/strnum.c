/*
 * strnum: the one strict number parser.  Digits are scanned by hand rather
 * than through strtoull(), which would accept leading whitespace, a sign on an
 * unsigned value, "0x" prefixes and locale quirks.  A string is first checked
 * to be well formed (-EINVAL otherwise), and only then converted with overflow
 * detection, so "99999999999999999999x" is junk (-EINVAL) while
 * "99999999999999999999" is out of range (-ERANGE).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/strnum.h"

#define HEX_MAX_DIGITS	16	/* hex digits in a uint64_t */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Converts the n decimal digits at s (already checked to be digits) into
 * *out.  Returns 0, or -ERANGE when the value does not fit in 64 bits.
 */
static int
digits_to_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Length of the run of decimal digits at the start of s. */
static size_t
digit_run(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	return n;
}

int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	size_t n;
	int rc;

	if (s == NULL)
		return -EINVAL;
	n = digit_run(s);
	if (n == 0 || s[n] != '\0')
		return -EINVAL;
	if ((rc = digits_to_u64(s, n, &v)) != 0)
		return rc;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p;
	uint64_t mag;
	int64_t v;
	size_t n;
	int neg, rc;

	if (s == NULL)
		return -EINVAL;
	/* A minus sign only: "+5" is not how anyone writes a config value. */
	neg = s[0] == '-';
	p = s + neg;
	n = digit_run(p);
	if (n == 0 || p[n] != '\0')
		return -EINVAL;
	if ((rc = digits_to_u64(p, n, &mag)) != 0)
		return rc;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		/* -(INT64_MAX + 1) without signed overflow. */
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return -ERANGE;
		v = (int64_t)mag;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/*
 * Lowercase hex only, as we print inode numbers with "%" PRIx64: accepting
 * "ABC" as well would give one inode two names.  More than 16 well-formed
 * digits cannot fit and is -ERANGE, like a decimal overflow.
 */
int
parse_hex_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t n;

	if (s == NULL || s[0] == '\0')
		return -EINVAL;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		if (!is_digit(c) && !(c >= 'a' && c <= 'f'))
			return -EINVAL;
	}
	if (n > HEX_MAX_DIGITS)
		return -ERANGE;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		v = (v << 4) | (uint64_t)(is_digit(c) ? c - '0' : c - 'a' + 10);
	}
	*out = v;
	return 0;
}

int
parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned shift;
	uint64_t v;
	size_t n;
	int rc;

	if (s == NULL)
		return -EINVAL;
	n = digit_run(s);
	if (n == 0)
		return -EINVAL;
	switch (s[n]) {
	case '\0':
		shift = 0;
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (shift != 0 && s[n + 1] != '\0')
		return -EINVAL;
	if ((rc = digits_to_u64(s, n, &v)) != 0)
		return rc;
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}
