/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shell's mailbox (control_cmd.h): the shell side posts and waits, the
 * control thread serves the head request as a control module. It calls
 * down into control_compact.c for "journal compact", never back into the
 * loop.
 */
#include "control_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <urcu-qsbr.h>

#include "dhcp/client_key.h"
#include "config/config.h"
#include "control.h"
#include "control_compact.h"
#include "dhcp/dhcp_server.h"
#include "failover/failover.h"
#include "lease/lease_table.h"
#include "mgmt/lease_view.h"

void control_mailbox_init(struct control_mailbox *mb)
{
	memset(mb, 0, sizeof(*mb));
	pthread_mutex_init(&mb->lock, NULL);
	pthread_cond_init(&mb->answered, NULL);
}

void control_mailbox_destroy(struct control_mailbox *mb)
{
	pthread_cond_destroy(&mb->answered);
	pthread_mutex_destroy(&mb->lock);
}

void config_snapshot_free(struct config_snapshot *s)
{
	if (!s)
		return;
	config_free(s->cfg);
	free(s->text_masked);
	free(s);
}

int control_cmd_call(struct control_mailbox *mb, struct control_cmd *cmd)
{
	cmd->done = false;
	cmd->started = false;
	cmd->next = 0;
	cmd->rc = 0;
	cmd->msg[0] = '\0';
	cmd->queue_next = NULL;
	pthread_mutex_lock(&mb->lock);
	if (mb->closed) {
		pthread_mutex_unlock(&mb->lock);
		snprintf(cmd->msg, sizeof(cmd->msg), "the daemon is stopping");
		return cmd->rc = -ESHUTDOWN;
	}
	if (mb->tail)
		mb->tail->queue_next = cmd;
	else
		mb->head = cmd;
	mb->tail = cmd;
	while (!cmd->done)
		pthread_cond_wait(&mb->answered, &mb->lock);
	pthread_mutex_unlock(&mb->lock);
	return cmd->rc;
}

void control_mailbox_since_clear(struct control_mailbox *mb, const struct worker_counters *now,
				 struct worker_counters *out)
{
	pthread_mutex_lock(&mb->lock);
#define COUNTER_SUB(name) out->name = now->name - mb->baseline.name;
	COUNTER_LIST(COUNTER_SUB)
#undef COUNTER_SUB
	for (unsigned r = 0; r < DROP__COUNT; r++)
		out->drops[r] = now->drops[r] - mb->baseline.drops[r];
	out->parked_now = now->parked_now;
	out->event_ring_used = now->event_ring_used;
	pthread_mutex_unlock(&mb->lock);
}

/* Answer the head request: the waiting shell thread wakes up. */
static void finish(struct control *c, struct control_cmd *cmd, int rc)
{
	struct control_mailbox *mb = c->mailbox;

	pthread_mutex_lock(&mb->lock);
	cmd->rc = rc;
	mb->head = cmd->queue_next;
	if (!mb->head)
		mb->tail = NULL;
	cmd->done = true;
	pthread_cond_broadcast(&mb->answered);
	pthread_mutex_unlock(&mb->lock);
}

/*
 * The snapshot is written by the compaction thread while rounds go on
 * committing: the command stays at the head of the mailbox (later ones
 * wait) until that thread is done, then answers with its result.
 */
static void serve_compact(struct control *c, struct control_cmd *cmd)
{
	int rc;

	if (!cmd->started) {
		if (c->compaction.running)
			return; /* an automatic one runs: start ours after it */
		rc = control_compact_start(c);
		if (rc < 0) {
			snprintf(cmd->msg, sizeof(cmd->msg), "compaction failed: %s",
				 strerror(-rc));
			finish(c, cmd, rc);
			return;
		}
		cmd->started = true;
		return;
	}
	if (c->compaction.running && !control_compact_poll(c))
		return;
	rc = c->compaction.rc;
	snprintf(cmd->msg, sizeof(cmd->msg), rc ? "compaction failed: %s" : "journal compacted%s",
		 rc ? strerror(-rc) : "");
	finish(c, cmd, rc);
}

unsigned control_owner_of(const struct control *c, const struct lease_image *img)
{
	uint32_t ip;

	if (img->key_len == 6 && img->key[0] == LEASE_KEY_DECLINED)
		return img->key[5] % c->n_workers; /* as dhcp_server_expire */
	if (lease_image_is_backup(img, &ip) && control_owner_of_ip(c, ip) >= 0)
		return (unsigned)control_owner_of_ip(c, ip);
	return client_key_shard(client_key_hash(img->key, img->key_len), c->n_workers);
}

int control_owner_of_ip(const struct control *c, uint32_t ip)
{
	int w = lease_table_home_writer(c->table, ip);

	/* The daemon's table has one writer per worker; % keeps a test's smaller set safe. */
	return w < 0 ? w : (int)((unsigned)w % c->n_workers);
}

