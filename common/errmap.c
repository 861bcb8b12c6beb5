/*
 * errmap: the one table from errno to HTTP status to the JSON "error" code
 * (MooseFS mfs_errorconv, sshfs sftp_error_to_errno).  A server turns the
 * -errno of a failed call into a status and an error body; a client turns the
 * body back into the same errno, so a FUSE op returns exactly what the
 * metaserver's filesystem logic decided.  Codes are errno names because errno
 * numbers differ between systems while names do not.
 *
 * The table (first row for an errno wins when two names share a value, as
 * EOPNOTSUPP/ENOTSUP and EDEADLK/EDEADLOCK do on Linux):
 *
 *   code          status  why
 *   EINVAL        400     bad argument, bad id or name in a request
 *   EBADMSG       400     malformed JSON body
 *   ENAMETOOLONG  400     a name over NAMES_MAX
 *   EOVERFLOW     400     a value too large for its field (offset + length)
 *   EBADF         400     unknown or closed handle
 *   EXDEV         400     rename or link across filesystems
 *   ENOKEY        401     no token where one is required
 *   EACCES        403     permission denied, bad token mac, missing op
 *   EPERM         403     operation not permitted
 *   EKEYEXPIRED   403     token past its expiry
 *   EKEYREJECTED  403     token for another subject or secret
 *   EROFS         403     read-only filesystem or store
 *   ENOENT        404     no such entry, inode or block
 *   ENODATA       404     extended attribute absent
 *   ENXIO         404     no such node or device
 *   ESRCH         404     no such lock owner or session
 *   EEXIST        409     entry exists
 *   ENOTEMPTY     409     directory not empty
 *   ENOTDIR       409     not a directory (the resource's state conflicts)
 *   EISDIR        409     is a directory
 *   EMLINK        409     too many links
 *   EBUSY         409     resource busy
 *   ETXTBSY       409     text file busy
 *   EDEADLK       409     lock would deadlock
 *   ESTALE        410     the inode is gone (stale handle)
 *   EFBIG         413     body or file too large
 *   E2BIG         413     attribute value or list too large
 *   EMSGSIZE      413     message too long
 *   ERANGE        416     bad range (also: xattr buffer too small)
 *   EILSEQ        422     content does not match the block id
 *   EIO           500     input/output error, unknown errors
 *   EUCLEAN       500     corrupt structure
 *   EOPNOTSUPP    501     operation not supported (ENOTSUP)
 *   EPROTO        502     a peer spoke nonsense
 *   ECONNREFUSED  502     a peer refused the connection
 *   ECONNRESET    502     a peer reset the connection
 *   ECONNABORTED  502     connection aborted
 *   EHOSTUNREACH  502     a peer is unreachable
 *   EHOSTDOWN     502     a peer is down
 *   ENETUNREACH   502     network unreachable
 *   EREMOTEIO     502     remote I/O error
 *   EPIPE         502     a peer closed the connection
 *   EAGAIN        503     try again (not the leader yet, overloaded)
 *   EINTR         503     interrupted
 *   ENOMEM        503     out of memory, transient
 *   ENOBUFS       503     no buffer space
 *   ENOLCK        503     no locks available
 *   EMFILE        503     too many open files
 *   ENFILE        503     too many open files in the system
 *   ENOTCONN      503     not connected (no leader, no etcd)
 *   ESHUTDOWN     503     the server is shutting down
 *   ECANCELED     503     operation canceled
 *   ETIMEDOUT     504     a peer or etcd did not answer in time
 *   ENOSPC        507     no space left
 *   EDQUOT        507     quota exceeded
 *   ELOOP         508     too many levels of symbolic links
 *
 * Static data; thread-safe.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/errmap.h"
#include "common/json.h"
#include "common/protocol.h"

struct errmap_row {
	int		 err;
	const char	*code;
	int		 status;
};

#define ROW(e, s)	{ e, #e, s }

static const struct errmap_row errmap_table[] = {
	ROW(EINVAL, 400),
	ROW(EBADMSG, 400),
	ROW(ENAMETOOLONG, 400),
	ROW(EOVERFLOW, 400),
	ROW(EBADF, 400),
	ROW(EXDEV, 400),
	ROW(ENOKEY, 401),
	ROW(EACCES, 403),
	ROW(EPERM, 403),
	ROW(EKEYEXPIRED, 403),
	ROW(EKEYREJECTED, 403),
	ROW(EROFS, 403),
	ROW(ENOENT, 404),
	ROW(ENODATA, 404),
	ROW(ENXIO, 404),
	ROW(ESRCH, 404),
	ROW(EEXIST, 409),
	ROW(ENOTEMPTY, 409),
	ROW(ENOTDIR, 409),
	ROW(EISDIR, 409),
	ROW(EMLINK, 409),
	ROW(EBUSY, 409),
	ROW(ETXTBSY, 409),
	ROW(EDEADLK, 409),
	ROW(EDEADLOCK, 409),
	ROW(ESTALE, 410),
	ROW(EFBIG, 413),
	ROW(E2BIG, 413),
	ROW(EMSGSIZE, 413),
	ROW(ERANGE, 416),
	ROW(EILSEQ, 422),
	ROW(EIO, 500),
	ROW(EUCLEAN, 500),
	ROW(EOPNOTSUPP, 501),
	ROW(ENOTSUP, 501),
	ROW(EPROTO, 502),
	ROW(ECONNREFUSED, 502),
	ROW(ECONNRESET, 502),
	ROW(ECONNABORTED, 502),
	ROW(EHOSTUNREACH, 502),
	ROW(EHOSTDOWN, 502),
	ROW(ENETUNREACH, 502),
	ROW(EREMOTEIO, 502),
	ROW(EPIPE, 502),
	ROW(EAGAIN, 503),
	ROW(EWOULDBLOCK, 503),
	ROW(EINTR, 503),
	ROW(ENOMEM, 503),
	ROW(ENOBUFS, 503),
	ROW(ENOLCK, 503),
	ROW(EMFILE, 503),
	ROW(ENFILE, 503),
	ROW(ENOTCONN, 503),
	ROW(ESHUTDOWN, 503),
	ROW(ECANCELED, 503),
	ROW(ETIMEDOUT, 504),
	ROW(ENOSPC, 507),
	ROW(EDQUOT, 507),
	ROW(ELOOP, 508),
};

#define ERRMAP_NROWS	(sizeof(errmap_table) / sizeof(errmap_table[0]))

/*
 * For a status without a usable body (a proxy's page, an old server): the
 * errno a FUSE op should see.  Not the inverse of the table above, which
 * maps many errnos to one status.
 */
