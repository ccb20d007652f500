/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lease table (common/lease/lease_table.c). Every thread that touches the table
 * is a registered QSBR thread; the test thread goes offline around waits
 * (pthread_join) so the other threads' grace periods can complete.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/client_key.h"
#include "lease/lease_table.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct lease_table *table_new(unsigned n_writers, size_t max_leases)
{
	struct lease_table_params p = { .n_writers = n_writers, .max_leases = max_leases };
	struct lease_table *t = lease_table_create(&p);

	ck_assert_ptr_nonnull(t);
	return t;
}

/* A hardware-address key derived from (tag, id). */
static void lease_set_key(struct lease *l, uint8_t tag, uint32_t id)
{
	uint8_t key[8] = {
		LEASE_KEY_HWADDR,   1,		0x02, tag, (uint8_t)(id >> 24), (uint8_t)(id >> 16),
		(uint8_t)(id >> 8), (uint8_t)id
	};

	memcpy(l->key, key, sizeof(key));
	l->key_len = sizeof(key);
	l->key_hash = client_key_hash(key, sizeof(key));
	l->htype = 1;
	l->hlen = 6;
	memcpy(l->chaddr, key + 2, 6);
}

static const struct lease *find_key_of(struct lease_table *t, const struct lease *l)
{
	return lease_table_find_key(t, l->key, l->key_len, l->key_hash);
}

static struct lease *alloc_keyed(struct lease_table *t, unsigned writer, uint8_t tag, uint32_t id)
{
	struct lease *l = lease_table_alloc(t, writer);

	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->slab_id, writer);
	lease_set_key(l, tag, id);
	l->state = LEASE_OFFERED;
	return l;
}

static void setup(void) { rcu_register_thread(); }

static void teardown(void) { rcu_unregister_thread(); }

START_TEST(test_key_crud)
{
	struct lease_table *t = table_new(2, 64);
	struct lease *a, *b, *dup, *other;
	struct lease_table_stats st;

	a = alloc_keyed(t, 0, 1, 7);
	ck_assert_ptr_null(find_key_of(t, a));
	ck_assert_int_eq(lease_table_publish(t, a, NULL), 0);
	ck_assert_ptr_eq(find_key_of(t, a), a);

	/* A second insert for the key loses and is handed back unpublished. */
	dup = alloc_keyed(t, 0, 1, 7);
	ck_assert_int_eq(lease_table_publish(t, dup, NULL), -EEXIST);
	lease_table_discard(t, dup);
	ck_assert_ptr_eq(find_key_of(t, a), a);

	/* Replace: new version, same key. */
	b = lease_table_alloc_copy(t, 1, a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->slab_id, 1);
	ck_assert_mem_eq(b->key, a->key, a->key_len);
	b->state = LEASE_BOUND;
	b->cltt = 1000;
	ck_assert_int_eq(lease_table_publish(t, b, a), 0);
	ck_assert_ptr_eq(find_key_of(t, a), b);
	ck_assert_uint_eq(find_key_of(t, b)->state, LEASE_BOUND);
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.records, 1);

	/*
	 * a is retired but this thread has not passed a quiescent state, so
	 * its memory is still ours to read: replacing it again must fail.
	 */
	other = lease_table_alloc_copy(t, 0, b);
	ck_assert_int_eq(lease_table_publish(t, other, a), -ENOENT);
	/* A version whose key differs from old's is refused. */
	lease_set_key(other, 1, 8);
	ck_assert_int_eq(lease_table_publish(t, other, b), -EINVAL);
	lease_table_discard(t, other);

	lease_table_remove(t, b);
	ck_assert_ptr_null(find_key_of(t, a));
	lease_table_remove(t, b); /* already gone: no double retire */
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.records, 0);
	rcu_barrier();
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.slab_free, 64);
	lease_table_destroy(t);
}
END_TEST

START_TEST(test_add_range_checks)
{
	struct lease_table *t = table_new(2, 8);
	struct lease_table_stats st;

	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 10), IP(10, 0, 0, 20), ADDR_RANGE_POOL), 0);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 20), IP(10, 0, 0, 30), ADDR_RANGE_POOL),
	    -EEXIST);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 10), ADDR_RANGE_POOL),
	    -EEXIST);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 15), IP(10, 0, 0, 15), ADDR_RANGE_RESERVATION),
	    -EEXIST);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 5), IP(10, 0, 0, 40), ADDR_RANGE_POOL),
	    -EEXIST);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 9), IP(10, 0, 0, 1), ADDR_RANGE_POOL),
	    -EINVAL);
	ck_assert_int_eq(lease_table_add_range(t, 1, 0, 5, ADDR_RANGE_POOL), -EINVAL);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(11, 0, 0, 0), IP(12, 0, 0, 0), ADDR_RANGE_POOL),
	    -EINVAL);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 9), ADDR_RANGE_POOL), 0);
	ck_assert_int_eq(
	    lease_table_add_range(t, 2, IP(10, 0, 0, 21), IP(10, 0, 0, 21), ADDR_RANGE_RESERVATION),
	    0);
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.addresses, 20);
	ck_assert_uint_eq(st.addresses_held, 0);
	lease_table_destroy(t);
}
END_TEST

