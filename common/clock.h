/*
 * clock: the two clocks the programs read, as int64_t nanoseconds.
 * clock_real_ns: wall time (file times); clock_mono_ns: CLOCK_MONOTONIC
 * (ages and timeouts, immune to clock steps).
 */
#ifndef MINIDFS_COMMON_CLOCK_H
#define MINIDFS_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
clock_ns_of(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline int64_t
clock_real_ns(void)
{
	return clock_ns_of(CLOCK_REALTIME);
}

static inline int64_t
clock_mono_ns(void)
{
	return clock_ns_of(CLOCK_MONOTONIC);
}

#endif /* MINIDFS_COMMON_CLOCK_H */
