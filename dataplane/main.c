/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leasewired: where the dataplane and the control thread meet. Start-up
 * order: EAL, config, lease table, recovery from the journal, ports,
 * rings, workers on their lcores; then this (main) lcore runs the control
 * thread until SIGINT/SIGTERM.
 *
 *   leasewired <EAL args> -- (--config FILE | --lab) [--lease-dir DIR]
 *   leasewired --help     EAL's options, then the daemon's
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <urcu-qsbr.h>

#include "dhcp/client_key.h"
#include "config/config.h"
#include "base/crc32c.h"
#include "control.h"
#include "control_cmd.h"
#include "telemetry/dp_status.h"
#include "dhcp/dhcp_server.h"
#include "ddns/ddns.h"
#include "failover/failover.h"
#include "journal/journal.h"
#include "lease/lease_table.h"
#include "port.h"
#include "shell/shell.h"
#include "telemetry/telemetry.h"
#include "worker.h"

#define MBUFS_PER_WORKER 16384
#define MBUF_CACHE 256
#define STEER_RING_SIZE 4096
#define EVENT_RING_SIZE 65536
#define MAX_CORRUPT_RECORDS 100

static _Atomic bool stop_requested;
static struct fo_session *fo_sess; /* NULL without a failover relationship */
static struct ddns_ctl *ddns; /* NULL without DNS updates */

/* ddns_show for telemetry, which knows no struct ddns_ctl. */
static size_t ddns_show_text(void *arg, char *buf, size_t cap) { return ddns_show(arg, buf, cap); }

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_requested, true);
}

static void print_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s <EAL args> -- (--config FILE | --lab) [--lease-dir DIR]\n"
		"       %s --check-config FILE   (check and exit: 0 valid, 1 with the error)\n"
		"       %s --print-default-config\n"
		"       %s --hash-password < password   (for shell.password-hash)\n"
		"  --config FILE      Kea-shaped JSON configuration (docs/config-reference.md)\n"
		"  --lab              use the embedded lab configuration (port0 = 10.77.0.1/24)\n"
		"  --lease-dir DIR    override lease-store.directory\n"
		"  -h, --help         this text (before --: the EAL options, then this)\n",
		prog, prog, prog, prog);
}

/*
 * leasewired --check-config FILE, like kea-dhcp4 -t: load and check the
 * configuration without starting anything (no EAL, no ports, no lease
 * store), print the error naming the key path, exit non-zero on it.
 */
static int check_config_main(const char *path)
{
	char err[CFG_ERR_LEN];
	struct lw_config *c = config_load_file(path, err);

	if (!c) {
		fprintf(stderr, "leasewired: configuration %s: %s\n", path, err);
		return 1;
	}
	printf("leasewired: configuration %s is valid (%zu subnets, %zu interfaces)\n", path,
	       c->n_subnets, c->n_interfaces);
	config_free(c);
	return 0;
}

static void usage(const char *prog) { print_usage(stderr, prog); }

/*
 * EAL's --help/-h prints its own options, then "Application Usage" and
 * this hook, and exits 0: the hook is how the daemon's options get into
 * that text, on stdout after EAL's.
 */
static void eal_usage_hook(const char *prog) { print_usage(stdout, prog); }

struct recovery_ctx {
	struct lease_table *table;
	unsigned n_workers;
	int64_t now;
	uint64_t applied;
};

