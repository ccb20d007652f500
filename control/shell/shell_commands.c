/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shell commands about the daemon as a whole: version, uptime, running
 * config, interfaces, workers, statistics, journal, reload. Lease commands
 * are in shell_leases.c. Readers copy what they need while online as QSBR
 * readers and print after going offline, so a slow client never holds up
 * a grace period.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "config/config.h"
#include "lease/lease_table.h"
#include "shell/shell_session.h"

#define NS_PER_MS 1000000.0

static void print_duration(struct cli_def *cli, const char *what, int64_t secs)
{
	cli_print(cli, "%s %lldd %02lld:%02lld:%02lld", what, (long long)(secs / 86400),
		  (long long)(secs / 3600 % 24), (long long)(secs / 60 % 60),
		  (long long)(secs % 60));
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

static int no_args(struct cli_def *cli, int argc)
{
	if (argc == 0)
		return 0;
	cli_error(cli, "%% This command takes no arguments");
	return -1;
}

static int cmd_show_version(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
		return CLI_ERROR;
	cli_print(cli, "leasewire %s", s->env->version);
	cli_print(cli, "%s", s->env->status->dpdk_version);
	cli_print(cli, "built %s %s with gcc %s", __DATE__, __TIME__, __VERSION__);
	cli_print(cli, "%u workers, %u ports", s->env->status->n_workers, s->env->status->n_ports);
	return CLI_OK;
}

static int cmd_show_uptime(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	time_t now = time(NULL);
	char when[64];
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
		return CLI_ERROR;
	time_t started = (time_t)s->env->started_unix;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&started));
	cli_print(cli, "started %s", when);
	print_duration(cli, "up", now - s->env->started_unix);
	return CLI_OK;
}

struct text_copy {
	char *text;
	char source[256];
	uint64_t generation;
	int64_t loaded;
};

static void copy_text(const struct config_snapshot *snap, void *arg)
{
	struct text_copy *t = arg;
	t->text = strdup(snap->text_masked ? snap->text_masked : "");
	snprintf(t->source, sizeof(t->source), "%s", snap->source);
	t->generation = snap->generation;
	t->loaded = snap->loaded_unix;
}

static int cmd_show_running_config(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	struct text_copy t = { 0 };
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
		return CLI_ERROR;
	shell_read_side(copy_text, &t, s->env);
	if (!t.text)
		return CLI_ERROR;
	cli_print(cli, "! source %s, generation %llu, secrets masked", t.source,
		  (unsigned long long)t.generation);
	cli_print(cli, "%s", t.text);
	free(t.text);
	return CLI_OK;
}

static int cmd_show_interfaces(struct cli_def *cli, const char *c, char **argv, int argc)
{
	const struct status_ops *ops = shell_session_of(cli)->env->status;
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
		return CLI_ERROR;
	for (unsigned i = 0; i < ops->n_ports; i++) {
		struct port_status p;
		char ip[16];
		if (ops->port(i, &p) < 0)
			continue;
		inet_ntop(AF_INET, &(struct in_addr){ htonl(p.address) }, ip, sizeof(ip));
		cli_print(cli, "%s (port %u, %s) is %s, address %s/%u, mac %s", p.name, p.port_id,
			  p.driver, p.link_up ? "up" : "down", ip, p.prefix_len, p.mac);
		cli_print(cli, "  link %u Mb/s %s-duplex, %u RX queues, %u TX queues", p.speed_mbps,
			  p.full_duplex ? "full" : "half", p.n_rxq, p.n_txq);
		cli_print(
		    cli,
		    "  input  %llu packets, %llu bytes, %llu errors, %llu missed, %llu no mbuf",
		    (unsigned long long)p.ipackets, (unsigned long long)p.ibytes,
		    (unsigned long long)p.ierrors, (unsigned long long)p.imissed,
		    (unsigned long long)p.rx_nombuf);
		cli_print(cli, "  output %llu packets, %llu bytes, %llu errors",
			  (unsigned long long)p.opackets, (unsigned long long)p.obytes,
			  (unsigned long long)p.oerrors);
	}
	return CLI_OK;
}