bool control_push_cmd(struct control *c, unsigned owner, const struct worker_cmd *cmd)
{
	if (!spsc_ring_push(c->to_workers[owner].ring, cmd))
		return false;
	c->to_workers[owner].pushed++;
	return true;
}

static bool push_to_owner(struct control *c, uint8_t type, const struct worker_cmd *cmd,
			  unsigned owner)
{
	(void)type;
	return control_push_cmd(c, owner, cmd);
}

int control_push_set_owner(struct control *c, uint32_t ip, bool backup)
{
	struct worker_cmd wc = { .type = WORKER_CMD_SET_OWNER, .ip = ip, .backup = backup };
	int owner = control_owner_of_ip(c, ip);

	if (owner < 0)
		return owner;
	return push_to_owner(c, 0, &wc, (unsigned)owner) ? 0 : -EAGAIN;
}

int control_push_dns_state(struct control *c, const uint8_t *key, uint8_t key_len, uint32_t ip,
			   uint32_t addr_version, uint8_t set, uint8_t clear)
{
	struct worker_cmd wc = { .type = WORKER_CMD_DNS_STATE,
				 .ip = ip,
				 .addr_version = addr_version,
				 .dns_set = set,
				 .dns_clear = clear };

	if (key_len == 0 || key_len > LEASE_KEY_MAX)
		return -EINVAL;
	wc.img.key_len = key_len;
	memcpy(wc.img.key, key, key_len);
	return push_to_owner(c, 0, &wc, control_owner_of(c, &wc.img)) ? 0 : -EAGAIN;
}

bool control_workers_caught_up(struct control *c, uint64_t *failed)
{
	uint64_t f = 0;
	for (unsigned w = 0; w < c->n_workers; w++) {
		if (atomic_load_explicit(&c->to_workers[w].done, memory_order_acquire) <
		    c->to_workers[w].pushed)
			return false;
		f += atomic_load_explicit(&c->to_workers[w].failed, memory_order_relaxed);
	}
	*failed = f;
	return true;
}

static uint64_t failed_before;

static void serve_clear_lease(struct control *c, struct control_cmd *cmd)
{
	struct worker_cmd wc = { .type = WORKER_CMD_APPLY_IMAGE, .rec_type = JOURNAL_REC_DELETE };
	uint64_t failed;
	char ip[16];

	if (!cmd->started) {
		const struct lease *l;
		rcu_thread_online();
		l = lease_table_find_ip(c->table, cmd->ip);
		if (l)
			lease_image_from_lease(&wc.img, l);
		rcu_thread_offline();
		lease_view_ip(cmd->ip, ip, sizeof(ip));
		if (!l) {
			snprintf(cmd->msg, sizeof(cmd->msg), "no lease holds %s", ip);
			finish(c, cmd, -ENOENT);
			return;
		}
		control_workers_caught_up(c, &failed_before);
		if (!push_to_owner(c, 0, &wc, control_owner_of(c, &wc.img)))
			return; /* ring full: retried next round */
		cmd->started = true;
		return;
	}
	if (!control_workers_caught_up(c, &failed))
		return;
	lease_view_ip(cmd->ip, ip, sizeof(ip));
	if (failed != failed_before) {
		snprintf(cmd->msg, sizeof(cmd->msg), "the worker could not clear %s", ip);
		finish(c, cmd, -EIO);
		return;
	}
	cmd->applied = 1;
	snprintf(cmd->msg, sizeof(cmd->msg), "lease %s cleared", ip);
	finish(c, cmd, 0);
}

static void serve_import(struct control *c, struct control_cmd *cmd)
{
	uint64_t failed;

	if (!cmd->started) {
		control_workers_caught_up(c, &failed_before);
		cmd->started = true;
	}
	while (cmd->next < cmd->n_images) {
		struct worker_cmd wc = { .type = WORKER_CMD_APPLY_IMAGE,
					 .rec_type = JOURNAL_REC_UPSERT };
		wc.img = cmd->images[cmd->next];
		if (!push_to_owner(c, 0, &wc, control_owner_of(c, &wc.img)))
			return; /* ring full: the commit round runs, then we go on */
		cmd->next++;
	}
	if (!control_workers_caught_up(c, &failed))
		return;
	cmd->failed = failed - failed_before;
	cmd->applied = cmd->n_images - cmd->failed;
	snprintf(cmd->msg, sizeof(cmd->msg), "%llu leases imported, %llu refused (table full)",
		 (unsigned long long)cmd->applied, (unsigned long long)cmd->failed);
	finish(c, cmd, cmd->failed && !cmd->applied ? -ENOMEM : 0);
}

