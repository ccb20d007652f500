/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shell commands on leases: show leases (filtered, paged), show lease,
 * show pools, clear lease, export leases (Kea CSV), import leases (Kea CSV
 * or dhcpd.leases). Table walks copy what they need while online as QSBR
 * readers; printing and file I/O happen offline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "lease/lease_import.h"
#include "lease/lease_table.h"
#include "config/config.h"
#include "mgmt/lease_view.h"
#include "shell/shell_group.h"
#include "shell/shell_session.h"

#define PAGE_LINES 100u
#define IMPORT_MAX_BYTES (256u << 20)
#define LINE_LEN (160 + LEASE_NAME_MAX)

/* One row of "show leases": the hostname column is the lease's name, else its reservation's. */
static void lease_line(const struct lease *l, const struct lw_config *cfg, char *out, size_t len)
{
	char ip[16], mac[64], cid[96], exp[32], name[LEASE_NAME_MAX + 1];

	lease_view_ip(l->ip, ip, sizeof(ip));
	lease_view_mac(l, mac, sizeof(mac));
	lease_view_client_id(l, cid, sizeof(cid));
	lease_view_time(l->lease_secs == LEASE_INFINITE ? INT64_MAX : l->expire, exp, sizeof(exp));
	snprintf(out, len, "%-15s %-17s %-9s %6u %-19s %-20.20s %s", ip, mac,
		 lease_state_name(l->state), l->subnet_id, exp, cid[0] ? cid : "-",
		 lease_table_name_get(l, name, sizeof(name))
		     ? name
		     : lease_view_hostname(cfg, l->subnet_id, l->ip));
}

/* ---------------------------------------------------------------- show leases */

struct leases_walk {
	const struct lease_filter *f;
	uint64_t matched, first, last; /* rows [first, last) are copied */
	char (*rows)[LINE_LEN];
	size_t n_rows;
};

static int leases_visit(const struct lease *l, const struct lw_config *cfg, void *arg)
{
	struct leases_walk *w = arg;

	if (!lease_filter_match(w->f, l, cfg))
		return 0;
	if (w->matched >= w->first && w->matched < w->last)
		lease_line(l, cfg, w->rows[w->n_rows++], LINE_LEN);
	w->matched++;
	return 0;
}

struct leases_job {
	struct lease_table *table;
	struct config_snapshot **live;
	struct leases_walk walk;
};

static void leases_read(const struct config_snapshot *snap, void *arg)
{
	struct leases_job *j = arg;
	(void)snap; /* the walk re-reads the live config after each quiescent state */
	lease_view_walk(j->table, j->live, leases_visit, &j->walk);
}

static int cmd_show_leases(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	struct lease_filter f;
	char err[160];
	int used;
	unsigned long page = 1;
	(void)c;

	if (lease_filter_parse(&f, argc, argv, &used, err, sizeof(err)) < 0) {
		cli_error(cli, "%% %s", err);
		return CLI_ERROR;
	}
	if (used + 2 == argc && strcmp(argv[used], "page") == 0) {
		char *end;
		page = strtoul(argv[used + 1], &end, 10);
		if (*end || page == 0) {
			cli_error(cli, "%% page: \"%s\" is not a page number", argv[used + 1]);
			return CLI_ERROR;
		}
		used += 2;
	}
	if (used != argc) {
		cli_error(cli,
			  "%% Unknown filter \"%s\"; filters: subnet N, state S, mac M, "
			  "client-id C, hostname H, ip A, page N",
			  argv[used]);
		return CLI_ERROR;
	}
	struct leases_job j = { .table = s->env->table, .live = s->env->live };
	j.walk.f = &f;
	j.walk.first = (page - 1) * PAGE_LINES;
	j.walk.last = page * PAGE_LINES;
	j.walk.rows = calloc(PAGE_LINES, LINE_LEN);
	if (!j.walk.rows)
		return CLI_ERROR;
	shell_read_side(leases_read, &j, s->env);
	uint64_t pages = (j.walk.matched + PAGE_LINES - 1) / PAGE_LINES;
	cli_print(cli, "%-15s %-17s %-9s %6s %-19s %-20s %s", "address", "hardware", "state",
		  "subnet", "expires (UTC)", "client-id", "hostname");
	for (size_t i = 0; i < j.walk.n_rows; i++)
		cli_print(cli, "%s", j.walk.rows[i]);
	cli_print(cli, "%llu leases match; page %lu of %llu%s", (unsigned long long)j.walk.matched,
		  page, (unsigned long long)(pages ? pages : 1),
		  page < pages ? " (add \"page N\" for more)" : "");
	free(j.walk.rows);
	return CLI_OK;
}

