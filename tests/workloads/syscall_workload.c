// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Workload for the live tests of `tracetool syscalls`: makes an exact,
 * known number of syscalls so the tests can assert exact counts.
 *
 *   syscall_workload [--comm NAME] [--pid-file PATH] [--wait-file PATH]
 *                    [--wait-timeout SEC] [--fork] [--getppid N]
 *                    [--nanosleep M] [--sleep-us U] [--fail-close K]
 *                    [--leader-exit] [--fail-many]
 *
 * Order: set the comm (prctl PR_SET_NAME), write the pid file, wait until
 * the wait file exists, fork if asked (the child does the work and the
 * parent waits for it), then exactly N getppid, M nanosleep and K failing
 * close(-1) calls, each issued with syscall(2) so that libc neither caches
 * nor substitutes them (getppid is never cached; nanosleep is not turned
 * into clock_nanosleep).  Nothing before or after the calls uses getppid,
 * nanosleep or close(-1): the waits use inotify and poll, never nanosleep.
 *
 * --fail-many: after the calls, one call each of 32 different syscalls on
 * file descriptor -1, every one failing (EBADF, some EINVAL: many error counters
 * per process, for the tests of the error counters' bound).
 *
 * --leader-exit: the calls are made by a second thread after the main
 * thread has ended with pthread_exit (the process lives on until that
 * thread calls exit(0)): a tracer following the process must not mistake
 * the leader thread's exit for the process's.
 *
 * Silent on success (tests check that tracetool's stdout stays empty);
 * exit status 0, or 1 with a message on stderr, 2 on usage errors, 3 when
 * the wait file did not appear within --wait-timeout (default 60 s).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "syscall_workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: syscall_workload [--comm NAME] [--pid-file PATH] [--wait-file PATH]\n"
		"       [--wait-timeout SEC] [--fork] [--getppid N] [--nanosleep M]\n"
		"       [--sleep-us U] [--fail-close K] [--leader-exit]\n");
	exit(2);
}

static long count_arg(const char *opt, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "syscall_workload: %s: '%s' is not a count\n", opt, s);
		exit(2);
	}
	return v;
}

static void write_pid_file(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	/* write then rename: a reader never sees a half-written pid */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f))
		die(tmp);
	if (rename(tmp, path))
		die(path);
}

/* Block until `path` exists: inotify on its directory, poll with a timeout. */
static void wait_for_file(const char *path, int timeout_s)
{
	char dir[PATH_MAX], *slash;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct timespec start, now;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		die("inotify_init1");
	if (inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0)
		die(dir);
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* check after the watch is in place: a file created meanwhile is seen */
	while (access(path, F_OK) != 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left_ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left_ms = timeout_s * 1000L - ((now.tv_sec - start.tv_sec) * 1000L +
					       (now.tv_nsec - start.tv_nsec) / 1000000L);
		if (left_ms <= 0) {
			fprintf(stderr, "syscall_workload: %s did not appear within %d s\n", path,
				timeout_s);
			exit(3);
		}
		if (poll(&pfd, 1, (int)(left_ms > 1000 ? 1000 : left_ms)) < 0 && errno != EINTR)
			die("poll");
		while (read(fd, buf, sizeof(buf)) > 0)
			;	/* drain: the events themselves do not matter */
	}
	close(fd);
}

static void work(long n_getppid, long n_sleep, long sleep_us, long n_close)
{
	struct timespec ts = { .tv_sec = sleep_us / 1000000, .tv_nsec = (sleep_us % 1000000) * 1000 };
	long i;

	for (i = 0; i < n_getppid; i++)
		syscall(SYS_getppid);
	for (i = 0; i < n_sleep; i++)
		if (syscall(SYS_nanosleep, &ts, NULL))
			die("nanosleep");	/* EINTR would make the count inexact */
	for (i = 0; i < n_close; i++)
		if (syscall(SYS_close, -1) != -1 || errno != EBADF)
			die("close(-1) did not fail with EBADF");
}