static void serve_reload(struct control *c, struct control_cmd *cmd)
{
	uint64_t failed;

	if (!cmd->started) {
		for (unsigned w = 0; w < c->n_workers; w++) {
			struct worker_cmd wc = { .type = WORKER_CMD_SET_CONFIG,
						 .cfg = cmd->new_snapshot->cfg };
			/* Rings hold WORKER_CMD_RING_SIZE; nothing else is in flight now. */
			while (!push_to_owner(c, 0, &wc, w))
				;
		}
		cmd->started = true;
	}
	if (!control_workers_caught_up(c, &failed))
		return;
	/* Every worker now reads the new snapshot; readers on other threads
	 * may still hold the old one until a grace period has passed. */
	struct config_snapshot *old = *c->live;
	cmd->new_snapshot->generation = old->generation + 1;
	rcu_assign_pointer(*c->live, cmd->new_snapshot);
	c->cfg = cmd->new_snapshot->cfg;
	synchronize_rcu();
	config_snapshot_free(old);
	snprintf(cmd->msg, sizeof(cmd->msg), "configuration %.200s loaded (generation %llu)",
		 cmd->new_snapshot->source, (unsigned long long)cmd->new_snapshot->generation);
	finish(c, cmd, 0);
}

static void control_cmd_service(struct control *c)
{
	struct control_mailbox *mb = c->mailbox;
	struct control_cmd *cmd;

	if (!mb)
		return;
	pthread_mutex_lock(&mb->lock);
	cmd = mb->head;
	pthread_mutex_unlock(&mb->lock);
	if (!cmd)
		return;
	switch (cmd->type) {
	case CONTROL_CMD_CLEAR_LEASE: serve_clear_lease(c, cmd); break;
	case CONTROL_CMD_IMPORT: serve_import(c, cmd); break;
	case CONTROL_CMD_RELOAD: serve_reload(c, cmd); break;
	case CONTROL_CMD_COMPACT: serve_compact(c, cmd); break;
	case CONTROL_CMD_CLEAR_STATS: {
		struct worker_counters sum;
		status_sum_counters(c->status, &sum);
		pthread_mutex_lock(&mb->lock);
		mb->baseline = sum;
		pthread_mutex_unlock(&mb->lock);
		snprintf(cmd->msg, sizeof(cmd->msg), "statistics cleared");
		finish(c, cmd, 0);
		break;
	}
	case CONTROL_CMD_FAILOVER_PARTNER_DOWN: {
		int rc = c->failover ? failover_partner_down(c->failover) : -ENOENT;
		snprintf(cmd->msg, sizeof(cmd->msg), "%s",
			 rc == 0	 ? "partner-down: this server now serves every client"
			 : rc == -ENOENT ? "no failover relationship is configured"
					 : "partner-down is allowed only from normal, "
					   "communications-interrupted or resolution-interrupted");
		finish(c, cmd, rc);
		break;
	}
	default: finish(c, cmd, -EINVAL); break;
	}
}

static void control_cmd_close(struct control *c)
{
	struct control_mailbox *mb = c->mailbox;

	if (!mb)
		return;
	pthread_mutex_lock(&mb->lock);
	mb->closed = true;
	for (struct control_cmd *cmd = mb->head; cmd; cmd = cmd->queue_next) {
		cmd->rc = -ESHUTDOWN;
		snprintf(cmd->msg, sizeof(cmd->msg), "the daemon is stopping");
		cmd->done = true;
	}
	mb->head = mb->tail = NULL;
	pthread_cond_broadcast(&mb->answered);
	pthread_mutex_unlock(&mb->lock);
}

const struct control_module control_mailbox_module = {
	.name = "mailbox",
	.poll = control_cmd_service,
	.stop = control_cmd_close,
};

/* Replace the shell's secrets in the config text so that showing it leaks nothing. */
static char *mask_secrets(const char *text)
{
	static const char *const secrets[] = { "password-hash", "enable-password-hash" };
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr);
	char *out;

	if (!root)
		return strdup("(configuration text unavailable)");
	json_t *shell = json_object_get(json_object_get(root, "Dhcp4"), "shell");
	for (size_t i = 0; shell && i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (json_object_get(shell, secrets[i]))
			json_object_set_new(shell, secrets[i], json_string("********"));
	out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return out;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	FILE *mem = open_memstream(&buf, &len);
	if (mem) {
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, mem);
		fclose(mem);
	}
	fclose(f);
	return buf;
}

struct config_snapshot *config_snapshot_create(struct lw_config *cfg, const char *path)
{
	struct config_snapshot *s = calloc(1, sizeof(*s));
	char *text;

	if (!s)
		return NULL;
	text = path ? read_text(path) : NULL;
	s->cfg = cfg;
	s->text_masked = mask_secrets(text ? text : path ? "" : config_default_json);
	free(text);
	snprintf(s->source, sizeof(s->source), "%s", path ? path : "(lab)");
	s->loaded_unix = time(NULL);
	s->generation = 1;
	return s;
}
