/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs a fuzz target over every file of a corpus directory, so the corpus
 * is replayed as an ordinary test on every build (reliability.md P10). Each
 * input is copied into an exactly sized malloc buffer so ASan sees overreads.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	uint8_t tmp[65536];
	size_t n = fread(tmp, 1, sizeof(tmp), f);
	fclose(f);
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact)
		return -1;
	memcpy(exact, tmp, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned files = 0, failed = 0;
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
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			failed += replay_file(path) != 0;
			files++;
		}
		closedir(d);
	}
	printf("%u inputs replayed, %u unreadable\n", files, failed);
	return failed || files == 0 ? 1 : 0;
}
