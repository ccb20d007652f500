/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the files of control/ddns/ share; private to the folder.
 *
 *   ddns_engine.c  the public API: new/free, submit, poll, stats; answers,
 *                  timeouts, server fail-over and back-off, logging
 *   ddns_queue.c   the request queue: per-FQDN/DHCID order, what may start
 *   ddns_txn.c     the per-request state machine: which message first,
 *                  what an rcode means at each step (ddns.md sec 4.4)
 *   ddns_io.c      the sockets: connected UDP per server, TCP per attempt,
 *                  DNS ids in flight
 *   ddns_msg.c     building, signing and checking messages (ldns)
 *   ddns_zone.c    longest-suffix zone matching
 *
 * Everything here runs on the control thread.
 */
#ifndef LW_DDNS_INTERNAL_H
#define LW_DDNS_INTERNAL_H

#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ddns_engine.h"
#include "ddns_msg.h"

/*
 * UDP sockets per server: each has its own ephemeral source port, and an
 * answer is taken only on the socket its request left by, so a forger
 * must guess the port among these as well as the 16-bit id.
 */
#define DDNS_UDP_SOCKS 4
#define DDNS_ID_SPACE 65536
#define DDNS_ADD_ROUNDS 3 /* add <-> replace loops when a name vanishes (ddns.md sec 4.1) */
#define DDNS_LOG_QUIET_NS (10 * 1000000000LL) /* one line per burst and server */
#define DDNS_LOG_PER_SEC 20 /* request-level lines (conflicts, failures) per second */

struct ddns_req;

enum ddns_srv_state { DDNS_SRV_UP = 0, DDNS_SRV_DOWN };

struct ddns_server {
	uint32_t ip; /* host order */
	uint16_t port;
	char label[24]; /* "127.0.0.1:10053" */
	int udp[DDNS_UDP_SOCKS];
	unsigned next_sock;
	struct ddns_req **by_id; /* [DDNS_ID_SPACE]: the attempt in flight with that id */
	enum ddns_srv_state state;
	int64_t down_until_ns; /* DOWN: no request before then, then one probe */
	uint32_t backoff_ms;
	struct ddns_req *probe; /* DOWN: the request trying it again */
	int64_t quiet_until_ns; /* burst logging (bad answers, TSIG) */
	uint64_t suppressed;
	struct ddns_server_stats st;
};

/* TCP for one attempt: connect, write length + message, read length + answer. */
struct ddns_tcp {
	int fd;
	uint8_t *out;
	size_t out_len, out_off;
	uint8_t len_be[2];
	size_t in_have; /* octets read, the 2-octet length included */
	uint8_t *in;
	uint16_t in_len;
};

enum ddns_where { DDNS_R_QUEUED = 0, DDNS_R_ACTIVE, DDNS_R_DONE };

struct ddns_req {
	struct ddns_ncr ncr;
	uint64_t seq; /* submission order */
	struct ddns_result res;
	int fwd_dom, rev_dom; /* index into cfg.forward/.reverse, -1: none */
	char rname[CFG_DNS_NAME_MAX];
	uint32_t fqdn_hash, dhcid_hash;
	bool keyed_dhcid; /* serialised by DHCID too (modes that write one) */
	enum ddns_where where;
	struct ddns_req *q_prev, *q_next; /* queue or done list */
	struct ddns_req *t_prev, *t_next; /* in-flight list, by deadline */
	struct ddns_req *h_fqdn, *h_dhcid; /* hash chains of live requests */

	/* the step */
	enum ddns_msg_kind kind;
	unsigned rounds;
	bool resent; /* this step's message went out more than once (RFC 2136 sec 7.8) */
	ldns_pkt *pkt; /* the step's message, re-signed per attempt */
	ldns_rdf *mac; /* the attempt's request MAC */
	unsigned srv_pos, tries;
	struct ddns_server *srv; /* the attempt's; NULL when none in flight */
	int sock; /* index into srv->udp, -1: TCP */
	uint16_t id;
	uint32_t attempt; /* counts sends: tells a TCP attempt from the next one */
	bool use_tcp;
	struct ddns_tcp *tcp;
	int64_t deadline_ns, not_before_ns;
	uint32_t backoff_ms;
	uint16_t seen_tsig_error; /* an unsigned TSIG error answered this attempt */
	char why[128]; /* the last failure, for the round's log line */
};

struct ddns_engine {
	struct cfg_ddns cfg;
	ddns_done_fn *done;
	void *ctx;
	bool tcp_only;

	struct ddns_server *srv;
	unsigned n_srv;
	uint16_t fwd_srv[CFG_DDNS_MAX_DOMAINS][CFG_DDNS_MAX_SERVERS]; /* domain -> srv[] */
	uint16_t rev_srv[CFG_DDNS_MAX_DOMAINS][CFG_DDNS_MAX_SERVERS];

