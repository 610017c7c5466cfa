/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The -o FILE of every command, written so that no run destroys what was
 * there: a regular (or absent) target is written to a temporary file beside
 * it and renamed into place only when the output is complete; anything else
 * (device, FIFO, socket, /dev/stdout) is written in place.  Symbolic links
 * are followed first, so the link stays a link and its target gets the output.
 */
#ifndef TT_OUTFILE_H
#define TT_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct tt_outfile {
	FILE *f;		/* where to write; stdout when there is no -o */
	char *target;		/* the file renamed over (links resolved), or NULL */
	char *tmp;		/* the temporary file being written, or NULL (in place) */
	int mode;		/* permissions given to the temporary file */
	int fd;			/* under f, or -1 for stdout */
	int err;		/* errno of the first failed write, or 0 */
};

/*
 * Open -o `path` (NULL or "-": standard output).  Nothing on disk changes until
 * tt_outfile_commit, except that a temporary file appears beside the target.
 * 0 or -errno (EACCES when the target's directory is not writable and the
 * target is not either, EISDIR...).
 */
int tt_outfile_open(struct tt_outfile *of, const char *path);

/*
 * Make everything written so far the target's content (rename into place),
 * and keep writing: later output is added after it.  In place: flush only.
 * -i reports call it after each report, so the target always holds whole
 * reports.  0 or -errno (the first write error: ENOSPC, EIO...).
 */
int tt_outfile_checkpoint(struct tt_outfile *of);

/* Checkpoint and close.  0 or -errno; `of` is released either way. */
int tt_outfile_commit(struct tt_outfile *of);

/*
 * Close without touching the target: a failed run leaves an existing file
 * as it was.  Removes only the temporary file tt_outfile_open created.
 */
void tt_outfile_abort(struct tt_outfile *of);

/*
 * End a command's output: commit when `ret` is 0, else abort.  Returns `ret`,
 * or commit's error.
 */
int tt_outfile_finish(struct tt_outfile *of, int ret);

/*
 * write(2) to a pipe whose reader may be gone (a held command, a helper
 * process) without being killed by SIGPIPE: -1 with errno EPIPE instead.
 */
ssize_t tt_write_nosigpipe(int fd, const void *buf, size_t len);

#endif /* TT_OUTFILE_H */
