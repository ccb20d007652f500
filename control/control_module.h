/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A control module: one piece of the control thread's loop (DESIGN.md
 * sec 3): the shell mailbox, the clock check, the commit round, the
 * compaction, and later failover and DNS updates. A module is a name and
 * optional hooks; control_run (control_loop.c) calls them for every module
 * of the table in control_modules.c:
 *
 *   start   once, before the first iteration, in table order; the place
 *           to add the module's counter block to c->counter_registry
 *           (mgmt/counter_block.h), which "show counters" and
 *           /leasewire/counters list without knowing the module
 *   poll    once per loop iteration, in table order
 *   timers  in the same pass, right after the module's poll: fn runs when
 *           period_ns of CLOCK_MONOTONIC have passed since it last ran
 *           (and in the first iteration)
 *   note_change  for every event a commit round takes, once the journal
 *           has accepted it (control.c): the change a module may act on
 *           once the round is durable (a BNDUPD, a DNS update)
 *   round_end  after the round's commit, with whether it committed: a
 *           module acts on what it noted, or drops it when the round
 *           failed (its ACKs never leave; the clients retry)
 *   stop    once, after *stop is seen, in reverse table order, so a module
 *           can still use the ones before it while it winds down (the
 *           compaction commits rounds until its snapshot is written, and
 *           only then does the mailbox answer what is left -ESHUTDOWN)
 *
 * Why one explicit table and not constructor attributes: the control
 * library is a static archive, and the linker drops an object nothing
 * references, constructor or not, so a module would vanish silently; and
 * the order of the modules is the order of work in one iteration (shell
 * requests before the commit round, so their worker commands ride it),
 * which must be read in one place, not left to link order.
 *
 * Every hook runs on the control thread and must not block for long: a
 * hook that waits holds up the group commit and with it every parked ACK.
 */
#ifndef LW_CONTROL_MODULE_H
#define LW_CONTROL_MODULE_H

#include <stdbool.h>
#include <stdint.h>

struct control;
struct lease_image;

#define CONTROL_MODULE_MAX_TIMERS 4
/* The loop keeps timer state per module; control_modules.c checks its table against this. */
#define CONTROL_MAX_MODULES 32

struct control_timer {
	int64_t period_ns; /* 0 ends the list */
	void (*fn)(struct control *c);
};

struct control_module {
	const char *name;
	void (*start)(struct control *c);
	void (*poll)(struct control *c);
	struct control_timer timers[CONTROL_MODULE_MAX_TIMERS];
	void (*note_change)(struct control *c, uint8_t rec_type, const struct lease_image *img);
	void (*round_end)(struct control *c, bool committed);
	void (*stop)(struct control *c);
};

/*
 * The registered modules in the order of work, *n of them
 * (control_modules.c). Each module's header declares its struct, e.g.
 * control_cmd.h the mailbox: a new module is its folder, its header and
 * one line in that table.
 */
const struct control_module *const *control_modules(unsigned *n);

#endif