/* ---------------------------------------------------------------- show lease */

struct one_lease {
	struct lease_table *table;
	struct config_snapshot **live;
	uint32_t ip;
	bool found;
	struct lease_view_rec copy; /* the record and its name, taken while online */
	char hostname[64];
};

static void one_lease_read(const struct config_snapshot *snap, void *arg)
{
	struct one_lease *o = arg;

	o->found = lease_view_find_ip(o->table, o->live, o->ip, &o->copy);
	/* A walk for a released record goes quiescent: snap may be gone after it. */
	snap = rcu_dereference(*o->live);
	if (o->found)
		snprintf(o->hostname, sizeof(o->hostname), "%s",
			 lease_view_hostname(snap->cfg, o->copy.lease.subnet_id, o->copy.lease.ip));
}

static int parse_ip_arg(struct cli_def *cli, char **argv, int argc, uint32_t *ip)
{
	struct in_addr a;
	if (argc != 1 || inet_pton(AF_INET, argv[0], &a) != 1) {
		cli_error(cli, "%% Give one IPv4 address");
		return -1;
	}
	*ip = ntohl(a.s_addr);
	return 0;
}

static int cmd_show_lease(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	struct one_lease o = { .table = s->env->table, .live = s->env->live };
	char buf[2 * LEASE_KEY_MAX + LEASE_NAME_MAX];
	(void)c;

	if (parse_ip_arg(cli, argv, argc, &o.ip) < 0)
		return CLI_ERROR;
	shell_read_side(one_lease_read, &o, s->env);
	if (!o.found) {
		cli_print(cli, "%s: no lease", argv[0]);
		return CLI_OK;
	}
	const struct lease *l = &o.copy.lease;
	/* A line per listed field (mgmt/lease_view.h), then those built from several. */
	for (size_t i = 0; i < lease_field_views_n; i++) {
		lease_view_field_text(&lease_field_views[i], &o.copy, buf, sizeof(buf));
		cli_print(cli, "%-14s %s", lease_field_views[i].label, buf);
	}
	lease_view_mac(l, buf, sizeof(buf));
	cli_print(cli, "hardware       %s (htype %u)", buf[0] ? buf : "-", l->htype);
	lease_view_client_id(l, buf, sizeof(buf));
	cli_print(cli, "client-id      %s", buf[0] ? buf : "-");
	/* The reservation's hostname: the lease's own name is the fqdn line. */
	cli_print(cli, "hostname       %s", o.hostname[0] ? o.hostname : "-");
	cli_print(cli, "journal seq    %llu", (unsigned long long)l->journal_seq);
	return CLI_OK;
}

/* ---------------------------------------------------------------- show pools */

#define POOLS_MAX 4096

struct pools_job {
	struct lease_table *table;
	struct pool_usage *pools;
	size_t n;
	int64_t now;
};

static void pools_read(const struct config_snapshot *snap, void *arg)
{
	struct pools_job *j = arg;
	j->n = lease_view_pools_usage(j->table, snap->cfg, j->pools, POOLS_MAX, j->now);
}

static int cmd_show_pools(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	struct pools_job j = { .table = s->env->table,
			       .now = control_counters_lease_now(s->env->control, time(NULL)) };
	(void)c;
	(void)argv;
	if (argc) {
		cli_error(cli, "%% This command takes no arguments");
		return CLI_ERROR;
	}
	j.pools = calloc(POOLS_MAX, sizeof(*j.pools));
	if (!j.pools)
		return CLI_ERROR;
	shell_read_side(pools_read, &j, s->env);
	cli_print(cli, "%6s %-33s %8s %8s %8s %8s %8s %7s", "subnet", "pool", "size", "used",
		  "free", "offered", "declined", "util%");
	for (size_t i = 0; i < j.n; i++) {
		const struct pool_usage *p = &j.pools[i];
		char a[16], b[16], range[40];
		uint64_t held = p->bound + p->offered + p->declined;
		lease_view_ip(p->first, a, sizeof(a));
		lease_view_ip(p->last, b, sizeof(b));
		snprintf(range, sizeof(range), "%s - %s", a, b);
		cli_print(cli, "%6u %-33s %8llu %8llu %8llu %8llu %8llu %6.1f%%", p->subnet_id,
			  range, (unsigned long long)p->size, (unsigned long long)p->bound,
			  (unsigned long long)(p->size - held), (unsigned long long)p->offered,
			  (unsigned long long)p->declined,
			  p->size ? 100.0 * (double)held / (double)p->size : 0.0);
	}
	free(j.pools);
	return CLI_OK;
}

