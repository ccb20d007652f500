/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compaction on the control thread (journal/compaction.h does the
 * snapshot on a thread of its own): started automatically every
 * lease_store.snapshot_every records or by "journal compact", polled each
 * loop iteration, and waited for before the thread stops. The mailbox
 * (control_cmd.c) starts and polls it for the shell command.
 */
#ifndef LW_CONTROL_COMPACT_H
#define LW_CONTROL_COMPACT_H

#include <stdbool.h>

#include "control_module.h"

struct control;

/*
 * Start a compaction (compaction.h): a new journal generation now, the
 * snapshot written by its own thread while rounds go on committing.
 * 0, -EBUSY while one runs, or -errno (logged). Control thread only.
 */
int control_compact_start(struct control *c);
/* true when a running compaction just ended (logged, counted). Control thread only; never blocks. */
bool control_compact_poll(struct control *c);
/*
 * Compact and wait for the snapshot, committing rounds meanwhile (tests,
 * benchmarks). Returns 0 or -errno. Control thread only.
 */
int control_compact(struct control *c);

/*
 * poll: end a finished compaction, then start one when snapshot_every
 * records were journaled since the last snapshot. stop: keep committing
 * until a running snapshot is written.
 */
extern const struct control_module control_compaction_module;

#endif
