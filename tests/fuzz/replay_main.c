/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs a fuzz target over every file of a corpus directory, so the corpus
 * is replayed as an ordinary test on every build (reliability.md P10). Each
 * input is read whole, whatever its size, into an exactly sized malloc
 * buffer so ASan sees overreads; a target that takes only a prefix cuts it
 * itself, as it must under libFuzzer. A file that cannot be read whole
 * fails the run with the reason: a silently shortened input would replay
 * something other than what the corpus holds.
 *
 * A target may define LLVMFuzzerInitialize (libFuzzer calls it once before
 * the first input); it is called here the same way. A target that cannot
 * set itself up in this environment (e.g. DPDK's EAL refuses to start)
 * exits 77, which meson reports as a skip.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path)
{
	struct stat st;
	uint8_t *exact = NULL;
	size_t n = 0;
	int rc = -1;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "%s: stat: %s\n", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: not a regular file\n", path);
		goto out;
	}
	n = (size_t)st.st_size;
	exact = malloc(n ? n : 1);
	if (!exact) {
		fprintf(stderr, "%s: cannot allocate %zu bytes\n", path, n);
		goto out;
	}
	if (n && fread(exact, 1, n, f) != n) {
		fprintf(stderr, "%s: short read of %zu bytes: %s\n", path, n,
			ferror(f) ? strerror(errno) : "file shrank while read");
		goto out;
	}
	/* One more byte would mean the file grew after fstat: not the input we sized. */
	if (fgetc(f) != EOF) {
		fprintf(stderr, "%s: file grew while read\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(exact, n);
	rc = 0;
out:
	free(exact);
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned files = 0, failed = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		if (!d) {
			failed += replay_file(argv[i]) != 0;
			files++;
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			if (snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name) >=
			    (int)sizeof(path)) {
				fprintf(stderr, "%s/%s: path too long\n", argv[i], e->d_name);
				failed++;
				files++;
				continue;
			}
			failed += replay_file(path) != 0;
			files++;
		}
		closedir(d);
	}
	printf("%u inputs replayed, %u unreadable\n", files, failed);
	return failed || files == 0 ? 1 : 0;
}