static int cmd_show_workers(struct cli_def *cli, const char *c, char **argv, int argc)
{
	const struct status_ops *ops = shell_session_of(cli)->env->status;
	struct worker_status *a, *b;
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
		return CLI_ERROR;
	a = calloc(ops->n_workers, sizeof(*a));
	b = calloc(ops->n_workers, sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return CLI_ERROR;
	}
	/* Rates over one second: counters are plain totals. */
	for (unsigned w = 0; w < ops->n_workers; w++)
		ops->worker(w, &a[w]);
	sleep(1);
	for (unsigned w = 0; w < ops->n_workers; w++)
		ops->worker(w, &b[w]);
	cli_print(cli, "%-6s %-5s %12s %10s %10s %11s %11s %9s %7s", "worker", "lcore",
		  "rx packets", "rx pkt/s", "tx pkt/s", "steer ring", "event ring", "cmd ring",
		  "parked");
	for (unsigned w = 0; w < ops->n_workers; w++) {
		char steer[24], ev[24], cmd[24];
		snprintf(steer, sizeof(steer), "%u/%u", b[w].steer_ring_used, b[w].steer_ring_size);
		snprintf(ev, sizeof(ev), "%u/%u", b[w].event_ring_used, b[w].event_ring_size);
		snprintf(cmd, sizeof(cmd), "%u/%u", b[w].cmd_ring_used, b[w].cmd_ring_size);
		cli_print(cli, "%-6u %-5u %12llu %10llu %10llu %11s %11s %9s %7llu", b[w].id,
			  b[w].lcore, (unsigned long long)b[w].rx_packets,
			  (unsigned long long)(b[w].rx_packets - a[w].rx_packets),
			  (unsigned long long)(b[w].tx_packets - a[w].tx_packets), steer, ev, cmd,
			  (unsigned long long)b[w].parked_now);
	}
	free(a);
	free(b);
	return CLI_OK;
}

