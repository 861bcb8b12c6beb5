/*
 * etcd_fixture: one private etcd per test case.  It picks free loopback
 * ports, makes a mkdtemp() directory (data in dir/data, etcd's log in
 * dir/etcd.log), starts $ETCD_BIN (or "etcd" from PATH) as a child with
 * PR_SET_PDEATHSIG so that it cannot outlive the test, waits until GET
 * /health answers, and later stops it by the PID it recorded and removes the
 * directory.  The readiness probe speaks HTTP/1.0 over a plain socket, so
 * starting and stopping etcd does not depend on the code under test; only
 * etcd_fixture_client*() (for the tests' own calls) use common/etcd.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "common/etcd.h"
#include "tests/lib/etcd_fixture.h"

#define FIXTURE_READY_MS	20000	/* wait this long for etcd to answer */
#define FIXTURE_STOP_MS		5000	/* SIGTERM grace before SIGKILL */
#define FIXTURE_POLL_MS		50	/* between readiness probes */
#define FIXTURE_PROBE_MS	1000	/* one probe's socket timeout */
#define FIXTURE_START_TRIES	3	/* fresh ports when a port was taken */

struct etcd_fixture	 etcd_fx;

long
test_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
test_sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

unsigned
test_free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	unsigned		 port = 0;
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* One GET /health; 1 when etcd says it is healthy. */
static int
probe(unsigned port)
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { FIXTURE_PROBE_MS / 1000,
				    (FIXTURE_PROBE_MS % 1000) * 1000 };
	static const char	 q[] =
	    "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	char			 ans[2048];
	size_t			 got = 0;
	ssize_t			 n;
	int			 fd, ok = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    write(fd, q, sizeof(q) - 1) == (ssize_t)(sizeof(q) - 1)) {
		while (got < sizeof(ans) - 1 &&
		    (n = read(fd, ans + got, sizeof(ans) - 1 - got)) > 0)
			got += n;
		ans[got] = '\0';
		ok = strncmp(ans, "HTTP/1.", 7) == 0 &&
		    strstr(ans, " 200 ") != NULL &&
		    strstr(ans, "\"health\":\"true\"") != NULL;
	}
	close(fd);
	return ok;
}

static void
print_log_tail(const struct etcd_fixture *f)
{
	char	 path[PATH_MAX + 16], buf[4096];
	FILE	*fp;
	long	 size;
	size_t	 n;

	snprintf(path, sizeof(path), "%s/etcd.log", f->dir);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) > 0)
		fseek(fp, size > (long)sizeof(buf) - 1 ?
		    size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	fprintf(stderr, "etcd_fixture: tail of %s:\n%s\n", path, buf);
}

/* Forks and execs etcd on f's dir and ports; 0 or -1. */
static int
spawn(struct etcd_fixture *f)
{
	const char	*bin = getenv("ETCD_BIN");
	char		 data[PATH_MAX + 8], log[PATH_MAX + 16];
	char		 curl[64], purl[64], cluster[96];
	pid_t		 parent = getpid(), pid;
	int		 fd;

	if (bin == NULL || *bin == '\0' || strcmp(bin, "no") == 0)
		bin = "etcd";
	snprintf(data, sizeof(data), "%s/data", f->dir);
	snprintf(log, sizeof(log), "%s/etcd.log", f->dir);
	snprintf(curl, sizeof(curl), "http://127.0.0.1:%u", f->client_port);
	snprintf(purl, sizeof(purl), "http://127.0.0.1:%u", f->peer_port);
	snprintf(cluster, sizeof(cluster), "fixture=%s", purl);
	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "etcd_fixture: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* the child: never outlive the test that started us */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) ==
		    -1)
			fd = open("/dev/null", O_WRONLY);
		if (fd != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		/* etcd reads ETCD_* as flags and warns about unknown ones */
		unsetenv("ETCD_BIN");
		execlp(bin, bin, "--name", "fixture", "--data-dir", data,
		    "--listen-client-urls", curl,
		    "--advertise-client-urls", curl,
		    "--listen-peer-urls", purl,
		    "--initial-advertise-peer-urls", purl,
		    "--initial-cluster", cluster,
		    "--initial-cluster-state", "new",
		    "--logger", "zap", "--log-outputs", "stderr",
		    (char *)NULL);
		fprintf(stderr, "etcd_fixture: exec %s: %s\n", bin,
		    strerror(errno));
		_exit(127);
	}
	f->pid = pid;
	return 0;
}

/* Reaps or waits out a dead etcd that may not be our child (a test case
 * running in a forked process kills the runner's etcd). */
static void
wait_gone(pid_t pid, long ms)
{
	long	 deadline = test_now_ms() + ms;
	char	 path[64], stat[256];
	FILE	*fp;
	size_t	 n;
	char	*p;

	for (;;) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if ((fp = fopen(path, "r")) == NULL)
			return;
		n = fread(stat, 1, sizeof(stat) - 1, fp);
		fclose(fp);
		stat[n] = '\0';
		/* "pid (comm) S ...": a zombie has closed its sockets */
		if ((p = strrchr(stat, ')')) != NULL && p[1] == ' ' &&
		    (p[2] == 'Z' || p[2] == 'X'))
			return;
		if (test_now_ms() >= deadline)
			return;
		test_sleep_ms(FIXTURE_POLL_MS);
	}
}

