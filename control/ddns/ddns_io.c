/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's sockets (ddns_internal.h). UDP: DDNS_UDP_SOCKS connected,
 * non-blocking sockets per server, so the kernel drops datagrams from any
 * other source and each socket has its own ephemeral port. TCP (after a
 * truncated answer, RFC 2136 sec 3.8 / RFC 1035 sec 4.2.2): one
 * non-blocking connection per attempt, the message framed by its 2-octet
 * length, closed once the answer is in. Nothing here waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ddns_internal.h"

#define DDNS_RX_BURST 256 /* datagrams per socket per poll */
#define DDNS_UDP_RCVBUF (1 << 20)

static void sockaddr_of(struct sockaddr_in *sa, uint32_t ip, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(ip);
	sa->sin_port = htons(port);
}

int ddns_io_server_open(struct ddns_server *s)
{
	struct sockaddr_in sa;

	for (unsigned i = 0; i < DDNS_UDP_SOCKS; i++)
		s->udp[i] = -1;
	s->by_id = calloc(DDNS_ID_SPACE, sizeof(*s->by_id));
	if (!s->by_id)
		return -ENOMEM;
	sockaddr_of(&sa, s->ip, s->port);
	for (unsigned i = 0; i < DDNS_UDP_SOCKS; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		s->udp[i] = fd;
		/*
		 * max_in_flight answers may arrive between two polls, spread
		 * over DDNS_UDP_SOCKS sockets; the default buffer holds ~200.
		 */
		int rcvbuf = DDNS_UDP_RCVBUF;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -errno;
	}
	return 0;
}

void ddns_io_server_close(struct ddns_server *s)
{
	for (unsigned i = 0; i < DDNS_UDP_SOCKS; i++)
		if (s->udp[i] >= 0) {
			close(s->udp[i]);
			s->udp[i] = -1;
		}
	free(s->by_id);
	s->by_id = NULL;
}

static uint16_t rnd16(struct ddns_engine *e)
{
	if (e->rnd_left < 2) {
		ssize_t n = getrandom(e->rnd, sizeof(e->rnd), GRND_NONBLOCK);
		if (n < (ssize_t)sizeof(e->rnd)) {
			/* No entropy yet (early boot): still unpredictable enough to differ per try. */
			for (size_t i = 0; i < sizeof(e->rnd); i++)
				e->rnd[i] ^= (uint8_t)(random() >> 7);
		}
		e->rnd_left = sizeof(e->rnd);
	}
	e->rnd_left -= 2;
	return (uint16_t)(e->rnd[e->rnd_left] << 8 | e->rnd[e->rnd_left + 1]);
}

uint16_t ddns_io_new_id(struct ddns_engine *e, struct ddns_server *s)
{
	uint16_t id = rnd16(e);

	/* At most max_in_flight of 65536 are taken: a free one is a few draws away. */
	for (unsigned i = 0; i < 64 && s->by_id[id]; i++)
		id = rnd16(e);
	while (s->by_id[id])
		id++;
	return id;
}

void ddns_io_tcp_close(struct ddns_req *r)
{
	struct ddns_tcp *t = r->tcp;

	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->out);
	free(t->in);
	free(t);
	r->tcp = NULL;
}

static int tcp_open(struct ddns_req *r, const uint8_t *wire, size_t len)
{
	struct ddns_tcp *t = calloc(1, sizeof(*t));
	struct sockaddr_in sa;
	int one = 1;

	if (!t)
		return -ENOMEM;
	r->tcp = t;
	t->out = malloc(len + 2);
	t->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!t->out || t->fd < 0 || len > 65535) {
		int err = t->fd < 0 ? -errno : len > 65535 ? -EMSGSIZE : -ENOMEM;
		ddns_io_tcp_close(r);
		return err;
	}
	(void)setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t->out[0] = (uint8_t)(len >> 8);
	t->out[1] = (uint8_t)len;
	memcpy(t->out + 2, wire, len);
	t->out_len = len + 2;
	sockaddr_of(&sa, r->srv->ip, r->srv->port);
	if (connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		int err = -errno;
		ddns_io_tcp_close(r);
		return err;
	}
	return 0;
}

