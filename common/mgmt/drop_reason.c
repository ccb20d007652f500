/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt/drop_reason.h"

static const char *const drop_names[DROP__COUNT] = {
#define DROP_REASON_NAME(name, str, help) [DROP_##name] = str,
	DROP_REASON_LIST(DROP_REASON_NAME)
#undef DROP_REASON_NAME
};

static const char *const drop_helps[DROP__COUNT] = {
#define DROP_REASON_HELP(name, str, help) [DROP_##name] = help,
	DROP_REASON_LIST(DROP_REASON_HELP)
#undef DROP_REASON_HELP
};

const char *drop_reason_name(enum drop_reason reason)
{
	return (unsigned)reason < DROP__COUNT ? drop_names[reason] : "invalid";
}

const char *drop_reason_help(enum drop_reason reason)
{
	return (unsigned)reason < DROP__COUNT ? drop_helps[reason] : "invalid";
}
