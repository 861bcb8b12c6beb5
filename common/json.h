/*
 * json: typed field getters and setters over cJSON, so no handler repeats type
 * and range checks.  64-bit integers travel as decimal strings (cJSON numbers
 * are doubles); the getters also accept a JSON number when it is an exact
 * integer below 2^53.  Getters never allocate: returned strings point into the
 * cJSON tree and live as long as it does.
 */
#ifndef MINIDFS_JSON_H
#define MINIDFS_JSON_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* Parses at most len bytes (need not be NUL-terminated).  Returns the root
 * (caller cJSON_Delete()s) or NULL with a message naming the offset in err. */
struct cJSON	*json_parse(const char *p, size_t len, char *err, size_t errlen);
/* Unformatted text of the tree; caller free()s.  Never NULL (aborts on OOM). */
char		*json_print(const struct cJSON *);

/* Each getter returns 0, -ENOENT (key absent or null), or -EINVAL (wrong type
 * or out of range); *out is written only on success. */
int	 json_get_str(const struct cJSON *, const char *key, const char **out);
int	 json_get_u64(const struct cJSON *, const char *key, uint64_t *out);
int	 json_get_i64(const struct cJSON *, const char *key, int64_t *out);
int	 json_get_u32(const struct cJSON *, const char *key, uint32_t *out);
int	 json_get_bool(const struct cJSON *, const char *key, int *out);
/* Array or object member; -EINVAL if it is another type. */
int	 json_get_array(const struct cJSON *, const char *key,
	    const struct cJSON **out);
int	 json_get_object(const struct cJSON *, const char *key,
	    const struct cJSON **out);

/* Setters add to obj (which takes the new item) and abort on OOM. */
void	 json_add_str(struct cJSON *obj, const char *key, const char *v);
void	 json_add_u64(struct cJSON *obj, const char *key, uint64_t v);
void	 json_add_i64(struct cJSON *obj, const char *key, int64_t v);
void	 json_add_num(struct cJSON *obj, const char *key, double v);
/* An integer up to JSON_UINT_MAX as a JSON number, for objects built only
 * to be printed: the item is raw text (cJSON_IsRaw), so printing it skips
 * cJSON's "%1.15g" then sscanf() check (thousands of instructions per
 * number), and the json_get_* getters do not read it back.  A larger v is
 * a caller's bug (64-bit quantities go as strings: json_add_u64): aborts. */
#define JSON_UINT_MAX	((UINT64_C(1) << 53) - 1)
void	 json_add_uint(struct cJSON *obj, const char *key, uint64_t v);
void	 json_add_bool(struct cJSON *obj, const char *key, int v);
/* New empty object / array; abort on OOM; caller owns. */
struct cJSON	*json_new_object(void);
struct cJSON	*json_new_array(void);

#endif /* MINIDFS_JSON_H */
