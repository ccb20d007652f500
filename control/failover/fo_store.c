/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The failover state's durable record (draft-12 sec 9: every transition is
 * written to stable storage with its time before it takes effect), kept
 * beside the lease journal as <lease dir>/failover.state: one fixed-size,
 * CRC-checked record (fo_fsm_record_encode), replaced whole through a
 * temporary file, fsync, rename and a directory fsync, so a power cut
 * leaves the old state or the new one, never a torn one.
 *
 * Why not a journal record: state changes are rare (a handful per
 * partner outage), the record is read once before the journal is
 * replayed, and keeping it out of the lease journal leaves the journal's
 * format, compaction and recovery exactly as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fo_internal.h"

int fo_store_read(const char *path, struct fo_fsm_record *r, bool *found)
{
	uint8_t buf[FO_FSM_RECORD_BYTES + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	*found = false;
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if (fo_fsm_record_decode(buf, (size_t)n, r) < 0)
		return -EBADMSG;
	*found = true;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fo_store_write(const char *path, const struct fo_fsm_record *r)
{
	uint8_t buf[FO_FSM_RECORD_BYTES];
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd, dfd, rc;

	fo_fsm_record_encode(r, buf);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, buf, sizeof(buf));
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	rc = fsync(dfd) < 0 ? -errno : 0;
	close(dfd);
	return rc;
}
