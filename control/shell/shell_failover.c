/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shell commands of the failover relationship: "show failover" reads the
 * status the control thread publishes (failover/fo_status.h); "failover
 * partner-down confirm" (enable) asks the control thread to declare the
 * partner down (draft-12 sec 9.9.2), which lets this server serve every
 * client and, after MCLT, the partner's free addresses.
 */
#include <string.h>
#include <time.h>

#include "control_cmd.h"
#include "failover/fo_codes.h"
#include "failover/fo_status.h"
#include "shell/shell_group.h"
#include "shell/shell_session.h"

static void print_since(struct cli_def *cli, const char *label, const char *what, int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (!t) {
		cli_print(cli, "%-22s %s", label, what);
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	cli_print(cli, "%-22s %s since %s UTC (%llds ago)", label, what, buf,
		  (long long)(time(NULL) - t));
}

static int cmd_show_failover(struct cli_def *cli, const char *c, char **argv, int argc)
{
	(void)c;
	(void)argv;
	if (shell_no_args(cli, argc))
		return CLI_ERROR;
	struct fo_status_board *b = shell_session_of(cli)->env->failover;
	if (!b) {
		cli_print(cli, "no failover relationship is configured (standalone)");
		return CLI_OK;
	}
	struct fo_status st;
	char mine[64], theirs[64];
	fo_status_read(b, &st);
	snprintf(mine, sizeof(mine), "%s%s", fo_server_state_name(st.state),
		 st.startup ? " (startup)" : "");
	snprintf(theirs, sizeof(theirs), "%s%s",
		 st.partner_known ? fo_server_state_name(st.partner_state) : "unknown",
		 st.partner_startup ? " (startup)" : "");
	cli_print(cli, "%-22s %s", "relationship", st.name);
	cli_print(cli, "%-22s %s", "role", st.primary ? "primary" : "secondary");
	print_since(cli, "my state", mine, st.stos);
	print_since(cli, "partner state", theirs, st.partner_known ? st.partner_stos : 0);
	print_since(cli, "connection", st.connected ? "up" : "down", st.connected_since);
	if (st.last_contact)
		cli_print(cli, "%-22s %llds ago", "last message",
			  (long long)(time(NULL) - st.last_contact));
	else
		cli_print(cli, "%-22s never", "last message");
	cli_print(cli, "%-22s %us", "mclt", st.mclt);
	cli_print(cli, "%-22s %u of 256 (load balance max seconds %u)", "buckets served",
		  st.buckets_served, st.lb_max_secs);
	cli_print(cli, "%-22s %u in flight (partner accepts %u), %u queued", "binding updates",
		  st.unacked, st.partner_max_unacked, st.queued);
	cli_print(cli, "%-22s %s", "last event", st.last_event[0] ? st.last_event : "-");
	cli_print(cli, "counters:");
#define PRINT_COUNTER(name) \
	cli_print(cli, "  %-26s %llu", #name, \
		  (unsigned long long)atomic_load_explicit(&b->ctr.name, memory_order_relaxed));
	FO_COUNTER_LIST(PRINT_COUNTER)
#undef PRINT_COUNTER
	return CLI_OK;
}

static int cmd_failover_partner_down(struct cli_def *cli, const char *c, char **argv, int argc)
{
	(void)c;
	if (argc != 1 || strcmp(argv[0], "confirm") != 0) {
		cli_print(cli, "%% partner-down tells this server that the partner is not serving "
			       "any client.");
		cli_print(cli,
			  "%% If the partner is in fact up, both may hand out one address to two "
			  "clients once MCLT has passed.");
		cli_print(cli, "%% To go ahead: failover partner-down confirm");
		return CLI_ERROR;
	}
	struct control_cmd cmd = { .type = CONTROL_CMD_FAILOVER_PARTNER_DOWN };
	return shell_control_call(cli, &cmd, "failover partner-down");
}

static void install(const struct shell_tree *t)
{
	const int U = PRIVILEGE_UNPRIVILEGED, P = PRIVILEGE_PRIVILEGED;
	struct cli_command *fo;

	fo = cli_register_command(t->cli, NULL, "failover", NULL, P, MODE_EXEC,
				  "Failover relationship operations (enable)");
	cli_register_command(t->cli, t->show, "failover", cmd_show_failover, U, MODE_EXEC,
			     "Failover states, connection, MCLT, buckets, update queue, counters");
	cli_register_command(t->cli, fo, "partner-down", cmd_failover_partner_down, P, MODE_EXEC,
			     "Declare the partner down (asks for confirm)");
}

const struct shell_command_group shell_failover_group = { .name = "failover", .install = install };
