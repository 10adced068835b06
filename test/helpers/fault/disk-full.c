/*
 * LD_PRELOAD shim that makes the disk under $DISK_FULL_ROOT behave as full while the file
 * $DISK_FULL_FLAG exists: a write that would allocate space (past the end of its file),
 * fallocate, and growing ftruncate fail with ENOSPC; writes into space a file already owns
 * succeed, as on a real full disk; statfs of a path under the root reports no free blocks.
 * Remove the flag file and the disk has room again. Test-only: built by test/helpers/shim-build.ts.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define REAL(name) static __typeof__(name) *real_##name; if (!real_##name) real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

static int disk_full(void) {
  const char *flag = getenv("DISK_FULL_FLAG");
  return flag != NULL && access(flag, F_OK) == 0;
}

static int under_root(const char *path) {
  const char *root = getenv("DISK_FULL_ROOT");
  return root != NULL && path != NULL && strncmp(path, root, strlen(root)) == 0;
}

static int fd_under_root(int fd) {
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = 0;
  return under_root(path);
}

/* True when writing `len` bytes at `offset` (-1: the current position) would allocate space. */
static int refuse(int fd, off_t offset, size_t len) {
  if (len == 0 || !disk_full() || !fd_under_root(fd)) return 0;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  if (offset < 0) {
    int flags = fcntl(fd, F_GETFL);
    offset = (flags >= 0 && (flags & O_APPEND)) ? st.st_size : lseek(fd, 0, SEEK_CUR);
  }
  return offset + (off_t)len > st.st_size;
}

static size_t iov_len(const struct iovec *iov, int count) {
  size_t total = 0;
  for (int i = 0; i < count; i++) total += iov[i].iov_len;
  return total;
}

#define FULL() do { errno = ENOSPC; return -1; } while (0)

ssize_t write(int fd, const void *buf, size_t n) { REAL(write); if (refuse(fd, -1, n)) FULL(); return real_write(fd, buf, n); }
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) { REAL(pwrite); if (refuse(fd, off, n)) FULL(); return real_pwrite(fd, buf, n, off); }
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { REAL(pwrite64); if (refuse(fd, off, n)) FULL(); return real_pwrite64(fd, buf, n, off); }
ssize_t writev(int fd, const struct iovec *iov, int c) { REAL(writev); if (refuse(fd, -1, iov_len(iov, c))) FULL(); return real_writev(fd, iov, c); }
ssize_t pwritev(int fd, const struct iovec *iov, int c, off_t off) { REAL(pwritev); if (refuse(fd, off, iov_len(iov, c))) FULL(); return real_pwritev(fd, iov, c, off); }
ssize_t pwritev64(int fd, const struct iovec *iov, int c, off_t off) { REAL(pwritev64); if (refuse(fd, off, iov_len(iov, c))) FULL(); return real_pwritev64(fd, iov, c, off); }
ssize_t pwritev2(int fd, const struct iovec *iov, int c, off_t off, int flags) { REAL(pwritev2); if (refuse(fd, off, iov_len(iov, c))) FULL(); return real_pwritev2(fd, iov, c, off, flags); }
int fallocate(int fd, int mode, off_t off, off_t len) { REAL(fallocate); if (disk_full() && fd_under_root(fd)) FULL(); return real_fallocate(fd, mode, off, len); }
int fallocate64(int fd, int mode, off_t off, off_t len) { REAL(fallocate64); if (disk_full() && fd_under_root(fd)) FULL(); return real_fallocate64(fd, mode, off, len); }
int posix_fallocate(int fd, off_t off, off_t len) { REAL(posix_fallocate); if (disk_full() && fd_under_root(fd)) return ENOSPC; return real_posix_fallocate(fd, off, len); }
int posix_fallocate64(int fd, off_t off, off_t len) { REAL(posix_fallocate64); if (disk_full() && fd_under_root(fd)) return ENOSPC; return real_posix_fallocate64(fd, off, len); }
int ftruncate(int fd, off_t len) { REAL(ftruncate); struct stat st; if (disk_full() && fd_under_root(fd) && fstat(fd, &st) == 0 && len > st.st_size) FULL(); return real_ftruncate(fd, len); }
int ftruncate64(int fd, off_t len) { REAL(ftruncate64); struct stat st; if (disk_full() && fd_under_root(fd) && fstat(fd, &st) == 0 && len > st.st_size) FULL(); return real_ftruncate64(fd, len); }

static void no_room(struct statfs *buf) { buf->f_bavail = 0; buf->f_bfree = 0; }
int statfs(const char *path, struct statfs *buf) { REAL(statfs); int rc = real_statfs(path, buf); if (rc == 0 && disk_full() && under_root(path)) no_room(buf); return rc; }
int statfs64(const char *path, struct statfs64 *buf) { REAL(statfs64); int rc = real_statfs64(path, buf); if (rc == 0 && disk_full() && under_root(path)) { buf->f_bavail = 0; buf->f_bfree = 0; } return rc; }