/* Two writers interleaved: each walks its share low to high, never the same address. */
START_TEST(test_alloc_two_writers)
{
	struct lease_table *t = table_new(2, 64);
	uint32_t last[2] = { 0, 0 };
	uint8_t seen[21] = { 0 };
	unsigned got[2] = { 0, 0 };
	struct lease *ls[40];
	unsigned n = 0;

	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 20), ADDR_RANGE_POOL), 0);
	for (unsigned round = 0; round < 12; round++) {
		for (unsigned w = 0; w < 2; w++) {
			struct lease *l = alloc_keyed(t, w, 2, n);
			uint32_t ip = lease_table_alloc_ip(t, w, 1, l);

			if (ip == 0) {
				ck_assert_uint_eq(l->ip, 0);
				lease_table_discard(t, l);
				continue;
			}
			ls[n++] = l;
			ck_assert_uint_eq(l->ip, ip);
			ck_assert_uint_gt(ip, last[w]);
			/* offset % n_writers == writer, and the very next one of its share */
			ck_assert_uint_eq(ip, IP(10, 0, 0, 1) + w + 2 * got[w]);
			last[w] = ip;
			got[w]++;
			ck_assert_uint_eq(seen[ip - IP(10, 0, 0, 0)]++, 0);
			ck_assert_ptr_eq(lease_table_find_ip(t, ip), l);
		}
	}
	ck_assert_uint_eq(got[0], 10);
	ck_assert_uint_eq(got[1], 10);
	/* Other subnets and bad writers give nothing. */
	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 2, ls[0]), 0);
	ck_assert_uint_eq(lease_table_alloc_ip(t, 5, 1, ls[0]), 0);
	for (unsigned i = 0; i < n; i++)
		lease_table_release_ip(t, ls[i]->slab_id, ls[i]->ip, ls[i]);
	for (unsigned i = 0; i < n; i++)
		lease_table_discard(t, ls[i]);
	lease_table_destroy(t);
}
END_TEST

/* Ranges of one subnet added out of order still allocate low to high. */
START_TEST(test_alloc_order_multi_range)
{
	struct lease_table *t = table_new(1, 64);
	static const uint32_t want[] = { IP(10, 0, 0, 1), IP(10, 0, 0, 2), IP(10, 0, 1, 1),
					 IP(10, 0, 1, 2), IP(10, 0, 2, 1), IP(10, 0, 2, 2) };
	struct lease *ls[6];

	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 1, 1), IP(10, 0, 1, 2), ADDR_RANGE_POOL), 0);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 2, 1), IP(10, 0, 2, 2), ADDR_RANGE_POOL), 0);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 2), ADDR_RANGE_POOL), 0);
	for (unsigned i = 0; i < 6; i++) {
		ls[i] = alloc_keyed(t, 0, 3, i);
		ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, ls[i]), want[i]);
	}
	for (unsigned i = 0; i < 6; i++) {
		lease_table_release_ip(t, 0, ls[i]->ip, ls[i]);
		lease_table_discard(t, ls[i]);
	}
	lease_table_destroy(t);
}
END_TEST

/* Requested address: CAS wherever it is; alloc_ip skips it; release brings it back. */
START_TEST(test_claim_release_exhaust)
{
	struct lease_table *t = table_new(2, 64);
	struct lease *x = alloc_keyed(t, 1, 4, 1), *y = alloc_keyed(t, 1, 4, 1);
	struct lease *z = alloc_keyed(t, 0, 4, 2), *ls[10];
	struct lease_table_stats st;
	unsigned n = 0;
	uint32_t ip;

	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 10), ADDR_RANGE_POOL), 0);
	/* .1 is on writer 0's list; writer 1 claims it for a client that asked for it. */
	ck_assert_int_eq(lease_table_claim_ip(t, IP(10, 0, 0, 1), NULL, x), 0);
	ck_assert_uint_eq(x->ip, IP(10, 0, 0, 1));
	ck_assert_int_eq(lease_table_claim_ip(t, IP(10, 0, 0, 1), NULL, x), 0); /* idempotent */
	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, z), IP(10, 0, 0, 3));
	ck_assert_int_eq(lease_table_claim_ip(t, IP(10, 0, 0, 1), NULL, y), -EBUSY);
	ck_assert_int_eq(lease_table_claim_ip(t, IP(10, 0, 0, 3), NULL, y), -EBUSY);
	ck_assert_int_eq(lease_table_claim_ip(t, IP(10, 0, 0, 3), x, y), -EBUSY);
	ck_assert_uint_eq(y->ip, 0);
	ck_assert_int_eq(lease_table_claim_ip(t, IP(10, 0, 1, 1), NULL, y), -ENOENT);
	/* From the old version to the new one. */
	ck_assert_int_eq(lease_table_claim_ip(t, IP(10, 0, 0, 1), x, y), 0);
	ck_assert_ptr_eq(lease_table_find_ip(t, IP(10, 0, 0, 1)), y);
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.addresses_held, 2);

	/* Release by a non-holder does nothing; by the holder, it goes to writer 1's list. */
	lease_table_release_ip(t, 1, IP(10, 0, 0, 1), x);
	ck_assert_ptr_eq(lease_table_find_ip(t, IP(10, 0, 0, 1)), y);
	lease_table_release_ip(t, 1, IP(10, 0, 0, 1), y);
	ck_assert_ptr_null(lease_table_find_ip(t, IP(10, 0, 0, 1)));
	ls[n] = alloc_keyed(t, 1, 5, n);
	ck_assert_uint_eq(lease_table_alloc_ip(t, 1, 1, ls[n]), IP(10, 0, 0, 1));
	n++;

	/* Exhaust both writers: 10 addresses in all, each handed once. */
	for (unsigned w = 0; w < 2; w++) {
		for (;;) {
			struct lease *l = alloc_keyed(t, w, 5, n);

			ip = lease_table_alloc_ip(t, w, 1, l);
			if (ip == 0) {
				lease_table_discard(t, l);
				break;
			}
			ck_assert_uint_ne(ip, IP(10, 0, 0, 3));
			ck_assert_uint_ne(ip, IP(10, 0, 0, 1));
			ls[n++] = l;
		}
	}
	ck_assert_uint_eq(n, 9); /* 10 minus z's */
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.addresses_held, 10);

	/* A released address comes back, to the releasing writer. */
	ip = ls[4]->ip;
	lease_table_release_ip(t, 0, ip, ls[4]);
	ck_assert_uint_eq(lease_table_alloc_ip(t, 1, 1, x), 0);
	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, y), ip);
	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, x), 0);

	/* Double release does not put an address on a list twice. */
	lease_table_release_ip(t, 0, ip, y);
	lease_table_release_ip(t, 0, ip, y);
	ck_assert_int_eq(lease_table_claim_ip(t, ip, NULL, x), 0);
	lease_table_release_ip(t, 0, ip, x);
	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, y), ip);
	ls[0] = alloc_keyed(t, 0, 5, 99);
	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, ls[0]), 0);
	ck_assert_uint_eq(ls[0]->ip, 0);

	lease_table_destroy(t);
}
END_TEST

