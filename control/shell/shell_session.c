/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session helpers of shell_session.h. They call only libcli, liburcu
 * and the mailbox (control_cmd.h), so every command file and shell.c can
 * use them without calling each other.
 */
#include "shell/shell_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "control_cmd.h"

void shell_log(const struct shell_session *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "leasewired: shell: %s@%s: %s\n", s->user[0] ? s->user : "-", s->peer,
		line);
	fflush(stderr);
}

struct shell_session *shell_session_of(struct cli_def *cli) { return cli_get_context(cli); }

void shell_read_side(void (*fn)(const struct config_snapshot *snap, void *arg), void *arg,
		     const struct shell_env *env)
{
	rcu_thread_online();
	fn(rcu_dereference(*env->live), arg);
	rcu_thread_offline();
}

int shell_control_call(struct cli_def *cli, struct control_cmd *cmd, const char *what)
{
	struct shell_session *s = shell_session_of(cli);

	shell_log(s, "command: %s", what);
	int rc = control_cmd_call(s->env->mailbox, cmd);
	if (rc < 0) {
		cli_error(cli, "%% %s: %s", what, cmd->msg[0] ? cmd->msg : strerror(-rc));
		shell_log(s, "command failed: %s: %s", what, cmd->msg);
		return CLI_ERROR;
	}
	cli_print(cli, "%s", cmd->msg);
	shell_log(s, "command done: %s: %s", what, cmd->msg);
	return CLI_OK;
}

int shell_no_args(struct cli_def *cli, int argc)
{
	if (argc == 0)
		return 0;
	cli_error(cli, "%% This command takes no arguments");
	return -1;
}

int shell_control_call_no_args(struct cli_def *cli, int argc, enum control_cmd_type type,
			       const char *what)
{
	struct control_cmd cmd = { .type = type };

	if (shell_no_args(cli, argc))
		return CLI_ERROR;
	return shell_control_call(cli, &cmd, what);
}

void shell_print_duration(struct cli_def *cli, const char *what, int64_t secs)
{
	cli_print(cli, "%s %lldd %02lld:%02lld:%02lld", what, (long long)(secs / 86400),
		  (long long)(secs / 3600 % 24), (long long)(secs / 60 % 60),
		  (long long)(secs % 60));
}
