/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "show ddns": the DNS update engine's servers (reachable, in flight,
 * sent, ok, conflicts, failed, last error) and queue, from the copy the
 * control thread publishes (ddns/ddns.h), then its two counter blocks.
 */
#include <string.h>

#include "ddns/ddns.h"
#include "mgmt/counter_block.h"
#include "shell/shell_group.h"
#include "shell/shell_session.h"

static void print_block(struct cli_def *cli, const struct counter_block *b)
{
	if (!b)
		return;
	cli_print(cli, "counters (%s):", b->name);
	for (unsigned i = 0; i < b->n; i++)
		cli_print(
		    cli, "  %-26s %llu", b->names[i],
		    (unsigned long long)atomic_load_explicit(&b->values[i], memory_order_relaxed));
}

static int cmd_show_ddns(struct cli_def *cli, const char *c, char **argv, int argc)
{
	const struct shell_env *env = shell_session_of(cli)->env;
	char text[4096];
	char *line, *save = NULL;

	(void)c;
	(void)argv;
	if (shell_no_args(cli, argc))
		return CLI_ERROR;
	if (!env->ddns) {
		cli_print(cli, "DNS updates are not configured (Dhcp4.ddns)");
		return CLI_OK;
	}
	ddns_show(env->ddns, text, sizeof(text));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		cli_print(cli, "%s", line);
	print_block(cli, counter_registry_find(env->counters, "ddns"));
	print_block(cli, counter_registry_find(env->counters, "ddns_leases"));
	return CLI_OK;
}

static void install(const struct shell_tree *t)
{
	cli_register_command(t->cli, t->show, "ddns", cmd_show_ddns, PRIVILEGE_UNPRIVILEGED,
			     MODE_EXEC, "DNS updates: servers, queue, outcomes, counters");
}

const struct shell_command_group shell_ddns_group = { .name = "ddns", .install = install };
