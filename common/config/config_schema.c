/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schema engine. One schema table per JSON object (STYLE rule 15)
 * drives parsing into the snapshot structs and validation with errors that
 * name the key path (rule 14); config_markdown.c documents the same tables.
 *
 * Keys of an object are processed in table order, not document order, so a
 * later key may rely on an earlier one (a subnet's pools are checked against
 * its "subnet", subnets against "interfaces-config"). Checks that span
 * several objects run in the object's finish hook, after all its keys.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

void cfg_path_key(struct walk *w, const char *name)
{
	int n = snprintf(w->path + w->path_len, sizeof(w->path) - w->path_len,
			 w->path_len ? ".%s" : "%s", name);
	if (n > 0)
		w->path_len = strnlen(w->path, sizeof(w->path) - 1);
}

void cfg_path_index(struct walk *w, size_t i)
{
	int n = snprintf(w->path + w->path_len, sizeof(w->path) - w->path_len, "[%zu]", i);
	if (n > 0)
		w->path_len = strnlen(w->path, sizeof(w->path) - 1);
}

void cfg_path_pop(struct walk *w, size_t len)
{
	w->path_len = len;
	w->path[len] = '\0';
}

int cfg_walk_err(struct walk *w, const char *fmt, ...)
{
	int n = snprintf(w->err, CFG_ERR_LEN, "%s: ", w->path_len ? w->path : "document");
	if (n > 0 && n < CFG_ERR_LEN) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->err + n, CFG_ERR_LEN - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A JSON string without embedded NUL, else an error naming the expectation. */
int cfg_get_string(struct walk *w, json_t *v, const char **out)
{
	if (!json_is_string(v))
		return cfg_walk_err(w, "must be a string");
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return cfg_walk_err(w, "must not contain NUL characters");
	return 0;
}

/* An enum value into its field, whose width the key records (K_ENUM). */
static void set_enum(const struct cfg_key *k, char *field, unsigned int v)
{
	if (k->size == 1)
		*(uint8_t *)field = (uint8_t)v;
	else
		*(unsigned int *)field = v;
}

static int parse_value(struct walk *w, const struct cfg_key *k, json_t *v, void *target)
{
	char *field = (char *)target + k->off;
	const char *s = NULL;
	int rc;

	switch (k->type) {
	case CT_U16:
	case CT_U32: {
		json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
		if (!json_is_integer(v) || n < k->min || n > k->max)
			return cfg_walk_err(w, "must be an integer between %lld and %lld",
					    (long long)k->min, (long long)k->max);
		if (k->type == CT_U16)
			*(uint16_t *)field = (uint16_t)n;
		else
			*(uint32_t *)field = (uint32_t)n;
		return 0;
	}
	case CT_BOOL:
		if (!json_is_boolean(v))
			return cfg_walk_err(w, "must be true or false");
		*(bool *)field = json_is_true(v);
		return 0;
	case CT_STRING: {
		if ((rc = cfg_get_string(w, v, &s)))
			return rc;
		size_t len = strlen(s);
		if ((int64_t)len < k->min || (int64_t)len > k->max)
			return cfg_walk_err(w, "must be %lld to %lld characters long",
					    (long long)k->min, (long long)k->max);
		if (k->check && (rc = k->check(w, s)))
			return rc;
		memcpy(field, s, len + 1);
		return 0;
	}
	case CT_ENUM:
		if ((rc = cfg_get_string(w, v, &s)))
			return rc;
		for (unsigned int i = (unsigned int)k->min; k->enum_names[i]; i++) {
			if (!strcmp(s, k->enum_names[i])) {
				set_enum(k, field, i);
				return 0;
			}
		}
		return cfg_walk_err(w, "\"%.64s\" is not one of %s", s, k->range_doc);
	case CT_IPV4:
		if ((rc = cfg_get_string(w, v, &s)))
			return rc;
		if (!cfg_ipv4_parse(s, strlen(s), (uint32_t *)field))
			return cfg_walk_err(w, "\"%.64s\" is not an IPv4 address", s);
		return 0;
	case CT_OBJECT: return cfg_walk_object(w, k->sub, v, field);
	case CT_ARRAY: {
		if (!json_is_array(v))
			return cfg_walk_err(w, "must be an array");
		size_t n = json_array_size(v);
		if ((int64_t)n < k->min || (int64_t)n > k->max)
			return cfg_walk_err(w, "must have %lld to %lld entries", (long long)k->min,
					    (long long)k->max);
		char *base = n ? calloc(n, k->size) : NULL;
		if (n && !base)
			return cfg_walk_err(w, "out of memory");
		*(void **)field = base;
		*(size_t *)((char *)target + k->off_n) = n;
		for (size_t i = 0; i < n; i++) {
			size_t saved = w->path_len;
			cfg_path_index(w, i);
			if ((rc = cfg_walk_object(w, k->sub, json_array_get(v, i),
						  base + i * k->size)))
				return rc;
			cfg_path_pop(w, saved);
		}
		return 0;
	}
	case CT_CUSTOM: return k->parse(w, k, v, target);
	}
	return cfg_walk_err(w, "internal error: bad key type");
}

static int apply_default(struct walk *w, const struct cfg_key *k, void *target)
{
	char *field = (char *)target + k->off;

	if (k->flags & CFG_REQUIRED)
		return cfg_walk_err(w, "required key is missing");
	if (k->flags & CFG_INHERIT)
		return 0;
	switch (k->type) {
	case CT_U16: *(uint16_t *)field = (uint16_t)k->def; break;
	case CT_U32: *(uint32_t *)field = (uint32_t)k->def; break;
	case CT_BOOL: *(bool *)field = k->def != 0; break;
	case CT_ENUM: set_enum(k, field, (unsigned int)k->def); break;
	case CT_STRING:
		if (k->def_str)
			snprintf(field, k->size, "%s", k->def_str);
		break;
	case CT_OBJECT:
		if (k->flags & CFG_PRESENCE)
			return 0;
		/* Absent object: its keys still take their defaults. */
		return cfg_walk_object(w, k->sub, NULL, field);
	case CT_IPV4:
	case CT_ARRAY:
	case CT_CUSTOM: break;
	}
	return 0;
}

static const struct cfg_key *schema_find(const struct cfg_schema *s, const char *name)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (!strcmp(s->keys[i].name, name))
			return &s->keys[i];
	return NULL;
}