/* ---------------------------------------------------------------- clear lease */

static int cmd_clear_lease(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct control_cmd cmd = { .type = CONTROL_CMD_CLEAR_LEASE };
	char what[64];
	(void)c;

	if (parse_ip_arg(cli, argv, argc, &cmd.ip) < 0)
		return CLI_ERROR;
	snprintf(what, sizeof(what), "clear lease %s", argv[0]);
	return shell_control_call(cli, &cmd, what);
}

/* ---------------------------------------------------------------- export */

struct export_job {
	struct lease_table *table;
	FILE *mem;
	uint64_t n;
	int rc;
};

static int export_visit(const struct lease *l, const struct lw_config *cfg, void *arg)
{
	struct export_job *j = arg;
	(void)cfg;
	struct lease_import_rec r;

	/*
	 * Kea's lease4 file has one lease per address, the last row winning: a
	 * released or expired record whose address another client now holds
	 * would override that client's binding on import, so it is left out.
	 */
	const struct lease *holder = l->ip ? lease_table_find_ip(j->table, l->ip) : NULL;
	if (holder && holder != l &&
	    (holder->key_len != l->key_len || memcmp(holder->key, l->key, l->key_len) != 0))
		return 0; /* (the same client's next version, being published, is not another) */
	if (lease_import_from_lease(l, &r) < 0)
		return 0;
	j->rc = lease_export_kea_line(j->mem, &r);
	j->n++;
	return j->rc;
}

static void export_read(const struct config_snapshot *snap, void *arg)
{
	struct export_job *j = arg;
	(void)snap;
	lease_view_walk(j->table, NULL, export_visit, j);
}

static int cmd_export_leases(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	struct export_job j = { .table = s->env->table };
	char *buf = NULL, tmp[4096 + 8];
	size_t len = 0;
	(void)c;

	if (argc != 1 || argv[0][0] != '/') {
		cli_error(cli, "%% Give the absolute path of the file to write");
		return CLI_ERROR;
	}
	shell_log(s, "command: export leases %s", argv[0]);
	/* Into memory while online (no file system wait inside a read-side section). */
	j.mem = open_memstream(&buf, &len);
	if (!j.mem)
		return CLI_ERROR;
	lease_export_kea_header(j.mem);
	shell_read_side(export_read, &j, s->env);
	fclose(j.mem);
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[0]);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	bool ok = fd >= 0 && j.rc == 0;
	for (size_t off = 0; ok && off < len;) {
		ssize_t n = write(fd, buf + off, len - off);
		ok = n > 0;
		off += n > 0 ? (size_t)n : 0;
	}
	ok = ok && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	ok = ok && rename(tmp, argv[0]) == 0;
	free(buf);
	if (!ok) {
		int e = errno;
		unlink(tmp);
		cli_error(cli, "%% export to %s failed: %s", argv[0], strerror(e));
		shell_log(s, "command failed: export leases %s: %s", argv[0], strerror(e));
		return CLI_ERROR;
	}
	cli_print(cli, "%llu leases exported to %s (Kea memfile CSV)", (unsigned long long)j.n,
		  argv[0]);
	shell_log(s, "command done: export leases %s: %llu leases", argv[0],
		  (unsigned long long)j.n);
	return CLI_OK;
}

/* ---------------------------------------------------------------- import */

struct import_job {
	struct lease_image *images;
	size_t n, cap;
	uint64_t skipped_subnet, skipped_key;
	const struct lw_config *cfg; /* valid while the reader is online */
};

static const struct cfg_subnet *subnet_of(const struct lw_config *cfg, uint32_t ip)
{
	for (size_t i = 0; i < cfg->n_subnets; i++) {
		const struct cfg_subnet *s = &cfg->subnets[i];
		uint32_t mask = s->prefix_len ? ~0u << (32 - s->prefix_len) : 0;
		if ((ip & mask) == s->prefix)
			return s;
	}
	return NULL;
}

