/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operator shell (DESIGN.md sec 7): a telnet-style, Cisco-like command
 * line over TCP (127.0.0.1:2323 by default) and optionally a Unix socket,
 * built on libcli. It runs in threads of its own beside the control thread:
 * one accept thread, and per session one thread for the command line and
 * one that filters the client's bytes (shell_input.h). It reads the lease
 * table, counters and configuration as QSBR readers; everything that
 * changes state is a request to the control thread (control_cmd.h).
 */
#ifndef LW_SHELL_H
#define LW_SHELL_H

#include <stddef.h>
#include <stdint.h>

#include "control_cmd.h"
#include "mgmt/counters.h"
#include "lease/lease_table.h"
#include "mgmt/status.h"

struct shell_env {
	struct lease_table *table;
	struct control_mailbox *mailbox;
	struct config_snapshot **live; /* RCU pointer owned by the control thread */
	const struct status_ops *status;
	const struct control_counters *control;
	const struct counter_registry *counters; /* every module's block (counter_block.h) */
	struct fo_status_board *failover; /* NULL without a failover relationship */
	struct ddns_ctl *ddns; /* NULL without DNS updates (ddns/ddns.h: ddns_show) */
	int64_t started_unix;
	const char *version;
};

struct shell;
struct fo_status_board;
struct ddns_ctl;

/*
 * Start listening per the live config's "shell" section. Returns the shell,
 * or NULL with errno: 0 when the shell is off (no password-hash), else the
 * reason with a message in err. Start-up thread, before workers run.
 */
struct shell *shell_start(const struct shell_env *env, char *err, size_t err_len);

/*
 * Close the listeners, end every session and join the threads. Call before
 * the control thread stops answering requests is fine: pending ones are
 * answered with -ESHUTDOWN. Shutdown thread.
 */
void shell_stop(struct shell *sh);

/* leasewired --hash-password: read a password (twice on a tty) and print its hash. */
int shell_hash_password_main(void);

#endif