static int recover_one(uint8_t type, const struct lease_image *img, void *arg)
{
	struct recovery_ctx *rc = arg;
	uint32_t hash = client_key_hash(img->key, img->key_len);
	unsigned writer = client_key_shard(hash, rc->n_workers);

	if (dhcp_server_apply_image(rc->table, writer, type, img, rc->now) == -ENOMEM) {
		fprintf(stderr,
			"leasewired: recovery: lease records exhausted; raise max-leases\n");
		return -ENOMEM;
	}
	/* Let retired versions go back to their slabs as we replay. */
	if ((++rc->applied & 1023) == 0)
		rcu_quiescent_state();
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_path = NULL, *lease_dir = NULL;
	bool lab = false;
	char err[CFG_ERR_LEN];
	int exit_code = 1;
	/* Everything acquired below is released at "out", so that a sanitizer
	 * build can prove the daemon leaks nothing of its own. */
	struct lw_config *cfg = NULL;
	struct lease_table *table = NULL;
	struct journal *journal = NULL;
	struct rte_mempool *pool = NULL;
	struct worker *workers = NULL;
	struct worker_commit *commits = NULL;
	struct rte_ring **steer = NULL;
	struct spsc_ring **events = NULL;
	struct control_commit_slot *slots = NULL;
	struct worker_cmd_queue *cmdq = NULL;
	struct config_snapshot *live = NULL; /* owns cfg once made */
	struct control_mailbox mailbox;
	struct shell *shell = NULL;
	unsigned n_workers = 0;
	size_t ports_started = 0;
	bool rcu_registered = false, rcu_online = false;

	/*
	 * Before any thread exists, so every thread inherits it: a shell or
	 * telemetry peer that goes away mid-write must cost its session, not
	 * the process (SIGPIPE's default action would end the DHCP service).
	 */
	signal(SIGPIPE, SIG_IGN);

	if (argc > 1 && strcmp(argv[1], "--print-default-config") == 0) {
		fputs(config_default_json, stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--hash-password") == 0)
		return shell_hash_password_main();
	if (argc > 1 && strcmp(argv[1], "--check-config") == 0) {
		if (argc != 3) {
			usage(argv[0]);
			return 2;
		}
		return check_config_main(argv[2]);
	}
	control_mailbox_init(&mailbox);
	rte_set_application_usage_hook(eal_usage_hook);
	int eal_args = rte_eal_init(argc, argv);
	if (eal_args < 0) {
		fprintf(stderr, "leasewired: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= eal_args;
	argv += eal_args;

	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "lab", no_argument, NULL, 'l' },
		{ "lease-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'l': lab = true; break;
		case 'd': lease_dir = optarg; break;
		case 'h':
			print_usage(stdout, argv[0]);
			rte_eal_cleanup();
			return 0;
		default:
			usage(argv[0]);
			rte_eal_cleanup();
			return 2;
		}
	}
	if (!!config_path == lab) {
		usage(argv[0]);
		rte_eal_cleanup();
		return 2;
	}

	cfg =
	    lab ? config_load_string(config_default_json, err) : config_load_file(config_path, err);
	if (!cfg) {
		fprintf(stderr, "leasewired: configuration %s: %s\n", lab ? "(lab)" : config_path,
			err);
		goto out;
	}
	if (lease_dir)
		snprintf(cfg->lease_store.directory, sizeof(cfg->lease_store.directory), "%s",
			 lease_dir);
	/* The shell and telemetry read the config through this RCU-published snapshot. */
	live = config_snapshot_create(cfg, lab ? NULL : config_path);
	if (!live) {
		fprintf(stderr, "leasewired: out of memory\n");
		goto out;
	}

	n_workers = rte_lcore_count() - 1;
	if (n_workers == 0 || n_workers > CONTROL_MAX_WORKERS) {
		fprintf(stderr,
			"leasewired: need 2..%u lcores (main runs control, the rest are "
			"workers), e.g. -l 0-1\n",
			CONTROL_MAX_WORKERS + 1);
		goto out;
	}

	/* Build the CRC table before any worker can race to do it. */
	(void)crc32c(0, "", 0);
	rcu_register_thread();
	rcu_registered = true;
	rcu_online = true;
	struct lease_table_params tp = { .n_writers = n_workers, .max_leases = cfg->max_leases };
	table = lease_table_create(&tp);
	if (!table) {
		fprintf(stderr, "leasewired: cannot allocate %u lease records: %s\n",
			cfg->max_leases, strerror(errno));
		goto out;
	}
	int rc = dhcp_server_add_ranges(table, cfg);
	if (rc < 0) {
		fprintf(stderr, "leasewired: address ranges: %s\n", strerror(-rc));
		goto out;
	}

	/* Recovery: the table must hold every durable binding before a packet is seen. */
	static struct control_counters ccounters;
	/* Every control module's counter block, for the shell and telemetry. */
	static struct counter_registry counter_registry;
	/* The one clock of every lease time from here on (lease_clock.h). */
	static struct lease_clock lease_clock;
	lease_clock_init(&lease_clock, NULL);
	struct journal_recovery_stats rs;
	struct recovery_ctx rctx = { .table = table,
				     .n_workers = n_workers,
				     .now = lease_clock_now(&lease_clock) };
	uint64_t t0 = rte_get_timer_cycles();
	journal = journal_open(&cfg->lease_store, MAX_CORRUPT_RECORDS, recover_one, &rctx, &rs, err,
			       sizeof(err));
	if (!journal) {
		fprintf(stderr, "leasewired: lease store %s: %s\n", cfg->lease_store.directory,
			err);
		goto out;
	}
	uint64_t recovery_ms = (rte_get_timer_cycles() - t0) * 1000 / rte_get_timer_hz();
	atomic_store(&ccounters.recovered_leases, rctx.applied);
	atomic_store(&ccounters.recovery_ms, recovery_ms);
	printf("leasewired: recovered %llu records (snapshot %llu, journal %llu, torn %llu, "
	       "corrupt %llu) in %llu ms\n",
	       (unsigned long long)rctx.applied, (unsigned long long)rs.snapshot_records,
	       (unsigned long long)rs.journal_records, (unsigned long long)rs.torn_tail_records,
	       (unsigned long long)rs.corrupt_records, (unsigned long long)recovery_ms);
	rcu_quiescent_state();

	pool = rte_pktmbuf_pool_create("lw_mbufs", MBUFS_PER_WORKER * n_workers, MBUF_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!pool) {
		fprintf(stderr, "leasewired: mbuf pool: %s (more memory: -m)\n",
			rte_strerror(rte_errno));
		goto out;
	}

	workers = rte_zmalloc("workers", sizeof(*workers) * n_workers, RTE_CACHE_LINE_SIZE);
	commits = rte_zmalloc("commits", sizeof(*commits) * n_workers, RTE_CACHE_LINE_SIZE);
	steer = calloc(n_workers, sizeof(*steer));
	events = calloc(n_workers, sizeof(*events));
	slots = calloc(n_workers, sizeof(*slots));
	cmdq = calloc(n_workers, sizeof(*cmdq));
	if (!workers || !commits || !steer || !events || !slots || !cmdq) {
		fprintf(stderr, "leasewired: out of memory for %u workers\n", n_workers);
		goto out;
	}
	static struct failover_view *view = (struct failover_view *)&failover_view_standalone;
	static struct fo_status_board fo_board = { .lock = PTHREAD_MUTEX_INITIALIZER };

	for (unsigned w = 0; w < n_workers; w++) {
		char name[32];
		snprintf(name, sizeof(name), "lw_steer_%u", w);
		steer[w] =
		    rte_ring_create(name, STEER_RING_SIZE, (int)rte_socket_id(), RING_F_SC_DEQ);
		events[w] = spsc_ring_create(EVENT_RING_SIZE, sizeof(struct lease_event));
		cmdq[w].ring = spsc_ring_create(WORKER_CMD_RING_SIZE, sizeof(struct worker_cmd));
		if (!steer[w] || !events[w] || !cmdq[w].ring) {
			fprintf(stderr, "leasewired: rings for worker %u: out of memory\n", w);
			goto out;
		}
		slots[w].committed_seq = &commits[w].committed_seq;
		slots[w].failed_seq = &commits[w].failed_seq;
	}

	uint64_t hz = rte_get_tsc_hz();
	for (unsigned w = 0; w < n_workers; w++) {
		struct worker *wk = &workers[w];
		wk->id = w;
		wk->n_workers = n_workers;
		wk->pool = pool;
		wk->steer_in = steer[w];
		wk->steer_rings = steer;
		wk->to_control = events[w];
		wk->cmds = &cmdq[w];
		wk->commit = &commits[w];
		wk->clock = &lease_clock;
		wk->view = &view;
		wk->stop = &stop_requested;
		wk->ack_timeout_tsc = hz / 1000 * cfg->lease_store.ack_timeout_ms;
		wk->wait_for_commit = cfg->lease_store.durability != CFG_DURABILITY_NONE;
		wk->srv.table = table;
		wk->srv.cfg = cfg;
		wk->srv.worker = w;
		wk->srv.ctr = &wk->ctr;
		/* Sequences are per process run: committed_seq starts at 0 with them. */
		wk->srv.next_seq = 0;
	}

	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		const struct cfg_interface *ifc = &cfg->interfaces[i];
		struct port_setup ps;
		rc = port_setup(ifc->port_id, n_workers, pool, &ps, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "leasewired: interface %s: %s\n", ifc->name, err);
			goto out;
		}
		ports_started = i + 1;
		for (unsigned w = 0; w < n_workers; w++) {
			struct worker_port *wp = &workers[w].ports[workers[w].n_ports++];
			wp->port_id = ifc->port_id;
			wp->rx_queue = w < ps.n_queues ? (uint16_t)w : UINT16_MAX;
			wp->tx_queue = (uint16_t)w;
			wp->mac = ps.mac;
			wp->iface = ifc;
		}
		printf("leasewired: %s = port %u mac " RTE_ETHER_ADDR_PRT_FMT
		       " address %u.%u.%u.%u/%u, "
		       "%u RX queues\n",
		       ifc->name, ifc->port_id, RTE_ETHER_ADDR_BYTES(&ps.mac), ifc->address >> 24,
		       ifc->address >> 16 & 0xff, ifc->address >> 8 & 0xff, ifc->address & 0xff,
		       ifc->prefix_len, ps.n_queues);
	}

	const struct status_ops *status = dp_status_attach(workers, n_workers);
	int64_t started_unix = (int64_t)time(NULL);
	if (telemetry_register(workers, n_workers, table, &ccounters) != 0 ||
	    telemetry_register_views(status, &live, started_unix, &counter_registry,
				     cfg->failover.enabled ? &fo_board : NULL) != 0)
		fprintf(stderr, "leasewired: telemetry endpoints not registered\n");

	struct control ctl = {
		.cfg = cfg,
		.journal = journal,
		.table = table,
		.n_workers = n_workers,
		.from_workers = events,
		.commit = slots,
		.counters = &ccounters,
		.stop = &stop_requested,
		.mailbox = &mailbox,
		.to_workers = cmdq,
		.live = &live,
		.status = status,
		.clock = &lease_clock,
		.counter_registry = &counter_registry,
	};
	if (cfg->failover.enabled) {
		/* Before the workers start: they begin in STARTUP, answering nobody. */
		fo_sess = failover_create(&ctl, &view, &fo_board, err, sizeof(err));
		if (!fo_sess) {
			fprintf(stderr, "leasewired: %s\n", err);
			goto out;
		}
		ctl.failover = fo_sess;
	}
	if (cfg->ddns.enabled) {
		ddns = ddns_create(&ctl, err, sizeof(err));
		if (!ddns) {
			fprintf(stderr, "leasewired: %s\n", err);
			goto out;
		}
		ctl.ddns = ddns;
		telemetry_set_ddns(ddns_show_text, ddns);
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rcu_thread_offline();
	rcu_online = false;

	struct shell_env shell_env = {
		.table = table,
		.mailbox = &mailbox,
		.live = &live,
		.status = status,
		.control = &ccounters,
		.counters = &counter_registry,
		.failover = fo_sess ? &fo_board : NULL,
		.ddns = ddns,
		.started_unix = started_unix,
		.version = LW_VERSION,
	};
	shell = shell_start(&shell_env, err, sizeof(err));
	if (!shell && errno) {
		fprintf(stderr, "leasewired: %s\n", err);
		goto out;
	}

	unsigned lcore, w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		rte_eal_remote_launch(worker_main, &workers[w], lcore);
		w++;
	}
	printf("leasewired: ready: %u workers, durability %s, lease store %s\n", n_workers,
	       cfg->lease_store.durability == CFG_DURABILITY_FSYNC   ? "fsync"
	       : cfg->lease_store.durability == CFG_DURABILITY_WRITE ? "write"
								     : "none",
	       cfg->lease_store.directory);
	fflush(stdout);

	control_run(&ctl);
	/* control_run answered every pending shell request; now end the sessions. */
	shell_stop(shell);
	shell = NULL;
	rte_eal_mp_wait_lcore();
	rc = control_drain(&ctl);
	printf("leasewired: stopping%s\n", rc < 0 ? " (final journal commit failed)" : "");
	exit_code = rc < 0 ? 1 : 0;

out:
	shell_stop(shell);
	failover_destroy(fo_sess);
	telemetry_set_ddns(NULL, NULL);
	ddns_destroy(ddns);
	telemetry_detach();
	for (size_t i = 0; i < ports_started; i++)
		port_stop((live ? live->cfg : cfg)->interfaces[i].port_id);
	if (journal)
		journal_close(journal);
	for (unsigned i = 0; i < n_workers; i++) {
		if (steer && steer[i])
			rte_ring_free(steer[i]);
		if (events && events[i])
			spsc_ring_free(events[i]);
		if (cmdq)
			spsc_ring_free(cmdq[i].ring);
	}
	free(cmdq);
	free(slots);
	free(events);
	free(steer);
	rte_free(commits);
	rte_free(workers);
	if (table) {
		/* Retired versions wait for a grace period: let them go first. */
		if (!rcu_online)
			rcu_thread_online();
		lease_table_destroy(table);
	}
	if (rcu_registered)
		rcu_unregister_thread();
	rte_mempool_free(pool);
	if (live)
		config_snapshot_free(live); /* the config in force, after any reload */
	else
		config_free(cfg);
	control_mailbox_destroy(&mailbox);
	rte_eal_cleanup();
	return exit_code;
}