static int walk_backup_count(uint32_t ip, uint32_t subnet_id, void *arg)
{
	struct {
		uint32_t n, last;
	} *wk = arg;

	ck_assert(ip > wk->last);
	ck_assert(subnet_id == 1 || subnet_id == 2);
	wk->last = ip;
	wk->n++;
	return 0;
}
/* Failover pool ownership: bits, allocation by owner, the skip, the counts. */
START_TEST(test_pool_ownership)
{
	struct lease_table *t = table_new(1, 4096);
	struct lease_pool_balance b;
	struct lease *l;
	uint32_t ip;

	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 10), ADDR_RANGE_POOL), 0);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 50), IP(10, 0, 0, 50), ADDR_RANGE_RESERVATION),
	    0);
	ck_assert_int_eq(
	    lease_table_add_range(t, 2, IP(10, 0, 1, 0), IP(10, 0, 4, 255), ADDR_RANGE_POOL), 0);

	/* Every address starts FREE; only pool addresses have an owner. */
	for (ip = IP(10, 0, 0, 1); ip <= IP(10, 0, 0, 10); ip++)
		ck_assert(!lease_table_is_backup(t, ip));
	ck_assert_int_eq(lease_table_set_backup(t, IP(10, 0, 0, 50), true), -ENOENT);
	ck_assert_int_eq(lease_table_set_backup(t, IP(10, 0, 9, 9), true), -ENOENT);
	ck_assert(lease_table_owner_allows(t, IP(10, 0, 0, 50), LEASE_ALLOC_BACKUP));
	ck_assert_int_eq(lease_table_home_writer(t, IP(10, 0, 0, 50)), -ENOENT);
	ck_assert_int_eq(lease_table_home_writer(t, IP(10, 0, 0, 3)), 0);

	/* Odd addresses go to the secondary; set twice, cleared, set again. */
	for (ip = IP(10, 0, 0, 1); ip <= IP(10, 0, 0, 10); ip += 2)
		ck_assert_int_eq(lease_table_set_backup(t, ip, true), 0);
	ck_assert_int_eq(lease_table_set_backup(t, IP(10, 0, 0, 1), true), 0);
	ck_assert_int_eq(lease_table_set_backup(t, IP(10, 0, 0, 2), true), 0);
	ck_assert_int_eq(lease_table_set_backup(t, IP(10, 0, 0, 2), false), 0);
	ck_assert(lease_table_is_backup(t, IP(10, 0, 0, 1)));
	ck_assert(!lease_table_is_backup(t, IP(10, 0, 0, 2)));
	ck_assert(lease_table_owner_allows(t, IP(10, 0, 0, 1), LEASE_ALLOC_BACKUP));
	ck_assert(!lease_table_owner_allows(t, IP(10, 0, 0, 1), LEASE_ALLOC_FREE));
	ck_assert(lease_table_owner_allows(t, IP(10, 0, 0, 1), LEASE_ALLOC_ANY));
	ck_assert(!lease_table_owner_allows(t, IP(10, 0, 0, 2), LEASE_ALLOC_BACKUP));
	ck_assert_int_eq(lease_table_pool_balance(t, 1, &b), 0);
	ck_assert_uint_eq(b.addresses, 10);
	ck_assert_uint_eq(b.held, 0);
	ck_assert_uint_eq(b.backup, 5);
	ck_assert_uint_eq(b.free_unheld, 5);
	ck_assert_uint_eq(b.backup_unheld, 5);
	ck_assert_int_eq(lease_table_pool_balance(t, 7, &b), -ENOENT);

	/*
	 * The primary gets the even ones in order, the secondary the odd ones;
	 * .1, passed over by the primary, went to the bottom of the list.
	 */
	l = alloc_keyed(t, 0, 9, 1);
	ck_assert_uint_eq(lease_table_alloc_ip_from(t, 0, 1, LEASE_ALLOC_FREE, l), IP(10, 0, 0, 2));
	l = alloc_keyed(t, 0, 9, 2);
	ck_assert_uint_eq(lease_table_alloc_ip_from(t, 0, 1, LEASE_ALLOC_BACKUP, l),
			  IP(10, 0, 0, 3));
	l = alloc_keyed(t, 0, 9, 3);
	ck_assert_uint_eq(lease_table_alloc_ip_from(t, 0, 1, LEASE_ALLOC_FREE, l), IP(10, 0, 0, 4));
	ck_assert_int_eq(lease_table_pool_balance(t, 0, &b), 0);
	ck_assert_uint_eq(b.addresses, 10 + 1024);
	ck_assert_uint_eq(b.held, 3);
	ck_assert_uint_eq(b.backup, 5);
	ck_assert_uint_eq(b.free_unheld, 1024 + 3);
	ck_assert_uint_eq(b.backup_unheld, 4);
	ck_assert(!lease_table_owner_allows(t, IP(10, 0, 0, 3), LEASE_ALLOC_FREE)); /* held too */
	/* Nothing may be allocated with 0; the skipped addresses stay on the list. */
	l = alloc_keyed(t, 0, 9, 4);
	ck_assert_uint_eq(lease_table_alloc_ip_from(t, 0, 1, 0, l), 0);
	ck_assert_uint_eq(l->ip, 0);
	/* Exhaust the primary's share: 6, 8, 10, then nothing though 1, 5, 7, 9 are free. */
	for (unsigned i = 0; i < 3; i++) {
		ip = lease_table_alloc_ip_from(t, 0, 1, LEASE_ALLOC_FREE, l);
		ck_assert_uint_eq(ip, IP(10, 0, 0, 6 + 2 * i));
		l = alloc_keyed(t, 0, 9, 10 + i);
	}
	ck_assert_uint_eq(lease_table_alloc_ip_from(t, 0, 1, LEASE_ALLOC_FREE, l), 0);
	/* The secondary still finds all four of its own, then nothing. */
	for (unsigned i = 0; i < 4; i++) {
		ip = lease_table_alloc_ip_from(t, 0, 1, LEASE_ALLOC_BACKUP, l);
		ck_assert(ip >= IP(10, 0, 0, 1) && ip <= IP(10, 0, 0, 9) && (ip & 1));
		ck_assert_uint_ne(ip, IP(10, 0, 0, 3));
		l = alloc_keyed(t, 0, 9, 20 + i);
	}
	ck_assert_uint_eq(lease_table_alloc_ip_from(t, 0, 1, LEASE_ALLOC_BACKUP, l), 0);
	/* Given back to the primary (BNDUPD FREE), a released one is its again. */
	ip = IP(10, 0, 0, 5);
	lease_table_release_ip(t, 0, ip, lease_table_find_ip(t, ip));
	ck_assert_uint_eq(lease_table_alloc_ip_from(t, 0, 1, LEASE_ALLOC_FREE, l), 0);
	ck_assert_int_eq(lease_table_set_backup(t, ip, false), 0);
	ck_assert_uint_eq(lease_table_alloc_ip_from(t, 0, 1, LEASE_ALLOC_FREE, l), ip);

	/*
	 * A list that is mostly the partner's: the low 1000 of subnet 2's 1024
	 * are BACKUP. The primary's first call passes at most the budget (256),
	 * so it takes several calls to reach its addresses; after that the
	 * skipped ones sit at the bottom and each allocation is one step.
	 */
	for (ip = IP(10, 0, 1, 0); ip < IP(10, 0, 1, 0) + 1000; ip++)
		ck_assert_int_eq(lease_table_set_backup(t, ip, true), 0);
	unsigned calls = 0, got = 0;
	for (;;) {
		l = alloc_keyed(t, 0, 10, calls);
		ip = lease_table_alloc_ip_from(t, 0, 2, LEASE_ALLOC_FREE, l);
		calls++;
		if (ip == 0) {
			lease_table_discard(t, l);
			if (got > 0 || calls > 10)
				break;
			continue;
		}
		ck_assert_uint_ge(ip, IP(10, 0, 1, 0) + 1000);
		got++;
	}
	ck_assert_uint_eq(got, 24);
	ck_assert_uint_le(calls, 4 + 24 + 1);
	ck_assert_int_eq(lease_table_pool_balance(t, 2, &b), 0);
	ck_assert_uint_eq(b.held, 24);
	ck_assert_uint_eq(b.backup_unheld, 1000);
	/* And the secondary gets all of its 1000, one step each. */
	for (unsigned i = 0; i < 1000; i++) {
		l = alloc_keyed(t, 0, 11, i);
		ip = lease_table_alloc_ip_from(t, 0, 2, LEASE_ALLOC_BACKUP, l);
		ck_assert(ip >= IP(10, 0, 1, 0) && ip < IP(10, 0, 1, 0) + 1000);
	}
	ck_assert_int_eq(lease_table_pool_balance(t, 2, &b), 0);
	ck_assert_uint_eq(b.held, 1024);

	/* The walk sees every BACKUP address once, in order. */
	struct {
		uint32_t n, last;
	} wk = { 0, 0 };
	ck_assert_int_eq(lease_table_walk_backup(t, walk_backup_count, &wk), 0);
	ck_assert_uint_eq(wk.n, 4 + 1000);
	lease_table_destroy(t);
}
END_TEST