static int import_one(const struct lease_import_rec *rec, void *arg)
{
	struct import_job *j = arg;
	/* Subnet ids of another server mean nothing here: the address decides. */
	const struct cfg_subnet *s = subnet_of(j->cfg, rec->ip);
	if (!s) {
		j->skipped_subnet++;
		return 0;
	}
	if (j->n == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 1024;
		struct lease_image *a = realloc(j->images, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		j->images = a;
		j->cap = cap;
	}
	if (lease_import_to_image(rec, &j->images[j->n]) < 0) {
		j->skipped_key++;
		return 0;
	}
	j->images[j->n].subnet_id = s->id;
	j->n++;
	return 0;
}

struct import_parse {
	struct import_job *job;
	const char *text;
	size_t len;
	enum lease_import_format fmt;
	int rc;
	char err[LEASE_IMPORT_ERR_LEN];
};

static void import_read(const struct config_snapshot *snap, void *arg)
{
	struct import_parse *p = arg;
	p->job->cfg = snap->cfg;
	p->rc = p->fmt == LEASE_IMPORT_KEA_CSV
		    ? lease_import_kea_csv(p->text, p->len, import_one, p->job, p->err)
		    : lease_import_dhcpd(p->text, p->len, import_one, p->job, p->err);
	p->job->cfg = NULL;
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size > (off_t)IMPORT_MAX_BYTES) {
		if (st.st_size > (off_t)IMPORT_MAX_BYTES)
			errno = EFBIG;
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[got] = '\0';
	*len = got;
	return buf;
}

static int cmd_import_leases(struct cli_def *cli, const char *c, char **argv, int argc)
{
	struct shell_session *s = shell_session_of(cli);
	struct import_job job = { 0 };
	struct import_parse p = { .job = &job };
	char what[300];
	(void)c;

	if (argc != 1) {
		cli_error(cli, "%% Give the path of a Kea CSV or dhcpd.leases file");
		return CLI_ERROR;
	}
	char *text = slurp(argv[0], &p.len);
	if (!text) {
		cli_error(cli, "%% %s: %s", argv[0], strerror(errno));
		return CLI_ERROR;
	}
	p.text = text;
	p.fmt = lease_import_detect(text, p.len);
	shell_read_side(import_read, &p, s->env);
	free(text);
	if (p.rc < 0) {
		cli_error(cli, "%% %s: %s", argv[0], p.rc == -ENOMEM ? "out of memory" : p.err);
		shell_log(s, "command refused: import leases %s: %s", argv[0], p.err);
		free(job.images);
		return CLI_ERROR;
	}
	cli_print(cli,
		  "%s: %zu leases read (%s), %llu outside every subnet, %llu without a "
		  "client key",
		  argv[0], job.n, p.fmt == LEASE_IMPORT_KEA_CSV ? "Kea CSV" : "dhcpd.leases",
		  (unsigned long long)job.skipped_subnet, (unsigned long long)job.skipped_key);
	struct control_cmd cmd = { .type = CONTROL_CMD_IMPORT,
				   .images = job.images,
				   .n_images = job.n };
	snprintf(what, sizeof(what), "import leases %s", argv[0]);
	int rc = shell_control_call(cli, &cmd, what);
	free(job.images);
	return rc;
}

static void install(const struct shell_tree *t)
{
	const int U = PRIVILEGE_UNPRIVILEGED, P = PRIVILEGE_PRIVILEGED;
	struct cli_command *exp, *imp;

	cli_register_command(t->cli, t->show, "leases", cmd_show_leases, U, MODE_EXEC,
			     "Leases [subnet N] [state S] [mac M] [client-id C] [hostname H] "
			     "[ip A] [page N]");
	cli_register_command(t->cli, t->show, "lease", cmd_show_lease, U, MODE_EXEC,
			     "One lease, whole record: show lease A.B.C.D");
	cli_register_command(t->cli, t->show, "pools", cmd_show_pools, U, MODE_EXEC,
			     "Pools: size, used, free, offered, declined, utilisation");
	cli_register_command(t->cli, t->clear, "lease", cmd_clear_lease, P, MODE_EXEC,
			     "Delete the lease on an address (journaled): clear lease A.B.C.D");
	exp = cli_register_command(t->cli, NULL, "export", NULL, P, MODE_EXEC,
				   "Write data to a file (enable)");
	cli_register_command(t->cli, exp, "leases", cmd_export_leases, P, MODE_EXEC,
			     "Leases as Kea memfile CSV: export leases /path/file.csv");
	imp = cli_register_command(t->cli, NULL, "import", NULL, P, MODE_EXEC,
				   "Read data from a file (enable)");
	cli_register_command(t->cli, imp, "leases", cmd_import_leases, P, MODE_EXEC,
			     "Leases from a Kea CSV or ISC dhcpd.leases file: import leases FILE");
}

const struct shell_command_group shell_leases_group = { .name = "leases", .install = install };