static int cmd_show_statistics(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	struct worker_counters now, shown;
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
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

static int cmd_clear_statistics(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct control_cmd cmd = { .type = CONTROL_CMD_CLEAR_STATS };
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
		return CLI_ERROR;
	return shell_control_call(cli, &cmd, "clear statistics");
}

static int cmd_show_journal(struct cli_def *cli, const char *c, char **argv, int argc)
{
	const struct control_counters *cc = shell_session_of(cli)->env->control;
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
		return CLI_ERROR;
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
		print_duration(cli, "ALARM: failing for ",
			       time(NULL) - (int64_t)LOAD(journal_failing_since_unix));
	cli_print(cli, "records not durable %llu (their ACKs withheld)",
		  LOAD(journal_records_lost));
	cli_print(cli, "compactions         %llu", LOAD(compactions));
	uint64_t snap = LOAD(journal_last_snapshot_unix);
	if (snap)
		print_duration(cli, "snapshot age       ", time(NULL) - (int64_t)snap);
	else
		cli_print(cli, "snapshot age        none yet");
	cli_print(cli, "recovered           %llu leases in %llu ms", LOAD(recovered_leases),
		  LOAD(recovery_ms));
#undef LOAD
	return CLI_OK;
}

static int cmd_journal_compact(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct control_cmd cmd = { .type = CONTROL_CMD_COMPACT };
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
		return CLI_ERROR;
	return shell_control_call(cli, &cmd, "journal compact");
}

/* ---------------------------------------------------------------- reload */

struct reload_check {
	struct lw_config *next;
	struct lease_table *table;
	char source[256];
	char err[CFG_ERR_LEN];
	int rc;
};

static bool same_interfaces(const struct lw_config *a, const struct lw_config *b)
{
	if (a->n_interfaces != b->n_interfaces)
		return false;
	for (size_t i = 0; i < a->n_interfaces; i++) {
		const struct cfg_interface *x = &a->interfaces[i], *y = &b->interfaces[i];
		if (strcmp(x->name, y->name) || x->port_id != y->port_id ||
		    x->address != y->address || x->prefix_len != y->prefix_len)
			return false;
	}
	return true;
}

/*
 * Read side: can the running daemon take `next` without a restart? The
 * address index of the lease table is sized at start-up, so every pool and
 * reservation must lie in ranges it already has.
 */
static void check_reload(const struct config_snapshot *snap, void *arg)
{
	struct reload_check *rc = arg;
	const struct lw_config *cur = snap->cfg;
	struct lw_config *next = rc->next;

	snprintf(rc->source, sizeof(rc->source), "%s", snap->source);
	if (!same_interfaces(cur, next)) {
		snprintf(rc->err, sizeof(rc->err),
			 "Dhcp4.interfaces-config: interfaces differ from the running ones; that "
			 "needs a restart");
		rc->rc = -EINVAL;
		return;
	}
	if (strcmp(cur->shell.address, next->shell.address) ||
	    cur->shell.port != next->shell.port ||
	    strcmp(cur->shell.unix_socket, next->shell.unix_socket)) {
		snprintf(rc->err, sizeof(rc->err),
			 "Dhcp4.shell: the listener address, port or socket changed; that needs a "
			 "restart");
		rc->rc = -EINVAL;
		return;
	}
	/* The journal in use stays: keep what the daemon started with (--lease-dir). */
	next->lease_store = cur->lease_store;
	next->max_leases = cur->max_leases;
	/*
	 * Pools must stay as they are: the workers' free lists were built from
	 * them at start-up, so a removed address would still be handed out and
	 * an added one never would. Everything else in a subnet reloads live.
	 */
	for (size_t i = 0; i < next->n_subnets; i++) {
		const struct cfg_subnet *ns = &next->subnets[i];
		const struct cfg_subnet *os = config_subnet_by_id(cur, ns->id);
		bool same = os && os->n_pools == ns->n_pools;

		for (size_t p = 0; same && p < ns->n_pools; p++)
			same = os->pools[p].first == ns->pools[p].first &&
			       os->pools[p].last == ns->pools[p].last;
		if (!same && (os || ns->n_pools)) {
			snprintf(rc->err, sizeof(rc->err),
				 "Dhcp4.subnet4[%zu].pools: the pools of subnet %u differ from the "
				 "running ones; changing pools needs a restart",
				 i, ns->id);
			rc->rc = -EINVAL;
			return;
		}
	}
	for (size_t i = 0; i < cur->n_subnets; i++) {
		const struct cfg_subnet *os = &cur->subnets[i];
		if (os->n_pools && !config_subnet_by_id(next, os->id)) {
			snprintf(rc->err, sizeof(rc->err),
				 "Dhcp4.subnet4: subnet %u with pools is gone; removing it needs a "
				 "restart",
				 os->id);
			rc->rc = -EINVAL;
			return;
		}
	}
	/* Reservations outside pools need an address range the table has. */
	for (size_t i = 0; i < next->n_subnets; i++) {
		const struct cfg_subnet *ns = &next->subnets[i];
		for (size_t r = 0; r < ns->n_reservations; r++) {
			uint32_t ip = ns->reservations[r].ip_address;
			if (!lease_table_ip_known(rc->table, ip, ns->id)) {
				snprintf(
				    rc->err, sizeof(rc->err),
				    "Dhcp4.subnet4[%zu].reservations[%zu]: %u.%u.%u.%u is a new "
				    "address outside the pools; adding it needs a restart",
				    i, r, ip >> 24, ip >> 16 & 0xff, ip >> 8 & 0xff, ip & 0xff);
				rc->rc = -EINVAL;
				return;
			}
		}
	}
}

static void copy_text_source(const struct config_snapshot *snap, void *arg)
{
	struct reload_check *rc = arg;
	snprintf(rc->source, sizeof(rc->source), "%s", snap->source);
}

static int cmd_reload(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	struct reload_check rc = { .table = s->env->table };
	char err[CFG_ERR_LEN];
	(void)c;
	(void)argv;
	if (no_args(cli, argc))
		return CLI_ERROR;
	shell_read_side(copy_text_source, &rc, s->env);
	if (strcmp(rc.source, "(lab)") == 0) {
		cli_error(cli, "%% started with --lab: there is no file to reload");
		return CLI_ERROR;
	}
	shell_log(s, "command: reload %s", rc.source);
	rc.next = config_load_file(rc.source, err);
	if (!rc.next) {
		cli_error(cli, "%% reload refused, the running configuration stays: %s", err);
		shell_log(s, "reload refused: %s", err);
		return CLI_ERROR;
	}
	shell_read_side(check_reload, &rc, s->env);
	if (rc.rc < 0) {
		cli_error(cli, "%% reload refused, the running configuration stays: %s", rc.err);
		shell_log(s, "reload refused: %s", rc.err);
		config_free(rc.next);
		return CLI_ERROR;
	}
	struct config_snapshot *snap = config_snapshot_create(rc.next, rc.source);
	if (!snap) {
		config_free(rc.next);
		return CLI_ERROR;
	}
	struct control_cmd cmd = { .type = CONTROL_CMD_RELOAD, .new_snapshot = snap };
	if (shell_control_call(cli, &cmd, "reload") != CLI_OK) {
		if (cmd.rc == -ESHUTDOWN && !cmd.started)
			config_snapshot_free(snap);
		return CLI_ERROR;
	}
	return CLI_OK;
}

/* ---------------------------------------------------------------- tree */

void shell_commands_register(struct cli_def *cli)
{
	struct cli_command *show, *clear, *journal;
	const int U = PRIVILEGE_UNPRIVILEGED, P = PRIVILEGE_PRIVILEGED;

	show = cli_register_command(cli, NULL, "show", NULL, U, MODE_EXEC, "Show daemon state");
	clear = cli_register_command(cli, NULL, "clear", NULL, P, MODE_EXEC,
				     "Clear counters or leases (enable)");
	journal = cli_register_command(cli, NULL, "journal", NULL, P, MODE_EXEC,
				       "Lease journal operations (enable)");
	cli_register_command(cli, show, "version", cmd_show_version, U, MODE_EXEC,
			     "leasewire, DPDK and build versions");
	cli_register_command(cli, show, "uptime", cmd_show_uptime, U, MODE_EXEC,
			     "Time since start");
	cli_register_command(cli, show, "running-config", cmd_show_running_config, U, MODE_EXEC,
			     "Configuration in force (secrets masked)");
	cli_register_command(cli, show, "interfaces", cmd_show_interfaces, U, MODE_EXEC,
			     "DPDK ports: link, queues, counters");
	cli_register_command(cli, show, "workers", cmd_show_workers, U, MODE_EXEC,
			     "Per worker: packets/s, ring occupancy, parked ACKs (samples 1 s)");
	cli_register_command(cli, show, "statistics", cmd_show_statistics, U, MODE_EXEC,
			     "DHCP messages in/out by type and drops by reason");
	cli_register_command(cli, show, "journal", cmd_show_journal, U, MODE_EXEC,
			     "Journal sequence, commits, fsync latency, snapshot age");
	cli_register_command(cli, clear, "statistics", cmd_clear_statistics, P, MODE_EXEC,
			     "Restart the counters \"show statistics\" prints");
	cli_register_command(cli, journal, "compact", cmd_journal_compact, P, MODE_EXEC,
			     "Write a snapshot and start a new journal generation");
	cli_register_command(cli, NULL, "reload", cmd_reload, P, MODE_EXEC,
			     "Re-read the configuration file; a bad one is refused (enable)");
	shell_leases_register(cli, show, clear);
}
