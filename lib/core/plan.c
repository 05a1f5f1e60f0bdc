/* SPDX-License-Identifier: Apache-2.0 */
/* Probe plans (sans-I/O): the connections of one probe, decided from the
 * answers. Policy lives here and nowhere else: the NLA fallback, one
 * connection per TLS version, what an answer makes predictable, the
 * overall deadline. Drivers only run the sessions handed out. */
#include "core/evidence.h"
#include "core/plan_enum.h"
#include "core/plan_internal.h"
#include "core/session.h"

#include <rdpneg/rdpneg_plan.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rdpneg_plan_note(rdpneg_plan *p, const char *fmt, const char *arg) {
  char copy[64]; /* |arg| may live inside |p| */
  snprintf(copy, sizeof copy, "%s", arg);
  if (p->nnotes < RDPNEG_EV_MAX_NOTES)
    snprintf(p->notes[p->nnotes++], sizeof p->notes[0], fmt, copy);
}

/* Queues an attempt with a copy of the plan's configuration, changed by
 * the caller through the returned config. NULL when out of room. */
plan_attempt *rdpneg_plan_enqueue(rdpneg_plan *p, const char *purpose) {
  if (p->n >= MAX_ATTEMPTS)
    return NULL;
  plan_attempt *a = &p->a[p->n];
  memset(a, 0, sizeof *a);
  /* the attempt's evidence is allocated when it ends (attempt_done): a
   * queued or running connection holds none */
  if (rdpneg_config_clone(p->cfg, &a->cfg) != 0) {
    rdpneg_plan_note(p, "out of memory: connection '%s' not made", purpose);
    return NULL;
  }
  snprintf(a->purpose, sizeof a->purpose, "%s", purpose);
  p->n++;
  return a;
}

