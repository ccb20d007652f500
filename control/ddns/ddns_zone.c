/* SPDX-License-Identifier: BSD-3-Clause */
/* Longest-suffix zone matching on label boundaries (ddns_zone.h). */
#include "ddns_zone.h"

#include <string.h>
#include <strings.h>

/*
 * Whether zone (absolute) is name (absolute) or one of its ancestors.
 * Presentation form is enough here: both names come lower-cased from the
 * config and the caller, but the compare folds case anyway (RFC 4343), and
 * a suffix counts only when it starts a label, i.e. at the start of the
 * name or after a dot that is not escaped.
 */
static bool is_suffix(const char *zone, size_t zl, const char *name, size_t nl)
{
	if (zl == 1 && zone[0] == '.')
		return true;
	if (zl > nl || strncasecmp(name + nl - zl, zone, zl) != 0)
		return false;
	if (zl == nl)
		return true;
	size_t at = nl - zl; /* name[at - 1] must be a label separator */
	if (name[at - 1] != '.')
		return false;
	size_t bs = 0; /* "a\.example.test." does not end a label before "example" */
	while (at - 1 > bs && name[at - 2 - bs] == '\\')
		bs++;
	return bs % 2 == 0;
}

int ddns_zone_match(const struct cfg_ddns_domain *d, unsigned n, const char *name)
{
	size_t nl = strlen(name);
	size_t best_len = 0;
	int best = -1;

	if (!nl || name[nl - 1] != '.')
		return -1;
	for (unsigned i = 0; i < n; i++) {
		size_t zl = strlen(d[i].name);
		if (!zl || d[i].name[zl - 1] != '.')
			continue;
		if (is_suffix(d[i].name, zl, name, nl) && (best < 0 || zl > best_len)) {
			best = (int)i;
			best_len = zl;
		}
	}
	return best;
}
