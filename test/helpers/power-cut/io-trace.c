/*
 * io-trace: an LD_PRELOAD shim that records every file-system change a process makes under
 * one directory, for the power-cut harness (test/helpers/power-cut/). Compiled at test time.
 *
 *   IOTRACE_ROOT     canonical directory whose files are recorded (nothing else is)
 *   IOTRACE_OUT      trace file; records are appended, several processes may share it
 *   IOTRACE_MARKERS  optional file whose writes are recorded as markers (acks of the writer)
 *   IOTRACE_BOOT_ID  optional file opened instead of /proc/sys/kernel/random/boot_id (a "reboot")
 *
 * The shim is stateless about descriptors: each write, sync or truncate asks the kernel which
 * file the descriptor names (readlink /proc/self/fd/N) and how it was opened (F_GETFL), so
 * dup, dup2, fcntl(F_DUPFD), inherited descriptors and renames of open files need no table.
 * A record is appended after the call succeeded, before it returns, under a process mutex and
 * an flock of the trace file (one order across processes). Syncs carry a ticket: the trace
 * size when the call started; only records before the ticket are known to be covered.
 * No malloc on the recording path (stack buffers only), so a forked child cannot deadlock.
 */
#include "io-trace.h"

static char root[PATH_MAX];
static size_t root_len;
static char markers[PATH_MAX];
static int trace_fd = -1;
static int enabled;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;

REAL(int, open64, const char *, int, ...); /* init opens the trace with it */
REAL(ssize_t, write, int, const void *, size_t);
REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
REAL(ssize_t, pwrite64, int, const void *, size_t, off_t);
REAL(ssize_t, writev, int, const struct iovec *, int);
REAL(ssize_t, pwritev64, int, const struct iovec *, int, off_t);
REAL(ssize_t, pwritev2, int, const struct iovec *, int, off_t, int);
REAL(int, fsync, int);
REAL(int, fdatasync, int);
REAL(int, sync_file_range, int, off_t, off_t, unsigned int);
REAL(int, syncfs, int);
REAL(void, sync, void);
REAL(int, ftruncate, int, off_t);
REAL(int, ftruncate64, int, off_t);
REAL(int, truncate, const char *, off_t);
REAL(int, truncate64, const char *, off_t);
REAL(int, fallocate, int, int, off_t, off_t);
REAL(int, fallocate64, int, int, off_t, off_t);
REAL(int, posix_fallocate, int, off_t, off_t);
REAL(int, posix_fallocate64, int, off_t, off_t);

HIDDEN uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void before_fork(void) { pthread_mutex_lock(&lock); }
static void after_fork(void) { pthread_mutex_unlock(&lock); }

static void init(void) {
  const char *r = getenv("IOTRACE_ROOT");
  const char *out = getenv("IOTRACE_OUT");
  const char *m = getenv("IOTRACE_MARKERS");
  if (r == NULL || out == NULL || r[0] == 0 || out[0] == 0 || strlen(r) >= PATH_MAX || strlen(out) >= PATH_MAX) return;
  strcpy(root, r);
  root_len = strlen(root);
  while (root_len > 1 && root[root_len - 1] == '/') root[--root_len] = 0;
  if (m != NULL && strlen(m) < PATH_MAX) strcpy(markers, m);
  int (*o)(const char *, int, ...) = RESOLVE(open64);
  trace_fd = o(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (trace_fd < 0) return;
  pthread_atfork(before_fork, after_fork, after_fork);
  enabled = 1;
}

HIDDEN int on(void) {
  pthread_once(&once, init);
  return enabled;
}

/* 1: path is the root or inside it; 2: the marker file; 0: neither. */
static int classify(const char *path) {
  if (strncmp(path, root, root_len) == 0 && (path[root_len] == 0 || path[root_len] == '/')) return 1;
  if (markers[0] != 0 && strcmp(path, markers) == 0) return 2;
  return 0;
}

/* "/proc/self/fd/N" without stdio (async-signal-safe). */
static void proc_fd_link(int fd, char *link) {
  const char *prefix = "/proc/self/fd/";
  int n = 0;
  while (prefix[n]) { link[n] = prefix[n]; n++; }
  char digits[16];
  int d = 0;
  unsigned v = (unsigned)fd;
  do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v > 0);
  while (d > 0) link[n++] = digits[--d];
  link[n] = 0;
}

/* The file a descriptor names; 0 when it is neither recorded nor a marker, or was unlinked. */
HIDDEN int fd_path(int fd, char *out) {
  if (fd < 0 || fd == trace_fd) return 0;
  char link[64];
  proc_fd_link(fd, link);
  ssize_t len = readlink(link, out, PATH_MAX - 1);
  if (len <= 0) return 0;
  out[len] = 0;
  int c = classify(out);
  if (c == 0) return 0;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0) return 0; /* unlinked */
  return c;
}