RDPNEG_EXTERN int rdpneg_plan_new(rdpneg_plan **pp, const rdpneg_config *cfg,
                                  const char *host, uint16_t port) {
  if (!pp || !cfg || !host || !*host || strlen(host) > 253 || port == 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  rdpneg_plan *p = calloc(1, sizeof *p);
  if (!p)
    return RDPNEG_ERR_NOMEM;
  p->host = malloc(strlen(host) + 1);
  if (!p->host || rdpneg_config_clone(cfg, &p->cfg) != 0) {
    rdpneg_plan_free(p);
    return RDPNEG_ERR_NOMEM;
  }
  memcpy(p->host, host, strlen(host) + 1);
  p->port = port;
  p->deadline = RDPNEG_TSTAMP_NEVER;
  p->now_unix = p->cfg->opt[RDPNEG_OPT_NOW_UNIX];
  /* the follow-ups need no credentials but the NLA fallback, which is
   * queued from the primary's own copy */
  if (p->cfg->opt[RDPNEG_OPT_ENUMERATE]) {
    /* enumeration: every TLS version, MCS where Standard RDP Security */
    p->cfg->opt[RDPNEG_OPT_TLS_VERSIONS] = 1;
    p->cfg->opt[RDPNEG_OPT_DO_MCS] = 1;
  }
  if (!rdpneg_plan_enqueue(p, "primary") ||
      (p->cfg->opt[RDPNEG_OPT_ENUMERATE] &&
       rdpneg_enum_new(&p->en, p, p->cfg, 0) != 0)) {
    rdpneg_plan_free(p);
    return RDPNEG_ERR_NOMEM;
  }
  *pp = p;
  return 0;
}

RDPNEG_EXTERN void rdpneg_plan_free(rdpneg_plan *p) {
  if (!p)
    return;
  for (int i = 0; i < p->n; i++) {
    rdpneg_session_free(p->a[i].sess);
    rdpneg_config_free(p->a[i].cfg);
    if (p->ev[i])
      rdpneg_attempt_clear(p->ev[i]);
    free(p->ev[i]);
  }
  rdpneg_config_free(p->cfg);
  rdpneg_enum_free(p->en);
  free(p->host);
  free(p);
}

RDPNEG_EXTERN int rdpneg_plan_set_wallclock(rdpneg_plan *p, int64_t now_unix) {
  if (!p || now_unix < 0)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  p->now_unix = now_unix;
  return 0;
}

RDPNEG_EXTERN int rdpneg_plan_start(rdpneg_plan *p, rdpneg_tstamp ts) {
  if (!p)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (p->started)
    return RDPNEG_ERR_INVALID_STATE;
  p->started = 1;
  p->t0 = ts;
  p->deadline = ts + MS(p->cfg->opt[RDPNEG_OPT_OVERALL_TIMEOUT_MS]);
  return 0;
}

/* Drops queued attempts (deadline passed, cancelled), with a note. */
static void drop_ready(rdpneg_plan *p, const char *why) {
  char fmt[160];
  snprintf(fmt, sizeof fmt, "%%s connection not made: %s", why);
  for (int i = 0; i < p->n; i++)
    if (p->a[i].state == A_READY) {
      p->a[i].state = A_DROPPED;
      rdpneg_plan_note(p, fmt, p->a[i].purpose);
    }
}

static int tls_version_of(const char *name) {
  if (!strcmp(name, "TLSv1.0"))
    return 1;
  if (!strcmp(name, "TLSv1.1"))
    return 2;
  if (!strcmp(name, "TLSv1.2"))
    return 3;
  return 0;
}

/* Is TLS version |v| asked or decided already: a version connection
 * with |v| as its highest, a range connection whose answer decides it, or
 * inferred? */
static int version_queued(const rdpneg_plan *p, int v) {
  for (int i = 0; i < p->n; i++)
    if (p->a[i].tls_version == v)
      return 1;
  for (int k = 0; k < p->ninferred; k++)
    if (p->inferred[k].version == v)
      return 1;
  return v >= 1 && v <= 3 && p->vpend[v];
}

static void infer_version(rdpneg_plan *p, int v, int status, int alert,
                          int from) {
  if (p->ninferred >= RDPNEG_MAX_TLS_VERSIONS)
    return;
  rdpneg_tls_version_ev *t = &p->inferred[p->ninferred++];
  t->version = v;
  t->status = status;
  t->alert_code = alert;
  t->inferred = 1;
  t->attempt = from; /* plan index, -1 the primary; positions come later */
}

static plan_attempt *queue_version(rdpneg_plan *p, int v) {
  plan_attempt *a = rdpneg_plan_enqueue(p, "tls_version");
  if (!a) {
    rdpneg_plan_note(p, "TLS version connection not made: %s", "out of memory");
    return NULL;
  }
  a->tls_version = v;
  a->tls_lo = v;
  a->cfg->opt[RDPNEG_OPT_TLS_MIN] = v;
  a->cfg->opt[RDPNEG_OPT_TLS_MAX] = v;
  a->cfg->opt[RDPNEG_OPT_DO_NLA] = 0;
  rdpneg_config_set_credentials(a->cfg, NULL, NULL, NULL);
  return a;
}

/* Enumeration: one connection asks for every version from |lo| to |t|
 * at once (a range connection): its ClientHello is the one a connection
 * for |t| alone sends (TLS up to 1.2 carries only the highest version),
 * and a server MUST answer a version above its highest with its highest
 * (RFC 5246 E.1), so its answer decides the versions below |t| too
 * (range_answer()). */
static void queue_range(rdpneg_plan *p, int lo, int t) {
  if (lo == t) {
    queue_version(p, t);
    return;
  }
  plan_attempt *a = queue_version(p, t);
  if (!a)
    return;
  a->tls_lo = lo;
  a->cfg->opt[RDPNEG_OPT_TLS_MIN] = lo;
  for (int v = lo; v < t; v++)
    p->vpend[v] = (int)(a - p->a) + 1;
}

/* What range connection |index| decides below its highest version |t|:
 *   - the server chose a version w: w accepted, every version above w up
 *     to |t| not selected (it would have been); those below w stay open
 *     and get a range connection of their own;
 *   - the server refused the ClientHello with an alert (no ServerHello):
 *     every version below |t| refused alike (a server that accepted a
 *     lower version had to choose it);
 *   - anything else (a reset, a close, a stall: the path or a middlebox
 *     may have caused it): each version below |t| gets its own
 *     connection, as without the range. */
static void range_answer(rdpneg_plan *p, const plan_attempt *a, int index,
                         const rdpneg_attempt_ev *e) {
  int t = a->tls_version, got = 0, open[3], n = 0;
  if (e->tls_ran && e->tls_status == RDPNEG_TLS_OK)
    got = tls_version_of(rdpneg_attempt_tls(e)->version);
  /* an alert before any ServerHello: the version refused (one after it
   * is about something else) */
  const rdpneg_tls_ev *tls = rdpneg_attempt_tls(e);
  int alert = e->tls_ran && e->tls_status == RDPNEG_TLS_ALERT &&
                      tls->last_server_msg < 0
                  ? tls->alert_code
                  : -1;
  if (got && got < t)
    infer_version(p, t, RDPNEG_TLS_SKIPPED, -1, index);
  for (int v = a->tls_lo; v < t; v++) {
    if (p->vpend[v] != index + 1)
      continue;
    p->vpend[v] = 0;
    if (got && v > got)
      infer_version(p, v, RDPNEG_TLS_SKIPPED, -1, index);
    else if (got && v == got)
      continue; /* this connection's own result */
    else if (!got && alert >= 0)
      infer_version(p, v, RDPNEG_TLS_ALERT, alert, index);
    else
      open[n++] = v;
  }
  if (got && n)
    queue_range(p, open[0], open[n - 1]);
  else
    for (int k = 0; k < n; k++)
      queue_version(p, open[k]);
}

/* Enumeration: once the primary's Connection Confirm selected a TLS-based
 * protocol, the versions below the highest offered get their connection
 * at once, in the second round, instead of after the primary's handshake:
 * the usual answer (the highest version) leaves every one of them open,
 * and waiting for it costs the enumeration a round of connections. One
 * range connection asks for all of them (queue_range()). */
static void plan_tls_versions_early(rdpneg_plan *p) {
  if (p->tls_early || !p->en || !p->cfg->opt[RDPNEG_OPT_TLS_VERSIONS] ||
      p->a[0].state != A_RUNNING || !p->a[0].sess)
    return;
  rdpneg_session *s = p->a[0].sess;
  if (rdpneg_session_x224_status(s) != RDPNEG_X224_OK)
    return;
  p->tls_early = 1;
  uint32_t sel = rdpneg_session_selected_protocol(s);
  if (!s->cfg->opt[RDPNEG_OPT_DO_TLS] ||
      !(sel & (RDPNEG_PROTOCOL_SSL | RDPNEG_PROTOCOL_HYBRID |
               RDPNEG_PROTOCOL_HYBRID_EX)))
    return;
  int lo = (int)p->cfg->opt[RDPNEG_OPT_TLS_MIN];
  int hi = (int)p->cfg->opt[RDPNEG_OPT_TLS_MAX];
  int first = lo < 1 ? 1 : lo, top = hi - 1 < 3 ? hi - 1 : 3;
  if (first <= top)
    queue_range(p, first, top);
}

RDPNEG_EXTERN int rdpneg_plan_next(rdpneg_plan *p, rdpneg_tstamp ts,
                                   rdpneg_session **psess) {
  if (!p || !psess)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  *psess = NULL;
  if (!p->started)
    return RDPNEG_ERR_INVALID_STATE;
  if (p->cancelled)
    return 0;
  if (ts >= p->deadline) {
    drop_ready(p, "the overall deadline passed");
    return 0;
  }
  /* the TLS-version connections first: their handshakes then overlap
   * the X.224-only connections of the second round */
  plan_tls_versions_early(p);
  if (p->en && !rdpneg_enum_may_start(p->en, p))
    return 0;
  for (int i = 0; i < p->n; i++) {
    plan_attempt *a = &p->a[i];
    if (a->state != A_READY)
      continue;
    /* every attempt ends by the probe's overall deadline */
    int64_t left_ms = (int64_t)((p->deadline - ts) / 1000000u);
    if (left_ms < 1)
      left_ms = 1;
    if (a->cfg->opt[RDPNEG_OPT_OVERALL_TIMEOUT_MS] > left_ms)
      a->cfg->opt[RDPNEG_OPT_OVERALL_TIMEOUT_MS] = left_ms;
    rdpneg_session *s = NULL;
    int rv = rdpneg_session_new(&s, a->cfg, p->host, p->port);
    if (rv) {
      a->state = A_DROPPED;
      rdpneg_plan_note(p, "%s connection not made: out of memory", a->purpose);
      return rv;
    }
    snprintf(s->purpose, sizeof s->purpose, "%s", a->purpose);
    s->mode = a->mode;
    s->tcp_mss = a->tcp_mss;
    snprintf(s->connect_addr, sizeof s->connect_addr, "%s", p->address);
    if (p->now_unix)
      rdpneg_session_set_wallclock(s, p->now_unix);
    rdpneg_session_start(s, ts);
    /* the copy in the session is all that is needed now: wipe ours */
    rdpneg_config_free(a->cfg);
    a->cfg = NULL;
    a->sess = s;
    a->state = A_RUNNING;
    *psess = s;
    return 1;
  }
  return 0;
}

/* --tls-versions: one connection per version the primary answer leaves
 * open. The server picks the highest version both sides offer, so a
 * primary that negotiated V proves V accepted and every higher offered
 * version refused; only lower ones need a connection. */
static void plan_tls_versions(rdpneg_plan *p, const rdpneg_attempt_ev *e) {
  int lo = (int)p->cfg->opt[RDPNEG_OPT_TLS_MIN];
  int hi = (int)p->cfg->opt[RDPNEG_OPT_TLS_MAX];
  if (e->tcp_status != RDPNEG_TCP_OK) {
    rdpneg_plan_note(p, "TLS versions not tried: %s", "the TCP connect failed");
    return;
  }
  if (!e->tls_ran) {
    rdpneg_plan_note(p, "TLS versions not tried: %s",
                     "the server did not select TLS in the negotiation");
    return;
  }
  int got = e->tls_status == RDPNEG_TLS_OK
                ? tls_version_of(rdpneg_attempt_tls(e)->version)
                : 0;
  int open[3], n = 0;
  for (int v = 1; v <= 3; v++) {
    if (v < lo || v > hi || version_queued(p, v))
      continue; /* not asked, or asked already (enumeration) */
    if (got && v >= got) {
      infer_version(p, v, v == got ? RDPNEG_TLS_OK : RDPNEG_TLS_SKIPPED, -1,
                    -1);
      continue;
    }
    if (!p->en)
      queue_version(p, v); /* --tls-versions: each alone, in parallel */
    else
      open[n++] = v;
  }
  /* enumeration, when the confirm did not queue them already (a driver
   * that asked for no connection while the primary's handshake ran): the
   * connections the confirm would have queued, the highest version alone
   * when the primary's handshake failed and one range below it */
  if (n && !got && open[n - 1] == hi)
    queue_version(p, open[--n]);
  if (n)
    queue_range(p, open[0], open[n - 1]);
}

/* What an attempt's answer calls for next. */
static void decide(rdpneg_plan *p, plan_attempt *a, const rdpneg_session *s,
                   int index) {
  const rdpneg_attempt_ev *e = p->ev[index];
  if (!p->address[0] && e->tcp_status == RDPNEG_TCP_OK && e->address[0])
    snprintf(p->address, sizeof p->address, "%s", e->address);
  if (a->tls_version && a->tls_lo < a->tls_version)
    range_answer(p, a, index, e);
  if (p->en)
    rdpneg_enum_decide(p->en, p, index, e);
  if (strcmp(a->purpose, "primary") != 0)
    return;
  /* an answer that a lossy path, a middlebox or a busy listener could
   * also explain is checked before it is believed */
  rdpneg_plan_verify(p, e);
  uint32_t st;
  if (rdpneg_session_spnego_rejected(s, &st)) {
    /* the server refused the SPNEGO-wrapped NEGOTIATE (FreeRDP 2.x): one
     * more connection with raw NTLM carries the NLA answer */
    plan_attempt *f = rdpneg_plan_enqueue(p, "spnego_fallback");
    if (f) {
      p->spnego_rejected = 1;
      p->spnego_status = st;
      f->cfg->opt[RDPNEG_OPT_SPNEGO] = 0;
      p->top = (int)(f - p->a);
    } else {
      rdpneg_plan_note(p, "raw NTLM retry not made: %s", "out of memory");
    }
  }
  if (p->cfg->opt[RDPNEG_OPT_TLS_VERSIONS])
    plan_tls_versions(p, e);
  /* every connection that may need the credentials is queued (and holds
   * its own copy): the plan's copy goes */
  rdpneg_config_set_credentials(p->cfg, NULL, NULL, NULL);
}

RDPNEG_EXTERN int rdpneg_plan_attempt_done(rdpneg_plan *p, rdpneg_session *s,
                                           rdpneg_tstamp ts) {
  if (!p || !s)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  int i;
  for (i = 0; i < p->n; i++)
    if (p->a[i].state == A_RUNNING && p->a[i].sess == s)
      break;
  if (i == p->n)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  plan_attempt *a = &p->a[i];
  if (!rdpneg_session_done(s))
    rdpneg_session_cancel(s, ts);
  a->sess = NULL;
  /* evidence only for the attempts that ended, allocated now: a running
   * connection's observations live in its session until here */
  p->ev[i] = malloc(sizeof *p->ev[i]);
  /* the parts its phases filled; the message log changes hands */
  if (p->ev[i] && rdpneg_attempt_snapshot(s, p->ev[i], 0, s) != 0) {
    rdpneg_attempt_clear(p->ev[i]);
    free(p->ev[i]);
    p->ev[i] = NULL;
  }
  if (!p->ev[i]) {
    /* the connection was made but what it saw is lost: no follow-up is
     * decided from it, and the note keeps the verdict from blaming the
     * server */
    a->state = A_DROPPED;
    rdpneg_plan_note(p, "out of memory: evidence of connection '%s' lost",
                     a->purpose);
    if (ts >= p->deadline)
      drop_ready(p, "the overall deadline passed");
    rdpneg_session_free(s);
    return RDPNEG_ERR_NOMEM;
  }
  p->nev++;
  a->finished = 1;
  p->ev[i]->start_us =
      s->t_start > p->t0 ? (int64_t)((s->t_start - p->t0) / 1000u) : 0;
  a->state = A_DONE;
  if (!p->cancelled)
    decide(p, a, s, i);
  if (ts >= p->deadline) /* too late for any follow-up */
    drop_ready(p, "the overall deadline passed");
  rdpneg_session_free(s);
  return 0;
}

RDPNEG_EXTERN rdpneg_tstamp rdpneg_plan_expiry(const rdpneg_plan *p) {
  if (!p || !p->started || p->cancelled)
    return RDPNEG_TSTAMP_NEVER;
  for (int i = 0; i < p->n; i++)
    if (p->a[i].state == A_READY)
      return p->deadline;
  return RDPNEG_TSTAMP_NEVER;
}

RDPNEG_EXTERN int rdpneg_plan_handle_expiry(rdpneg_plan *p, rdpneg_tstamp ts) {
  if (!p)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (!p->started || ts < p->deadline)
    return 0;
  drop_ready(p, "the overall deadline passed");
  for (int i = 0; i < p->n; i++)
    if (p->a[i].state == A_RUNNING)
      rdpneg_session_handle_expiry(p->a[i].sess, ts);
  return 0;
}

RDPNEG_EXTERN int rdpneg_plan_cancel(rdpneg_plan *p, rdpneg_tstamp ts) {
  if (!p)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (p->cancelled)
    return 0;
  drop_ready(p, "the probe was cancelled");
  p->cancelled = 1;
  for (int i = 0; i < p->n; i++)
    if (p->a[i].state == A_RUNNING)
      rdpneg_session_cancel(p->a[i].sess, ts);
  return 0;
}

RDPNEG_EXTERN int rdpneg_plan_running(const rdpneg_plan *p) {
  int n = 0;
  for (int i = 0; p && i < p->n; i++)
    n += p->a[i].state == A_RUNNING;
  return n;
}

RDPNEG_EXTERN int rdpneg_plan_done(const rdpneg_plan *p) {
  if (!p || !p->started)
    return 0;
  for (int i = 0; i < p->n; i++)
    if (p->a[i].state == A_READY || p->a[i].state == A_RUNNING)
      return 0;
  return 1;
}

/* TLS versions: what the version connections saw and what an answer
 * decided, one entry per version (a version a connection tried itself
 * wins over one inferred); TLS 1.3 required when no version up to 1.2
 * was accepted and a server answered with protocol_version or a 1.3
 * ServerHello. */
static void fill_versions(const rdpneg_plan *p, rdpneg_evidence *ev,
                          const int *pos) {
  rdpneg_tls_version_ev slot[4];
  int have[4] = {0}, saw13 = 0;
  for (int i = 0; i < p->n; i++) {
    const plan_attempt *a = &p->a[i];
    if (!a->tls_version || !a->finished)
      continue;
    const rdpneg_attempt_ev *e = p->ev[i];
    const rdpneg_tls_ev *tls = rdpneg_attempt_tls(e);
    int v = a->tls_version;
    if (a->tls_lo < v && e->tls_status == RDPNEG_TLS_OK &&
        tls_version_of(tls->version))
      v = tls_version_of(tls->version); /* a range connection's choice */
    saw13 |= (e->tls_ran && tls->alert_code == 70) ||
             tls->server_selected_version == 0x0304;
    if (have[v])
      continue;
    have[v] = 1;
    slot[v].version = v;
    slot[v].status = e->tls_status;
    slot[v].alert_code = e->tls_ran ? tls->alert_code : -1;
    slot[v].inferred = 0;
    slot[v].attempt = pos[i];
  }
  for (int k = 0; k < p->ninferred; k++) {
    int v = p->inferred[k].version;
    if (v < 1 || v > 3 || have[v])
      continue;
    have[v] = 1;
    slot[v] = p->inferred[k];
    slot[v].attempt = slot[v].attempt >= 0 ? pos[slot[v].attempt] : -1;
  }
  int any = 0, accepted = 0;
  for (int v = 1; v <= 3; v++)
    if (have[v] && ev->tls_versions_count < RDPNEG_MAX_TLS_VERSIONS) {
      ev->tls_versions[ev->tls_versions_count++] = slot[v];
      any = 1;
      accepted |= slot[v].status == RDPNEG_TLS_OK;
    }
  const rdpneg_attempt_ev *pri = p->ev[0];
  saw13 |= pri && pri->tls_ran &&
           (rdpneg_attempt_tls(pri)->requires_tls13 ||
            rdpneg_attempt_tls(pri)->server_selected_version == 0x0304);
  ev->tls13_only = any && !accepted && saw13;
}

RDPNEG_EXTERN int rdpneg_plan_evidence(const rdpneg_plan *p,
                                       rdpneg_evidence **pev) {
  if (!p || !pev)
    return RDPNEG_ERR_INVALID_ARGUMENT;
  if (p->nev == 0)
    return RDPNEG_ERR_INVALID_STATE;
  rdpneg_evidence *ev;
  int rv = rdpneg_evidence_alloc_parts(&ev, p->nev, "probe", 0);
  if (rv)
    return rv;
  /* the finished attempts in the order the plan made them */
  int pos[MAX_ATTEMPTS], k = 0;
  for (int i = 0; i < p->n; i++) {
    pos[i] = p->a[i].finished ? k : -1;
    if (p->a[i].finished && rdpneg_attempt_copy(&ev->att[k++], p->ev[i])) {
      rdpneg_evidence_free(ev);
      return RDPNEG_ERR_NOMEM;
    }
  }
  /* the top level shows the fallback when it ran, else the connection of
   * the same request that got furthest (the primary or its repetition) */
  int top = pos[p->top];
  if (p->top == 0)
    top = pos[rdpneg_plan_furthest(p)];
  ev->top = top >= 0 ? top : (pos[0] >= 0 ? pos[0] : 0);
  ev->cancelled = p->cancelled;
  for (int i = 0; i < ev->nattempts; i++) {
    int64_t end = ev->att[i].start_us + ev->att[i].total_us;
    if (end > ev->total_us)
      ev->total_us = end;
  }
  ev->spnego_rejected = p->spnego_rejected && top >= 0;
  ev->spnego_rejected_status = p->spnego_status;
  ev->nnotes = p->nnotes;
  memcpy(ev->notes, p->notes, sizeof ev->notes);
  if (p->cfg->opt[RDPNEG_OPT_TLS_VERSIONS])
    fill_versions(p, ev, pos);
  if (p->en)
    rdpneg_enum_profile(p->en, ev, pos);
  *pev = ev;
  return 0;
}
