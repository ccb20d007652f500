/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The wall-clock step check as a control module (lease_clock.h): once a
 * second it asks the lease clock whether the wall clock stepped, publishes
 * clock_steps and clock_offset_ms, and logs each step once.
 */
#ifndef LW_CONTROL_CLOCK_H
#define LW_CONTROL_CLOCK_H

#include "control_module.h"

extern const struct control_module control_clock_module;

#endif
