/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The durability gate on the worker side: worker_flush_parked() may send
 * a parked ACK only when its sequence is <= committed_seq and > failed_seq
 * (DESIGN.md sec 4), drops one whose record failed or whose deadline
 * passed, and keeps the rest parked in order. The last case runs the
 * whole gate: a worker's parked ACKs, the control thread's real commit
 * round on a journal whose early flush fails mid-round, then the flush.
 *
 * Runs the real worker code on DPDK (EAL in memory, no hugepages, a
 * net_null port whose opackets count what left).
 */
#include <check.h>
#include <stdalign.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "control.h"
#include "dhcp/client_key.h"
#include "failover/fo_codes.h"
#include "lease/lease_table.h"
#include "worker.h"

static struct rte_mempool *pool;
static uint16_t port_id;
static struct worker *w;

static uint64_t sent_so_far(void)
{
	struct rte_eth_stats st;
	ck_assert_int_eq(rte_eth_stats_get(port_id, &st), 0);
	return st.opackets;
}

static void setup(void)
{
	/* Both hold cache-line aligned members (as rte_zmalloc gives the daemon). */
	w = aligned_alloc(64, (sizeof(*w) + 63) & ~(size_t)63);
	ck_assert_ptr_nonnull(w);
	memset(w, 0, sizeof(*w));
	w->commit = aligned_alloc(64, (sizeof(*w->commit) + 63) & ~(size_t)63);
	ck_assert_ptr_nonnull(w->commit);
	memset(w->commit, 0, sizeof(*w->commit));
	w->n_ports = 1;
	w->ports[0].port_id = port_id;
	w->ports[0].tx_queue = 0;
	w->pool = pool;
	w->wait_for_commit = true;
	worker_prepare(w);
	rte_eth_stats_reset(port_id);
}

static void teardown(void)
{
	/* Whatever is still parked goes back to the pool. */
	while (w->park_tail != w->park_head)
		rte_pktmbuf_free(w->park[w->park_tail++ % WORKER_PARK_SLOTS].m);
	free(w->commit);
	free(w);
}

/* Park an ACK for event seq, due in deadline_ms from now (negative: overdue). */
static void park(uint64_t seq, int64_t deadline_ms)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(rte_pktmbuf_append(m, 300));
	m->port = port_id;
	m->hash.usr = 5; /* DHCPACK */
	struct parked_ack *p = &w->park[w->park_head++ % WORKER_PARK_SLOTS];
	p->m = m;
	p->seq = seq;
	p->deadline_tsc =
	    (uint64_t)((int64_t)rte_rdtsc() + deadline_ms * (int64_t)rte_get_tsc_hz() / 1000);
	w->ctr.acks_parked++;
}

static void publish(uint64_t committed, uint64_t failed)
{
	atomic_store(&w->commit->failed_seq, failed);
	atomic_store(&w->commit->committed_seq, committed);
}

static void flush(void)
{
	worker_flush_parked(w);
	worker_after_burst(w); /* transmits the buffered replies */
}

static unsigned parked(void) { return w->park_head - w->park_tail; }

START_TEST(committed_leave_in_order)
{
	for (uint64_t s = 1; s <= 10; s++)
		park(s, 10000);
	flush();
	ck_assert_uint_eq(sent_so_far(), 0); /* nothing committed yet */
	ck_assert_uint_eq(parked(), 10);
	publish(4, 0);
	flush();
	ck_assert_uint_eq(sent_so_far(), 4);
	ck_assert_uint_eq(w->ctr.tx_ack, 4);
	ck_assert_uint_eq(parked(), 6);
	publish(10, 0);
	flush();
	ck_assert_uint_eq(sent_so_far(), 10);
	ck_assert_uint_eq(w->ctr.acks_released, 10);
	ck_assert_uint_eq(w->ctr.drops[DROP_ACK_NOT_DURABLE], 0);
}
END_TEST