int cfg_custom_array(struct walk *w, const struct cfg_key *k, json_t *v, size_t *n)
{
	if (!json_is_array(v))
		return cfg_walk_err(w, "must be an array");
	*n = json_array_size(v);
	if ((int64_t)*n > k->max)
		return cfg_walk_err(w, "must have at most %lld entries", (long long)k->max);
	return 0;
}

bool cfg_key_seen(const struct cfg_schema *s, uint64_t seen, const char *name)
{
	const struct cfg_key *k = schema_find(s, name);
	return k && (seen >> (k - s->keys) & 1);
}

/* obj NULL means an absent optional object: apply defaults only. */
int cfg_walk_object(struct walk *w, const struct cfg_schema *s, json_t *obj, void *target)
{
	const char *name;
	json_t *v;
	uint64_t seen = 0;
	int rc;

	if (obj && !json_is_object(obj))
		return cfg_walk_err(w, "must be an object");
	/* Unknown keys first: a misspelt key usually explains a missing one. */
	if (obj) {
		json_object_foreach(obj, name, v)
		{
			if (!schema_find(s, name)) {
				cfg_path_key(w, name);
				return cfg_walk_err(w, "unknown key");
			}
		}
	}
	for (size_t i = 0; i < s->n_keys; i++) {
		const struct cfg_key *k = &s->keys[i];
		size_t saved = w->path_len;

		cfg_path_key(w, k->name);
		v = obj ? json_object_get(obj, k->name) : NULL;
		if (v) {
			seen |= UINT64_C(1) << i;
			rc = parse_value(w, k, v, target);
		} else {
			rc = apply_default(w, k, target);
		}
		if (rc)
			return rc;
		cfg_path_pop(w, saved);
	}
	return s->finish ? s->finish(w, target, seen) : 0;
}
