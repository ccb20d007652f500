/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The failover TCP link (fo_link.h). ISC's listener accepts a connection
 * only when its source is the configured peer address (failover.md sec
 * 7.1), and an ISC peer checks ours the same way: so outbound connections
 * are bound to our own failover address, and inbound ones from anywhere
 * else are closed at once and counted.
 */
#define _GNU_SOURCE /* accept4 */
#include "fo_link.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void sockaddr_of(struct sockaddr_in *sa, uint32_t addr, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(addr);
	sa->sin_port = htons(port);
}

static int set_socket_options(int fd)
{
	int one = 1;

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return -errno;
	/* Control messages are small and latency-bound (CONTACT, BNDACK). */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

int fo_link_init(struct fo_link *l, uint32_t own_addr, uint16_t own_port, uint32_t peer_addr,
		 uint16_t peer_port)
{
	struct sockaddr_in sa;
	int one = 1;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->own_addr = own_addr;
	l->own_port = own_port;
	l->peer_addr = peer_addr;
	l->peer_port = peer_port;
	l->out = malloc(FO_LINK_OUT_MAX);
	l->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!l->out || l->listen_fd < 0)
		goto fail;
	(void)setsockopt(l->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_of(&sa, own_addr, own_port);
	if (bind(l->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(l->listen_fd, 4) < 0 || set_socket_options(l->listen_fd) < 0)
		goto fail;
	return 0;
fail:;
	int err = errno ? -errno : -ENOMEM;
	fo_link_fini(l);
	return err;
}

void fo_link_fini(struct fo_link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->listen_fd >= 0)
		close(l->listen_fd);
	free(l->out);
	l->out = NULL;
	l->fd = l->listen_fd = -1;
	l->state = FO_LINK_DOWN;
}

static void reset_buffers(struct fo_link *l)
{
	l->in_head = l->in_len = 0;
	l->out_head = l->out_len = 0;
}

int fo_link_connect(struct fo_link *l)
{
	struct sockaddr_in sa;
	int one = 1;

	if (l->state != FO_LINK_DOWN)
		return -EALREADY;
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return -errno;
	(void)setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_of(&sa, l->own_addr, 0);
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || set_socket_options(l->fd) < 0)
		goto fail;
	sockaddr_of(&sa, l->peer_addr, l->peer_port);
	if (connect(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		goto fail;
	reset_buffers(l);
	l->state = FO_LINK_CONNECTING;
	l->outbound = true;
	return 0;
fail:;
	int err = -errno;
	close(l->fd);
	l->fd = -1;
	return err;
}

void fo_link_close(struct fo_link *l, const char *why)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->state = FO_LINK_DOWN;
	reset_buffers(l);
	snprintf(l->why, sizeof(l->why), "%s", why);
}

static void accept_pending(struct fo_link *l)
{
	for (int i = 0; i < 8; i++) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(l->listen_fd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (sa.sin_family != AF_INET || ntohl(sa.sin_addr.s_addr) != l->peer_addr) {
			l->refused_wrong_source++;
			fprintf(
			    stderr,
			    "leasewired: failover: refused a connection from %u.%u.%u.%u: "
			    "not the configured peer-address\n",
			    ntohl(sa.sin_addr.s_addr) >> 24, ntohl(sa.sin_addr.s_addr) >> 16 & 255,
			    ntohl(sa.sin_addr.s_addr) >> 8 & 255, ntohl(sa.sin_addr.s_addr) & 255);
			close(fd);
			continue;
		}
		if (l->state == FO_LINK_UP) {
			/* draft-12 sec 8.2: one connection per relationship. */
			l->refused_duplicate++;
			close(fd);
			continue;
		}
		if (set_socket_options(fd) < 0) {
			close(fd);
			continue;
		}
		if (l->fd >= 0)
			close(
			    l->fd); /* an outbound attempt still connecting: use the inbound one */
		l->fd = fd;
		l->outbound = false;
		l->state = FO_LINK_UP;
		reset_buffers(l);
	}
}

static bool flush_out(struct fo_link *l)
{
	while (l->out_len) {
		size_t chunk = l->out_len;
		if (l->out_head + chunk > FO_LINK_OUT_MAX)
			chunk = FO_LINK_OUT_MAX - l->out_head;
		ssize_t n = send(l->fd, l->out + l->out_head, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			char why[64];
			snprintf(why, sizeof(why), "send: %s", strerror(errno));
			fo_link_close(l, why);
			return false;
		}
		l->out_head = (l->out_head + (size_t)n) % FO_LINK_OUT_MAX;
		l->out_len -= (size_t)n;
	}
	l->out_head = 0;
	return true;
}

bool fo_link_poll(struct fo_link *l, bool accept_dups, bool *went_down)
{
	bool came_up = false;
	enum fo_link_state before = l->state;

	*went_down = false;
	if (l->state != FO_LINK_UP || accept_dups)
		accept_pending(l);
	if (before != FO_LINK_UP && l->state == FO_LINK_UP)
		came_up = true;
	if (l->state == FO_LINK_CONNECTING) {
		int err = 0;
		socklen_t el = sizeof(err);
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err) {
			char why[64];
			snprintf(why, sizeof(why), "connect: %s", strerror(err));
			fo_link_close(l, why);
			return false; /* never up: not "went down" */
		}
		if (getpeername(l->fd, (struct sockaddr *)&sa, &sl) == 0) {
			l->state = FO_LINK_UP;
			came_up = true;
		}
	}
	if (l->state != FO_LINK_UP)
		return false;
	if (l->in_head) {
		/* Compact once per pass, not once per message. */
		memmove(l->in, l->in + l->in_head, l->in_len);
		l->in_head = 0;
	}
	while (l->in_len < sizeof(l->in)) {
		ssize_t n = recv(l->fd, l->in + l->in_len, sizeof(l->in) - l->in_len, MSG_DONTWAIT);
		if (n > 0) {
			l->in_len += (size_t)n;
			continue;
		}
		if (n == 0) {
			fo_link_close(l, "the partner closed the connection");
			*went_down = true;
			return came_up;
		}
		if (errno == EAGAIN || errno == EINTR)
			break;
		char why[64];
		snprintf(why, sizeof(why), "recv: %s", strerror(errno));
		fo_link_close(l, why);
		*went_down = true;
		return came_up;
	}
	if (!flush_out(l))
		*went_down = true;
	return came_up;
}

int fo_link_next(struct fo_link *l, uint8_t *buf)
{
	const uint8_t *p = l->in + l->in_head;
	int flen = fo_msg_frame_len(p, l->in_len);

	if (flen <= 0)
		return flen;
	if ((size_t)flen > l->in_len)
		return 0;
	memcpy(buf, p, (size_t)flen);
	l->in_head += (size_t)flen;
	l->in_len -= (size_t)flen;
	return flen;
}

int fo_link_send(struct fo_link *l, const uint8_t *msg, size_t len)
{
	if (l->state != FO_LINK_UP)
		return -ENOTCONN;
	if (len > FO_LINK_OUT_MAX - l->out_len)
		return -ENOBUFS;
	size_t tail = (l->out_head + l->out_len) % FO_LINK_OUT_MAX;
	size_t first = len < FO_LINK_OUT_MAX - tail ? len : FO_LINK_OUT_MAX - tail;
	memcpy(l->out + tail, msg, first);
	memcpy(l->out, msg + first, len - first);
	l->out_len += len;
	return 0;
}