/* Reservations are never on a free list, but claim_ip works on them. */
START_TEST(test_reservation)
{
	struct lease_table *t = table_new(1, 16);
	struct lease *a = alloc_keyed(t, 0, 6, 1), *b = alloc_keyed(t, 0, 6, 2);
	struct lease *c = alloc_keyed(t, 0, 6, 3), *r = alloc_keyed(t, 0, 6, 4);
	struct lease_table_stats st;

	ck_assert_int_eq(lease_table_add_range(t, 1, IP(10, 0, 0, 100), IP(10, 0, 0, 100),
					       ADDR_RANGE_RESERVATION),
			 0);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 2), ADDR_RANGE_POOL), 0);
	ck_assert(lease_table_ip_known(t, IP(10, 0, 0, 100), 0));
	ck_assert(lease_table_ip_known(t, IP(10, 0, 0, 100), 1));
	ck_assert(!lease_table_ip_known(t, IP(10, 0, 0, 100), 2));
	ck_assert(lease_table_ip_known(t, IP(10, 0, 0, 2), 1));
	ck_assert(!lease_table_ip_known(t, IP(10, 0, 0, 3), 0));
	ck_assert(!lease_table_ip_known(t, IP(10, 0, 0, 0), 0));
	ck_assert(!lease_table_ip_known(t, IP(10, 0, 0, 101), 0));

	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, a), IP(10, 0, 0, 1));
	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, b), IP(10, 0, 0, 2));
	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, c), 0);
	r->flags = LEASE_F_RESERVED;
	ck_assert_int_eq(lease_table_claim_ip(t, IP(10, 0, 0, 100), NULL, r), 0);
	ck_assert_ptr_eq(lease_table_find_ip(t, IP(10, 0, 0, 100)), r);
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.addresses, 2);
	ck_assert_uint_eq(st.addresses_held, 2);
	/* Releasing the reservation does not feed it to the pool. */
	lease_table_release_ip(t, 0, IP(10, 0, 0, 100), r);
	ck_assert_ptr_null(lease_table_find_ip(t, IP(10, 0, 0, 100)));
	ck_assert_uint_eq(lease_table_alloc_ip(t, 0, 1, c), 0);
	lease_table_release_ip(t, 0, a->ip, a);
	lease_table_release_ip(t, 0, b->ip, b);
	lease_table_discard(t, a);
	lease_table_discard(t, b);
	lease_table_discard(t, c);
	lease_table_discard(t, r);
	lease_table_destroy(t);
}
END_TEST

