/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control modules, in the order of work in one loop iteration
 * (control_module.h says why an explicit table). This table is the one
 * place that knows them all: a new module (control/failover/,
 * control/ddns/) is its folder, its header and one line here.
 */
#include "control_module.h"

#include "control.h"
#include "control_clock.h"
#include "control_cmd.h"
#include "control_compact.h"
#include "ddns/ddns.h"
#include "failover/failover.h"

static const struct control_module *const modules[] = {
	/* Shell requests first: the worker commands they push ride this round. */
	&control_mailbox_module,
	/* Once a second, before the round, as the loop always did. */
	&control_clock_module,
	/* The group commit (durability gate); sleeps when idle, backs off on failure. */
	&control_commit_module,
	/* After the round: end a finished snapshot, start one when due. */
	&control_compaction_module,
	/*
	 * After the round: the changes it made durable become BNDUPDs, and
	 * partner updates whose records it committed get their BNDACK.
	 */
	&control_failover_module,
	/* After the round: committed changes become DNS updates; answers become confirmations. */
	&control_ddns_module,
};

_Static_assert(sizeof(modules) / sizeof(modules[0]) <= CONTROL_MAX_MODULES,
	       "control_loop.c keeps timer state for CONTROL_MAX_MODULES modules");

const struct control_module *const *control_modules(unsigned *n)
{
	*n = sizeof(modules) / sizeof(modules[0]);
	return modules;
}