START_TEST(failed_are_dropped)
{
	for (uint64_t s = 1; s <= 8; s++)
		park(s, 10000);
	publish(8, 5); /* 1..5 not durable, 6..8 durable */
	flush();
	ck_assert_uint_eq(sent_so_far(), 3);
	ck_assert_uint_eq(w->ctr.drops[DROP_ACK_NOT_DURABLE], 5);
	ck_assert_uint_eq(parked(), 0);
}
END_TEST

START_TEST(overdue_are_dropped_never_sent)
{
	park(1, -1);
	park(2, -1);
	park(3, 10000);
	flush();
	ck_assert_uint_eq(sent_so_far(), 0);
	ck_assert_uint_eq(w->ctr.drops[DROP_ACK_NOT_DURABLE], 2);
	ck_assert_uint_eq(parked(), 1);
	/* Its record committed later: the overdue ones stay dropped, the live one leaves. */
	publish(3, 0);
	flush();
	ck_assert_uint_eq(sent_so_far(), 1);
}
END_TEST

/* ---- the whole gate: worker parks, control commits (or not), worker flushes */

static char tmpdir[64];

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(path);
}

static unsigned pwrite_calls;
static ssize_t first_write_fails(int fd, const void *buf, size_t len, off_t off)
{
	if (++pwrite_calls == 1) {
		errno = ENOSPC;
		return -1;
	}
	return pwrite(fd, buf, len, off);
}

static const struct journal_io full_disk_once = {
	.pwrite = first_write_fails,
	.fdatasync = fdatasync,
	.fsync = fsync,
	.ftruncate = ftruncate,
};

static void event_for(struct spsc_ring *ring, uint64_t seq)
{
	struct lease_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.seq = seq;
	ev.type = JOURNAL_REC_UPSERT;
	ev.img.ip = 0x0a000000u + (uint32_t)seq;
	ev.img.state = LEASE_BOUND;
	ev.img.htype = 1;
	ev.img.hlen = 6;
	ev.img.chaddr[2] = (uint8_t)(seq >> 16);
	ev.img.chaddr[3] = (uint8_t)(seq >> 8);
	ev.img.chaddr[4] = (uint8_t)seq;
	ev.img.key_len = 8;
	ev.img.key[0] = LEASE_KEY_HWADDR;
	ev.img.key[1] = 1;
	memcpy(ev.img.key + 2, ev.img.chaddr, 6);
	ck_assert(spsc_ring_push(ring, &ev));
}

/*
 * Worker 0 (this one) has 3,000 ACKs parked whose events are in its ring;
 * worker 1's 12,000 events push the journal past its early-flush mark,
 * and that write fails. None of worker 0's ACKs may leave. With the disk
 * back, a new ACK of worker 0 leaves once its round commits.
 */