START_TEST(test_find_ip_after_replace)
{
	struct lease_table *t = table_new(1, 16);
	struct lease *a = alloc_keyed(t, 0, 7, 1), *b, *c;
	uint32_t ip, ip2;

	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 9), ADDR_RANGE_POOL), 0);
	ip = lease_table_alloc_ip(t, 0, 1, a);
	ck_assert_uint_eq(ip, IP(10, 0, 0, 1));
	ck_assert_int_eq(lease_table_publish(t, a, NULL), 0);
	ck_assert_ptr_eq(lease_table_find_ip(t, ip), a);

	/* Renewal: same address, the slot follows the new version. */
	b = lease_table_alloc_copy(t, 0, a);
	b->state = LEASE_BOUND;
	ck_assert_int_eq(lease_table_publish(t, b, a), 0);
	ck_assert_ptr_eq(lease_table_find_ip(t, ip), b);
	ck_assert_ptr_eq(find_key_of(t, b), b);

	/* Move to another address: claim the new, release the old, publish. */
	c = lease_table_alloc_copy(t, 0, b);
	c->ip = 0;
	ip2 = lease_table_alloc_ip(t, 0, 1, c);
	ck_assert_uint_eq(ip2, IP(10, 0, 0, 2));
	lease_table_release_ip(t, 0, ip, b);
	ck_assert_int_eq(lease_table_publish(t, c, b), 0);
	ck_assert_ptr_null(lease_table_find_ip(t, ip));
	ck_assert_ptr_eq(lease_table_find_ip(t, ip2), c);
	ck_assert_ptr_eq(find_key_of(t, c), c);

	/* Remove with the slot still held is cleaned up defensively. */
	lease_table_remove(t, c);
	ck_assert_ptr_null(lease_table_find_ip(t, ip2));
	ck_assert_ptr_null(find_key_of(t, a));
	lease_table_destroy(t);
}
END_TEST

/* Slab exhaustion and return after a grace period. */
START_TEST(test_slab_exhaustion)
{
	struct lease_table *t = table_new(2, 5); /* slabs of 3 and 2 */
	struct lease *a, *b, *c, *d;
	struct lease_table_stats st;

	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.slab_free, 5);
	a = alloc_keyed(t, 1, 8, 1);
	b = alloc_keyed(t, 1, 8, 2);
	errno = 0;
	ck_assert_ptr_null(lease_table_alloc(t, 1));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_ptr_null(lease_table_alloc(t, 2));
	ck_assert_int_eq(errno, EINVAL);
	/* Writer 0's slab is separate. */
	c = lease_table_alloc(t, 0);
	ck_assert_ptr_nonnull(c);
	lease_table_discard(t, c);

	ck_assert_int_eq(lease_table_publish(t, a, NULL), 0);
	lease_table_remove(t, a);
	/* Retired, but no grace period yet: this thread has not been quiescent. */
	ck_assert_ptr_null(lease_table_alloc(t, 1));
	/* Never published, never in a slot: straight back. */
	lease_table_discard(t, b);
	d = lease_table_alloc(t, 1);
	ck_assert_ptr_eq(d, b);
	ck_assert_ptr_null(lease_table_alloc(t, 1));
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.slab_free, 3);

	rcu_barrier(); /* goes offline itself while it waits (QSBR) */
	c = lease_table_alloc(t, 1);
	ck_assert_ptr_eq(c, a);
	ck_assert_uint_eq(c->key_len, 0); /* zeroed */
	lease_table_discard(t, c);
	lease_table_discard(t, d);
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.slab_free, 5);
	lease_table_destroy(t);
}
END_TEST

static void count_visit(const struct lease *l, void *arg)
{
	unsigned *counts = arg;

	counts[l->ip & 0xff]++;
}