/* An absolute form of (dirfd, path) without touching the file system beyond the dirfd. */
HIDDEN int at_path(int dirfd, const char *path, char *out) {
  if (path == NULL) return 0;
  size_t plen = strlen(path);
  if (path[0] == '/') {
    if (plen >= PATH_MAX) return 0;
    memcpy(out, path, plen + 1);
  } else {
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (getcwd(base, sizeof base) == NULL) return 0;
    } else {
      char link[64];
      proc_fd_link(dirfd, link);
      ssize_t len = readlink(link, base, PATH_MAX - 1);
      if (len <= 0) return 0;
      base[len] = 0;
    }
    size_t blen = strlen(base);
    if (blen + 1 + plen >= PATH_MAX) return 0;
    memcpy(out, base, blen);
    out[blen] = '/';
    memcpy(out + blen + 1, path, plen + 1);
  }
  /* Drop "./" segments and trailing slashes (paths from Node are normalised already). */
  size_t len = strlen(out);
  while (len > 1 && out[len - 1] == '/') out[--len] = 0;
  return classify(out);
}

/* Appends one record; `iov`/`iovcnt` is the data (at most `data_len` bytes of it). */
HIDDEN void emit(struct rec *h, const char *path, const char *path2, const struct iovec *iov, int iovcnt, size_t data_len) {
  struct iovec parts[1027];
  int n = 0;
  h->pid = (uint32_t)getpid();
  h->tid = (uint32_t)syscall(SYS_gettid);
  h->path_len = path ? (uint32_t)strlen(path) : 0;
  h->path2_len = path2 ? (uint32_t)strlen(path2) : 0;
  h->data_len = (uint32_t)data_len;
  h->total = (uint32_t)(sizeof *h + h->path_len + h->path2_len + data_len);
  parts[n].iov_base = h;
  parts[n++].iov_len = sizeof *h;
  if (h->path_len) { parts[n].iov_base = (void *)path; parts[n++].iov_len = h->path_len; }
  if (h->path2_len) { parts[n].iov_base = (void *)path2; parts[n++].iov_len = h->path2_len; }
  size_t left = data_len;
  int i = 0;
  int saved = errno;
  pthread_mutex_lock(&lock);
  flock(trace_fd, LOCK_EX);
  /* Several writev calls when the data has many pieces; the flock keeps them together. */
  for (;;) {
    while (i < iovcnt && left > 0 && n < 1024) {
      size_t take = iov[i].iov_len < left ? iov[i].iov_len : left;
      if (take > 0) { parts[n].iov_base = iov[i].iov_base; parts[n++].iov_len = take; }
      left -= take;
      i++;
    }
    struct iovec *p = parts;
    int cnt = n;
    while (cnt > 0) {
      ssize_t w = RESOLVE(writev)(trace_fd, p, cnt);
      if (w < 0) { if (errno == EINTR) continue; break; }
      while (cnt > 0 && (size_t)w >= p->iov_len) { w -= (ssize_t)p->iov_len; p++; cnt--; }
      if (cnt > 0) { p->iov_base = (char *)p->iov_base + w; p->iov_len -= (size_t)w; }
    }
    n = 0;
    if (i >= iovcnt || left == 0) break;
  }
  flock(trace_fd, LOCK_UN);
  pthread_mutex_unlock(&lock);
  errno = saved;
}

static uint64_t ticket(void) {
  int saved = errno;
  pthread_mutex_lock(&lock);
  flock(trace_fd, LOCK_EX);
  off_t size = lseek(trace_fd, 0, SEEK_END);
  flock(trace_fd, LOCK_UN);
  pthread_mutex_unlock(&lock);
  errno = saved;
  return size < 0 ? 0 : (uint64_t)size;
}

HIDDEN void rec_init(struct rec *h, int kind, uint64_t t0) {
  memset(h, 0, sizeof *h);
  h->kind = (uint8_t)kind;
  h->t_start = t0;
  h->t_end = now_ns();
}

/* ---- writes ---- */

static void record_write(int fd, int cls, const char *path, off_t offset, const struct iovec *iov, int iovcnt, ssize_t done, int extra_dsync, uint64_t t0) {
  struct rec h;
  rec_init(&h, cls == 2 ? K_MARKER : K_WRITE, t0);
  int fl = fcntl(fd, F_GETFL);
  h.dsync = (fl >= 0 && (fl & (O_DSYNC | O_SYNC))) || extra_dsync ? 1 : 0;
  h.offset = offset;
  emit(&h, path, NULL, iov, iovcnt, (size_t)done);
}

