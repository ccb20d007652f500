/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public entry points of config.h: read a document (from a file or a
 * string) through the schema into a snapshot, free it, and look things up
 * in it.
 */
#include "config/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/config_internal.h"

#define CFG_MAX_DEPTH 32 /* JSON nesting; a valid document uses 6 */
#define CFG_MAX_FILE_BYTES (64u << 20)

/*
 * Refuse deep nesting before jansson recurses into it. Counts brackets
 * outside strings; syntax errors are left for jansson to report.
 */
static int check_depth(const char *text, const char *source, char *err)
{
	unsigned int depth = 0, line = 1, col = 0;
	bool in_string = false, escape = false;

	for (const char *p = text; *p; p++) {
		col++;
		if (*p == '\n') {
			line++;
			col = 0;
		} else if (in_string) {
			if (escape)
				escape = false;
			else if (*p == '\\')
				escape = true;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '{' || *p == '[') {
			if (++depth > CFG_MAX_DEPTH) {
				snprintf(err, CFG_ERR_LEN,
					 "%s: line %u column %u: nesting deeper than %d levels",
					 source, line, col, CFG_MAX_DEPTH);
				return -EINVAL;
			}
		} else if ((*p == '}' || *p == ']') && depth) {
			depth--;
		}
	}
	return 0;
}

static struct lw_config *config_load(const char *text, const char *source, char *err)
{
	struct lw_config *cfg;
	json_error_t jerr;
	json_t *root;
	struct walk w;
	int rc;

	if (check_depth(text, source, err)) {
		errno = EINVAL;
		return NULL;
	}
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, CFG_ERR_LEN, "%s: line %d column %d: %s", source, jerr.line,
			 jerr.column, jerr.text);
		errno = EINVAL;
		return NULL;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		json_decref(root);
		snprintf(err, CFG_ERR_LEN, "%s: out of memory", source);
		errno = ENOMEM;
		return NULL;
	}
	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.err = err;
	rc = cfg_walk_object(&w, &cfg_root_schema, root, cfg);
	json_decref(root);
	if (rc) {
		config_free(cfg);
		errno = -rc;
		return NULL;
	}
	return cfg;
}

struct lw_config *config_load_string(const char *json, char err[CFG_ERR_LEN])
{
	err[0] = '\0';
	return config_load(json, "json", err);
}

struct lw_config *config_load_file(const char *path, char err[CFG_ERR_LEN])
{
	struct lw_config *cfg = NULL;
	size_t len = 0, cap = 0;
	char *text = NULL;
	int saved;
	FILE *f;

	err[0] = '\0';
	f = fopen(path, "r");
	if (!f) {
		saved = errno;
		snprintf(err, CFG_ERR_LEN, "%s: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *bigger;
			if (cap >= CFG_MAX_FILE_BYTES) {
				snprintf(err, CFG_ERR_LEN, "%s: larger than %u bytes", path,
					 CFG_MAX_FILE_BYTES);
				saved = EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			bigger = realloc(text, cap);
			if (!bigger) {
				snprintf(err, CFG_ERR_LEN, "%s: out of memory", path);
				saved = ENOMEM;
				goto out;
			}
			text = bigger;
		}
		size_t got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, CFG_ERR_LEN, "%s: read error", path);
		saved = EIO;
		goto out;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		snprintf(err, CFG_ERR_LEN, "%s: contains a NUL byte", path);
		saved = EINVAL;
		goto out;
	}
	cfg = config_load(text, path, err);
	saved = errno;
out:
	fclose(f);
	free(text);
	errno = saved;
	return cfg;
}

void cfg_dhcp4_release(void *obj)
{
	struct lw_config *cfg = obj;

	for (size_t i = 0; i < cfg->n_subnets; i++) {
		struct cfg_subnet *sn = &cfg->subnets[i];
		free(sn->relay_addresses);
		free(sn->pools);
		cfg_options_free(sn->options, sn->n_options);
		free(sn->reservations);
	}
	free(cfg->subnets);
	free(cfg->interfaces);
	cfg_options_free(cfg->options, cfg->n_options);
}

void config_free(struct lw_config *cfg)
{
	if (!cfg)
		return;
	/* Each section frees what its keys allocated; config_keys.c registers them. */
	for (size_t i = 0; i < cfg_root_schema.n_keys; i++) {
		const struct cfg_key *k = &cfg_root_schema.keys[i];

		if (k->sub->release)
			k->sub->release((char *)cfg + k->off);
	}
	free(cfg);
}

const struct cfg_subnet *config_subnet_by_id(const struct lw_config *cfg, uint32_t id)
{
	for (size_t i = 0; i < cfg->n_subnets; i++)
		if (cfg->subnets[i].id == id)
			return &cfg->subnets[i];
	return NULL;
}

const struct cfg_option *config_option(const struct lw_config *cfg, const struct cfg_subnet *subnet,
				       uint8_t code)
{
	if (subnet)
		for (size_t i = 0; i < subnet->n_options; i++)
			if (subnet->options[i].code == code)
				return &subnet->options[i];
	for (size_t i = 0; i < cfg->n_options; i++)
		if (cfg->options[i].code == code)
			return &cfg->options[i];
	return NULL;
}
