/*
 * h_blocks: the handlers of /v1/blocks/{id} (PUT, GET, HEAD, DELETE) and of
 * its pull and push copy routes.  Wire format: common/protocol.h.  Each runs
 * on its connection's thread and reaches the server through httpd_arg().
 */
#ifndef MINIDFS_DATA_H_BLOCKS_H
#define MINIDFS_DATA_H_BLOCKS_H

struct httpd_req;
struct httpd_resp;

/* PUT is a stream: on_begin reserves space and starts the chain forward,
 * on_data writes and forwards each piece, the handler commits and answers,
 * on_abort throws everything away. */
void	 data_h_blocks_put_begin(struct httpd_req *, struct httpd_resp *);
void	 data_h_blocks_put_data(struct httpd_req *, const char *, size_t,
	    struct httpd_resp *);
void	 data_h_blocks_put(struct httpd_req *, struct httpd_resp *);
void	 data_h_blocks_put_abort(struct httpd_req *);

/* GET (and HEAD) with Range, DELETE. */
void	 data_h_blocks_get(struct httpd_req *, struct httpd_resp *);
void	 data_h_blocks_delete(struct httpd_req *, struct httpd_resp *);

/* POST .../fetch {"from"} and POST .../push {"to"}. */
void	 data_h_blocks_fetch(struct httpd_req *, struct httpd_resp *);
void	 data_h_blocks_push(struct httpd_req *, struct httpd_resp *);

#endif /* MINIDFS_DATA_H_BLOCKS_H */
