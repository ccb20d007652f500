/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shell commands about the daemon as a whole: version, uptime, running
 * config, interfaces, workers. Readers copy what they need while online as
 * QSBR readers and print after going offline, so a slow client never holds
 * up a grace period.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "shell/shell_group.h"
#include "shell/shell_session.h"

static int cmd_show_version(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	(void)c;
	(void)argv;
	if (shell_no_args(cli, argc))
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
	if (shell_no_args(cli, argc))
		return CLI_ERROR;
	time_t started = (time_t)s->env->started_unix;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&started));
	cli_print(cli, "started %s", when);
	shell_print_duration(cli, "up", now - s->env->started_unix);
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
	if (shell_no_args(cli, argc))
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
	if (shell_no_args(cli, argc))
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
	if (shell_no_args(cli, argc))
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

static void install(const struct shell_tree *t)
{
	const int U = PRIVILEGE_UNPRIVILEGED;

	cli_register_command(t->cli, t->show, "version", cmd_show_version, U, MODE_EXEC,
			     "leasewire, DPDK and build versions");
	cli_register_command(t->cli, t->show, "uptime", cmd_show_uptime, U, MODE_EXEC,
			     "Time since start");
	cli_register_command(t->cli, t->show, "running-config", cmd_show_running_config, U,
			     MODE_EXEC, "Configuration in force (secrets masked)");
	cli_register_command(t->cli, t->show, "interfaces", cmd_show_interfaces, U, MODE_EXEC,
			     "DPDK ports: link, queues, counters");
	cli_register_command(t->cli, t->show, "workers", cmd_show_workers, U, MODE_EXEC,
			     "Per worker: packets/s, ring occupancy, parked ACKs (samples 1 s)");
}

const struct shell_command_group shell_system_group = { .name = "system", .install = install };
