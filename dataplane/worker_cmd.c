/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of the control -> worker command ring (worker_cmd.h).
 * A command changes a lease through dhcp_server_apply_image(), the path
 * recovery uses, and hands the control thread an event with the next
 * sequence number of this worker, so the journal records it like a change
 * a packet made; all but FO_ACKED, which only refines what the lease
 * keeps of the partner's acknowledgement and is not journaled. DNS_STATE
 * and a "clear lease" that owes a DNS removal go through dhcp_lease.c.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_server.h"
#include "worker.h"

#define CMDS_PER_POLL 32u /* bounds the time a burst of imports takes from packets */

/* worker_cmd_poll checked there is room for one event: this cannot fail. */
static bool send_event(struct worker *w, const struct lease_event *ev)
{
	if (!spsc_ring_push(w->to_control, ev)) {
		w->ctr.drops[DROP_EVENT_RING_FULL]++;
		return false;
	}
	w->ctr.events_sent++;
	return true;
}

static bool apply_image(struct worker *w, const struct worker_cmd *cmd)
{
	struct lease_event ev;

	memset(&ev, 0, sizeof(ev));
	if (cmd->rec_type == JOURNAL_REC_DELETE) {
		/* "clear lease" of a record that owes a DNS removal ends it instead (dhcp_lease.h). */
		int rc = dhcp_lease_clear(&w->srv, &cmd->img, w->now, &ev);
		if (rc < 0)
			return false;
		if (rc == 1)
			return send_event(w, &ev);
	}
	if (dhcp_server_apply_image(w->srv.table, w->id, cmd->rec_type, &cmd->img, w->now) < 0)
		return false;
	ev.type = cmd->rec_type;
	ev.seq = ++w->srv.next_seq;
	ev.worker = (uint8_t)w->id;
	ev.img = cmd->img;
	return send_event(w, &ev);
}

/*
 * The control thread confirmed a DNS update: a journaled change of the
 * lease's dns_flags. A stale one (another generation of the binding, or
 * nothing to change) is counted, never failed, like a stale FO_ACKED.
 */
static void dns_state(struct worker *w, const struct worker_cmd *cmd)
{
	struct lease_event ev;

	memset(&ev, 0, sizeof(ev));
	if (dhcp_lease_dns_state(&w->srv, cmd->img.key, cmd->img.key_len, cmd->ip,
				 cmd->addr_version, cmd->dns_set, cmd->dns_clear, &ev) == 0 &&
	    send_event(w, &ev))
		w->ctr.dns_state_applied++;
	else
		w->ctr.dns_state_stale++;
}

/* The ownership bit first, then its event: durable once the control thread commits it. */
static bool set_owner(struct worker *w, const struct worker_cmd *cmd)
{
	struct lease_event ev;

	if (lease_table_set_backup(w->srv.table, cmd->ip, cmd->backup) < 0)
		return false;
	memset(&ev, 0, sizeof(ev));
	ev.type = cmd->backup ? JOURNAL_REC_UPSERT : JOURNAL_REC_DELETE;
	ev.seq = ++w->srv.next_seq;
	ev.worker = (uint8_t)w->id;
	lease_image_backup(&ev.img, cmd->ip);
	return send_event(w, &ev);
}

/*
 * Our BNDUPD was acked: the lease may now count on its PET. No event and
 * no journal record (why: dhcp_apply.c). An ack the lease has moved on
 * from (renewed, released, expired since) is normal and only counted, as
 * is one that finds the slab empty: the cap then stays at what the lease
 * had, which is safe. Never counted in `failed`: partner updates waiting
 * on this worker read a change of it as their own failure (fo_updates.c).
 */
static void fo_acked(struct worker *w, const struct worker_cmd *cmd)
{
	if (dhcp_server_fo_acked(w->srv.table, w->id, cmd->img.key, cmd->img.key_len, cmd->ip,
				 cmd->pet) == 0)
		w->ctr.fo_acks_applied++;
	else
		w->ctr.fo_acks_stale++;
}

static void set_config(struct worker *w, const struct lw_config *cfg)
{
	/* Reload keeps the interface list (control refuses a change), so each
	 * port finds its interface again by name in the new snapshot. */
	for (unsigned p = 0; p < w->n_ports; p++) {
		const char *name = w->ports[p].iface ? w->ports[p].iface->name : NULL;
		for (size_t i = 0; name && i < cfg->n_interfaces; i++)
			if (strcmp(cfg->interfaces[i].name, name) == 0)
				w->ports[p].iface = &cfg->interfaces[i];
	}
	dhcp_server_set_config(&w->srv, cfg);
}

void worker_cmd_poll(struct worker *w)
{
	struct worker_cmd_queue *q = w->cmds;
	struct worker_cmd cmd;

	if (spsc_ring_count(q->ring) == 0)
		return;
	for (unsigned i = 0; i < CMDS_PER_POLL; i++) {
		/* Events of earlier packets go first, and one event must fit. */
		if (w->backlog_head != w->backlog_tail ||
		    spsc_ring_count(w->to_control) + 1 >= spsc_ring_capacity(w->to_control))
			return;
		if (!spsc_ring_pop(q->ring, &cmd))
			return;
		bool ok = true;
		switch (cmd.type) {
		case WORKER_CMD_APPLY_IMAGE: ok = apply_image(w, &cmd); break;
		case WORKER_CMD_SET_CONFIG: set_config(w, cmd.cfg); break;
		case WORKER_CMD_SET_OWNER: ok = set_owner(w, &cmd); break;
		case WORKER_CMD_FO_ACKED: fo_acked(w, &cmd); break;
		case WORKER_CMD_DNS_STATE: dns_state(w, &cmd); break;
		default: ok = false; break;
		}
		if (!ok)
			atomic_fetch_add_explicit(&q->failed, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&q->done, 1, memory_order_release);
	}
}