START_TEST(gate_with_failing_round)
{
	struct lw_config *cfg = calloc(1, sizeof(*cfg));
	struct spsc_ring *rings[2];
	struct control_commit_slot slots[2];
	alignas(64) struct worker_commit other = { 0 };
	struct control_counters counters;
	_Atomic bool stop = false;
	char err[256];

	memset(&counters, 0, sizeof(counters));
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lw-park-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_ptr_nonnull(cfg);
	snprintf(cfg->lease_store.directory, sizeof(cfg->lease_store.directory), "%s", tmpdir);
	cfg->lease_store.durability = CFG_DURABILITY_FSYNC;
	struct journal *j = journal_open(&cfg->lease_store, 0, NULL, NULL, NULL, err, sizeof(err));
	ck_assert_msg(j, "journal_open: %s", err);
	for (int i = 0; i < 2; i++) {
		rings[i] = spsc_ring_create(16384, sizeof(struct lease_event));
		ck_assert_ptr_nonnull(rings[i]);
	}
	slots[0].committed_seq = &w->commit->committed_seq;
	slots[0].failed_seq = &w->commit->failed_seq;
	slots[1].committed_seq = &other.committed_seq;
	slots[1].failed_seq = &other.failed_seq;
	struct control ctl = {
		.cfg = cfg,
		.journal = j,
		.n_workers = 2,
		.from_workers = rings,
		.commit = slots,
		.counters = &counters,
		.stop = &stop,
	};

	for (uint64_t s = 1; s <= 3000; s++) {
		event_for(rings[0], s);
		park(s, 60000);
	}
	for (uint64_t s = 1; s <= 12000; s++)
		event_for(rings[1], 100000 + s);
	journal_set_io(j, &full_disk_once);
	ck_assert_int_eq(control_commit_round(&ctl), -ENOSPC);
	flush();
	ck_assert_uint_eq(sent_so_far(), 0);
	ck_assert_uint_eq(w->ctr.drops[DROP_ACK_NOT_DURABLE], 3000);
	ck_assert_uint_eq(parked(), 0);

	journal_set_io(j, NULL);
	while (control_commit_round(&ctl) > 0) /* worker 1's rest */
		;
	event_for(rings[0], 3001);
	park(3001, 60000);
	ck_assert_int_eq(control_commit_round(&ctl), 1);
	flush();
	ck_assert_uint_eq(sent_so_far(), 1);

	journal_close(j);
	spsc_ring_free(rings[0]);
	spsc_ring_free(rings[1]);
	free(cfg);
	remove_tree(tmpdir);
}
END_TEST

/* ---- the control thread's commands: a BNDACK's PET reaches the lease ---- */

#define ACK_IP 0x0a000105u
#define ACK_PET 1700004000

static struct lease_image acked_image(void)
{
	struct lease_image img;

	memset(&img, 0, sizeof(img));
	img.ip = ACK_IP;
	img.subnet_id = 1;
	img.state = LEASE_BOUND;
	img.htype = 1;
	img.hlen = 6;
	img.chaddr[5] = 7;
	img.cltt = w->now;
	img.expire = w->now + 600;
	img.lease_secs = 600;
	img.fo_status = FO_BINDING_ACTIVE;
	img.fo_flags = LEASE_FO_F_UPDATE_PENDING;
	img.stos = w->now;
	img.sent_pet = ACK_PET;
	img.key_len = 8;
	img.key[0] = LEASE_KEY_HWADDR;
	img.key[1] = 1;
	memcpy(img.key + 2, img.chaddr, 6);
	return img;
}

static void push_acked(struct worker_cmd_queue *q, uint32_t ip, int64_t pet)
{
	struct worker_cmd cmd;
	struct lease_image img = acked_image();

	memset(&cmd, 0, sizeof(cmd));
	cmd.type = WORKER_CMD_FO_ACKED;
	cmd.ip = ip;
	cmd.pet = pet;
	cmd.img.key_len = img.key_len;
	memcpy(cmd.img.key, img.key, img.key_len);
	ck_assert(spsc_ring_push(q->ring, &cmd));
	q->pushed++;
}

/*
 * WORKER_CMD_FO_ACKED through worker_cmd_poll: the lease still holding
 * the address with the PET that was sent takes it as acked PET, without
 * an event (not journaled) and without `failed`; stale acks only count.
 */
