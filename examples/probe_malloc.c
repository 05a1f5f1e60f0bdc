/* SPDX-License-Identifier: Apache-2.0 */
/* probe_malloc.c - the allocator of the fast rdpneg-probe (musl only).
 *
 * Linked into rdpneg-probe only when it is built with musl as a static
 * executable (-Dstatic_cli=true with CC=musl-gcc: scripts/mbedtls-everest.sh
 * --musl; README, "Performance"), never into the library or rdpneg-scan.
 * musl replaces malloc, calloc, realloc, free, aligned_alloc,
 * posix_memalign, memalign and malloc_usable_size together when a static
 * program defines them.
 *
 * Why: musl's allocator (mallocng) maps each medium block on its own and
 * unmaps it when it is freed: an NLA probe made 31 mmap and 29 munmap calls
 * for its TLS record buffers (16.7 KiB) and evidence, about 1 ms of its
 * 4.8 ms of CPU on this VM. A probe lives a few milliseconds and allocates a
 * few hundred KiB, so this allocator keeps what is freed for reuse instead:
 *   - blocks of 2^k bytes (k = 5..20, a 16-byte header included), carved
 *     from 1 MiB arenas taken with mmap, freed onto one list per size and
 *     reused from it: memory is bounded by the largest amount live at once
 *     (rounded up to powers of two), not by the total allocated;
 *   - larger blocks: a mapping of their own, unmapped by free();
 *   - every block 16-byte aligned (max_align_t); one spin lock, for libuv's
 *     threadpool (getaddrinfo of a host name);
 *   - nothing is ever handed back to the kernel before exit but the large
 *     mappings. The library zeroises secrets itself before it frees them.
 * Errors as malloc(3): NULL with errno ENOMEM (EINVAL for a bad
 * alignment). */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MIN_SHIFT 5
#define MAX_SHIFT 20
#define ARENA ((size_t)1 << 20)
#define HDR 16u

typedef struct hdr {
  size_t size;  /* bytes asked for (malloc_usable_size: the class's room) */
  size_t shift; /* class: block of 2^shift bytes; 0: a mapping of its own */
} hdr;

typedef struct node {
  struct node *next;
} node;

static node *free_list[MAX_SHIFT + 1];
static unsigned char *arena_cur, *arena_end;
static volatile int lock_word;

static void lock(void) {
  while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED))
      ;
}

static void unlock(void) {
  __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static void *map(size_t n) {
  void *p =
      mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* room for |n| bytes in a block of class |shift| */
static size_t room(size_t shift) {
  return ((size_t)1 << shift) - HDR;
}

/* malloc() itself; calloc() calls this, not malloc(): GCC turns
 * malloc-then-memset into a call of calloc, which here would recurse */
static void *alloc(size_t n) {
  if (n > SIZE_MAX / 2) {
    errno = ENOMEM;
    return NULL;
  }
  if (n > room(MAX_SHIFT)) {
    size_t len = (n + HDR + 4095) & ~(size_t)4095;
    hdr *h = map(len);
    if (!h) {
      errno = ENOMEM;
      return NULL;
    }
    h->size = n;
    h->shift = 0;
    return (unsigned char *)h + HDR;
  }
  size_t shift = MIN_SHIFT;
  while (room(shift) < n)
    shift++;
  size_t block = (size_t)1 << shift;
  lock();
  hdr *h = (hdr *)free_list[shift];
  if (h) {
    free_list[shift] = ((node *)h)->next;
  } else {
    if ((size_t)(arena_end - arena_cur) < block) {
      unsigned char *a = map(ARENA);
      if (!a) {
        unlock();
        errno = ENOMEM;
        return NULL;
      }
      arena_cur = a; /* the old arena's rest stays unused */
      arena_end = a + ARENA;
    }
    h = (hdr *)arena_cur;
    arena_cur += block;
  }
  unlock();
  h->size = n;
  h->shift = shift;
  return (unsigned char *)h + HDR;
}

void *malloc(size_t n) {
  return alloc(n);
}

void free(void *p) {
  if (!p)
    return;
  hdr *h = (hdr *)((unsigned char *)p - HDR);
  if (h->shift == 0) {
    /* a large block; one from aligned_alloc() (header not at a page
     * start) stays mapped until exit */
    if (((uintptr_t)h & 4095) == 0)
      munmap(h, (h->size + HDR + 4095) & ~(size_t)4095);
    return;
  }
  lock();
  ((node *)h)->next = free_list[h->shift];
  free_list[h->shift] = (node *)h;
  unlock();
}

void *calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  void *p = alloc(count * size);
  if (p)
    memset(p, 0, count * size); /* a reused block holds old bytes */
  return p;
}

size_t malloc_usable_size(void *p) {
  if (!p)
    return 0;
  const hdr *h = (const hdr *)((unsigned char *)p - HDR);
  return h->shift ? room(h->shift) : h->size;
}

void *realloc(void *p, size_t n) {
  if (!p)
    return malloc(n);
  hdr *h = (hdr *)((unsigned char *)p - HDR);
  if (h->shift && n <= room(h->shift)) {
    h->size = n;
    return p;
  }
  void *q = malloc(n);
  if (!q)
    return NULL;
  memcpy(q, p, h->size < n ? h->size : n);
  free(p);
  return q;
}

/* Alignments up to 16 come from malloc itself; larger ones from a mapping
 * of their own with the header right before the aligned address, which
 * free() leaves mapped until exit. Not used by this project's code. */
void *aligned_alloc(size_t align, size_t n) {
  if (align == 0 || (align & (align - 1))) {
    errno = EINVAL;
    return NULL;
  }
  if (align <= HDR)
    return malloc(n);
  if (n > SIZE_MAX / 2 - align) {
    errno = ENOMEM;
    return NULL;
  }
  size_t len = (n + HDR + align + 4095) & ~(size_t)4095;
  unsigned char *m = map(len);
  if (!m) {
    errno = ENOMEM;
    return NULL;
  }
  uintptr_t u = ((uintptr_t)m + HDR + align - 1) & ~(uintptr_t)(align - 1);
  hdr *h = (hdr *)(u - HDR);
  h->size = n;
  h->shift = 0;
  return (void *)u;
}

int posix_memalign(void **out, size_t align, size_t n) {
  if (align < sizeof(void *))
    return EINVAL;
  void *p = aligned_alloc(align, n);
  if (!p)
    return errno;
  *out = p;
  return 0;
}

void *memalign(size_t align, size_t n) {
  return aligned_alloc(align, n);
}
