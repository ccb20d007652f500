/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests to the control thread (DESIGN.md sec 3): the shell never changes
 * state itself; it posts a request here and waits for the answer. The
 * control thread serves one request at a time between its commit rounds,
 * and turns lease changes into commands on the owner workers' rings.
 */
#ifndef LW_CONTROL_CMD_H
#define LW_CONTROL_CMD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/counters.h"
#include "lease/journal_record.h"
#include "mgmt/status.h"
#include "control_module.h"

enum control_cmd_type {
	CONTROL_CMD_CLEAR_LEASE, /* delete the record holding ip, journaled */
	CONTROL_CMD_IMPORT, /* apply images[0..n_images) through their owner workers */
	CONTROL_CMD_COMPACT, /* snapshot + new journal generation */
	CONTROL_CMD_RELOAD, /* swap in new_snapshot (already validated) */
	CONTROL_CMD_CLEAR_STATS, /* new counter baseline for the shell */
	CONTROL_CMD_FAILOVER_PARTNER_DOWN, /* the operator says the partner is down */
};

struct control_cmd {
	enum control_cmd_type type;
	uint32_t ip; /* CLEAR_LEASE */
	const struct lease_image *images; /* IMPORT: the caller's, until done */
	size_t n_images;
	struct config_snapshot *new_snapshot; /* RELOAD: control owns it once posted */

	/* Answer, written by the control thread before done is set. */
	int rc; /* 0 or -errno */
	char msg[256];
	uint64_t applied, failed;

	/* Control thread private progress. */
	size_t next; /* IMPORT: images pushed so far */
	bool started;
	bool done; /* under mailbox lock */
	struct control_cmd *queue_next;
};

struct control_mailbox {
	pthread_mutex_t lock;
	pthread_cond_t answered;
	struct control_cmd *head, *tail; /* under lock */
	bool closed; /* under lock: the control thread has stopped serving */
	/* "clear statistics": counters at the last clear; under lock. */
	struct worker_counters baseline;
};

/* Initialise / destroy (start-up and shutdown thread). */
void control_mailbox_init(struct control_mailbox *mb);
void control_mailbox_destroy(struct control_mailbox *mb);

/*
 * Post cmd and wait for the control thread's answer. Any thread but the
 * control thread; blocks. Returns cmd->rc, or -ESHUTDOWN when the control
 * thread has stopped (a RELOAD's snapshot is then still the caller's).
 */
int control_cmd_call(struct control_mailbox *mb, struct control_cmd *cmd);

/* Counters minus the baseline of the last "clear statistics". Any thread. */
void control_mailbox_since_clear(struct control_mailbox *mb, const struct worker_counters *now,
				 struct worker_counters *out);

/*
 * The mailbox as a control module (control_modules.c). poll: advance the
 * request at the head of the queue, never blocking for long. stop: answer
 * everything queued with -ESHUTDOWN.
 */
extern const struct control_module control_mailbox_module;

struct control;
struct worker_cmd;

/*
 * Failover pool ownership (lease_table.h, worker_cmd.h). The worker that
 * applies ownership changes of pool address ip: its home free list's
 * writer (lease_table_home_writer), always the same one, so the journal
 * holds one address's changes in the order they were made. -ENOENT when
 * ip is in no pool. Control thread.
 */
int control_owner_of_ip(const struct control *c, uint32_t ip);

/*
 * Ask that worker to make ip BACKUP (backup) or FREE: 0, -ENOENT (in no
 * pool) or -EAGAIN (its command ring is full: retry next round). The bit
 * is set once control_workers_caught_up() says so, and durable once the
 * commit round after that has committed its event (as "import" waits).
 * Control thread only.
 */
int control_push_set_owner(struct control *c, uint32_t ip, bool backup);
/*
 * DNS updates: tell the owner worker of the client key[0..key_len) that
 * an update of its binding on ip in generation addr_version (the lease's
 * addr_version in the event the update answered) is confirmed: set and
 * clear those LEASE_DNS_F_* bits of its dns_flags (WORKER_CMD_DNS_STATE;
 * journaled by the worker, a stale one ignored). 0, -EINVAL (key_len) or
 * -EAGAIN (ring full: retry next round). Control thread only.
 */
int control_push_dns_state(struct control *c, const uint8_t *key, uint8_t key_len, uint32_t ip,
			   uint32_t addr_version, uint8_t set, uint8_t clear);

/*
 * True when every worker has finished every command pushed to it; *failed
 * is then the total of commands that could not apply, since start. Control
 * thread only.
 */
bool control_workers_caught_up(struct control *c, uint64_t *failed);
/* Which worker writes the record with img's key (DESIGN.md sec 3). Any control module. */
unsigned control_owner_of(const struct control *c, const struct lease_image *img);
/*
 * Push a command to worker owner's ring; false when the ring is full.
 * to_workers[owner].done reaches to_workers[owner].pushed once the worker
 * has finished every command pushed so far. Control thread only.
 */
bool control_push_cmd(struct control *c, unsigned owner, const struct worker_cmd *cmd);

/*
 * A snapshot owning cfg, with the text of path (NULL: the embedded lab
 * config) with its secrets masked. NULL on allocation failure (cfg is then
 * still the caller's).
 */
struct config_snapshot *config_snapshot_create(struct lw_config *cfg, const char *path);

/* Free a snapshot (its cfg and text). */
void config_snapshot_free(struct config_snapshot *s);

#endif