START_TEST(fo_acked_command)
{
	struct lease_table_params tp = { .n_writers = 1, .max_leases = 64 };
	alignas(64) struct worker_cmd_queue q;
	struct lease_image img;
	const struct lease *l;

	rcu_register_thread();
	memset(&q, 0, sizeof(q));
	q.ring = spsc_ring_create(16, sizeof(struct worker_cmd));
	w->to_control = spsc_ring_create(16, sizeof(struct lease_event));
	w->srv.table = lease_table_create(&tp);
	ck_assert_ptr_nonnull(q.ring);
	ck_assert_ptr_nonnull(w->to_control);
	ck_assert_ptr_nonnull(w->srv.table);
	ck_assert_int_eq(
	    lease_table_add_range(w->srv.table, 1, 0x0a000100u, 0x0a0001ffu, ADDR_RANGE_POOL), 0);
	w->cmds = &q;
	img = acked_image();
	ck_assert_int_eq(dhcp_server_apply_image(w->srv.table, 0, JOURNAL_REC_UPSERT, &img, w->now),
			 0);

	push_acked(&q, ACK_IP + 1, ACK_PET); /* not its address */
	push_acked(&q, ACK_IP, ACK_PET - 1); /* not the PET it was sent with */
	push_acked(&q, ACK_IP, ACK_PET);
	push_acked(&q, ACK_IP, ACK_PET); /* twice: nothing more to do */
	worker_cmd_poll(w);
	ck_assert_uint_eq(atomic_load(&q.done), 4);
	ck_assert_uint_eq(atomic_load(&q.failed), 0);
	ck_assert_uint_eq(w->ctr.fo_acks_applied, 1);
	ck_assert_uint_eq(w->ctr.fo_acks_stale, 3);
	ck_assert_uint_eq(spsc_ring_count(w->to_control), 0);
	ck_assert_uint_eq(w->ctr.events_sent, 0);
	l = lease_table_find_key(w->srv.table, img.key, img.key_len,
				 client_key_hash(img.key, img.key_len));
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(l->partner_expire, ACK_PET);
	ck_assert_uint_eq(l->fo_flags, 0);
	ck_assert_int_eq(l->sent_pet, ACK_PET);
	ck_assert_int_eq(l->expire, img.expire);
	ck_assert_ptr_eq(lease_table_find_ip(w->srv.table, ACK_IP), l);

	w->cmds = NULL;
	rcu_quiescent_state();
	lease_table_destroy(w->srv.table);
	w->srv.table = NULL;
	spsc_ring_free(w->to_control);
	w->to_control = NULL;
	spsc_ring_free(q.ring);
	rcu_unregister_thread();
}
END_TEST

static void push_dns_state(struct worker_cmd_queue *q, uint32_t ip, uint32_t version, uint8_t set,
			   uint8_t clear)
{
	struct worker_cmd cmd;
	struct lease_image img = acked_image();

	memset(&cmd, 0, sizeof(cmd));
	cmd.type = WORKER_CMD_DNS_STATE;
	cmd.ip = ip;
	cmd.addr_version = version;
	cmd.dns_set = set;
	cmd.dns_clear = clear;
	cmd.img.key_len = img.key_len;
	memcpy(cmd.img.key, img.key, img.key_len);
	ck_assert(spsc_ring_push(q->ring, &cmd));
	q->pushed++;
}

/*
 * WORKER_CMD_DNS_STATE through worker_cmd_poll: a confirmation for the
 * binding's generation becomes a new version and a journaled event with
 * the name; one for another generation or address only counts, never
 * fails, and journals nothing.
 */
