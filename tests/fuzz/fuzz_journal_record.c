/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the journal record codec (reliability.md P05, D08). Pure: no files,
 * so it links with common/ only; the file-level loader is exercised by
 * tests/unit/control/journal/test_journal_recovery.c (random_damage_never_crashes).
 *
 * First byte even (records start with 'N', 0x4e): walk the input as a
 * journal, the way recovery does, and check the walker always progresses
 * and every accepted record re-encodes to exactly the bytes it came from.
 * First byte odd: build an image from the bytes; whatever the writer
 * accepts, the reader must return unchanged (the writer validates like the
 * reader, CVE-2019-6474).
 */
#include <stdlib.h>
#include <string.h>

#include "lease/journal_record.h"

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		uint64_t seq = 0;
		uint8_t type = 0;
		struct lease_image img;
		size_t used = 0;
		enum journal_decode_result r =
		    journal_record_decode(data + off, size - off, &seq, &type, &img, &used);

		switch (r) {
		case JOURNAL_DECODE_OK: {
			uint8_t again[JOURNAL_RECORD_MAX];
			CHECK(used > JOURNAL_HEADER_LEN && used <= size - off);
			int n = journal_record_encode(again, sizeof(again), seq,
						      (enum journal_rec_type)type, &img);
			if (data[off + 21] == JOURNAL_FORMAT_VERSION) {
				/* Today's format: canonical, byte for byte. */
				CHECK(n == (int)used);
				CHECK(memcmp(again, data + off, used) == 0);
			} else {
				/* An older format is rewritten in today's: same lease. */
				struct lease_image back;
				uint64_t seq2 = 0;
				uint8_t type2 = 0;
				size_t used2 = 0;
				CHECK(n > 0);
				CHECK(journal_record_decode(again, (size_t)n, &seq2, &type2, &back,
							    &used2) == JOURNAL_DECODE_OK);
				CHECK(seq2 == seq && type2 == type && used2 == (size_t)n);
				CHECK(memcmp(&back, &img, sizeof(img)) == 0);
			}
			off += used;
			break;
		}
		case JOURNAL_DECODE_BAD_CRC:
		case JOURNAL_DECODE_BAD_BODY:
			CHECK(used > JOURNAL_HEADER_LEN && used <= size - off);
			off += used;
			break;
		case JOURNAL_DECODE_SHORT:
		case JOURNAL_DECODE_BAD_MAGIC:
		case JOURNAL_DECODE_BAD_LEN:
			CHECK(used == 0);
			off++;
			break;
		default: abort();
		}
	}
}

/* Take n bytes little-endian from the input, zeros past its end. */
static uint64_t take(const uint8_t *data, size_t size, size_t *pos, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++, (*pos)++)
		if (*pos < size)
			v |= (uint64_t)data[*pos] << (8 * i);
	return v;
}

static void round_trip(const uint8_t *data, size_t size)
{
	struct lease_image in, out;
	size_t pos = 1;

	memset(&in, 0, sizeof(in));
	unsigned type = (unsigned)take(data, size, &pos, 1);
	uint64_t seq = take(data, size, &pos, 8);
	in.ip = (uint32_t)take(data, size, &pos, 4);
	in.subnet_id = (uint32_t)take(data, size, &pos, 4);
	in.state = (uint8_t)take(data, size, &pos, 1);
	in.flags = (uint8_t)take(data, size, &pos, 1);
	in.htype = (uint8_t)take(data, size, &pos, 1);
	in.hlen = (uint8_t)take(data, size, &pos, 1);
	for (size_t i = 0; i < sizeof(in.chaddr); i++)
		in.chaddr[i] = (uint8_t)take(data, size, &pos, 1);
	in.cltt = (int64_t)take(data, size, &pos, 8);
	in.expire = (int64_t)take(data, size, &pos, 8);
	in.lease_secs = (uint32_t)take(data, size, &pos, 4);
	in.partner_expire = (int64_t)take(data, size, &pos, 8);
	in.addr_version = (uint32_t)take(data, size, &pos, 4);
	in.key_len = (uint8_t)take(data, size, &pos, 1);
	for (size_t i = 0; i < in.key_len && i < LEASE_KEY_MAX; i++)
		in.key[i] = (uint8_t)take(data, size, &pos, 1);
	/* Format 2's fields last, so the older seeds keep their meaning (zeros past the end). */
	in.fo_status = (uint8_t)take(data, size, &pos, 1);
	in.fo_flags = (uint8_t)take(data, size, &pos, 1);
	in.stos = (int64_t)take(data, size, &pos, 8);
	in.sent_pet = (int64_t)take(data, size, &pos, 8);

	uint8_t buf[JOURNAL_RECORD_MAX];
	int n = journal_record_encode(buf, sizeof(buf), seq, (enum journal_rec_type)type, &in);
	CHECK((n < 0) == (journal_record_validate(type, &in) < 0));
	if (n < 0)
		return;

	/* Exactly sized, so a read past the record is an ASan report. */
	uint8_t *exact = malloc((size_t)n);
	CHECK(exact != NULL);
	memcpy(exact, buf, (size_t)n);
	uint64_t seq_out;
	uint8_t type_out;
	size_t used;
	CHECK(journal_record_decode(exact, (size_t)n, &seq_out, &type_out, &out, &used) ==
	      JOURNAL_DECODE_OK);
	CHECK(used == (size_t)n && seq_out == seq && type_out == type);
	CHECK(out.addr_version == in.addr_version);
	CHECK(out.ip == in.ip && out.subnet_id == in.subnet_id && out.state == in.state &&
	      out.flags == in.flags && out.htype == in.htype && out.hlen == in.hlen &&
	      out.cltt == in.cltt && out.expire == in.expire && out.lease_secs == in.lease_secs &&
	      out.partner_expire == in.partner_expire && out.key_len == in.key_len);
	CHECK(out.fo_status == in.fo_status && out.fo_flags == in.fo_flags && out.stos == in.stos &&
	      out.sent_pet == in.sent_pet);
	CHECK(memcmp(out.chaddr, in.chaddr, sizeof(in.chaddr)) == 0);
	CHECK(memcmp(out.key, in.key, in.key_len) == 0);
	/* Any strict prefix is a torn record, never an accepted one. */
	for (size_t cut = 0; cut < (size_t)n; cut++)
		CHECK(journal_record_decode(exact, cut, &seq_out, &type_out, &out, &used) ==
		      JOURNAL_DECODE_SHORT);
	free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		round_trip(data, size);
	else
		walk(data, size);
	return 0;
}
