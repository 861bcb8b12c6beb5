/*
 * log: leveled, timestamped logging to stderr or syslog (after ntpd's log.h).
 *
 * log_warn() appends strerror(errno) and leaves errno unchanged; log_warnx()
 * appends nothing.  fatal()/fatalx() log and exit(1): use them only at start-up
 * and for broken invariants, never for bad input from a peer.
 * Thread-safe: every line is written with one write(2) or syslog(3) call.
 * The logger's state is process-wide (it mirrors the process's stderr/syslog).
 */
#ifndef MINIDFS_LOG_H
#define MINIDFS_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Sets the program name, the lowest level written, and the destination. */
void	 log_init(const char *ident, enum log_level level, int to_syslog);
void	 log_setlevel(enum log_level level);
enum log_level log_getlevel(void);
/* Parses "error", "warn", "info", "debug"; returns 0 or -EINVAL. */
int	 log_parse_level(const char *s, enum log_level *out);

void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_vlog(enum log_level, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
void	 fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* MINIDFS_LOG_H */
