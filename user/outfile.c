// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * -o FILE without destroying anything (outfile.h): a temporary file beside
 * the target, renamed into place when complete; in place for what is not a
 * regular file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

/* /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open file: never replace it. */
static bool names_open_file(const char *path)
{
	return !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6);
}

/* A new temporary file beside `target` with `mode`; fd or -errno, *tmp set. */
static int make_tmp(const char *target, int mode, const struct stat *old, char **tmp)
{
	const char *slash = strrchr(target, '/');
	size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
	char *p;
	int fd;

	if (asprintf(&p, "%.*s.%s.tt-XXXXXX", (int)dirlen, target, slash ? slash + 1 : target) < 0)
		return -ENOMEM;
	fd = mkostemp(p, O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		free(p);
		return fd;
	}
	/* keep an existing report's mode and, as root, its owner */
	if (fchmod(fd, (mode_t)mode) || (old && fchown(fd, old->st_uid, old->st_gid) && errno != EPERM)) {
		int e = -errno;

		close(fd);
		unlink(p);
		free(p);
		return e;
	}
	*tmp = p;
	return fd;
}

/*
 * Writes go through here so that the first failure's errno (ENOSPC on a full
 * disk) is kept: stdio only remembers that some write failed.
 */
static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
	struct tt_outfile *of = cookie;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(of->fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!of->err)
				of->err = n < 0 ? errno : EIO;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int cookie_close(void *cookie)
{
	struct tt_outfile *of = cookie;

	return close(of->fd);
}

/* of->f over of->fd.  0 or -errno (the fd is closed on failure). */
static int wrap(struct tt_outfile *of)
{
	static const cookie_io_functions_t io = { .write = cookie_write, .close = cookie_close };

	of->f = fopencookie(of, "w", io);
	if (of->f)
		return 0;
	close(of->fd);
	of->fd = -1;
	return -ENOMEM;
}

static void release(struct tt_outfile *of)
{
	free(of->target);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
}

int tt_outfile_open(struct tt_outfile *of, const char *path)
{
	struct stat st;
	bool exists;
	mode_t um;
	int fd;

	memset(of, 0, sizeof(*of));
	of->fd = -1;
	if (!path || !strcmp(path, "-")) {
		of->f = stdout;
		return 0;
	}
	exists = !stat(path, &st);
	if (!exists && errno != ENOENT)
		return -errno;
	if ((exists && !S_ISREG(st.st_mode)) || names_open_file(path) ||
	    (!exists && !lstat(path, &st))) {
		/* not a regular file, or a dangling link (writing creates its target) */
		if (exists && S_ISDIR(st.st_mode))
			return -EISDIR;
		of->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		return of->fd < 0 ? -errno : wrap(of);
	}
	of->target = exists ? realpath(path, NULL) : strdup(path);
	if (!of->target) {
		fd = -errno;
		release(of);
		return fd;
	}
	if (exists) {
		of->mode = st.st_mode & 07777;
	} else {
		um = umask(0);
		umask(um);
		of->mode = 0666 & ~um;
	}
	fd = make_tmp(of->target, of->mode, exists ? &st : NULL, &of->tmp);
	if (fd < 0) {
		release(of);
		return fd;
	}
	of->fd = fd;
	fd = wrap(of);
	if (fd)
		tt_outfile_abort(of);
	return fd;
}

/* Copy all of `src` into `dst` (both plain files). 0 or -errno. */
static int copy_all(int src, int dst)
{
	char buf[65536];
	off_t off = 0;
	ssize_t n;

	while ((n = pread(src, buf, sizeof(buf), off)) > 0) {
		ssize_t w = 0, k;

		for (; w < n; w += k) {
			k = write(dst, buf + w, (size_t)(n - w));
			if (k < 0)
				return -errno;
		}
		off += n;
	}
	return n < 0 ? -errno : 0;
}

static int flush(struct tt_outfile *of)
{
	if (fflush(of->f) || ferror(of->f))
		return of->err ? -of->err : -EIO;
	return 0;
}

/* Rename what was written into place; with `more`, continue in a copy of it. */
static int publish(struct tt_outfile *of, bool more)
{
	struct stat st;
	char *next = NULL;
	int ret, fd = -1;

	ret = flush(of);
	if (ret || !of->tmp)
		return ret;
	if (fsync(of->fd))
		return -errno;
	if (more) {
		fd = make_tmp(of->target, of->mode, fstat(of->fd, &st) ? NULL : &st, &next);
		if (fd < 0)
			return fd;
		ret = copy_all(of->fd, fd);
		if (ret)
			goto fail;
	}
	if (rename(of->tmp, of->target)) {
		ret = -errno;
		goto fail;
	}
	free(of->tmp);
	of->tmp = NULL;
	if (!more)
		return 0;
	fclose(of->f);	/* flushed above: nothing left to lose */
	of->fd = fd;
	of->tmp = next;
	return wrap(of);
fail:
	if (fd >= 0) {
		close(fd);
		unlink(next);
	}
	free(next);
	return ret;
}

int tt_outfile_checkpoint(struct tt_outfile *of)
{
	return publish(of, true);
}

int tt_outfile_commit(struct tt_outfile *of)
{
	int ret;

	if (of->f == stdout) {
		ret = flush(of);
		release(of);
		return ret;
	}
	ret = publish(of, false);
	if (ret) {
		tt_outfile_abort(of);
		return ret;
	}
	if (fclose(of->f))
		ret = -errno;
	release(of);
	return ret;
}

void tt_outfile_abort(struct tt_outfile *of)
{
	if (of->f && of->f != stdout)
		fclose(of->f);
	if (of->tmp)
		unlink(of->tmp);	/* ours: tt_outfile_open created it */
	release(of);
}

int tt_outfile_finish(struct tt_outfile *of, int ret)
{
	if (ret == -EIO && of->err)
		ret = -of->err;	/* the writer saw a failure; here is which */
	if (!ret)
		return tt_outfile_commit(of);
	tt_outfile_abort(of);
	return ret;
}

ssize_t tt_write_nosigpipe(int fd, const void *buf, size_t len)
{
	struct timespec zero = { 0 };
	sigset_t pipe_set, old;
	ssize_t n;
	int err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, buf, len);
	err = errno;
	if (n < 0 && err == EPIPE && !sigismember(&old, SIGPIPE))
		sigtimedwait(&pipe_set, NULL, &zero);	/* ours: consumed while blocked */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return n;
}
