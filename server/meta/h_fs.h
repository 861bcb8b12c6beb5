/*
 * h_fs: the handlers of the metaserver's filesystem routes (h_fs.c: entries
 * and attributes; h_fs_data.c: xattrs, open handles, block maps) and the
 * request helpers they share.  Every route and its JSON are documented in
 * common/protocol.h; routes.c puts the handlers in the route table.
 */
#ifndef MINIDFS_H_FS_H
#define MINIDFS_H_FS_H

#include <stdint.h>

struct cJSON;
struct httpd_req;
struct httpd_resp;
struct meta;
struct ns_attr;
struct ns_cred;
struct ns_setattr;

/* Starts a handler: the standby answer, the meta and the JSON body. */
#define FS_BEGIN(req, resp, m, j) do {					\
	if (meta_require_leader((req), (resp)))				\
		return;							\
	(m) = httpd_arg(req);						\
	if ((m)->cluster != NULL)					\
		cluster_count_request((m)->cluster, CLUSTER_REQ_FS);	\
	if (((j) = httpd_json(req)) == NULL) {				\
		httpd_resp_error((resp), EINVAL, "a JSON object is "	\
		    "required");					\
		return;							\
	}								\
} while (0)

/* Field getters: 0, or -1 after answering 400 (EINVAL naming the field;
 * names: names_valid's ENAMETOOLONG or EINVAL). */
int	 h_fs_bad_field(struct httpd_resp *, const char *field);
int	 h_fs_need_u64(const struct cJSON *, const char *, uint64_t *,
	    struct httpd_resp *);
int	 h_fs_need_u32(const struct cJSON *, const char *, uint32_t *,
	    struct httpd_resp *);
int	 h_fs_opt_u32(const struct cJSON *, const char *, uint32_t *,
	    struct httpd_resp *);
int	 h_fs_need_ino(const struct cJSON *, const char *, uint64_t *,
	    struct httpd_resp *);
int	 h_fs_need_name(const struct cJSON *, const char *, const char **,
	    struct httpd_resp *);
int	 h_fs_need_session(const struct cJSON *, uint64_t *,
	    struct httpd_resp *);
int	 h_fs_get_cred(const struct cJSON *, struct ns_cred *,
	    struct httpd_resp *);
/* The setattr fields of j (protocol.h, the setattr route: mode, uid, gid,
 * size, atime, mtime; absent ones are not set) into *sa, for setattr and
 * for commit's "attr". */
int	 h_fs_get_setattr(const struct cJSON *, struct ns_setattr *,
	    struct httpd_resp *);
/* The attr object / {"attr":...}; caller owns. */
struct cJSON *h_fs_attr_json(const struct meta *, const struct ns_attr *);
struct cJSON *h_fs_entry_json(const struct meta *, const struct ns_attr *);
/* Adds "dirs" to o: the attributes of directories d1 and d2 (once when
 * equal) as they are now, after the change the answer reports.  Returns o. */
struct cJSON *h_fs_add_dirs(const struct meta *, struct cJSON *o, uint64_t d1,
	    uint64_t d2);
/* rc != 0: the errno answer (ok is freed); else 200 with ok ({} if NULL). */
void	 h_fs_answer(struct httpd_resp *, int rc, struct cJSON *ok);

/* h_fs.c */
void	 meta_h_fs_info(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_lookup(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_getattr(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_setattr(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_atime(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_mknod(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_mkdir(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_symlink(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_create(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_readlink(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_link(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_unlink(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_rmdir(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_rename(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_readdir(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_statfs(struct httpd_req *, struct httpd_resp *);
/* h_fs_data.c */
void	 meta_h_fs_setxattr(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_getxattr(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_listxattr(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_removexattr(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_open(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_release(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_blockmap(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_alloc(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_badreplica(struct httpd_req *, struct httpd_resp *);
void	 meta_h_fs_commit(struct httpd_req *, struct httpd_resp *);

#endif /* MINIDFS_H_FS_H */
