/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which configured domain a name belongs to: Kea D2's rule (ddns.md sec
 * 6.1), the longest domain that is a suffix of the name on a label
 * boundary, compared case-insensitively ("two.net." never matches
 * "onetwo.net."); the root "." matches every name, as Kea's "*". Forward
 * domains are matched by the FQDN, reverse ones by the in-addr.arpa name
 * of the address. Pure; any thread.
 */
#ifndef LW_DDNS_ZONE_H
#define LW_DDNS_ZONE_H

#include "config/config.h"

/* Index into d[0..n) of the best match for the absolute name, or -1 when none matches. */
int ddns_zone_match(const struct cfg_ddns_domain *d, unsigned n, const char *name);

#endif
