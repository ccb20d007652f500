/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shell commands on the DHCP counters: show statistics prints them since
 * the last "clear statistics", which asks the control thread for a new
 * baseline (control_cmd.h).
 */
#include "mgmt/counter_block.h"
#include "mgmt/counters.h"
#include "shell/shell_group.h"
#include "shell/shell_session.h"

static int cmd_clear_statistics(struct cli_def *cli, const char *c, char **argv, int argc)
{
	(void)c;
	(void)argv;
	return shell_control_call_no_args(cli, argc, CONTROL_CMD_CLEAR_STATS, "clear statistics");
}

static int cmd_show_statistics(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	struct worker_counters now, shown;
	(void)c;
	(void)argv;
	if (shell_no_args(cli, argc))
		return CLI_ERROR;
	status_sum_counters(s->env->status, &now);
	control_mailbox_since_clear(s->env->mailbox, &now, &shown);
	cli_print(cli, "Counters since start or the last \"clear statistics\":");
#define COUNTER_PRINT(name) cli_print(cli, "  %-28s %llu", #name, (unsigned long long)shown.name);
	COUNTER_LIST(COUNTER_PRINT)
#undef COUNTER_PRINT
	cli_print(cli, "  %-28s %llu", "parked_now", (unsigned long long)shown.parked_now);
	cli_print(cli, "Drops by reason:");
	for (unsigned r = 1; r < DROP__COUNT; r++)
		cli_print(cli, "  drop_%-23s %llu", drop_reason_name((enum drop_reason)r),
			  (unsigned long long)shown.drops[r]);
	return CLI_OK;
}

/* show counters [BLOCK]: every module's counter block, or one. */
static int cmd_show_counters(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	const struct counter_block *one = NULL;
	unsigned n;
	(void)c;
	if (argc > 1) {
		cli_print(cli, "%% usage: show counters [BLOCK]");
		return CLI_ERROR;
	}
	const struct counter_block *const *b = counter_registry_blocks(s->env->counters, &n);
	if (argc == 1) {
		one = counter_registry_find(s->env->counters, argv[0]);
		if (!one) {
			cli_print(cli, "%% no counter block \"%s\"", argv[0]);
			return CLI_ERROR;
		}
		b = &one;
		n = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		cli_print(cli, "%s:", b[i]->name);
		for (unsigned k = 0; k < b[i]->n; k++)
			cli_print(cli, "  %-28s %llu", b[i]->names[k],
				  (unsigned long long)atomic_load_explicit(&b[i]->values[k],
									   memory_order_relaxed));
	}
	return CLI_OK;
}

static void install(const struct shell_tree *t)
{
	const int U = PRIVILEGE_UNPRIVILEGED, P = PRIVILEGE_PRIVILEGED;

	cli_register_command(t->cli, t->show, "statistics", cmd_show_statistics, U, MODE_EXEC,
			     "DHCP messages in/out by type and drops by reason");
	cli_register_command(t->cli, t->show, "counters", cmd_show_counters, U, MODE_EXEC,
			     "Every module's counters (journal, clock, ...); optional: one block");
	cli_register_command(t->cli, t->clear, "statistics", cmd_clear_statistics, P, MODE_EXEC,
			     "Restart the counters \"show statistics\" prints");
}

const struct shell_command_group shell_stats_group = { .name = "statistics", .install = install };
