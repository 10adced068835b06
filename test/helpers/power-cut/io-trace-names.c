/* io-trace, continued: opens that create or truncate, namespace changes, and writes the model cannot follow. */
#include "io-trace.h"

REAL(int, open, const char *, int, ...);
REAL(int, open64, const char *, int, ...);
REAL(int, openat, int, const char *, int, ...);
REAL(int, openat64, int, const char *, int, ...);
REAL(int, creat, const char *, mode_t);
REAL(int, creat64, const char *, mode_t);
REAL(int, rename, const char *, const char *);
REAL(int, renameat, int, const char *, int, const char *);
REAL(int, renameat2, int, const char *, int, const char *, unsigned int);
REAL(int, unlink, const char *);
REAL(int, unlinkat, int, const char *, int);
REAL(int, mkdir, const char *, mode_t);
REAL(int, mkdirat, int, const char *, mode_t);
REAL(int, rmdir, const char *);
REAL(int, link, const char *, const char *);
REAL(int, linkat, int, const char *, int, const char *, int);
REAL(int, symlink, const char *, const char *);
REAL(int, symlinkat, const char *, int, const char *);
REAL(ssize_t, copy_file_range, int, off_t *, int, off_t *, size_t, unsigned int);
REAL(ssize_t, sendfile, int, int, off_t *, size_t);
REAL(ssize_t, sendfile64, int, int, off_t *, size_t);

/* ---- opens: only creating or truncating ones change anything ---- */

/*
 * IOTRACE_BOOT_ID names a file read instead of /proc/sys/kernel/random/boot_id: the checker of
 * power-cut states runs "after a reboot" (LMDB trusts a not-yet-synced meta page when the boot
 * id in it is the current one, as after a process crash).
 */
static const char *booted(const char *p) {
  static const char boot_id[] = "/proc/sys/kernel/random/boot_id";
  if (p == NULL || strcmp(p, boot_id) != 0) return p;
  const char *fake = getenv("IOTRACE_BOOT_ID");
  return fake != NULL && fake[0] != 0 ? fake : p;
}

static void record_open(int fd, int flags, uint64_t t0) {
  if (fd < 0 || !(flags & (O_CREAT | O_TRUNC))) return;
  char path[PATH_MAX];
  if (fd_path(fd, path) != 1) return;
  struct rec h;
  rec_init(&h, K_OPEN, t0);
  h.aux = flags;
  emit(&h, path, NULL, NULL, 0, 0);
}