/* Offset of a write at the file position: before the call, or from the end for O_APPEND. */
static off_t pos_before(int fd) { return lseek(fd, 0, SEEK_CUR); }
static int appending(int fd) { int fl = fcntl(fd, F_GETFL); return fl >= 0 && (fl & O_APPEND); }

ssize_t write(int fd, const void *buf, size_t count) {
  char path[PATH_MAX];
  int cls = on() ? fd_path(fd, path) : 0;
  if (!cls) return RESOLVE(write)(fd, buf, count);
  uint64_t t0 = now_ns();
  off_t at = pos_before(fd);
  ssize_t r = RESOLVE(write)(fd, buf, count);
  if (r > 0) {
    if (appending(fd)) at = lseek(fd, 0, SEEK_CUR) - r;
    struct iovec v = {(void *)buf, (size_t)r};
    record_write(fd, cls, path, at, &v, 1, r, 0, t0);
  }
  return r;
}

static ssize_t do_pwrite(ssize_t (*fn)(int, const void *, size_t, off_t), int fd, const void *buf, size_t count, off_t offset) {
  char path[PATH_MAX];
  int cls = on() ? fd_path(fd, path) : 0;
  if (!cls) return fn(fd, buf, count, offset);
  uint64_t t0 = now_ns();
  ssize_t r = fn(fd, buf, count, offset);
  if (r > 0) {
    off_t at = offset;
    /* Linux: pwrite on an O_APPEND descriptor appends. */
    if (appending(fd)) { struct stat st; at = fstat(fd, &st) == 0 ? st.st_size - r : offset; }
    struct iovec v = {(void *)buf, (size_t)r};
    record_write(fd, cls, path, at, &v, 1, r, 0, t0);
  }
  return r;
}
ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) { return do_pwrite(RESOLVE(pwrite), fd, buf, count, offset); }
ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) { return do_pwrite(RESOLVE(pwrite64), fd, buf, count, offset); }

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
  char path[PATH_MAX];
  int cls = on() ? fd_path(fd, path) : 0;
  if (!cls) return RESOLVE(writev)(fd, iov, iovcnt);
  uint64_t t0 = now_ns();
  off_t at = pos_before(fd);
  ssize_t r = RESOLVE(writev)(fd, iov, iovcnt);
  if (r > 0) {
    if (appending(fd)) at = lseek(fd, 0, SEEK_CUR) - r;
    record_write(fd, cls, path, at, iov, iovcnt, r, 0, t0);
  }
  return r;
}

static ssize_t do_pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags, int v2) {
  char path[PATH_MAX];
  int cls = on() ? fd_path(fd, path) : 0;
  ssize_t (*fn)(int, const struct iovec *, int, off_t) = RESOLVE(pwritev64);
  if (!cls) return v2 ? RESOLVE(pwritev2)(fd, iov, iovcnt, offset, flags) : fn(fd, iov, iovcnt, offset);
  uint64_t t0 = now_ns();
  int at_pos = v2 && offset == -1;
  off_t at = at_pos ? pos_before(fd) : offset;
  ssize_t r = v2 ? RESOLVE(pwritev2)(fd, iov, iovcnt, offset, flags) : fn(fd, iov, iovcnt, offset);
  if (r > 0) {
    if (appending(fd) || (v2 && (flags & RWF_APPEND))) { struct stat st; at = fstat(fd, &st) == 0 ? st.st_size - r : at; }
    record_write(fd, cls, path, at, iov, iovcnt, r, v2 && (flags & (RWF_DSYNC | RWF_SYNC)), t0);
  }
  return r;
}
ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset) { return do_pwritev(fd, iov, iovcnt, offset, 0, 0); }
ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t offset) { return do_pwritev(fd, iov, iovcnt, offset, 0, 0); }
ssize_t pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags) { return do_pwritev(fd, iov, iovcnt, offset, flags, 1); }
ssize_t pwritev64v2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags) { return do_pwritev(fd, iov, iovcnt, offset, flags, 1); }

/* ---- syncs ---- */

static int do_fsync(int (*fn)(int), int fd, int kind) {
  char path[PATH_MAX];
  int cls = on() ? fd_path(fd, path) : 0;
  if (cls != 1) return fn(fd);
  uint64_t tk = ticket();
  uint64_t t0 = now_ns();
  int r = fn(fd);
  if (r == 0) {
    struct rec h;
    rec_init(&h, kind, t0);
    h.ticket = tk;
    emit(&h, path, NULL, NULL, 0, 0);
  }
  return r;
}
int fsync(int fd) { return do_fsync(RESOLVE(fsync), fd, K_SYNC); }
int fdatasync(int fd) { return do_fsync(RESOLVE(fdatasync), fd, K_DATASYNC); }

