/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the config loader: any bytes must either load or produce
 * a NUL-terminated "<path>: <reason>" error, never crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CFG_ERR_LEN];
	struct lw_config *cfg;
	char *text;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 0x5a, sizeof(err));

	cfg = config_load_string(text, err);
	if (!memchr(err, '\0', sizeof(err)))
		abort();
	if (cfg) {
		/* Exercise the lookups on whatever loaded. */
		for (size_t i = 0; i < cfg->n_subnets; i++) {
			const struct cfg_subnet *sn = &cfg->subnets[i];
			if (config_subnet_by_id(cfg, sn->id) != sn)
				abort();
			for (size_t j = 0; j < sn->n_options; j++)
				if (!config_option(cfg, sn, sn->options[j].code))
					abort();
		}
		config_free(cfg);
	} else if (!err[0]) {
		abort();
	}
	free(text);
	return 0;
}
