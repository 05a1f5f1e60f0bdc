/* SPDX-License-Identifier: Apache-2.0 */
/* main() for builds without libFuzzer: runs every file given, and every
 * file inside every directory given, through LLVMFuzzerTestOneInput once.
 * Prints TAP, one line per argument: a crash or a failed FUZZ_ASSERT
 * aborts the program (meson counts that as a failure), a missing argument
 * is skipped (the seed corpora exist only when ../shared/captures does).
 *
 *   fuzz_x224 regress/x224 corpus/x224 [file...] */
#include "fuzz.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf)
    return -1;
  /* an exact-size copy, so that ASan sees reads past the input */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) {
    free(buf);
    return -1;
  }
  memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the files of |dir| in name order; returns the count or -1. */
static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return -1;
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
      if (!nn)
        break;
      names = nn;
    }
    names[n] = strdup(e->d_name);
    if (names[n])
      n++;
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  int count = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) == 0)
      count++;
    free(names[i]);
  }
  free(names);
  return count;
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  int t = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    t++;
    if (stat(argv[i], &st) != 0) {
      printf("ok %d - %s # SKIP absent\n", t, argv[i]);
    } else if (S_ISDIR(st.st_mode)) {
      int c = run_dir(argv[i]);
      if (c < 0)
        printf("not ok %d - %s: cannot read the directory\n", t, argv[i]);
      else if (c == 0)
        printf("ok %d - %s # SKIP empty\n", t, argv[i]);
      else
        printf("ok %d - %s: %d inputs\n", t, argv[i], c);
    } else if (run_file(argv[i]) == 0) {
      printf("ok %d - %s\n", t, argv[i]);
    } else {
      printf("not ok %d - %s: cannot read\n", t, argv[i]);
    }
    fflush(stdout);
  }
  printf("1..%d\n", t);
  return 0;
}
