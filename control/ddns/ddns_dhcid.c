/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 4701 DHCID computation (ddns_dhcid.h). */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "ddns/client_name.h"
#include "ddns/ddns_dhcid.h"
#include "lease/lease.h"

int ddns_dhcid_raw(uint16_t type, const uint8_t *id, size_t id_len, const char *name,
		   size_t name_len, uint8_t out[DHCID_LEN])
{
	uint8_t wire[DNS_NAME_TEXT_MAX + 2];
	unsigned int dlen = 0;
	int wlen = dns_name_to_wire(name, name_len, wire, sizeof(wire));
	EVP_MD_CTX *md;
	int ok;

	if (wlen < 0 || !id_len)
		return -EINVAL;
	md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	/* SHA-256(identifier || canonical wire name), RFC 4701 sec 3.3 */
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) && EVP_DigestUpdate(md, id, id_len) &&
	     EVP_DigestUpdate(md, wire, (size_t)wlen) && EVP_DigestFinal_ex(md, out + 3, &dlen);
	EVP_MD_CTX_free(md);
	if (!ok || dlen != 32)
		return -EIO;
	out[0] = (uint8_t)(type >> 8);
	out[1] = (uint8_t)type;
	out[2] = 1; /* digest type SHA-256 */
	return 0;
}

int ddns_dhcid(const uint8_t *key, size_t key_len, const char *name, size_t name_len,
	       uint8_t out[DHCID_LEN])
{
	if (key_len < 2)
		return -EINVAL;
	if (key[0] == LEASE_KEY_HWADDR)
		return ddns_dhcid_raw(DHCID_TYPE_HWADDR, key + 1, key_len - 1, name, name_len, out);
	if (key[0] != LEASE_KEY_CLIENT_ID)
		return -EINVAL;
	/* RFC 4361: type 255, a 4-byte IAID, then the DUID. */
	if (key[1] == 255 && key_len > 1 + 5 && key_len - 6 <= 130)
		return ddns_dhcid_raw(DHCID_TYPE_DUID, key + 6, key_len - 6, name, name_len, out);
	return ddns_dhcid_raw(DHCID_TYPE_CLIENT_ID, key + 1, key_len - 1, name, name_len, out);
}
