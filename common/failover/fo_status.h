/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What "show failover" and /leasewire/failover print: the control thread
 * publishes a copy after every change, readers copy it out under a mutex
 * held for one memcpy (never by a worker). The counters are a counter
 * block ("failover") so "show counters failover" lists them too.
 */
#ifndef LW_FO_STATUS_H
#define LW_FO_STATUS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Every drop, reject and message count of the session. */
#define FO_COUNTER_LIST(X) \
	X(msgs_received) \
	X(msgs_sent) \
	X(connects) \
	X(disconnects) \
	X(state_changes) \
	X(bndupd_sent) \
	X(bndack_received) \
	X(bndupd_rejected_by_partner) \
	X(bndupd_received) \
	X(bndupd_accepted) \
	X(bndupd_rejected) \
	X(updreq_received) \
	X(upddone_sent) \
	X(contact_sent) \
	X(drop_malformed) \
	X(drop_before_connect) \
	X(drop_unexpected) \
	X(connect_rejected) \
	X(refused_wrong_source) \
	X(refused_duplicate) \
	X(receive_timer_expired) \
	X(update_queue_overflow) \
	X(acked_pet_dropped) /* a BNDACK's PET not passed on: worker ring half full */ \
	X(store_write_errors)

struct fo_counters {
#define FO_COUNTER_MEMBER(name) _Atomic uint64_t name;
	FO_COUNTER_LIST(FO_COUNTER_MEMBER)
#undef FO_COUNTER_MEMBER
};

struct fo_status {
	bool configured;
	char name[64];
	bool primary;
	uint8_t state; /* enum fo_server_state */
	bool startup;
	int64_t stos;
	bool partner_known;
	uint8_t partner_state;
	bool partner_startup;
	int64_t partner_stos;
	bool connected; /* CONNECT/CONNECTACK done */
	int64_t last_contact; /* unix secs of the last message received, 0 never */
	int64_t connected_since;
	uint32_t mclt;
	uint16_t lb_max_secs;
	uint16_t buckets_served; /* of 256, in NORMAL */
	uint32_t unacked; /* our BNDUPDs in flight */
	uint32_t partner_max_unacked;
	uint32_t queued; /* binding changes waiting to be sent */
	char last_event[160]; /* the last log line of the session */
};

struct fo_status_board {
	pthread_mutex_t lock;
	struct fo_status st;
	struct fo_counters ctr;
};

static inline void fo_status_publish(struct fo_status_board *b, const struct fo_status *st)
{
	pthread_mutex_lock(&b->lock);
	b->st = *st;
	pthread_mutex_unlock(&b->lock);
}

static inline void fo_status_read(struct fo_status_board *b, struct fo_status *out)
{
	pthread_mutex_lock(&b->lock);
	*out = b->st;
	pthread_mutex_unlock(&b->lock);
}

#endif
