/* SPDX-License-Identifier: BSD-3-Clause */
#include "failover/failover_view.h"

const struct failover_view failover_view_standalone = {
	.mode = FAILOVER_STANDALONE,
	.alloc_from = ALLOC_FREE | ALLOC_BACKUP,
};