START_TEST(dns_state_command)
{
	struct lease_table_params tp = { .n_writers = 1, .max_leases = 64 };
	alignas(64) struct worker_cmd_queue q;
	struct lease_image img;
	struct lease_event ev;
	const struct lease *l;

	rcu_register_thread();
	memset(&q, 0, sizeof(q));
	q.ring = spsc_ring_create(16, sizeof(struct worker_cmd));
	w->to_control = spsc_ring_create(16, sizeof(struct lease_event));
	w->srv.table = lease_table_create(&tp);
	ck_assert_ptr_nonnull(w->srv.table);
	ck_assert_int_eq(
	    lease_table_add_range(w->srv.table, 1, 0x0a000100u, 0x0a0001ffu, ADDR_RANGE_POOL), 0);
	w->cmds = &q;
	img = acked_image();
	img.addr_version = 7;
	img.dns_flags = LEASE_DNS_F_WANT;
	img.fqdn.len = 18;
	memcpy(img.fqdn.bytes, "host1.example.test", 18);
	ck_assert_int_eq(dhcp_server_apply_image(w->srv.table, 0, JOURNAL_REC_UPSERT, &img, w->now),
			 0);
	uint64_t seq = w->srv.next_seq;

	push_dns_state(&q, ACK_IP, 6, LEASE_DNS_F_FWD, 0); /* an older generation */
	push_dns_state(&q, ACK_IP + 1, 7, LEASE_DNS_F_FWD, 0); /* not its address */
	push_dns_state(&q, ACK_IP, 7, LEASE_DNS_F_FWD | LEASE_DNS_F_REV, LEASE_DNS_F_WANT);
	push_dns_state(&q, ACK_IP, 7, LEASE_DNS_F_FWD, 0); /* nothing more to do */
	worker_cmd_poll(w);
	ck_assert_uint_eq(atomic_load(&q.done), 4);
	ck_assert_uint_eq(atomic_load(&q.failed), 0);
	ck_assert_uint_eq(w->ctr.dns_state_applied, 1);
	ck_assert_uint_eq(w->ctr.dns_state_stale, 3);
	ck_assert_uint_eq(spsc_ring_count(w->to_control), 1);
	ck_assert(spsc_ring_pop(w->to_control, &ev));
	ck_assert_uint_eq(ev.type, JOURNAL_REC_UPSERT);
	ck_assert_uint_eq(ev.seq, seq + 1);
	ck_assert_uint_eq(ev.img.dns_flags, LEASE_DNS_F_FWD | LEASE_DNS_F_REV);
	ck_assert_str_eq(ev.img.fqdn.bytes, "host1.example.test");
	ck_assert_int_eq(journal_record_validate(ev.type, &ev.img), 0);
	l = lease_table_find_key(w->srv.table, img.key, img.key_len,
				 client_key_hash(img.key, img.key_len));
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->dns_flags, LEASE_DNS_F_FWD | LEASE_DNS_F_REV);
	ck_assert_uint_eq(l->journal_seq, seq + 1);
	ck_assert_ptr_eq(lease_table_find_ip(w->srv.table, ACK_IP), l);

	w->cmds = NULL;
	rcu_quiescent_state();
	lease_table_destroy(w->srv.table);
	w->srv.table = NULL;
	spsc_ring_free(w->to_control);
	w->to_control = NULL;
	spsc_ring_free(q.ring);
	rcu_unregister_thread();
}
END_TEST

static int eal_up(void)
{
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "lwpark%d", (int)getpid());
	char *args[] = { "test_worker_park", "--no-huge",     "-m",   "128",	"--no-pci",
			 "--no-shconf",	     "--file-prefix", prefix, "--vdev", "net_null0",
			 "--log-level",	     "lib.eal:error" };
	if (rte_eal_init((int)RTE_DIM(args), args) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("park", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool || rte_eth_dev_count_avail() < 1)
		return -1;
	RTE_ETH_FOREACH_DEV(port_id) break;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port_id, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port_id, 0, 64, (unsigned)rte_socket_id(), NULL, pool) < 0 ||
	    rte_eth_tx_queue_setup(port_id, 0, 64, (unsigned)rte_socket_id(), NULL) < 0 ||
	    rte_eth_dev_start(port_id) < 0)
		return -1;
	return 0;
}

int main(void)
{
	if (eal_up() < 0) {
		fprintf(stderr, "test_worker_park: EAL or net_null port not available\n");
		return 1;
	}
	Suite *s = suite_create("worker_park");
	TCase *tc = tcase_create("park");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, committed_leave_in_order);
	tcase_add_test(tc, failed_are_dropped);
	tcase_add_test(tc, overdue_are_dropped_never_sent);
	tcase_add_test(tc, gate_with_failing_round);
	tcase_add_test(tc, fo_acked_command);
	tcase_add_test(tc, dns_state_command);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	/* EAL state does not survive fork(): run the cases in this process. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