/* Each held address is visited once per full lap, whatever the budget and start. */
START_TEST(test_scan_slots)
{
	struct lease_table *t = table_new(1, 16);
	static const uint32_t held[] = { IP(10, 0, 0, 1),  IP(10, 0, 0, 5),  IP(10, 0, 0, 10),
					 IP(10, 0, 0, 20), IP(10, 0, 0, 30), IP(10, 0, 0, 35) };
	struct lease *ls[6];
	unsigned counts[256];
	size_t cursor = 0, examined;

	ck_assert_int_eq(
	    lease_table_add_range(t, 2, IP(10, 0, 0, 30), IP(10, 0, 0, 35), ADDR_RANGE_POOL), 0);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 10), ADDR_RANGE_POOL), 0);
	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 20), IP(10, 0, 0, 20), ADDR_RANGE_RESERVATION),
	    0);
	for (unsigned i = 0; i < 6; i++) {
		ls[i] = alloc_keyed(t, 0, 9, i);
		ck_assert_int_eq(lease_table_claim_ip(t, held[i], NULL, ls[i]), 0);
	}
	/* 17 slots; budgets that do and do not divide it. */
	for (size_t budget = 1; budget <= 20; budget++) {
		for (size_t start = 0; start < 17; start += 4) {
			size_t total = 0;

			memset(counts, 0, sizeof(counts));
			cursor = start;
			while (total < 17) {
				size_t want = budget < 17 - total ? budget : 17 - total;

				examined =
				    lease_table_scan_slots(t, &cursor, want, count_visit, counts);
				ck_assert_uint_eq(examined, want);
				total += examined;
			}
			ck_assert_uint_eq(cursor, start);
			for (unsigned i = 0; i < 6; i++)
				ck_assert_uint_eq(counts[held[i] & 0xff], 1);
			ck_assert_uint_eq(counts[2], 0);
		}
	}
	/* One call never does more than a lap. */
	memset(counts, 0, sizeof(counts));
	cursor = 3;
	ck_assert_uint_eq(lease_table_scan_slots(t, &cursor, 1000, count_visit, counts), 17);
	ck_assert_uint_eq(cursor, 3);
	ck_assert_uint_eq(counts[35], 1);
	for (unsigned i = 0; i < 6; i++) {
		lease_table_release_ip(t, 0, held[i], ls[i]);
		lease_table_discard(t, ls[i]);
	}
	lease_table_destroy(t);
}
END_TEST

static int walk_count(const struct lease *l, void *arg)
{
	unsigned *n = arg;

	(void)l;
	return ++*n == 1000 ? 42 : 0;
}

START_TEST(test_walk_and_stats)
{
	struct lease_table *t = table_new(2, 100);
	struct lease_table_stats st;
	struct lease *ls[20];
	unsigned n = 0;

	ck_assert_int_eq(
	    lease_table_add_range(t, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 50), ADDR_RANGE_POOL), 0);
	for (unsigned i = 0; i < 20; i++) {
		ls[i] = alloc_keyed(t, i % 2, 10, i);
		if (i < 15)
			ck_assert_uint_ne(lease_table_alloc_ip(t, i % 2, 1, ls[i]), 0);
		ck_assert_int_eq(lease_table_publish(t, ls[i], NULL), 0);
	}
	ck_assert_int_eq(lease_table_walk(t, walk_count, &n), 0);
	ck_assert_uint_eq(n, 20);
	n = 990;
	ck_assert_int_eq(lease_table_walk(t, walk_count, &n), 42);
	ck_assert_uint_eq(n, 1000);
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.records, 20);
	ck_assert_uint_eq(st.slab_free, 80);
	ck_assert_uint_eq(st.addresses, 50);
	ck_assert_uint_eq(st.addresses_held, 15);
	for (unsigned i = 0; i < 20; i += 2) {
		if (ls[i]->ip != 0)
			lease_table_release_ip(t, 0, ls[i]->ip, ls[i]);
		lease_table_remove(t, ls[i]);
	}
	rcu_barrier();
	lease_table_get_stats(t, &st);
	ck_assert_uint_eq(st.records, 10);
	ck_assert_uint_eq(st.slab_free, 90);
	ck_assert_uint_eq(st.addresses_held, 7);
	/* Destroy with records still published. */
	lease_table_destroy(t);
}
END_TEST

/*
 * Concurrency: two writers churn their own clients on a 1,000-address pool
 * while a reader samples by address and by key. Every version a reader can
 * reach must be intact (expire == cltt * 7 + key_hash) and a slot must
 * point to a version holding that very address.
 */
#define CC_ITERS 200000u
#define CC_CLIENTS 600u /* per writer: 1,200 clients for 1,000 addresses */
#define CC_POOL 1000u
#define CC_BASE IP(10, 1, 0, 0)
#define CC_SLAB 20000u
#define CC_READER_MAX 20000000u

struct cc_shared {
	struct lease_table *t;
	_Atomic unsigned writers_done;
	_Atomic unsigned long errors;
	_Atomic unsigned long reader_hits;
	_Atomic unsigned long reader_iters;
	char what[256];
};

struct cc_writer {
	struct cc_shared *sh;
	unsigned w;
	const struct lease *cur[CC_CLIENTS];
	unsigned long exhausted, enomem_waits, ops;
};

static uint64_t cc_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void cc_error(struct cc_shared *sh, const char *what)
{
	if (atomic_fetch_add(&sh->errors, 1) == 0)
		strncpy(sh->what, what, sizeof(sh->what) - 1);
}

