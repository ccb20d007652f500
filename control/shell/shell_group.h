/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shell command groups: each command file exposes one struct
 * shell_command_group, and the one explicit table in shell_groups.c lists
 * them; shell.c installs them all on every session's command tree. A new
 * feature (control/failover/, control/ddns/) adds its commands with a
 * group of its own, declared in its folder's header, and one line in that
 * table. An explicit table, not constructor attributes: the control
 * library is static, so the linker would drop a command file nothing
 * references; and the table order is the order libcli lists commands in
 * "help" and "?", which must not depend on link order.
 */
#ifndef LW_SHELL_GROUP_H
#define LW_SHELL_GROUP_H

#include <libcli.h>

/* The nodes groups share; a group makes its own for words only it uses ("journal"). */
struct shell_tree {
	struct cli_def *cli; /* root: cli_register_command(t->cli, NULL, ...) */
	struct cli_command *show; /* "show ..." (unprivileged) */
	struct cli_command *clear; /* "clear ..." (enable) */
};

struct shell_command_group {
	const char *name;
	void (*install)(const struct shell_tree *t);
};

/* Build the shared nodes, then install every group of the table in order. */
void shell_groups_install(struct cli_def *cli);

/* The groups of control/shell/ itself. */
extern const struct shell_command_group shell_system_group; /* shell_system.c */
extern const struct shell_command_group shell_stats_group; /* shell_stats.c */
extern const struct shell_command_group shell_journal_group; /* shell_journal.c */
extern const struct shell_command_group shell_config_group; /* shell_config.c */
extern const struct shell_command_group shell_leases_group; /* shell_leases.c */
extern const struct shell_command_group shell_failover_group; /* shell_failover.c */
extern const struct shell_command_group shell_ddns_group; /* shell_ddns.c */

#endif
