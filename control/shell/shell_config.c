/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reload command: re-read the configuration file, refuse what the
 * running daemon cannot take without a restart, and hand the rest to the
 * control thread, which swaps it in between commit rounds (control_cmd.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "lease/lease_table.h"
#include "shell/shell_group.h"
#include "shell/shell_session.h"

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
	if (shell_no_args(cli, argc))
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

static void install(const struct shell_tree *t)
{
	const int P = PRIVILEGE_PRIVILEGED;

	cli_register_command(t->cli, NULL, "reload", cmd_reload, P, MODE_EXEC,
			     "Re-read the configuration file; a bad one is refused (enable)");
}

const struct shell_command_group shell_config_group = { .name = "config", .install = install };