int sync_file_range(int fd, off_t offset, off_t nbytes, unsigned int flags) {
  char path[PATH_MAX];
  int cls = on() ? fd_path(fd, path) : 0;
  uint64_t t0 = now_ns();
  int r = RESOLVE(sync_file_range)(fd, offset, nbytes, flags);
  if (cls == 1 && r == 0) {
    struct rec h;
    rec_init(&h, K_SYNC_RANGE, t0);
    h.offset = offset;
    h.length = nbytes;
    h.aux = flags;
    emit(&h, path, NULL, NULL, 0, 0);
  }
  return r;
}

static void record_sync_all(uint64_t tk, uint64_t t0) {
  struct rec h;
  rec_init(&h, K_SYNC_ALL, t0);
  h.ticket = tk;
  emit(&h, root, NULL, NULL, 0, 0);
}
int syncfs(int fd) {
  if (!on()) return RESOLVE(syncfs)(fd);
  uint64_t tk = ticket(), t0 = now_ns();
  int r = RESOLVE(syncfs)(fd);
  if (r == 0) record_sync_all(tk, t0);
  return r;
}
void sync(void) {
  if (!on()) { RESOLVE(sync)(); return; }
  uint64_t tk = ticket(), t0 = now_ns();
  RESOLVE(sync)();
  record_sync_all(tk, t0);
}

/* ---- sizes ---- */

static void record_size(int kind, const char *path, off_t offset, off_t length, int mode, uint64_t t0) {
  struct rec h;
  rec_init(&h, kind, t0);
  h.offset = offset;
  h.length = length;
  h.aux = mode;
  emit(&h, path, NULL, NULL, 0, 0);
}

static int do_ftruncate(int (*fn)(int, off_t), int fd, off_t length) {
  char path[PATH_MAX];
  int cls = on() ? fd_path(fd, path) : 0;
  uint64_t t0 = now_ns();
  int r = fn(fd, length);
  if (cls == 1 && r == 0) record_size(K_TRUNCATE, path, 0, length, 0, t0);
  return r;
}
int ftruncate(int fd, off_t length) { return do_ftruncate(RESOLVE(ftruncate), fd, length); }
int ftruncate64(int fd, off_t length) { return do_ftruncate(RESOLVE(ftruncate64), fd, length); }

static int do_truncate(int (*fn)(const char *, off_t), const char *p, off_t length) {
  char path[PATH_MAX];
  int cls = on() ? at_path(AT_FDCWD, p, path) : 0;
  uint64_t t0 = now_ns();
  int r = fn(p, length);
  if (cls == 1 && r == 0) record_size(K_TRUNCATE, path, 0, length, 0, t0);
  return r;
}
int truncate(const char *p, off_t length) { return do_truncate(RESOLVE(truncate), p, length); }
int truncate64(const char *p, off_t length) { return do_truncate(RESOLVE(truncate64), p, length); }

static int do_fallocate(int (*fn)(int, int, off_t, off_t), int fd, int mode, off_t offset, off_t len) {
  char path[PATH_MAX];
  int cls = on() ? fd_path(fd, path) : 0;
  uint64_t t0 = now_ns();
  int r = fn(fd, mode, offset, len);
  if (cls == 1 && r == 0) record_size(K_FALLOCATE, path, offset, len, mode, t0);
  return r;
}
int fallocate(int fd, int mode, off_t offset, off_t len) { return do_fallocate(RESOLVE(fallocate), fd, mode, offset, len); }
int fallocate64(int fd, int mode, off_t offset, off_t len) { return do_fallocate(RESOLVE(fallocate64), fd, mode, offset, len); }

static int do_posix_fallocate(int (*fn)(int, off_t, off_t), int fd, off_t offset, off_t len) {
  char path[PATH_MAX];
  int cls = on() ? fd_path(fd, path) : 0;
  uint64_t t0 = now_ns();
  int r = fn(fd, offset, len);
  if (cls == 1 && r == 0) record_size(K_FALLOCATE, path, offset, len, 0, t0);
  return r;
}
int posix_fallocate(int fd, off_t offset, off_t len) { return do_posix_fallocate(RESOLVE(posix_fallocate), fd, offset, len); }
int posix_fallocate64(int fd, off_t offset, off_t len) { return do_posix_fallocate(RESOLVE(posix_fallocate64), fd, offset, len); }
