/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dhcp/client_key.h"
#include "base/crc32c.h"

/*
 * The hash is CRC-32C (crc32c() with initial value 0) of the key bytes,
 * followed by the murmur3 32-bit finaliser. CRC-32C alone is linear over
 * GF(2): for keys that differ only in a few bits (sequential MACs), the
 * shard bit (hash >> 16 ^ hash) % 2 is a fixed linear function of those
 * bits and can put a whole block of clients on one worker. The finaliser
 * breaks that linearity. Both steps are fixed forever: recovery re-shards
 * journal records with this value (client_key.h), so the golden values in
 * tests/unit/common/dhcp/test_client_key.c must never change.
 */
static uint32_t client_key_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

uint32_t client_key_hash(const uint8_t *bytes, size_t len)
{
	return client_key_mix(crc32c(0, bytes, len));
}

enum drop_reason client_key_from_msg(const struct dhcp_msg *msg, struct client_key *key)
{
	const uint8_t *cid;
	uint16_t cid_len = 0;
	uint8_t nonzero = 0;

	/*
	 * RFC 2131 sec 4.2: the client identifier, when supplied, identifies
	 * the client; otherwise the server uses chaddr (with htype, since the
	 * same bytes on two link types are two clients). The xid never does.
	 */
	cid = dhcp_msg_opt(msg, DHO_CLIENT_ID, &cid_len);
	if (cid != NULL) {
		/* RFC 2132 sec 9.14: type byte plus at least one byte of id. */
		if (cid_len < 2 || cid_len > LEASE_KEY_MAX - 1)
			return DROP_CLIENT_ID;
		key->bytes[0] = LEASE_KEY_CLIENT_ID;
		memcpy(key->bytes + 1, cid, cid_len);
		key->len = (uint8_t)(cid_len + 1);
		goto out;
	}

	/*
	 * The parser already drops hlen > 16 (DROP_HLEN); a struct filled by
	 * other code gets no identity rather than a read past chaddr.
	 */
	if (msg->hlen == 0 || msg->hlen > sizeof(msg->chaddr))
		return DROP_NO_IDENTITY;
	for (unsigned i = 0; i < msg->hlen; i++)
		nonzero |= msg->chaddr[i];
	if (nonzero == 0)
		return DROP_NO_IDENTITY;
	key->bytes[0] = LEASE_KEY_HWADDR;
	key->bytes[1] = msg->htype;
	memcpy(key->bytes + 2, msg->chaddr, msg->hlen);
	key->len = (uint8_t)(msg->hlen + 2);
out:
	key->hash = client_key_hash(key->bytes, key->len);
	return DROP_NONE;
}
