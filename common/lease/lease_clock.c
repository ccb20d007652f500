/* SPDX-License-Identifier: BSD-3-Clause */
#include "lease/lease_clock.h"

#include <stddef.h>
#include <time.h>

static int64_t read_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int64_t sys_mono_ns(void *arg)
{
	(void)arg;
	return read_clock(CLOCK_MONOTONIC);
}

static int64_t sys_wall_ns(void *arg)
{
	(void)arg;
	return read_clock(CLOCK_REALTIME);
}

static const struct lease_clock_source sys_source = { sys_mono_ns, sys_wall_ns, NULL };

void lease_clock_init(struct lease_clock *c, const struct lease_clock_source *src)
{
	c->src = src ? *src : sys_source;
	c->anchor_mono_ns = c->src.mono_ns(c->src.arg);
	c->anchor_wall_ns = c->src.wall_ns(c->src.arg);
	atomic_init(&c->offset_ns, 0);
	atomic_init(&c->steps, 0);
}

int64_t lease_clock_now_ns(const struct lease_clock *c)
{
	return c->anchor_wall_ns + (c->src.mono_ns(c->src.arg) - c->anchor_mono_ns);
}

int64_t lease_clock_now(const struct lease_clock *c)
{
	int64_t ns = lease_clock_now_ns(c);
	/* Floor division: a time before 1970 (only in tests) still rounds down. */
	return ns >= 0 ? ns / 1000000000ll : -((-ns + 999999999ll) / 1000000000ll);
}

int64_t lease_clock_check(struct lease_clock *c, int64_t step_ns)
{
	int64_t offset = c->src.wall_ns(c->src.arg) - lease_clock_now_ns(c);
	int64_t prev = atomic_load_explicit(&c->offset_ns, memory_order_relaxed);
	int64_t jump = offset - prev;

	atomic_store_explicit(&c->offset_ns, offset, memory_order_relaxed);
	if (jump > step_ns || jump < -step_ns) {
		atomic_fetch_add_explicit(&c->steps, 1, memory_order_relaxed);
		return jump;
	}
	return 0;
}