/* Syscalls whose first argument is a file descriptor: with -1 each fails. */
static const long fd_syscalls[] = {
	SYS_read, SYS_write, SYS_close, SYS_fstat, SYS_lseek, SYS_pread64, SYS_pwrite64,
	SYS_readv, SYS_writev, SYS_ioctl, SYS_fcntl, SYS_flock, SYS_fsync, SYS_fdatasync,
	SYS_ftruncate, SYS_getdents64, SYS_fchdir, SYS_fchmod, SYS_fchown, SYS_fstatfs,
	SYS_dup, SYS_shutdown, SYS_listen, SYS_getsockname, SYS_getpeername, SYS_syncfs,
	SYS_fadvise64, SYS_readahead, SYS_flistxattr, SYS_inotify_rm_watch,
	SYS_timerfd_gettime, SYS_fgetxattr,
};

static void fail_many(void)
{
	size_t i;

	for (i = 0; i < sizeof(fd_syscalls) / sizeof(fd_syscalls[0]); i++)
		if (syscall(fd_syscalls[i], -1, 0, 0, 0) != -1)
			die("a syscall on fd -1 did not fail");
}

struct work_args {
	long n_getppid, n_sleep, sleep_us, n_close;
	pid_t leader;
};

/* Thread of --leader-exit: wait until the leader thread is a zombie, work, exit. */
static void *after_leader(void *p)
{
	const struct work_args *w = p;
	char path[64], buf[512], *st;
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)w->leader);
	for (i = 0; i < 10000; i++) {	/* 10 s at most */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;	/* gone altogether: certainly exited */
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		st = strrchr(buf, ')');
		/* a zombie leader has passed sched_process_exit */
		if (st && st[1] == ' ' && (st[2] == 'Z' || st[2] == 'X'))
			break;
		poll(NULL, 0, 1);	/* not nanosleep: that one is counted */
	}
	if (i == 10000) {
		fprintf(stderr, "syscall_workload: the leader thread did not exit\n");
		exit(3);
	}
	work(w->n_getppid, w->n_sleep, w->sleep_us, w->n_close);
	exit(0);
}

/* The calls, made by this thread or (--leader-exit) by a thread outliving it. */
static void run(struct work_args *w, int leader_exit)
{
	pthread_t t;
	int err;

	if (!leader_exit) {
		work(w->n_getppid, w->n_sleep, w->sleep_us, w->n_close);
		return;
	}
	w->leader = getpid();
	err = pthread_create(&t, NULL, after_leader, w);
	if (err) {
		errno = err;
		die("pthread_create");
	}
	pthread_exit(NULL);
}

int main(int argc, char **argv)
{
	const char *comm = NULL, *pid_file = NULL, *wait_file = NULL;
	long n_getppid = 0, n_sleep = 0, sleep_us = 1000, n_close = 0, wait_timeout = 60;
	int do_fork = 0, leader_exit = 0, many = 0, i;
	static struct work_args w;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--fork")) {
			do_fork = 1;
			continue;
		}
		if (!strcmp(a, "--leader-exit")) {
			leader_exit = 1;
			continue;
		}
		if (!strcmp(a, "--fail-many")) {
			many = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--getppid"))
			n_getppid = count_arg(a, argv[++i]);
		else if (!strcmp(a, "--nanosleep"))
			n_sleep = count_arg(a, argv[++i]);
		else if (!strcmp(a, "--sleep-us"))
			sleep_us = count_arg(a, argv[++i]);
		else if (!strcmp(a, "--fail-close"))
			n_close = count_arg(a, argv[++i]);
		else if (!strcmp(a, "--comm"))
			comm = argv[++i];
		else if (!strcmp(a, "--pid-file"))
			pid_file = argv[++i];
		else if (!strcmp(a, "--wait-file"))
			wait_file = argv[++i];
		else if (!strcmp(a, "--wait-timeout"))
			wait_timeout = count_arg(a, argv[++i]);
		else
			usage();
	}
	if (wait_timeout < 1 || wait_timeout > 3600)
		usage();
	w.n_getppid = n_getppid;
	w.n_sleep = n_sleep;
	w.sleep_us = sleep_us;
	w.n_close = n_close;

	if (comm && prctl(PR_SET_NAME, comm, 0, 0, 0))
		die("prctl(PR_SET_NAME)");
	if (pid_file)
		write_pid_file(pid_file);
	if (wait_file)
		wait_for_file(wait_file, (int)wait_timeout);

	if (do_fork) {
		int st;
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			run(&w, leader_exit);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) != pid)
			die("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "syscall_workload: child failed (status %#x)\n", st);
			return 1;
		}
		return 0;
	}
	run(&w, leader_exit);
	if (many)
		fail_many();
	return 0;
}