static bool cc_intact(const struct lease *l)
{
	return l->expire == l->cltt * 7 + l->key_hash && l->key_len == 8 &&
	       l->key[0] == LEASE_KEY_HWADDR && l->key_hash == client_key_hash(l->key, l->key_len);
}

/* The owner's way to get a record: drop nothing, wait for reclaim (quiescent). */
static struct lease *cc_alloc(struct cc_writer *wr, const struct lease *src)
{
	for (unsigned tries = 0; tries < 10000000u; tries++) {
		struct lease *l = src != NULL ? lease_table_alloc_copy(wr->sh->t, wr->w, src)
					      : lease_table_alloc(wr->sh->t, wr->w);

		if (l != NULL)
			return l;
		wr->enomem_waits++;
		rcu_quiescent_state();
		sched_yield();
	}
	return NULL;
}

static void cc_stamp(struct lease *l, int64_t cltt)
{
	l->cltt = cltt;
	l->expire = cltt * 7 + l->key_hash;
}

static void *cc_writer_main(void *arg)
{
	struct cc_writer *wr = arg;
	struct cc_shared *sh = wr->sh;
	struct lease_table *t = sh->t;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (wr->w + 1);

	rcu_register_thread();
	for (unsigned i = 0; i < CC_ITERS && atomic_load(&sh->errors) == 0; i++) {
		unsigned c = (unsigned)(cc_rand(&seed) % CC_CLIENTS);
		const struct lease *cur = wr->cur[c];
		struct lease *n;
		uint8_t key[8];
		uint32_t ip;

		if ((i & 31) == 0)
			rcu_quiescent_state();
		wr->ops++;
		if (cur == NULL) {
			struct lease probe;

			lease_set_key(&probe, (uint8_t)wr->w, c);
			memcpy(key, probe.key, sizeof(key));
			if (lease_table_find_key(t, key, 8, probe.key_hash) != NULL) {
				cc_error(sh, "removed client still found by key");
				break;
			}
			n = cc_alloc(wr, NULL);
			if (n == NULL) {
				cc_error(sh, "slab never refilled");
				break;
			}
			lease_set_key(n, (uint8_t)wr->w, c);
			n->state = LEASE_OFFERED;
			cc_stamp(n, i);
			ip = lease_table_alloc_ip(t, wr->w, 1, n);
			if (ip == 0) {
				wr->exhausted++;
				lease_table_discard(t, n);
				continue;
			}
			if (lease_table_find_ip(t, ip) != n || n->ip != ip) {
				cc_error(sh, "alloc_ip: slot does not hold the new version");
				break;
			}
			if (lease_table_publish(t, n, NULL) != 0) {
				cc_error(sh, "insert failed");
				break;
			}
			wr->cur[c] = n;
			continue;
		}
		if (lease_table_find_key(t, cur->key, cur->key_len, cur->key_hash) != cur ||
		    lease_table_find_ip(t, cur->ip) != cur) {
			cc_error(sh, "owner's current version not found by key and address");
			break;
		}
		/* Releases rare enough that 1,200 clients overrun 1,000 addresses. */
		switch (cc_rand(&seed) % 8) {
		case 0:
		case 1:
		case 2:
		case 3: /* renew in place */
			n = cc_alloc(wr, cur);
			if (n == NULL) {
				cc_error(sh, "slab never refilled");
				goto out;
			}
			n->state = LEASE_BOUND;
			cc_stamp(n, i);
			if (lease_table_publish(t, n, cur) != 0 ||
			    lease_table_find_ip(t, n->ip) != n) {
				cc_error(sh, "renew failed");
				goto out;
			}
			wr->cur[c] = n;
			break;
		case 4: /* release */
			lease_table_release_ip(t, wr->w, cur->ip, cur);
			lease_table_remove(t, cur);
			wr->cur[c] = NULL;
			break;
		default: /* move to the next free address */
			n = cc_alloc(wr, cur);
			if (n == NULL) {
				cc_error(sh, "slab never refilled");
				goto out;
			}
			n->ip = 0;
			cc_stamp(n, i);
			ip = lease_table_alloc_ip(t, wr->w, 1, n);
			if (ip == 0) {
				wr->exhausted++;
				lease_table_discard(t, n);
				break;
			}
			lease_table_release_ip(t, wr->w, cur->ip, cur);
			if (lease_table_publish(t, n, cur) != 0) {
				cc_error(sh, "move failed");
				goto out;
			}
			wr->cur[c] = n;
			break;
		}
	}
out:
	atomic_fetch_add(&sh->writers_done, 1);
	rcu_unregister_thread();
	return NULL;
}

static void *cc_reader_main(void *arg)
{
	struct cc_shared *sh = arg;
	struct lease_table *t = sh->t;
	uint64_t seed = 12345;
	unsigned long iters = 0, hits = 0;

	rcu_register_thread();
	while (atomic_load_explicit(&sh->writers_done, memory_order_relaxed) < 2 &&
	       iters < CC_READER_MAX) {
		uint32_t ip = CC_BASE + (uint32_t)(cc_rand(&seed) % CC_POOL);
		const struct lease *l = lease_table_find_ip(t, ip);
		struct lease probe;

		if (l != NULL) {
			hits++;
			if (l->ip != ip)
				cc_error(sh, "reader: slot points to a lease of another address");
			if (!cc_intact(l))
				cc_error(sh, "reader: lease seen by address is torn or reused");
		}
		lease_set_key(&probe, (uint8_t)(cc_rand(&seed) % 2),
			      (uint32_t)(cc_rand(&seed) % CC_CLIENTS));
		l = lease_table_find_key(t, probe.key, probe.key_len, probe.key_hash);
		if (l != NULL) {
			hits++;
			if (memcmp(l->key, probe.key, 8) != 0 || !cc_intact(l))
				cc_error(sh, "reader: lease seen by key is torn or reused");
			if (l->ip < CC_BASE || l->ip >= CC_BASE + CC_POOL)
				cc_error(sh, "reader: published lease without a pool address");
		}
		if ((++iters & 63) == 0)
			rcu_quiescent_state();
	}
	atomic_store(&sh->reader_hits, hits);
	atomic_store(&sh->reader_iters, iters);
	rcu_unregister_thread();
	return NULL;
}

