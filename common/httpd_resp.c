/*
 * httpd_resp: building a handler's answer (struct httpd_resp of
 * common/httpd.h): status, JSON or byte body, extra headers, and the JSON
 * error body every 4xx/5xx carries.  httpd.c turns it into an MHD response
 * and queues it.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "common/buf.h"
#include "common/errmap.h"
#include "common/httpd.h"
#include "common/httpd_impl.h"
#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"

void
httpd_resp_init(struct httpd_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->fd = -1;
}

/* Frees whatever resp still owns and leaves it initialized. */
void
httpd_resp_release(struct httpd_resp *resp)
{
	size_t	 i;

	cJSON_Delete(resp->json);
	free(resp->body);
	if (resp->fd >= 0)
		close(resp->fd);
	for (i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	httpd_resp_init(resp);
}

/* Replaces resp's answer by status + an errmap body for err. */
void
httpd_resp_fail(struct httpd_resp *resp, int status, int err, const char *msg)
{
	cJSON_Delete(resp->json);
	resp->json = errmap_body(err, msg);
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	if (resp->fd >= 0)
		close(resp->fd);
	resp->fd = -1;
	resp->status = status;
}

void
httpd_resp_error(struct httpd_resp *resp, int err, const char *fmt, ...)
{
	char	 msg[HTTPD_ERRMSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err < 0)
		err = -err;
	httpd_resp_fail(resp, errmap_status(err), err, msg);
}

void
httpd_resp_json(struct httpd_resp *resp, int status, struct cJSON *json)
{
	if (resp->json != json)
		cJSON_Delete(resp->json);
	resp->json = json;
	resp->status = status;
}

int
httpd_resp_header(struct httpd_resp *resp, const char *name,
    const char *value)
{
	if (name[0] == '\0' || strpbrk(name, ":\r\n \t") != NULL ||
	    strpbrk(value, "\r\n") != NULL)
		return -EINVAL;
	if (resp->nheaders >= HTTPD_MAX_RESP_HEADERS)
		return -E2BIG;
	resp->headers[resp->nheaders].name = xstrdup(name);
	resp->headers[resp->nheaders].value = xstrdup(value);
	resp->nheaders++;
	return 0;
}

/*
 * The status an answer goes out with (200 when left 0); an error answer
 * without a body gets an errmap body here, so every error is JSON.
 */
int
httpd_resp_settle(struct httpd_resp *resp)
{
	int	 status;

	status = resp->status != 0 ? resp->status : MHD_HTTP_OK;
	if (status >= 400 && resp->json == NULL && resp->body == NULL &&
	    resp->fd < 0) {
		const char *reason = MHD_get_reason_phrase_for(status);

		resp->json = errmap_body(errmap_from_status(status),
		    reason != NULL ? reason : "error");
	}
	return status;
}