	/* requests */
	uint64_t next_seq;
	struct ddns_req *q_head, *q_tail; /* waiting: fresh, between steps, backing off */
	unsigned n_queued, n_active, n_live;
	unsigned n_undelivered; /* accepted, not yet reported */
	int64_t now_ns; /* the last poll's */
	struct ddns_req *d_head, *d_tail; /* finished, reported at the end of the poll */
	struct ddns_req *t_head, *t_tail; /* attempts in flight, oldest deadline first */
	struct ddns_req **h_fqdn, **h_dhcid;
	uint32_t h_mask;
	bool dirty; /* something changed that may let a queued request start */
	int64_t next_wake_ns; /* the earliest not_before / server back-off end seen */
	struct pollfd *pfd; /* [max_in_flight] for the TCP attempts */
	struct ddns_req **pfd_req;
	uint32_t *pfd_attempt;

	/* logging */
	int64_t log_window_ns;
	unsigned log_in_window;
	uint64_t log_suppressed;
	char last_error[160];

	/* random ids */
	uint8_t rnd[512];
	unsigned rnd_left;

	_Atomic uint64_t ctr[DDNS_C_COUNT];
	struct counter_block block;
	uint8_t rx[65536];
};

static inline void ddns_count(struct ddns_engine *e, enum ddns_counter c, int64_t delta)
{
	atomic_fetch_add_explicit(&e->ctr[c], (uint64_t)delta, memory_order_relaxed);
}

/* ddns_txn.c: the state machine, pure. */
enum ddns_txn_step {
	DDNS_TXN_SEND, /* r->kind is the next message */
	DDNS_TXN_DONE, /* r->res is final */
	DDNS_TXN_RETRY, /* an rcode that asks for another server (RFC 2136 sec 4) */
};
/* The first message of r (r->res already holds NO_ZONE for directions without a zone). */
enum ddns_txn_step ddns_txn_first(struct ddns_req *r);
/* An authentic answer with rcode to r->kind: the outcome so far and what comes next. */
enum ddns_txn_step ddns_txn_answer(struct ddns_req *r, uint8_t rcode);
/* Whether an rcode is one where another server or a later round may do better. */
bool ddns_txn_rcode_retryable(uint8_t rcode);

/* ddns_queue.c */
int ddns_queue_init(struct ddns_engine *e);
void ddns_queue_fini(struct ddns_engine *e);
void ddns_queue_link(struct ddns_engine *e, struct ddns_req *r); /* hash chains, live */
void ddns_queue_unlink(struct ddns_engine *e, struct ddns_req *r);
void ddns_queue_push(struct ddns_engine *e, struct ddns_req *r); /* waiting, at the tail */
void ddns_queue_remove(struct ddns_engine *e, struct ddns_req *r);
/* Whether r is the oldest live request of its FQDN (and DHCID): the one that may run. */
bool ddns_queue_is_turn(const struct ddns_engine *e, const struct ddns_req *r);
void ddns_done_push(struct ddns_engine *e, struct ddns_req *r);
struct ddns_req *ddns_done_pop(struct ddns_engine *e);
void ddns_inflight_push(struct ddns_engine *e, struct ddns_req *r);
void ddns_inflight_remove(struct ddns_engine *e, struct ddns_req *r);

/* ddns_io.c */
int ddns_io_server_open(struct ddns_server *s);
void ddns_io_server_close(struct ddns_server *s);
uint16_t ddns_io_new_id(struct ddns_engine *e, struct ddns_server *s);
/*
 * Send wire over r's socket (UDP socket index r->sock, or a new TCP
 * connection when r->use_tcp). 0, or -errno (ECONNREFUSED: the server's
 * port is closed).
 */
int ddns_io_send(struct ddns_engine *e, struct ddns_req *r, const uint8_t *wire, size_t len);
void ddns_io_tcp_close(struct ddns_req *r);
/*
 * Read what arrived: every datagram of every server, every TCP attempt's
 * progress. Calls ddns_engine_on_answer / ddns_engine_on_refused.
 */
void ddns_io_poll(struct ddns_engine *e, int64_t now_ns);

/* ddns_engine.c, called by ddns_io_poll */
void ddns_engine_on_answer(struct ddns_engine *e, struct ddns_server *s, int sock,
			   struct ddns_req *tcp_req, const uint8_t *wire, size_t len,
			   int64_t now_ns);
void ddns_engine_on_refused(struct ddns_engine *e, struct ddns_server *s, struct ddns_req *tcp_req,
			    const char *why, int64_t now_ns);

/* ddns_log.c: a line (error: also the engine's last error) */
__attribute__((format(printf, 3, 4))) void ddns_log_line(struct ddns_engine *e, bool error,
							 const char *fmt, ...);
/* ... at most DDNS_LOG_PER_SEC a second (request-level: clients cause them) */
__attribute__((format(printf, 4, 5))) void ddns_log_req(struct ddns_engine *e, int64_t now_ns,
							bool error, const char *fmt, ...);
/* ... about a server's answers: one per DDNS_LOG_QUIET_NS burst, kept as its last error */
__attribute__((format(printf, 4, 5))) void
ddns_log_srv(struct ddns_engine *e, struct ddns_server *s, int64_t now_ns, const char *fmt, ...);

#endif
