/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CLOCK_MONOTONIC in nanoseconds: what every interval on the control
 * plane is measured with (module timers, commit latency, compaction
 * time, failover timers), so a wall-clock step never stretches or
 * shortens one. Any thread.
 */
#ifndef LW_MONO_CLOCK_H
#define LW_MONO_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t mono_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
