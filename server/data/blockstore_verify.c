/*
 * blockstore_verify: reading and verifying stored blocks (see blockstore.h):
 * a whole block is checked against its id, a range against the sub-block
 * checksums in the .sum file beside it.  A block that fails is quarantined,
 * which records it for the next heartbeat.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/blockid.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/subsum.h"
#include "server/data/blockstore.h"
#include "server/data/blockstore_impl.h"

#define BS_READ_CHUNK	(256u * 1024)	/* bytes per read while verifying */

int
blockstore_open_read(struct blockstore *bs, const char *id, int *fd,
    uint64_t *size)
{
	char		 dir[PATH_MAX], path[PATH_MAX];
	struct stat	 st;
	int		 f;

	if (!blockid_valid(id))
		return -EINVAL;
	bs_block_paths(bs, id, dir, path, NULL);
	if ((f = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if (fstat(f, &st) == -1) {
		close(f);
		return -EIO;
	}
	*fd = f;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int
verify_whole(const char *id, int fd, uint64_t size, const char **why)
{
	struct blockid_ctx	 ctx;
	char			 hex[BLOCKID_BUFSZ];
	char			*b;
	uint64_t		 off = 0;
	ssize_t			 r;
	int			 rc;

	if ((b = malloc(BS_READ_CHUNK)) == NULL)
		return -ENOMEM;
	if ((rc = blockid_init(&ctx)) < 0) {
		free(b);
		return rc;
	}
	while (off < size) {
		r = bs_pread_all(fd, b, BS_READ_CHUNK, off);
		if (r <= 0) {
			*why = r < 0 ? "read error" : "short file";
			blockid_release(&ctx);
			free(b);
			return -EUCLEAN;
		}
		blockid_update(&ctx, b, (size_t)r);
		off += (uint64_t)r;
	}
	blockid_final(&ctx, hex);
	free(b);
	if (strcmp(hex, id) != 0) {
		*why = "content does not match its id";
		return -EUCLEAN;
	}
	return 0;
}

static int
verify_range(const char *sumpath, int fd, uint64_t size, uint64_t off,
    uint64_t len, const char **why)
{
	uint64_t	 nsub, first, last, i, plen;
	size_t		 line;
	char		 hex[SUBSUM_BUFSZ];
	char		*sums = NULL, *b = NULL;
	struct stat	 st;
	ssize_t		 r;
	int		 sfd, rc = 0;

	nsub = (size + MDFS_SUBBLOCK_SIZE - 1) / MDFS_SUBBLOCK_SIZE;
	if ((sfd = open(sumpath, O_RDONLY | O_CLOEXEC)) == -1) {
		*why = "checksum file missing";
		return -EUCLEAN;
	}
	/* The size tells the kind: XXH3-128 lines, or an older store's
	 * SHA-256 ones. */
	line = 0;
	if (fstat(sfd, &st) == 0) {
		if ((uint64_t)st.st_size == nsub * BS_SUM_LINE)
			line = BS_SUM_LINE;
		else if ((uint64_t)st.st_size == nsub * BS_SUM_LINE_SHA256)
			line = BS_SUM_LINE_SHA256;
	}
	if (line == 0) {
		close(sfd);
		*why = "checksum file has the wrong size";
		return -EUCLEAN;
	}
	first = off / MDFS_SUBBLOCK_SIZE;
	last = (off + len - 1) / MDFS_SUBBLOCK_SIZE;
	sums = malloc((size_t)(last - first + 1) * line);
	b = malloc(MDFS_SUBBLOCK_SIZE);
	if (sums == NULL || b == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	r = bs_pread_all(sfd, sums, (size_t)(last - first + 1) * line,
	    first * line);
	if (r != (ssize_t)((last - first + 1) * line)) {
		*why = "checksum file unreadable";
		rc = -EUCLEAN;
		goto out;
	}
	for (i = first; i <= last; i++) {
		plen = size - i * MDFS_SUBBLOCK_SIZE;
		if (plen > MDFS_SUBBLOCK_SIZE)
			plen = MDFS_SUBBLOCK_SIZE;
		r = bs_pread_all(fd, b, (size_t)plen, i * MDFS_SUBBLOCK_SIZE);
		if (r != (ssize_t)plen) {
			*why = "read error";
			rc = -EUCLEAN;
			goto out;
		}
		if ((rc = subsum_of_kind(line - 1, b, (size_t)plen, hex)) < 0)
			goto out;
		if (memcmp(hex, sums + (i - first) * line, line - 1) != 0) {
			*why = "sub-block checksum mismatch";
			rc = -EUCLEAN;
			goto out;
		}
	}
out:
	close(sfd);
	free(sums);
	free(b);
	return rc;
}

int
blockstore_verify(struct blockstore *bs, const char *id, int fd,
    uint64_t size, uint64_t off, uint64_t len)
{
	char		 dir[PATH_MAX], sum[PATH_MAX];
	const char	*why = "";
	int		 rc;

	if (!blockid_valid(id))
		return -EINVAL;
	if (off > size || len > size - off)
		return -ERANGE;
	if (off == 0 && len == size)
		rc = verify_whole(id, fd, size, &why);
	else if (len == 0)
		return 0;
	else if (size <= MDFS_SUBBLOCK_SIZE)
		/* one sub-block, no .sum: its checksum is the id */
		rc = verify_whole(id, fd, size, &why);
	else {
		bs_block_paths(bs, id, dir, NULL, sum);
		rc = verify_range(sum, fd, size, off, len, &why);
	}
	if (rc == -EUCLEAN) {
		log_warnx("block %s failed verification: %s", id, why);
		blockstore_quarantine(bs, id, why);
	}
	return rc;
}

int
blockstore_check(struct blockstore *bs, const char *id)
{
	uint64_t	 size;
	int		 fd, rc;

	if ((rc = blockstore_open_read(bs, id, &fd, &size)) == -ENOENT)
		bs_note_removed(bs, id);
	if (rc != 0)
		return rc;
	rc = blockstore_verify(bs, id, fd, size, 0, size);
	close(fd);
	return rc;
}
