/*
 * loadgen: a lean HTTP load generator for the benchmarks.  C threads each
 * keep one connection (common/httpc, the client library the mount and the
 * servers use) and POST the body format, with every "%d" replaced by the
 * request number (1..N) and every "%e" by the base64 of that number as 9
 * zero-padded digits (etcd's keys are base64: after a key prefix whose
 * length is a multiple of 3, base64(prefix) "%e" is base64 of the whole
 * key), until all N are sent.  Prints "RATE" (requests per
 * second) on stdout; exits 1 when any request did not answer 200 (says
 * how many on stderr), 2 on bad usage.
 *
 *   bench/loadgen -c CONC -n N URL BODY-FORMAT
 *
 * curl --parallel, which the benchmarks used first, spent three times the
 * metaserver's CPU per request on the same two cores, so the figures
 * measured curl.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/httpc.h"
#include "common/strnum.h"

struct load {
	const char	*url;
	const char	*fmt;		/* the body format */
	uint64_t	 n;
	atomic_uint_fast64_t next;
	atomic_uint_fast64_t bad;
};

/* The body of request number i into out[cap]; its length, -1 if too long. */
static int
format(const char *fmt, uint64_t i, char *out, size_t cap)
{
	char		 num[24];
	size_t		 o = 0;
	const char	*p;
	int		 n;

	for (p = fmt; *p != '\0'; p++) {
		if (p[0] == '%' && (p[1] == 'd' || p[1] == 'e')) {
			if (cap - o < 32)
				return -1;
			if (p[1] == 'd')
				n = snprintf(out + o, cap - o, "%" PRIu64, i);
			else {
				snprintf(num, sizeof(num), "%09" PRIu64, i);
				n = EVP_EncodeBlock((unsigned char *)out + o,
				    (const unsigned char *)num, (int)strlen(num));
			}
			o += (size_t)n;
			p++;
			continue;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = *p;
	}
	out[o] = '\0';
	return (int)o;
}

static void *
worker(void *arg)
{
	struct load	*l = arg;
	struct httpc	*c = httpc_new(NULL);
	struct buf	 resp;
	char		 body[4096];
	uint64_t	 i;
	int		 len;

	buf_init(&resp, 1 << 20);
	while (c != NULL && (i = atomic_fetch_add(&l->next, 1)) < l->n) {
		struct httpc_req req = { 0 };

		if ((len = format(l->fmt, i + 1, body, sizeof(body))) < 0) {
			atomic_fetch_add(&l->bad, 1);
			continue;
		}
		req.method = "POST";
		req.url = l->url;
		req.body = body;
		req.body_len = (size_t)len;
		req.resp = &resp;
		buf_reset(&resp);
		if (httpc_do(c, &req, NULL, 0) != 0 || req.status != 200)
			atomic_fetch_add(&l->bad, 1);
	}
	if (c == NULL)
		atomic_fetch_add(&l->bad, 1);
	buf_release(&resp);
	httpc_free(c);
	return NULL;
}

/* One line on stderr, then the usage; exit status 2. */
static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "loadgen: %s\n", why);
	fprintf(stderr, "usage: loadgen -c CONC -n N URL BODY-FORMAT\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct load	 l = { 0 };
	pthread_t	*th;
	struct timespec	 t0, t1;
	uint64_t	 conc = 0, i;
	double		 s;

	if (argc != 7 || strcmp(argv[1], "-c") != 0 ||
	    strcmp(argv[3], "-n") != 0)
		return usage(NULL);
	if (parse_u64(argv[2], 1, 1024, &conc) != 0)
		return usage("-c: a number of connections from 1 to 1024");
	if (parse_u64(argv[4], 1, 999999999, &l.n) != 0)
		return usage("-n: a number of requests from 1 to 999999999");
	if (strncmp(argv[5], "http://", 7) != 0 &&
	    strncmp(argv[5], "https://", 8) != 0)
		return usage("URL: not an http:// or https:// address");
	if (strlen(argv[6]) > 3000)
		return usage("BODY-FORMAT: longer than 3000 bytes");
	l.url = argv[5];
	l.fmt = argv[6];
	httpc_global_init();
	if ((th = calloc(conc, sizeof(*th))) == NULL)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < conc; i++)
		if (pthread_create(&th[i], NULL, worker, &l) != 0) {
			fprintf(stderr, "loadgen: cannot start a thread\n");
			return 1;
		}
	for (i = 0; i < conc; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f\n", (double)l.n / s);
	if (atomic_load(&l.bad) != 0) {
		fprintf(stderr, "loadgen: %" PRIuFAST64 " of %" PRIu64
		    " requests did not answer 200\n", atomic_load(&l.bad), l.n);
		free(th);
		return 1;
	}
	free(th);
	return 0;
}
