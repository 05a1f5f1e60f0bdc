/* SPDX-License-Identifier: Apache-2.0 */
/* Stress check of examples/probe_malloc.c (the fast rdpneg-probe's
 * allocator): built by test_everest.py with musl-gcc -static together with
 * it, run, exit 0 when every check held. Random malloc / calloc / realloc /
 * free / aligned_alloc from two threads over 64 slots each, every block
 * filled with a pattern of its own and checked before it changes hands:
 * overlapping blocks, lost bytes on realloc, a calloc block that is not
 * zero, a misaligned block or a crash fail it. */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 64
#define OPS 50000

typedef struct {
  unsigned char *p;
  size_t n;
  unsigned char tag;
} slot;

static int failed;

static uint32_t rnd(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

static size_t pick_size(uint32_t *s) {
  uint32_t r = rnd(s) % 1000;
  if (r < 600)
    return rnd(s) % 256;
  if (r < 950)
    return rnd(s) % 20000;
  if (r < 998)
    return rnd(s) % 300000;
  return (1u << 20) + rnd(s) % 200000; /* a mapping of its own */
}

static int check(const slot *b) {
  for (size_t i = 0; i < b->n; i++)
    if (b->p[i] != (unsigned char)(b->tag + i))
      return 0;
  return 1;
}

static void fill(slot *b) {
  for (size_t i = 0; i < b->n; i++)
    b->p[i] = (unsigned char)(b->tag + i);
}

static void *worker(void *arg) {
  uint32_t s = (uint32_t)(uintptr_t)arg;
  slot sl[SLOTS] = {0};
  for (int op = 0; op < OPS && !failed; op++) {
    slot *b = &sl[rnd(&s) % SLOTS];
    if (b->p && !check(b)) {
      fprintf(stderr, "block of %zu bytes overwritten\n", b->n);
      failed = 1;
      break;
    }
    switch (rnd(&s) % 5) {
    case 0: /* free */
      free(b->p);
      b->p = NULL;
      b->n = 0;
      break;
    case 1: { /* calloc */
      free(b->p);
      b->n = pick_size(&s);
      b->p = calloc(1, b->n);
      for (size_t i = 0; b->p && i < b->n; i++)
        if (b->p[i]) {
          fprintf(stderr, "calloc(%zu): byte %zu not zero\n", b->n, i);
          failed = 1;
          break;
        }
      break;
    }
    case 2: { /* realloc: the common prefix survives */
      size_t n = pick_size(&s);
      unsigned char *q = realloc(b->p, n);
      if (!q && n) {
        failed = 1;
        break;
      }
      size_t keep = n < b->n ? n : b->n;
      for (size_t i = 0; i < keep; i++)
        if (q[i] != (unsigned char)(b->tag + i)) {
          fprintf(stderr, "realloc(%zu -> %zu) lost byte %zu\n", b->n, n, i);
          failed = 1;
          break;
        }
      b->p = q;
      b->n = n;
      break;
    }
    case 3: /* aligned */
      free(b->p);
      b->n = pick_size(&s) % 5000;
      b->p = aligned_alloc(64, b->n);
      if (b->p && ((uintptr_t)b->p & 63)) {
        fprintf(stderr, "aligned_alloc(64) gave %p\n", (void *)b->p);
        failed = 1;
      }
      break;
    default:
      free(b->p);
      b->n = pick_size(&s);
      b->p = malloc(b->n);
    }
    if (failed)
      break;
    if (b->p && ((uintptr_t)b->p & 15)) {
      fprintf(stderr, "block %p not 16-byte aligned\n", (void *)b->p);
      failed = 1;
    }
    if (b->p && malloc_usable_size(b->p) < b->n) {
      fprintf(stderr, "malloc_usable_size below the size asked\n");
      failed = 1;
    }
    b->tag = (unsigned char)rnd(&s);
    if (b->p)
      fill(b);
    else
      b->n = 0;
  }
  for (int i = 0; i < SLOTS; i++)
    free(sl[i].p);
  return NULL;
}

int main(void) {
  volatile size_t huge = (size_t)-1 / 2 + 1, eighth = (size_t)-1 / 8;
  void *p = malloc(huge);
  if (p) {
    fprintf(stderr, "malloc of half the address space succeeded\n");
    return 1;
  }
  if (calloc(eighth, 16)) {
    fprintf(stderr, "calloc overflow not caught\n");
    return 1;
  }
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(0x9e3779b9u + i));
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  printf("%s\n", failed ? "FAILED" : "ok");
  return failed;
}
