/* Shared by io-trace.c and io-trace-names.c: the record format and the recording helpers. */
#ifndef IO_TRACE_H
#define IO_TRACE_H
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum kind {
  K_WRITE = 1, K_SYNC = 2, K_DATASYNC = 3, K_SYNC_RANGE = 4, K_SYNC_ALL = 5, K_TRUNCATE = 6,
  K_FALLOCATE = 7, K_OPEN = 8, K_RENAME = 9, K_UNLINK = 10, K_MKDIR = 11, K_RMDIR = 12,
  K_LINK = 13, K_SYMLINK = 14, K_MARKER = 15, K_UNSUPPORTED = 16,
};

/* Record header (little-endian, 80 bytes), followed by path, path2 and data. */
struct rec {
  uint32_t total;      /* bytes of the whole record */
  uint8_t kind;
  uint8_t dsync;       /* the write itself was synchronous (O_DSYNC, O_SYNC, RWF_DSYNC) */
  uint16_t reserved;
  uint32_t pid;
  uint32_t tid;
  uint64_t t_end;      /* CLOCK_MONOTONIC ns when the call returned */
  uint64_t t_start;    /* ... when it started */
  int64_t offset;
  int64_t length;      /* truncate size, fallocate length */
  int64_t aux;         /* open flags, fallocate mode, rename flags */
  uint64_t ticket;     /* syncs: trace size when the call started */
  uint32_t path_len;
  uint32_t path2_len;
  uint32_t data_len;
  uint32_t pad;
};

#define HIDDEN __attribute__((visibility("hidden")))
#define REAL(ret, name, ...) static ret (*real_##name)(__VA_ARGS__)
static inline void resolve(void **slot, const char *name) {{ *slot = dlsym(RTLD_NEXT, name); }}
#define RESOLVE(name) (real_##name ? real_##name : (resolve((void **)&real_##name, #name), real_##name))

HIDDEN uint64_t now_ns(void);
/* 1 once the shim is configured (IOTRACE_ROOT and IOTRACE_OUT set). */
HIDDEN int on(void);
/* 1: the descriptor names a file under the root; 2: the marker file; 0: anything else. */
HIDDEN int fd_path(int fd, char *out);
/* The same for (dirfd, path), written as an absolute path to `out`. */
HIDDEN int at_path(int dirfd, const char *path, char *out);
HIDDEN void rec_init(struct rec *h, int kind, uint64_t t0);
HIDDEN void emit(struct rec *h, const char *path, const char *path2, const struct iovec *iov, int iovcnt, size_t data_len);
#endif
