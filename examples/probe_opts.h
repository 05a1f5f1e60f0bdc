/* SPDX-License-Identifier: Apache-2.0 */
/* The probe options rdpneg-probe and rdpneg-scan share (what each
 * connection does, how the result is diagnosed, --html), parsed in one
 * place; and reading and writing the files they name. */
#ifndef RDPNEG_PROBE_OPTS_H
#define RDPNEG_PROBE_OPTS_H

#include <rdpneg/rdpneg_diagnosis.h>

#include <stddef.h>
#include <stdio.h>

typedef struct probe_opts {
  const char *prog;     /* for messages: "rdpneg-probe" */
  rdpneg_config *cfg;   /* borrowed; the options are set on it */
  rdpneg_taxonomy *tax; /* --overrides (free with rdpneg_taxonomy_free) */
  const char *reported; /* --reported */
  const char *user, *domain, *pw_env;
  const char *html; /* --html FILE */
  int warn_days_set;
} probe_opts;

enum {
  PROBE_OPT_NONE = 0,   /* not a shared probe option */
  PROBE_OPT_TAKEN = 1,  /* consumed (with its value) */
  PROBE_OPT_USAGE = -1, /* usage error: *msg, *arg */
  PROBE_OPT_FATAL = -2  /* error already printed (file, overrides) */
};

/* Tries argv[*i]; advances *i past a value it takes. */
int probe_opts_parse(probe_opts *o, int argc, char **argv, int *i,
                     const char **msg, const char **arg);

/* After all options: checks --reported and stores the credentials.
 * PROBE_OPT_NONE (0) or PROBE_OPT_USAGE with *msg, *arg. */
int probe_opts_finish(probe_opts *o, const char **msg, const char **arg);

/* The help lines of the shared options ("  --protocols LIST ..."). */
void probe_opts_usage(FILE *f);

/* Reads |path| ("-" = standard input) into a new NUL-terminated buffer
 * (at most 4 MiB); NULL with a message on standard error. */
char *probe_read_file(const char *prog, const char *path, size_t *plen);

/* Writes |len| bytes to |path| (replaced). 0, or -1 with a message. */
int probe_write_file(const char *prog, const char *path, const char *data,
                     size_t len);

#endif
