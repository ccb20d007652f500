/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pool balance (draft-12 sec 5.4, 7.6; failover.md sec 10): the primary
 * hands the secondary its share of the addresses nobody holds, as ISC
 * does, on entering NORMAL and then on a schedule: half of the unheld
 * addresses of every pool, with a hysteresis of 10 % so a busy pool does
 * not flap. An address changes hands in this order: the worker marks it
 * BACKUP and journals that (WORKER_CMD_SET_OWNER), the commit round makes
 * it durable and queues it (failover_note_change), and only then does the
 * BNDUPD(BACKUP) leave, so a crash can never leave us allocating an
 * address the secondary has been given.
 *
 * The secondary never sends ownership: it takes BACKUP and FREE from the
 * primary's BNDUPDs (fo_updates.c), and an address whose lease ends goes
 * back to FREE on both sides (draft-12 sec 5.11: the sender sets it FREE on
 * the BNDACK, the receiver on accepting).
 */
#include <errno.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "base/mono_clock.h"
#include "control.h"
#include "control_cmd.h"
#include "fo_internal.h"

#define POOL_CHECK_SECS 5 /* ISC's min-balance is 60 s; tests want it sooner */
#define POOL_MOVES_PER_POLL 256 /* worker commands per control-loop pass */
#define POOL_HYSTERESIS_PCT 10

/* Next candidate at or after the cursor (subnet, pool, address); false at the end. */
static bool next_free_unheld(struct fo_session *s, uint32_t *ip_out)
{
	const struct lw_config *cfg = s->c->cfg;
	struct fo_pool_walk *pw = &s->pool;

	for (; pw->subnet < cfg->n_subnets; pw->subnet++, pw->pool = 0, pw->ip = 0) {
		const struct cfg_subnet *sn = &cfg->subnets[pw->subnet];
		for (; pw->pool < sn->n_pools; pw->pool++, pw->ip = 0) {
			const struct cfg_pool *p = &sn->pools[pw->pool];
			if (!pw->ip)
				pw->ip = p->first;
			for (; pw->ip && pw->ip <= p->last; pw->ip++) {
				uint32_t ip = pw->ip;
				/* Every other address: each side gets a spread of the range. */
				if ((ip - p->first) % 2 == 0)
					continue;
				if (lease_table_is_backup(s->c->table, ip) ||
				    lease_table_find_ip(s->c->table, ip))
					continue;
				pw->ip++;
				*ip_out = ip;
				return true;
			}
		}
	}
	return false;
}

void fo_pool_poll(struct fo_session *s)
{
	struct fo_pool_walk *pw = &s->pool;
	int64_t now = mono_clock_ns();

	if (s->cfg->role != CFG_FO_ROLE_PRIMARY || fo_fsm_state(&s->fsm) != FO_STATE_NORMAL ||
	    s->proto != FO_PROTO_ESTABLISHED)
		return;
	if (!pw->moving) {
		if (now < pw->next_check_ns)
			return;
		pw->next_check_ns = now + (int64_t)POOL_CHECK_SECS * 1000000000;
		struct lease_pool_balance pb;
		rcu_thread_online();
		int rc = lease_table_pool_balance(s->c->table, 0, &pb);
		rcu_thread_offline();
		if (rc < 0)
			return;
		size_t unheld = pb.free_unheld + pb.backup_unheld;
		size_t target = unheld / 2;
		if (pb.backup_unheld + unheld * POOL_HYSTERESIS_PCT / 100 / 2 >= target)
			return;
		pw->want = target - pb.backup_unheld;
		pw->moving = true;
		pw->subnet = pw->pool = 0;
		pw->ip = 0;
		fo_log(s,
		       "balancing pools: %zu of %zu unheld addresses are the secondary's; handing "
		       "it %zu more",
		       pb.backup_unheld, unheld, pw->want);
	}
	rcu_thread_online();
	for (unsigned n = 0; n < POOL_MOVES_PER_POLL && pw->want; n++) {
		uint32_t ip;
		if (!next_free_unheld(s, &ip)) {
			pw->want = 0;
			break;
		}
		int rc = control_push_set_owner(s->c, ip, true);
		if (rc == -EAGAIN) {
			pw->ip = ip; /* the ring is full: this one again next pass */
			break;
		}
		if (rc == 0)
			pw->want--;
	}
	rcu_thread_offline();
	if (!pw->want)
		pw->moving = false;
}