int ddns_io_send(struct ddns_engine *e, struct ddns_req *r, const uint8_t *wire, size_t len)
{
	(void)e;
	if (r->use_tcp)
		return tcp_open(r, wire, len);
	/*
	 * A pending ICMP error of an earlier datagram fails this send (and
	 * this datagram is not sent): the caller treats it as the server's
	 * port being closed, which is what it says.
	 */
	if (send(r->srv->udp[r->sock], wire, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return errno == EAGAIN || errno == ENOBUFS ? 0 /* lost: the timeout retries */
							   : -errno;
	return 0;
}

static void udp_poll(struct ddns_engine *e, struct ddns_server *s, int64_t now_ns)
{
	for (unsigned i = 0; i < DDNS_UDP_SOCKS; i++) {
		for (unsigned n = 0; n < DDNS_RX_BURST; n++) {
			ssize_t got =
			    recv(s->udp[i], e->rx, sizeof(e->rx), MSG_DONTWAIT | MSG_TRUNC);
			if (got < 0) {
				if (errno == ECONNREFUSED)
					ddns_engine_on_refused(e, s, NULL, "port unreachable",
							       now_ns);
				break; /* EAGAIN, or an error already handled */
			}
			if ((size_t)got > sizeof(e->rx))
				got = 0; /* cannot be a DNS message: garbled */
			ddns_engine_on_answer(e, s, (int)i, NULL, e->rx, (size_t)got, now_ns);
		}
	}
}

/* One TCP attempt's progress; false when it failed (already reported). */
static bool tcp_step(struct ddns_engine *e, struct ddns_req *r, short revents, int64_t now_ns)
{
	struct ddns_tcp *t = r->tcp;

	if (revents & (POLLERR | POLLHUP) && !(revents & POLLIN)) {
		int err = 0;
		socklen_t el = sizeof(err);
		(void)getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		char why[64];
		snprintf(why, sizeof(why), "TCP: %s", err ? strerror(err) : "connection closed");
		ddns_engine_on_refused(e, r->srv, r, why, now_ns);
		return false;
	}
	if (t->out_off < t->out_len && revents & POLLOUT) {
		ssize_t n = send(t->fd, t->out + t->out_off, t->out_len - t->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			char why[64];
			snprintf(why, sizeof(why), "TCP send: %s", strerror(errno));
			ddns_engine_on_refused(e, r->srv, r, why, now_ns);
			return false;
		}
		if (n > 0)
			t->out_off += (size_t)n;
	}
	if (!(revents & POLLIN))
		return true;
	for (;;) {
		uint8_t *dst;
		size_t want;
		if (t->in_have < 2) {
			dst = t->len_be + t->in_have;
			want = 2 - t->in_have;
		} else {
			dst = t->in + (t->in_have - 2);
			want = (size_t)t->in_len + 2 - t->in_have;
		}
		ssize_t n = recv(t->fd, dst, want, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			ddns_engine_on_refused(e, r->srv, r, "TCP: closed before the answer",
					       now_ns);
			return false;
		}
		if (n < 0)
			return true;
		t->in_have += (size_t)n;
		if (t->in_have == 2) {
			t->in_len = (uint16_t)(t->len_be[0] << 8 | t->len_be[1]);
			t->in = malloc(t->in_len ? t->in_len : 1);
			if (!t->in) {
				ddns_engine_on_refused(e, r->srv, r, "TCP: out of memory", now_ns);
				return false;
			}
		}
		if (t->in_have >= 2 && t->in_have == (size_t)t->in_len + 2) {
			/* on_answer may close t and send again: hand it a copy's worth of life. */
			uint8_t *msg = t->in;
			size_t len = t->in_len;
			t->in = NULL;
			ddns_engine_on_answer(e, r->srv, -1, r, msg, len, now_ns);
			free(msg);
			return true;
		}
	}
}

void ddns_io_poll(struct ddns_engine *e, int64_t now_ns)
{
	for (unsigned i = 0; i < e->n_srv; i++)
		udp_poll(e, &e->srv[i], now_ns);

	/* TCP attempts: one poll() over their sockets, zero timeout. */
	nfds_t n = 0;
	for (struct ddns_req *r = e->t_head; r && n < e->cfg.max_in_flight; r = r->t_next) {
		if (!r->tcp || r->tcp->fd < 0)
			continue;
		e->pfd[n].fd = r->tcp->fd;
		e->pfd[n].events = POLLIN | (r->tcp->out_off < r->tcp->out_len ? POLLOUT : 0);
		e->pfd[n].revents = 0;
		e->pfd_req[n] = r;
		e->pfd_attempt[n++] = r->attempt;
	}
	if (!n || poll(e->pfd, n, 0) <= 0)
		return;
	for (nfds_t i = 0; i < n; i++) {
		struct ddns_req *r = e->pfd_req[i];
		/* Requests are freed only after the poll; one may have moved on to a new attempt. */
		if (e->pfd[i].revents && r->tcp && r->attempt == e->pfd_attempt[i])
			(void)tcp_step(e, r, e->pfd[i].revents, now_ns);
	}
}
