/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shell command groups, in the order their commands are registered
 * and listed (shell_group.h says why an explicit table). This table is the
 * one place that knows them all: a new group is one line here.
 */
#include "shell/shell_group.h"

static const struct shell_command_group *const groups[] = {
	&shell_system_group, /* show version, uptime, running-config, interfaces, workers */
	&shell_stats_group, /* show statistics, clear statistics */
	&shell_journal_group, /* show journal, journal compact */
	&shell_config_group, /* reload */
	&shell_leases_group, /* show leases, lease, pools; clear lease; export, import */
	&shell_failover_group, /* show failover, failover partner-down */
	&shell_ddns_group, /* show ddns */
};

void shell_groups_install(struct cli_def *cli)
{
	const int U = PRIVILEGE_UNPRIVILEGED, P = PRIVILEGE_PRIVILEGED;
	struct shell_tree t = { .cli = cli };

	t.show = cli_register_command(cli, NULL, "show", NULL, U, MODE_EXEC, "Show daemon state");
	t.clear = cli_register_command(cli, NULL, "clear", NULL, P, MODE_EXEC,
				       "Clear counters or leases (enable)");
	for (unsigned i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		groups[i]->install(&t);
}
