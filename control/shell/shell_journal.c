/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shell commands on the lease journal: show journal reads the counters the
 * control thread publishes (control_counters); journal compact asks the
 * control thread for a snapshot and a new generation.
 */
#include <time.h>

#include "mgmt/counters.h"
#include "shell/shell_group.h"
#include "shell/shell_session.h"

#define NS_PER_MS 1000000.0

static int cmd_show_journal(struct cli_def *cli, const char *c, char **argv, int argc)
{
	(void)c;
	(void)argv;
	if (shell_no_args(cli, argc))
		return CLI_ERROR;
	const struct control_counters *cc = shell_session_of(cli)->env->control;
#define LOAD(f) ((unsigned long long)atomic_load_explicit(&cc->f, memory_order_relaxed))
	cli_print(cli, "generation          %llu", LOAD(journal_generation));
	cli_print(cli, "sequence            %llu", LOAD(journal_last_seq));
	cli_print(cli, "committed sequence  %llu", LOAD(journal_committed_seq));
	cli_print(cli, "records             %llu since start", LOAD(journal_records));
	cli_print(cli, "commits             %llu", LOAD(journal_commits));
	cli_print(cli, "bytes               %llu in the current journal", LOAD(journal_bytes));
	cli_print(cli, "last fsync latency  %.3f ms",
		  (double)LOAD(journal_last_commit_ns) / NS_PER_MS);
	cli_print(cli, "write errors        %llu", LOAD(journal_write_errors));
	if (LOAD(journal_failing))
		shell_print_duration(cli, "ALARM: failing for ",
				     time(NULL) - (int64_t)LOAD(journal_failing_since_unix));
	cli_print(cli, "records not durable %llu (their ACKs withheld)",
		  LOAD(journal_records_lost));
	cli_print(cli, "compactions         %llu", LOAD(compactions));
	uint64_t snap = LOAD(journal_last_snapshot_unix);
	if (snap)
		shell_print_duration(cli, "snapshot age       ", time(NULL) - (int64_t)snap);
	else
		cli_print(cli, "snapshot age        none yet");
	cli_print(cli, "recovered           %llu leases in %llu ms", LOAD(recovered_leases),
		  LOAD(recovery_ms));
#undef LOAD
	return CLI_OK;
}

static int cmd_journal_compact(struct cli_def *cli, const char *c, char **argv, int argc)
{
	(void)c;
	(void)argv;
	return shell_control_call_no_args(cli, argc, CONTROL_CMD_COMPACT, "journal compact");
}

static void install(const struct shell_tree *t)
{
	const int U = PRIVILEGE_UNPRIVILEGED, P = PRIVILEGE_PRIVILEGED;
	struct cli_command *journal;

	journal = cli_register_command(t->cli, NULL, "journal", NULL, P, MODE_EXEC,
				       "Lease journal operations (enable)");
	cli_register_command(t->cli, t->show, "journal", cmd_show_journal, U, MODE_EXEC,
			     "Journal sequence, commits, fsync latency, snapshot age");
	cli_register_command(t->cli, journal, "compact", cmd_journal_compact, P, MODE_EXEC,
			     "Write a snapshot and start a new journal generation");
}

const struct shell_command_group shell_journal_group = { .name = "journal", .install = install };
