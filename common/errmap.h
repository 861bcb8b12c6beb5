/*
 * errmap: the one table from errno to HTTP status to the JSON "error" code.
 * Servers answer with it, clients decode with it (MooseFS mfs_errorconv,
 * sshfs sftp_error_to_errno).  Error bodies look like
 *     {"error": "ENOENT", "message": "no such entry"}
 * Codes are the errno names, so they survive between machines.  Static data;
 * thread-safe.
 */
#ifndef MINIDFS_ERRMAP_H
#define MINIDFS_ERRMAP_H

struct cJSON;

/* HTTP status for a positive errno (ENOENT -> 404, ...); 500 if unknown. */
int		 errmap_status(int err);
/* "ENOENT" for ENOENT; "EIO" if unknown. Static string. */
const char	*errmap_code(int err);
/* The errno for a code ("ENOENT" -> ENOENT); 0 when the code is unknown. */
int		 errmap_from_code(const char *code);
/* A best-effort errno for a status without a usable body (404 -> ENOENT). */
int		 errmap_from_status(int status);
/* Builds {"error": code, "message": message}; caller cJSON_Delete()s. */
struct cJSON	*errmap_body(int err, const char *message);
/* Decodes an error body: returns the errno (EIO when absent/unknown, falling
 * back to errmap_from_status(status)); copies "message" into msg if given. */
int		 errmap_decode(const struct cJSON *body, int status, char *msg,
		    size_t msglen);

#endif /* MINIDFS_ERRMAP_H */
