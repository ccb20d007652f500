/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The failover relationship on the control thread (DESIGN.md sec 3, 5):
 * the TCP session with the partner (fo_session.c), the state machine
 * (common/failover/fo_fsm.c) made durable in the lease store before each
 * state takes effect (fo_store.c), the binding updates both ways
 * (fo_updates.c) and the RCU view the workers read.
 *
 * It runs as a control module after the commit round: every binding
 * change the round made durable is queued as a BNDUPD, and a partner's
 * BNDUPD is BNDACKed only once the worker that applied it has had its
 * record committed. Nothing here blocks; the workers never wait for it.
 */
#ifndef LW_FAILOVER_H
#define LW_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "control_module.h"
#include "failover/fo_status.h"
#include "lease/journal_record.h"

struct control;
struct failover_view;
struct fo_session;

/*
 * Create the session for the configured relationship (cfg->failover) and
 * the first view (STARTUP: no service), published in *view before the
 * workers start. Reads the stored state from the lease store. NULL with a
 * message in err when the listener cannot be opened or the stored state is
 * unreadable. Start-up thread.
 */
struct fo_session *failover_create(struct control *c, struct failover_view **view,
				   struct fo_status_board *board, char *err, size_t errlen);
void failover_destroy(struct fo_session *s);

/*
 * A binding change the commit round has just taken, and the end of that
 * round: the changes noted in a round that failed are not durable and are
 * forgotten (never sent). Control thread.
 */
void failover_note_change(struct fo_session *s, uint8_t rec_type, const struct lease_image *img);
void failover_round_end(struct fo_session *s, bool committed);

/* The operator's "failover partner-down". Returns 0 or -EPERM (not from this state). */
int failover_partner_down(struct fo_session *s);

extern const struct control_module control_failover_module;

#endif
