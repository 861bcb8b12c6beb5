/*
 * blockcache: an LRU of whole blocks in memory, keyed by content hash.  A
 * chained hash table finds an entry; a doubly linked list keeps the use
 * order, head most recent.  See blockcache.h for the contract.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/blockid.h"
#include "common/blockpool.h"
#include "common/xalloc.h"
#include "fuse/blockcache.h"

#define BC_BUCKETS	1024	/* hash buckets (a power of two) */

struct bc_entry {
	char		 id[BLOCKID_BUFSZ];
	void		*data;
	size_t		 len;
	struct bc_entry	*hnext;		/* bucket chain */
	struct bc_entry	*prev, *next;	/* LRU list, head = most recent */
};

struct blockcache {
	pthread_mutex_t	 lock;
	uint64_t	 max_bytes;
	struct blockpool *pool;		/* where dropped blocks go, or NULL */
	uint64_t	 bytes;		/* protected by lock */
	uint64_t	 count;		/* protected by lock */
	struct bc_entry	*head, *tail;	/* protected by lock */
	struct bc_entry	*buckets[BC_BUCKETS]; /* protected by lock */
};

static size_t
bucket_of(const char *id)
{
	size_t	 h = 5381;

	/* Ids are hex of a cryptographic hash: the first digits are uniform. */
	for (int i = 0; i < 8 && id[i] != '\0'; i++)
		h = h * 33 + (unsigned char)id[i];
	return h & (BC_BUCKETS - 1);
}

struct blockcache *
blockcache_new(uint64_t max_bytes, struct blockpool *pool)
{
	struct blockcache	*bc = xcalloc(1, sizeof(*bc));

	pthread_mutex_init(&bc->lock, NULL);
	bc->max_bytes = max_bytes;
	bc->pool = pool;
	return bc;
}

void
blockcache_free(struct blockcache *bc)
{
	struct bc_entry	*e, *next;

	if (bc == NULL)
		return;
	for (e = bc->head; e != NULL; e = next) {
		next = e->next;
		blockpool_put(bc->pool, e->data);
		free(e);
	}
	pthread_mutex_destroy(&bc->lock);
	free(bc);
}

static struct bc_entry *
find(struct blockcache *bc, const char *id)
{
	struct bc_entry	*e;

	for (e = bc->buckets[bucket_of(id)]; e != NULL; e = e->hnext)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

static void
lru_unlink(struct blockcache *bc, struct bc_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		bc->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		bc->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push_head(struct blockcache *bc, struct bc_entry *e)
{
	e->prev = NULL;
	e->next = bc->head;
	if (bc->head != NULL)
		bc->head->prev = e;
	bc->head = e;
	if (bc->tail == NULL)
		bc->tail = e;
}

/* Removes e from table and list; the caller frees it outside the lock. */
static void
unhook(struct blockcache *bc, struct bc_entry *e)
{
	struct bc_entry	**pp;

	for (pp = &bc->buckets[bucket_of(e->id)]; *pp != e; pp = &(*pp)->hnext)
		;
	*pp = e->hnext;
	lru_unlink(bc, e);
	bc->bytes -= e->len;
	bc->count--;
}

ssize_t
blockcache_read(struct blockcache *bc, const char *id, uint64_t off,
    void *dst, size_t n)
{
	struct bc_entry	*e;
	size_t		 got = 0;

	pthread_mutex_lock(&bc->lock);
	e = find(bc, id);
	if (e == NULL) {
		pthread_mutex_unlock(&bc->lock);
		return -ENOENT;
	}
	if (off < e->len) {
		got = e->len - off < n ? e->len - off : n;
		memcpy(dst, (char *)e->data + off, got);
	}
	lru_unlink(bc, e);
	lru_push_head(bc, e);
	pthread_mutex_unlock(&bc->lock);
	return (ssize_t)got;
}

int
blockcache_has(struct blockcache *bc, const char *id)
{
	int	 has;

	pthread_mutex_lock(&bc->lock);
	has = find(bc, id) != NULL;
	pthread_mutex_unlock(&bc->lock);
	return has;
}

void
blockcache_insert(struct blockcache *bc, const char *id, void *data,
    size_t len)
{
	struct bc_entry	*e, *victims = NULL, *v;
	size_t		 b;

	if (len > bc->max_bytes || strlen(id) >= BLOCKID_BUFSZ) {
		blockpool_put(bc->pool, data);
		return;
	}
	e = xcalloc(1, sizeof(*e));
	memcpy(e->id, id, strlen(id) + 1);
	e->data = data;
	e->len = len;

	pthread_mutex_lock(&bc->lock);
	if (find(bc, id) != NULL) {
		pthread_mutex_unlock(&bc->lock);
		blockpool_put(bc->pool, e->data);
		free(e);
		return;
	}
	while (bc->bytes + len > bc->max_bytes && bc->tail != NULL) {
		v = bc->tail;
		unhook(bc, v);
		v->hnext = victims;
		victims = v;
	}
	b = bucket_of(id);
	e->hnext = bc->buckets[b];
	bc->buckets[b] = e;
	lru_push_head(bc, e);
	bc->bytes += len;
	bc->count++;
	pthread_mutex_unlock(&bc->lock);

	while ((v = victims) != NULL) {
		victims = v->hnext;
		blockpool_put(bc->pool, v->data);
		free(v);
	}
}

void
blockcache_stats(struct blockcache *bc, uint64_t *bytes, uint64_t *blocks)
{
	pthread_mutex_lock(&bc->lock);
	if (bytes != NULL)
		*bytes = bc->bytes;
	if (blocks != NULL)
		*blocks = bc->count;
	pthread_mutex_unlock(&bc->lock);
}
