/*
 * etcd_fixture: starts a private etcd (Debian's etcd-server) for a test on
 * free loopback ports with a mktemp data directory, and stops it again.
 * The binary is $ETCD_BIN, else "etcd" from PATH.  Used from Check unchecked
 * fixtures (one etcd per TCase): etcd_fixture_up/down on the shared etcd_fx,
 * with etcd_fixture_client() for clients of it.  Not thread-safe; one struct
 * per etcd.
 */
#ifndef MINIDFS_ETCD_FIXTURE_H
#define MINIDFS_ETCD_FIXTURE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct etcd_client;

struct etcd_fixture {
	pid_t		 pid;
	char		 dir[PATH_MAX];		/* data dir, removed on stop */
	unsigned	 client_port;
	unsigned	 peer_port;
	char		 endpoint[64];		/* "127.0.0.1:<client_port>" */
};

/* A TCP port on 127.0.0.1 that was free a moment ago (0 on failure). */
unsigned test_free_port(void);
/* CLOCK_MONOTONIC in milliseconds; sleeping ms milliseconds (EINTR resumed). */
long	 test_now_ms(void);
void	 test_sleep_ms(long ms);

/* Starts etcd and waits (up to 20 s) until it answers.  Returns 0, or -1
 * after printing why on stderr (everything started is cleaned up). */
int	 etcd_fixture_start(struct etcd_fixture *);
/* SIGKILLs etcd without removing its data (to test outages); restart with
 * etcd_fixture_restart, which reuses dir and ports.  Both return 0 or -1. */
int	 etcd_fixture_kill(struct etcd_fixture *);
int	 etcd_fixture_restart(struct etcd_fixture *);
/* Stops etcd (SIGTERM, then SIGKILL) and removes its data dir. */
void	 etcd_fixture_stop(struct etcd_fixture *);

/* The etcd of a test file's TCases: etcd_fixture_up() starts it (a Check
 * failure when it cannot), etcd_fixture_down() stops it; both fit
 * tcase_add_unchecked_fixture(). */
extern struct etcd_fixture etcd_fx;
void	 etcd_fixture_up(void);
void	 etcd_fixture_down(void);

/* A client of the given endpoints (or of etcd_fx alone) under prefix with
 * that timeout; a Check failure naming etcd_new's error when it cannot be
 * made.  Caller etcd_free()s. */
struct etcd_client *etcd_fixture_client_eps(const char *const *eps, size_t n,
	    const char *prefix, long timeout_ms);
struct etcd_client *etcd_fixture_client(const char *prefix, long timeout_ms);

#endif /* MINIDFS_ETCD_FIXTURE_H */
