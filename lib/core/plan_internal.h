/* SPDX-License-Identifier: Apache-2.0 */
/* Probe plan internals shared by the plan's policy files (core only). */
#ifndef RDPNEG_PLAN_INTERNAL_H
#define RDPNEG_PLAN_INTERNAL_H

#include "core/evidence.h"

#include <rdpneg/rdpneg_plan.h>

#define MS(x) ((rdpneg_tstamp)(x)*1000000u)
#define MAX_ATTEMPTS 24

enum { A_READY, A_RUNNING, A_DONE, A_DROPPED };

typedef struct plan_attempt {
  int state;
  char purpose[32];
  int mode;        /* RDPNEG_MODE_* of the session */
  int tcp_mss;     /* MSS the driver is asked to set, 0 default */
  int tls_version; /* 1..3: the highest version of a version connection,
                      else 0 */
  int tls_lo;      /* its lowest: tls_version for a single version, lower
                      for a range connection (enumeration) */
  rdpneg_config *cfg;
  rdpneg_session *sess; /* while lent */
  int finished;         /* its evidence is in plan->ev[own index] */
} plan_attempt;

struct rdpneg_plan {
  rdpneg_config *cfg;
  char *host;
  uint16_t port;
  int started, cancelled;
  rdpneg_tstamp deadline, t0;
  int64_t now_unix;
  char address[64]; /* where the first connection got through */
  plan_attempt a[MAX_ATTEMPTS];
  int n;
  rdpneg_attempt_ev *ev[MAX_ATTEMPTS]; /* evidence by attempt index, one
                                        allocation per attempt ended
                                        (NULL before) */
  int nev;                             /* attempts finished */
  int top;       /* attempt index whose result the document's top level shows */
  int tls_early; /* enumeration: TLS versions queued at the confirm */
  int spnego_rejected;
  uint32_t spnego_status;
  int nnotes;
  char notes[RDPNEG_EV_MAX_NOTES][160];
  /* TLS versions decided without a connection of their own (from the
   * primary's answer, attempt -1, or a range connection's, its index) */
  rdpneg_tls_version_ev inferred[RDPNEG_MAX_TLS_VERSIONS];
  int ninferred;
  int vpend[4];           /* by version: 1 + index of the range connection whose
                             answer decides it, 0 none */
  struct rdpneg_enum *en; /* RDPNEG_OPT_ENUMERATE (plan_enum.c) */
};

/* Queues an attempt with a copy of the plan's configuration (changed by
 * the caller through ->cfg). NULL when out of room or memory. */
plan_attempt *rdpneg_plan_enqueue(rdpneg_plan *p, const char *purpose);

/* Records what the plan decided not to do: |fmt| with one %s, |arg|. */
void rdpneg_plan_note(rdpneg_plan *p, const char *fmt, const char *arg);

/* plan_verify.c: after the primary attempt |e|, queue what tells a server
 * fault from a path, a middlebox, a busy listener or another service: the
 * same request again, a TLS or HTTP identification, a ClientHello of
 * another shape, a small-MSS connection. */
void rdpneg_plan_verify(rdpneg_plan *p, const rdpneg_attempt_ev *e);

/* The attempt (primary or one of its repetitions) that got furthest. */
int rdpneg_plan_furthest(const rdpneg_plan *p);

#endif