#define MODE_ARG(flags) \
  mode_t mode = 0; \
  if ((flags) & (O_CREAT | __O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = (mode_t)va_arg(ap, int); va_end(ap); }

int open(const char *p, int flags, ...) {
  MODE_ARG(flags);
  int use = on();
  uint64_t t0 = now_ns();
  int fd = RESOLVE(open)(booted(p), flags, mode);
  if (use) record_open(fd, flags, t0);
  return fd;
}
int open64(const char *p, int flags, ...) {
  MODE_ARG(flags);
  int use = on();
  uint64_t t0 = now_ns();
  int fd = RESOLVE(open64)(booted(p), flags, mode);
  if (use) record_open(fd, flags, t0);
  return fd;
}
int openat(int dirfd, const char *p, int flags, ...) {
  MODE_ARG(flags);
  int use = on();
  uint64_t t0 = now_ns();
  int fd = RESOLVE(openat)(dirfd, booted(p), flags, mode);
  if (use) record_open(fd, flags, t0);
  return fd;
}
int openat64(int dirfd, const char *p, int flags, ...) {
  MODE_ARG(flags);
  int use = on();
  uint64_t t0 = now_ns();
  int fd = RESOLVE(openat64)(dirfd, booted(p), flags, mode);
  if (use) record_open(fd, flags, t0);
  return fd;
}
int creat(const char *p, mode_t mode) {
  int use = on();
  uint64_t t0 = now_ns();
  int fd = RESOLVE(creat)(p, mode);
  if (use) record_open(fd, O_CREAT | O_WRONLY | O_TRUNC, t0);
  return fd;
}
int creat64(const char *p, mode_t mode) {
  int use = on();
  uint64_t t0 = now_ns();
  int fd = RESOLVE(creat64)(p, mode);
  if (use) record_open(fd, O_CREAT | O_WRONLY | O_TRUNC, t0);
  return fd;
}

/* ---- namespace ---- */

static void record_names(int kind, const char *a, const char *b, int64_t aux, uint64_t t0) {
  struct rec h;
  rec_init(&h, kind, t0);
  h.aux = aux;
  emit(&h, a, b, NULL, 0, 0);
}

static int do_rename(int olddirfd, const char *oldp, int newdirfd, const char *newp, unsigned int flags, int how) {
  char a[PATH_MAX], b[PATH_MAX];
  int use = on();
  int ca = use ? at_path(olddirfd, oldp, a) : 0;
  int cb = use ? at_path(newdirfd, newp, b) : 0;
  uint64_t t0 = now_ns();
  int r = how == 0 ? RESOLVE(rename)(oldp, newp) : how == 1 ? RESOLVE(renameat)(olddirfd, oldp, newdirfd, newp) : RESOLVE(renameat2)(olddirfd, oldp, newdirfd, newp, flags);
  if (r == 0 && (ca == 1 || cb == 1)) record_names(K_RENAME, a, b, flags, t0);
  return r;
}
int rename(const char *o, const char *n) { return do_rename(AT_FDCWD, o, AT_FDCWD, n, 0, 0); }
int renameat(int od, const char *o, int nd, const char *n) { return do_rename(od, o, nd, n, 0, 1); }
int renameat2(int od, const char *o, int nd, const char *n, unsigned int flags) { return do_rename(od, o, nd, n, flags, 2); }

static int do_remove(int dirfd, const char *p, int dir, int how) {
  char a[PATH_MAX];
  int cls = on() ? at_path(dirfd, p, a) : 0;
  uint64_t t0 = now_ns();
  int r = how == 0 ? RESOLVE(unlink)(p) : how == 1 ? RESOLVE(rmdir)(p) : RESOLVE(unlinkat)(dirfd, p, dir ? AT_REMOVEDIR : 0);
  if (r == 0 && cls == 1) record_names(dir ? K_RMDIR : K_UNLINK, a, NULL, 0, t0);
  return r;
}
int unlink(const char *p) { return do_remove(AT_FDCWD, p, 0, 0); }
int rmdir(const char *p) { return do_remove(AT_FDCWD, p, 1, 1); }
int unlinkat(int dirfd, const char *p, int flags) { return do_remove(dirfd, p, (flags & AT_REMOVEDIR) != 0, 2); }

static int do_mkdir(int dirfd, const char *p, mode_t mode, int how) {
  char a[PATH_MAX];
  int cls = on() ? at_path(dirfd, p, a) : 0;
  uint64_t t0 = now_ns();
  int r = how == 0 ? RESOLVE(mkdir)(p, mode) : RESOLVE(mkdirat)(dirfd, p, mode);
  if (r == 0 && cls == 1) record_names(K_MKDIR, a, NULL, mode, t0);
  return r;
}
int mkdir(const char *p, mode_t mode) { return do_mkdir(AT_FDCWD, p, mode, 0); }
int mkdirat(int dirfd, const char *p, mode_t mode) { return do_mkdir(dirfd, p, mode, 1); }

static int do_link(int od, const char *o, int nd, const char *n, int flags, int how) {
  char a[PATH_MAX], b[PATH_MAX];
  int use = on();
  int ca = use ? at_path(od, o, a) : 0;
  int cb = use ? at_path(nd, n, b) : 0;
  uint64_t t0 = now_ns();
  int r = how == 0 ? RESOLVE(link)(o, n) : RESOLVE(linkat)(od, o, nd, n, flags);
  if (r == 0 && (ca == 1 || cb == 1)) record_names(K_LINK, a, b, 0, t0);
  return r;
}
int link(const char *o, const char *n) { return do_link(AT_FDCWD, o, AT_FDCWD, n, 0, 0); }
int linkat(int od, const char *o, int nd, const char *n, int flags) { return do_link(od, o, nd, n, flags, 1); }

static int do_symlink(const char *target, int nd, const char *n, int how) {
  char b[PATH_MAX];
  int cls = on() ? at_path(nd, n, b) : 0;
  uint64_t t0 = now_ns();
  int r = how == 0 ? RESOLVE(symlink)(target, n) : RESOLVE(symlinkat)(target, nd, n);
  if (r == 0 && cls == 1) {
    struct rec h;
    rec_init(&h, K_SYMLINK, t0);
    struct iovec v = {(void *)target, strlen(target)};
    emit(&h, b, NULL, &v, 1, v.iov_len);
  }
  return r;
}
int symlink(const char *t, const char *n) { return do_symlink(t, AT_FDCWD, n, 0); }
int symlinkat(const char *t, int nd, const char *n) { return do_symlink(t, nd, n, 1); }

/* ---- writes the model cannot follow: recorded so the harness fails loudly ---- */

static void unsupported(int fd, const char *what) {
  char path[PATH_MAX];
  if (fd_path(fd, path) != 1) return;
  struct rec h;
  rec_init(&h, K_UNSUPPORTED, now_ns());
  struct iovec v = {(void *)what, strlen(what)};
  emit(&h, path, NULL, &v, 1, v.iov_len);
}

ssize_t copy_file_range(int in, off_t *oin, int out, off_t *oout, size_t len, unsigned int flags) {
  if (on()) unsupported(out, "copy_file_range");
  return RESOLVE(copy_file_range)(in, oin, out, oout, len, flags);
}
ssize_t sendfile(int out, int in, off_t *off, size_t count) {
  if (on()) unsupported(out, "sendfile");
  return RESOLVE(sendfile)(out, in, off, count);
}
ssize_t sendfile64(int out, int in, off_t *off, size_t count) {
  if (on()) unsupported(out, "sendfile");
  return RESOLVE(sendfile64)(out, in, off, count);
}