struct cc_check {
	struct lease_table *t;
	uint8_t *seen;
	unsigned n, with_ip, bad;
};

static int cc_check_visit(const struct lease *l, void *arg)
{
	struct cc_check *ck = arg;

	ck->n++;
	if (l->ip == 0)
		return 0;
	ck->with_ip++;
	if (l->ip < CC_BASE || l->ip >= CC_BASE + CC_POOL || ck->seen[l->ip - CC_BASE]++ != 0 ||
	    lease_table_find_ip(ck->t, l->ip) != l || !cc_intact(l))
		ck->bad++;
	return 0;
}

START_TEST(test_concurrency)
{
	struct cc_shared sh = { 0 };
	struct cc_writer *wr = calloc(2, sizeof(*wr));
	struct lease_table_stats st;
	struct cc_check ck = { 0 };
	pthread_t th[3];
	unsigned live = 0;

	ck_assert_ptr_nonnull(wr);
	sh.t = table_new(2, 2 * CC_SLAB);
	ck_assert_int_eq(
	    lease_table_add_range(sh.t, 1, CC_BASE, CC_BASE + CC_POOL - 1, ADDR_RANGE_POOL), 0);
	for (unsigned w = 0; w < 2; w++) {
		wr[w].sh = &sh;
		wr[w].w = w;
		ck_assert_int_eq(pthread_create(&th[w], NULL, cc_writer_main, &wr[w]), 0);
	}
	ck_assert_int_eq(pthread_create(&th[2], NULL, cc_reader_main, &sh), 0);
	/* Offline while we wait, or no grace period would ever end. */
	rcu_thread_offline();
	for (unsigned i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	rcu_thread_online();

	ck_assert_msg(atomic_load(&sh.errors) == 0, "%lu errors, first: %s",
		      atomic_load(&sh.errors), sh.what);
	ck_assert_uint_eq(wr[0].ops, CC_ITERS);
	ck_assert_uint_eq(wr[1].ops, CC_ITERS);
	ck_assert_uint_gt(atomic_load(&sh.reader_hits), 0);
	ck_assert_uint_gt(wr[0].exhausted + wr[1].exhausted, 0);

	/* Quiet now: the table and the slots must agree exactly. */
	ck.t = sh.t;
	ck.seen = calloc(CC_POOL, 1);
	ck_assert_ptr_nonnull(ck.seen);
	lease_table_walk(sh.t, cc_check_visit, &ck);
	for (unsigned w = 0; w < 2; w++)
		for (unsigned c = 0; c < CC_CLIENTS; c++)
			live += wr[w].cur[c] != NULL;
	ck_assert_uint_eq(ck.bad, 0);
	ck_assert_uint_eq(ck.n, live);
	ck_assert_uint_eq(ck.with_ip, live);
	lease_table_get_stats(sh.t, &st);
	ck_assert_uint_eq(st.records, live);
	ck_assert_uint_eq(st.addresses_held, live);
	for (uint32_t a = 0; a < CC_POOL; a++) {
		const struct lease *l = lease_table_find_ip(sh.t, CC_BASE + a);

		ck_assert(l == NULL || find_key_of(sh.t, l) == l);
		ck_assert_uint_eq(l != NULL, ck.seen[a]);
	}
	rcu_barrier();
	lease_table_get_stats(sh.t, &st);
	ck_assert_uint_eq(st.slab_free, 2 * CC_SLAB - live);
	fprintf(stderr,
		"concurrency: live %u, exhausted %lu/%lu, enomem waits %lu/%lu, reader %lu iters "
		"%lu hits\n",
		live, wr[0].exhausted, wr[1].exhausted, wr[0].enomem_waits, wr[1].enomem_waits,
		atomic_load(&sh.reader_iters), atomic_load(&sh.reader_hits));
	free(ck.seen);
	free(wr);
	lease_table_destroy(sh.t);
}
END_TEST

static Suite *lease_table_suite(void)
{
	Suite *s = suite_create("lease_table");
	TCase *tc = tcase_create("basic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_key_crud);
	tcase_add_test(tc, test_add_range_checks);
	tcase_add_test(tc, test_alloc_two_writers);
	tcase_add_test(tc, test_alloc_order_multi_range);
	tcase_add_test(tc, test_claim_release_exhaust);
	tcase_add_test(tc, test_pool_ownership);
	tcase_add_test(tc, test_reservation);
	tcase_add_test(tc, test_find_ip_after_replace);
	tcase_add_test(tc, test_slab_exhaustion);
	tcase_add_test(tc, test_scan_slots);
	tcase_add_test(tc, test_walk_and_stats);
	suite_add_tcase(s, tc);
	tc = tcase_create("concurrency");
	/* Bounded work, but sanitizer builds on a busy 2-CPU box need more than Check's 4 s. */
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_concurrency);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lease_table_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
