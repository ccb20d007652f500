/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS updates as a control module: the bridge between the lease journal
 * and the update engine (ddns_engine.h). The workers decide a client's
 * name and which records it should have at ACK time and journal it with
 * the binding (lease.h: fqdn, dns_flags); this module turns each committed
 * change into a name change request, and each finished request into a
 * worker command that records what is now in DNS (WORKER_CMD_DNS_STATE),
 * journaled like any change. So:
 *
 *  - no DNS work and no wait in the fast path: an ACK leaves when its
 *    record is durable, whatever DNS does;
 *  - nothing is lost: what is owed to DNS is in the journal (WANT bits
 *    without the matching added bit; REMOVE_PENDING), and a start walks
 *    the recovered table and sends it again;
 *  - a request is submitted only once the commit round that carries its
 *    record has committed: a binding whose record was lost never reaches
 *    DNS;
 *  - the removal is guarded by the DHCID computed from the same client
 *    key and name as the add (RFC 4703), and tied to the binding's
 *    generation (addr_version): a confirmation for a binding that has
 *    since changed hands changes nothing;
 *  - a change the failover partner made (LEASE_FO_F_FROM_PARTNER) is the
 *    partner's to put in DNS (draft-12 sec 5.12): never added or removed
 *    here.
 */
#ifndef LW_DDNS_H
#define LW_DDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control_module.h"

struct control;
struct ddns_ctl;
struct lease_image;

/* The module for cfg->ddns; NULL with an error in err when the engine cannot start. */
struct ddns_ctl *ddns_create(struct control *c, char *err, size_t errlen);
void ddns_destroy(struct ddns_ctl *d);

/*
 * The commit round's hooks (control.c), as failover's: every event taken
 * in the round, then whether the round committed. Staged requests are
 * submitted only after a committed round, dropped after a failed one (the
 * client retries, since its ACK never left, and its next event asks again).
 */
void ddns_note_change(struct ddns_ctl *d, uint8_t rec_type, const struct lease_image *img);
void ddns_round_end(struct ddns_ctl *d, bool committed);

/* "show ddns": the engine's servers and totals into buf (any thread; a copy the module publishes). */
size_t ddns_show(struct ddns_ctl *d, char *buf, size_t cap);

extern const struct control_module control_ddns_module;

#endif
