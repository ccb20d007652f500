/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the journal suites share (test_journal_writer.c,
 * test_journal_recovery.c, test_journal_snapshot.c): a scratch store
 * directory per case, file helpers, and an oracle to check what recovery
 * hands to apply() against, record by record or as a final lease set.
 */
#ifndef LW_TEST_JOURNAL_FIXTURES_H
#define LW_TEST_JOURNAL_FIXTURES_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal/journal.h"
#include "unit_suite.h" /* run_suite() */

#define MAX_CLIENTS 10000

/* The case's store directory (make_tmpdir), removed again by cleanup_tmpdir. */
extern char tmpdir[64];
void make_tmpdir(void);
void cleanup_tmpdir(void);
struct cfg_lease_store store_at(const char *dir, enum cfg_durability d);

/* Files in tmpdir, by name. */
void path_of(char *out, size_t len, const char *name);
uint8_t *slurp(const char *name, size_t *len);
void spill(const char *name, const uint8_t *b, size_t len);
bool exists(const char *name);

extern const char J0[], J1[], J2[], S1[], S1TMP[];

/* Client i, version v: a distinct key per client, fields that change with v. */
void make_image(struct lease_image *img, uint32_t i, uint32_t v);
uint32_t image_client(const struct lease_image *img);
/* Bytes of one record of make_image's (every one has the same length). */
size_t record_len(void);

/* What recovery handed to apply(), in order. */
struct seen {
	size_t n, cap;
	uint8_t *type;
	struct lease_image *img;
	int abort_at; /* return non-zero on this call (1-based), 0 never */
};

/* The journal_apply_fn that fills a struct seen. */
int collect(uint8_t type, const struct lease_image *img, void *arg);
void seen_free(struct seen *s);

/* Final lease set: last image per client wins, DELETE removes. */
struct oracle {
	bool live[MAX_CLIENTS];
	uint32_t version[MAX_CLIENTS];
};

void oracle_apply(struct oracle *o, uint8_t type, uint32_t client, uint32_t v);
void assert_matches_oracle(const struct seen *s, const struct oracle *o);

/* journal_open on tmpdir that must succeed; records go to s. */
struct journal *open_ok(enum cfg_durability d, uint32_t max_corrupt, struct seen *s,
			struct journal_recovery_stats *st);
/* Append images of clients [first, first+n) at version v and commit. */
void append_range(struct journal *j, uint32_t first, uint32_t n, uint32_t v, struct oracle *o);

#endif
