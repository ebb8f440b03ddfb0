/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * berth-httpd's file layer (apps/httpd/http_files.c): the path table that
 * answers repeated lookups without a system call for --file-recheck-ms,
 * and notices a changed file once that time is over. No EAL: only the
 * lookups and the mapping cache run, no mbuf is made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "http_files.h"

#define MS 1000000ull

static char root[64];

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* Look path up at now; the size found (UINT64_MAX on failure), reference dropped. */
static uint64_t
size_at(struct http_files *fs, const char *path, uint64_t now, const char **type)
{
	struct http_file_info fi;
	uint64_t size;

	if (http_files_lookup(fs, path, now, &fi) != 0)
		return UINT64_MAX;
	size = fi.size;
	if (type != NULL)
		*type = fi.type;
	http_map_put(fs, fi.map);
	return size;
}

static void
test_path_reuse_and_recheck(void)
{
	struct http_files *fs;
	const struct http_files_stats *st;
	const char *type = NULL;

	write_file("a.txt", "12345");
	CU_ASSERT_EQUAL_FATAL(http_files_open(&fs, root, 8, 1000 * MS), 0);
	st = http_files_stats(fs);
	CU_ASSERT_EQUAL(size_at(fs, "/a.txt", 0, NULL), 5);
	CU_ASSERT_EQUAL(st->path_hits, 0);
	CU_ASSERT_EQUAL(size_at(fs, "/a.txt", 1 * MS, &type), 5);
	CU_ASSERT_EQUAL(st->path_hits, 1);
	CU_ASSERT_EQUAL(st->cache_hits, 1);
	CU_ASSERT_STRING_EQUAL(type, "text/plain; charset=utf-8");

	/* Changed on disk: within the recheck time the path is still trusted. */
	write_file("a.txt", "1234567890");
	CU_ASSERT_EQUAL(size_at(fs, "/a.txt", 999 * MS, NULL), 5);
	CU_ASSERT_EQUAL(st->path_hits, 2);
	/* A second after the check that resolved it: opened again, mapped afresh. */
	CU_ASSERT_EQUAL(size_at(fs, "/a.txt", 1000 * MS, NULL), 10);
	CU_ASSERT_EQUAL(st->path_hits, 2);
	CU_ASSERT_EQUAL(st->maps, 2);
	CU_ASSERT_EQUAL(size_at(fs, "/a.txt", 1001 * MS, NULL), 10);
	CU_ASSERT_EQUAL(st->path_hits, 3);

	/* A directory: "/" names its index.html, its type is the index's. */
	write_file("index.html", "<p>x</p>");
	CU_ASSERT_EQUAL(size_at(fs, "/", 2000 * MS, &type), 8);
	CU_ASSERT_EQUAL(size_at(fs, "/", 2001 * MS, &type), 8);
	CU_ASSERT_EQUAL(st->path_hits, 4);
	CU_ASSERT_STRING_EQUAL(type, "text/html; charset=utf-8");

	/* Removed: a failed lookup is not remembered, the path is resolved again. */
	CU_ASSERT_EQUAL(size_at(fs, "/nothing", 2002 * MS, NULL), UINT64_MAX);
	CU_ASSERT_EQUAL(size_at(fs, "/nothing", 2003 * MS, NULL), UINT64_MAX);
	CU_ASSERT_EQUAL(st->path_hits, 4);
	CU_ASSERT_EQUAL(http_files_close(fs), 0);
}

/* A path is never trusted beyond its mapping: evicted, it is resolved again. */
static void
test_path_after_eviction(void)
{
	struct http_files *fs;
	const struct http_files_stats *st;

	write_file("a.txt", "12345");
	write_file("b.txt", "123");
	CU_ASSERT_EQUAL_FATAL(http_files_open(&fs, root, 1, 1000 * MS), 0);
	st = http_files_stats(fs);
	CU_ASSERT_EQUAL(size_at(fs, "/a.txt", 0, NULL), 5);
	CU_ASSERT_EQUAL(size_at(fs, "/b.txt", 1 * MS, NULL), 3); /* evicts a.txt */
	CU_ASSERT_EQUAL(st->evictions, 1);
	CU_ASSERT_EQUAL(size_at(fs, "/a.txt", 2 * MS, NULL), 5);
	CU_ASSERT_EQUAL(st->path_hits, 0);
	CU_ASSERT_EQUAL(st->maps, 3);
	CU_ASSERT_EQUAL(st->live_maps, 1);
	CU_ASSERT_EQUAL(http_files_close(fs), 0);
}

/* Recheck 0: every lookup opens the file (the behaviour before the table). */
static void
test_recheck_zero(void)
{
	struct http_files *fs;

	write_file("a.txt", "12345");
	CU_ASSERT_EQUAL_FATAL(http_files_open(&fs, root, 8, 0), 0);
	CU_ASSERT_EQUAL(size_at(fs, "/a.txt", 0, NULL), 5);
	write_file("a.txt", "1234567890");
	CU_ASSERT_EQUAL(size_at(fs, "/a.txt", 0, NULL), 10);
	CU_ASSERT_EQUAL(http_files_stats(fs)->path_hits, 0);
	CU_ASSERT_EQUAL(http_files_close(fs), 0);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int failed;
	char cmd[128];

	snprintf(root, sizeof(root), "/tmp/berth-test-files.XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("http_files", NULL, NULL);
	CU_add_test(s, "path reused, rechecked after its time", test_path_reuse_and_recheck);
	CU_add_test(s, "path of an evicted mapping resolved again", test_path_after_eviction);
	CU_add_test(s, "recheck 0: every lookup opens", test_recheck_zero);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "test_http_files: could not remove %s\n", root);
	return failed == 0 ? 0 : 1;
}
