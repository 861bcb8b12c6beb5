/*
 * log: leveled logging to stderr or syslog, after ntpd's log.c.  Each line is
 * "2026-11-22T03:12:22.123Z ident[pid] LEVEL message" on stderr, or the bare
 * message with a syslog priority.  One write(2) per line keeps lines whole
 * when threads log at once.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

#define LOG_LINE_MAX	4096	/* bytes of one formatted line */

/* Process-wide like the stderr and syslog they stand for; set once in main()
 * before threads start, read-only afterwards (log_setlevel is a plain int
 * store, fine for a level). */
static const char	*log_ident = "minidfs";
static volatile int	 log_level = LOG_LEVEL_INFO;
static int		 log_syslog;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static const int level_prio[] = {
	[LOG_LEVEL_ERROR] = LOG_ERR,
	[LOG_LEVEL_WARN] = LOG_WARNING,
	[LOG_LEVEL_INFO] = LOG_INFO,
	[LOG_LEVEL_DEBUG] = LOG_DEBUG,
};

void
log_init(const char *ident, enum log_level level, int to_syslog)
{
	log_ident = ident;
	log_level = level;
	log_syslog = to_syslog;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(enum log_level level)
{
	log_level = level;
}

enum log_level
log_getlevel(void)
{
	return log_level;
}

int
log_parse_level(const char *s, enum log_level *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void
log_line(enum log_level level, const char *msg)
{
	char		 line[LOG_LINE_MAX + 128], stamp[32];
	struct timespec	 ts;
	struct tm	 tm;
	int		 n;

	if (log_syslog) {
		syslog(level_prio[level], "%s", msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld] %s %s\n", stamp,
	    ts.tv_nsec / 1000000, log_ident, (long)getpid(),
	    level_names[level], msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* One write keeps concurrent lines whole; nothing to do on failure. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
log_vlog(enum log_level level, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX];
	int	 saved = errno;

	if ((int)level > log_level) {
		errno = saved;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_line(level, msg);
	errno = saved;
}

static void
log_errno(enum log_level level, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX], ebuf[128];
	int	 saved = errno;
	size_t	 len;

	if ((int)level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	snprintf(msg + len, sizeof(msg) - len, ": %s",
	    strerror_r(saved, ebuf, sizeof(ebuf)));
	log_line(level, msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_errno(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_errno(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