/* Waits until etcd answers; -1 (etcd killed and reaped) when it died or
 * stayed silent. */
static int
wait_ready(struct etcd_fixture *f, int quiet)
{
	long	 deadline = test_now_ms() + FIXTURE_READY_MS;
	int	 status;

	while (test_now_ms() < deadline) {
		if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
			if (!quiet) {
				fprintf(stderr, "etcd_fixture: etcd exited "
				    "(status %d) before answering\n", status);
				print_log_tail(f);
			}
			f->pid = 0;
			return -1;
		}
		if (probe(f->client_port))
			return 0;
		test_sleep_ms(FIXTURE_POLL_MS);
	}
	fprintf(stderr, "etcd_fixture: etcd on port %u did not answer in "
	    "%d ms\n", f->client_port, FIXTURE_READY_MS);
	print_log_tail(f);
	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	f->pid = 0;
	return -1;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (remove(path) == -1)
		fprintf(stderr, "etcd_fixture: remove %s: %s\n", path,
		    strerror(errno));
	return 0;
}

static void
remove_dir(struct etcd_fixture *f)
{
	if (f->dir[0] == '\0')
		return;
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	f->dir[0] = '\0';
}

int
etcd_fixture_start(struct etcd_fixture *f)
{
	const char	*tmp = getenv("TMPDIR");
	int		 try;

	memset(f, 0, sizeof(*f));
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(f->dir, sizeof(f->dir), "%s/minidfs-etcd-XXXXXX", tmp);
	if (mkdtemp(f->dir) == NULL) {
		fprintf(stderr, "etcd_fixture: mkdtemp %s: %s\n", f->dir,
		    strerror(errno));
		f->dir[0] = '\0';
		return -1;
	}
	for (try = 0; try < FIXTURE_START_TRIES; try++) {
		f->client_port = test_free_port();
		do
			f->peer_port = test_free_port();
		while (f->peer_port != 0 && f->peer_port == f->client_port);
		if (f->client_port == 0 || f->peer_port == 0) {
			fprintf(stderr, "etcd_fixture: no free port\n");
			break;
		}
		snprintf(f->endpoint, sizeof(f->endpoint), "127.0.0.1:%u",
		    f->client_port);
		if (spawn(f) == -1)
			break;
		/* a port taken between test_free_port and etcd's bind makes
		 * etcd exit: try fresh ports, printing only the last failure */
		if (wait_ready(f, try + 1 < FIXTURE_START_TRIES) == 0)
			return 0;
		if (f->pid != 0)
			break;	/* it hung rather than died */
	}
	remove_dir(f);
	return -1;
}

int
etcd_fixture_kill(struct etcd_fixture *f)
{
	if (f->pid <= 0) {
		fprintf(stderr, "etcd_fixture_kill: etcd is not running\n");
		return -1;
	}
	if (kill(f->pid, SIGKILL) == -1) {
		fprintf(stderr, "etcd_fixture_kill: kill %d: %s\n",
		    (int)f->pid, strerror(errno));
		return -1;
	}
	wait_gone(f->pid, FIXTURE_STOP_MS);
	f->pid = 0;
	return 0;
}

int
etcd_fixture_restart(struct etcd_fixture *f)
{
	long	 deadline = test_now_ms() + FIXTURE_READY_MS;

	if (f->pid > 0) {
		fprintf(stderr, "etcd_fixture_restart: etcd still running\n");
		return -1;
	}
	/* the old ports may linger a moment after a kill: retry */
	do {
		if (spawn(f) == -1)
			return -1;
		if (wait_ready(f, test_now_ms() + 500 < deadline) == 0)
			return 0;
		if (f->pid != 0)
			return -1;
		test_sleep_ms(200);
	} while (test_now_ms() < deadline);
	return -1;
}

void
etcd_fixture_stop(struct etcd_fixture *f)
{
	long	 deadline;

	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		deadline = test_now_ms() + FIXTURE_STOP_MS;
		for (;;) {
			pid_t	 r = waitpid(f->pid, NULL, WNOHANG);

			if (r == f->pid)
				break;
			if (r == -1) {
				/* not our child: wait until it is gone */
				wait_gone(f->pid, FIXTURE_STOP_MS);
				break;
			}
			if (test_now_ms() >= deadline) {
				kill(f->pid, SIGKILL);
				waitpid(f->pid, NULL, 0);
				break;
			}
			test_sleep_ms(FIXTURE_POLL_MS);
		}
		f->pid = 0;
	}
	remove_dir(f);
}

void
etcd_fixture_up(void)
{
	ck_assert_msg(etcd_fixture_start(&etcd_fx) == 0, "cannot start etcd");
}

void
etcd_fixture_down(void)
{
	etcd_fixture_stop(&etcd_fx);
}

struct etcd_client *
etcd_fixture_client_eps(const char *const *eps, size_t n, const char *prefix,
    long timeout_ms)
{
	struct etcd_options	 o = { eps, n, prefix, timeout_ms, 0 };
	struct etcd_client	*c;
	char			 err[256] = "";

	c = etcd_new(&o, err, sizeof(err));
	ck_assert_msg(c != NULL, "etcd_new: %s", err);
	return c;
}

struct etcd_client *
etcd_fixture_client(const char *prefix, long timeout_ms)
{
	const char	*eps[1] = { etcd_fx.endpoint };

	return etcd_fixture_client_eps(eps, 1, prefix, timeout_ms);
}
