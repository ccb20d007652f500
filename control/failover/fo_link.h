/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The failover TCP link (draft-12 sec 8): one non-blocking connection to
 * the partner, a listener that accepts it only from the partner's
 * address, message framing on the input side and a bounded output buffer.
 * Control thread only; nothing here blocks.
 */
#ifndef LW_FO_LINK_H
#define LW_FO_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "failover/fo_msg.h"

/* Output room: every BNDUPD window plus the control messages behind it. */
#define FO_LINK_OUT_MAX (256u * 1024u)
/* Input read per pass: a full window of 1000 BNDUPDs (~80 B each) in one go. */
#define FO_LINK_IN_MAX (128u * 1024u)

enum fo_link_state {
	FO_LINK_DOWN = 0,
	FO_LINK_CONNECTING, /* outbound connect in progress */
	FO_LINK_UP, /* TCP established */
};

struct fo_link {
	int listen_fd; /* -1 when not listening */
	int fd; /* the connection, -1 when none */
	enum fo_link_state state;
	bool outbound; /* we initiated fd */
	uint32_t own_addr, peer_addr; /* host order */
	uint16_t own_port, peer_port;
	size_t in_head, in_len; /* unread bytes: in[in_head .. in_head + in_len) */
	uint8_t in[FO_LINK_IN_MAX];
	size_t out_head, out_len;
	uint8_t *out; /* FO_LINK_OUT_MAX */
	/* Why the link last went down, for the log line. */
	char why[96];
	uint64_t refused_wrong_source; /* inbound connections from another address */
	uint64_t refused_duplicate; /* a second connection while one is up */
};

/* Open the listener on own_addr:own_port. Returns 0 or negative errno. */
int fo_link_init(struct fo_link *l, uint32_t own_addr, uint16_t own_port, uint32_t peer_addr,
		 uint16_t peer_port);
void fo_link_fini(struct fo_link *l);

/* Start an outbound connection from own_addr to the peer. Returns 0 or negative errno. */
int fo_link_connect(struct fo_link *l);

/*
 * Progress without blocking: accept (only from the peer's address; while
 * a link is up only when accept_dups, to refuse a second one, so a busy
 * link does not pay an accept per pass), finish a connect, read into the
 * input buffer, write out what is buffered. Returns true when the link
 * came up in this call. A link that fails goes DOWN with l->why set.
 */
bool fo_link_poll(struct fo_link *l, bool accept_dups, bool *went_down);

/*
 * The next whole message in the input, copied into buf (FO_MSG_MAX);
 * returns its length, 0 when none is complete, or -EBADMSG when the stream
 * cannot be framed (the caller closes).
 */
int fo_link_next(struct fo_link *l, uint8_t *buf);

/* Queue a message; -ENOBUFS when the output buffer is full (the caller closes). */
int fo_link_send(struct fo_link *l, const uint8_t *msg, size_t len);
/* Bytes queued and not yet written. */
static inline size_t fo_link_backlog(const struct fo_link *l) { return l->out_len; }

/* Close the connection (the listener stays); why is logged by the caller. */
void fo_link_close(struct fo_link *l, const char *why);

#endif