static const struct {
	int	 status;
	int	 err;
} errmap_status_table[] = {
	{ 400, EINVAL },
	{ 401, EACCES },
	{ 403, EACCES },
	{ 404, ENOENT },
	{ 405, EOPNOTSUPP },
	{ 408, ETIMEDOUT },
	{ 409, EEXIST },
	{ 410, ESTALE },
	{ 411, EINVAL },
	{ 413, EFBIG },
	{ 414, ENAMETOOLONG },
	{ 416, ERANGE },
	{ 422, EILSEQ },
	{ 429, EAGAIN },
	{ 500, EIO },
	{ 501, EOPNOTSUPP },
	{ 502, EIO },
	{ 503, EAGAIN },
	{ 504, ETIMEDOUT },
	{ 507, ENOSPC },
	{ 508, ELOOP },
};

static const struct errmap_row *
lookup_err(int err)
{
	size_t	 i;

	for (i = 0; i < ERRMAP_NROWS; i++)
		if (errmap_table[i].err == err)
			return &errmap_table[i];
	return NULL;
}

int
errmap_status(int err)
{
	const struct errmap_row	*r;

	if ((r = lookup_err(err)) == NULL)
		return 500;
	return r->status;
}

const char *
errmap_code(int err)
{
	const struct errmap_row	*r;

	if ((r = lookup_err(err)) == NULL)
		return "EIO";
	return r->code;
}

int
errmap_from_code(const char *code)
{
	size_t	 i;

	if (code == NULL)
		return 0;
	for (i = 0; i < ERRMAP_NROWS; i++)
		if (strcmp(errmap_table[i].code, code) == 0)
			return errmap_table[i].err;
	return 0;
}

int
errmap_from_status(int status)
{
	size_t	 i;

	for (i = 0; i < sizeof(errmap_status_table) /
	    sizeof(errmap_status_table[0]); i++)
		if (errmap_status_table[i].status == status)
			return errmap_status_table[i].err;
	return EIO;
}

/* A NULL message becomes the system's text for err. */
struct cJSON *
errmap_body(int err, const char *message)
{
	struct cJSON	*o;
	char		 buf[128];

	if (message == NULL)
		message = strerror_r(err, buf, sizeof(buf));
	o = json_new_object();
	json_add_str(o, JF_ERROR, errmap_code(err));
	json_add_str(o, JF_MESSAGE, message);
	return o;
}

int
errmap_decode(const struct cJSON *body, int status, char *msg, size_t msglen)
{
	const char	*code, *m;
	int		 err = 0;

	if (msg != NULL && msglen > 0) {
		msg[0] = '\0';
		if (body != NULL && json_get_str(body, JF_MESSAGE, &m) == 0)
			snprintf(msg, msglen, "%s", m);
	}
	if (body != NULL && json_get_str(body, JF_ERROR, &code) == 0)
		err = errmap_from_code(code);
	if (err == 0)
		err = errmap_from_status(status);
	return err;
}
