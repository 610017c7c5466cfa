// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of -o writing (user/outfile.c): an existing file survives an
 * abort byte for byte, a commit replaces it keeping its mode, a checkpoint
 * publishes what was written while writing goes on, a symbolic link stays a
 * link, /dev/null is written in place, and no temporary file is left.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "outfile.h"

static char dir[] = "/tmp/tt-outfile.XXXXXX";
static char path[256];

static void put(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *get(const char *p)
{
	static char buf[256];
	FILE *f = fopen(p, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Files in the directory other than the test's own: temporary files left behind. */
static int leftovers(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".tt-") != NULL;
	closedir(d);
	return n;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/report", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static void test_abort_keeps_existing(void **state)
{
	struct tt_outfile of;

	(void)state;
	put(path, "old report\n");
	assert_int_equal(tt_outfile_open(&of, path), 0);
	fputs("half a new one", of.f);
	assert_string_equal(get(path), "old report\n");
	tt_outfile_abort(&of);
	assert_string_equal(get(path), "old report\n");
	assert_int_equal(leftovers(), 0);
}

static void test_commit_replaces_keeps_mode(void **state)
{
	struct tt_outfile of;
	struct stat st;

	(void)state;
	put(path, "old report\n");
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(tt_outfile_open(&of, path), 0);
	fputs("new report\n", of.f);
	assert_int_equal(tt_outfile_finish(&of, 0), 0);
	assert_string_equal(get(path), "new report\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(leftovers(), 0);
}

static void test_checkpoint(void **state)
{
	struct tt_outfile of;

	(void)state;
	unlink(path);
	assert_int_equal(tt_outfile_open(&of, path), 0);
	assert_int_equal(access(path, F_OK), -1);	/* nothing until there is something whole */
	fputs("one\n", of.f);
	assert_int_equal(tt_outfile_checkpoint(&of), 0);
	assert_string_equal(get(path), "one\n");
	fputs("two\n", of.f);
	assert_string_equal(get(path), "one\n");
	assert_int_equal(tt_outfile_checkpoint(&of), 0);
	assert_string_equal(get(path), "one\ntwo\n");
	fputs("three, never finished", of.f);
	tt_outfile_abort(&of);
	assert_string_equal(get(path), "one\ntwo\n");	/* the last whole state stays */
	assert_int_equal(leftovers(), 0);
}

static void test_symlink_followed(void **state)
{
	struct tt_outfile of;
	char link[300];
	struct stat st;

	(void)state;
	put(path, "old\n");
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink("report", link), 0);
	assert_int_equal(tt_outfile_open(&of, link), 0);
	fputs("through the link\n", of.f);
	assert_int_equal(tt_outfile_finish(&of, 0), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(get(path), "through the link\n");
	assert_int_equal(leftovers(), 0);
	unlink(link);
}

static void test_device_in_place(void **state)
{
	struct tt_outfile of;

	(void)state;
	assert_int_equal(tt_outfile_open(&of, "/dev/null"), 0);
	assert_null(of.tmp);
	fputs("gone\n", of.f);
	assert_int_equal(tt_outfile_finish(&of, 0), 0);
}

/* "-" is standard output, as for every input that reads "-" as stdin */
static void test_dash_is_stdout(void **state)
{
	struct tt_outfile of;

	(void)state;
	assert_int_equal(tt_outfile_open(&of, "-"), 0);
	assert_ptr_equal(of.f, stdout);
	assert_null(of.tmp);
	assert_null(of.target);
	assert_int_equal(tt_outfile_finish(&of, 0), 0);
	assert_int_equal(access("-", F_OK), -1);
}

static void test_errors(void **state)
{
	struct tt_outfile of;

	(void)state;
	assert_int_equal(tt_outfile_open(&of, dir), -EISDIR);
	assert_int_equal(tt_outfile_open(&of, "/nonexistent-dir/report"), -ENOENT);
	/* a failed run's error wins over commit */
	assert_int_equal(tt_outfile_open(&of, path), 0);
	assert_int_equal(tt_outfile_finish(&of, -EINVAL), -EINVAL);
	assert_int_equal(leftovers(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abort_keeps_existing),
		cmocka_unit_test(test_commit_replaces_keeps_mode),
		cmocka_unit_test(test_checkpoint),
		cmocka_unit_test(test_symlink_followed),
		cmocka_unit_test(test_device_in_place),
		cmocka_unit_test(test_dash_is_stdout),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
