/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the layer 2-4 codec: any byte string must either be
 * dropped with a reason or yield offsets inside the frame, and the in-place
 * replies must stay inside an exactly sized buffer (so ASan sees any write
 * or read past the request).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_info info;
	enum drop_reason again;
	uint8_t *copy;
	int n;

	if (frame_parse(data, size, &info) != DROP_NONE)
		return 0;
	if (info.l3_off > size)
		abort();

	switch (info.kind) {
	case FRAME_DHCP:
		if ((size_t)info.payload_off + info.payload_len > size)
			abort();
		break;
	case FRAME_ARP:
	case FRAME_ICMP_ECHO:
		copy = malloc(size);
		if (!copy)
			return 0;
		memcpy(copy, data, size);
		if (info.kind == FRAME_ARP)
			n = frame_arp_reply_inplace(copy, size, &info, fuzz_mac);
		else
			n = frame_icmp_echo_reply_inplace(copy, size, &info, fuzz_mac);
		/* A request the parser accepted must always be answerable. */
		if (n <= 0 || (size_t)n > size)
			abort();
		/* Our reply must itself pass the IPv4/ARP rungs, then stop at "not a request". */
		again = info.kind == FRAME_ARP ? DROP_ARP_INVALID : DROP_ICMP_INVALID;
		if (frame_parse(copy, (size_t)n, &info) != again)
			abort();
		free(copy);
		break;
	}
	return 0;
}
