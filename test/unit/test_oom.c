/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation failure, swept over every allocation (issue 12, item 3), and
 * the memory a parsed override file costs (item 5).
 *
 * Each operation below first runs once without failures: that counts its
 * allocations and records its outcome. Then it runs again for N = 1, 2, ...
 * with the Nth allocation failing (and, in a second sweep, every one from
 * the Nth on), until a run completes without a failure injected. Every run
 * must
 *   - end (no crash, no hang: a session that stalls is driven to its
 *     deadline and must then be done),
 *   - free everything it allocated (the wrappers count live blocks; the
 *     sanitizer build checks the rest),
 *   - report the failure as RDPNEG_ERR_NOMEM: an API call returns it, or
 *     the evidence records it as the error that ended a phase; or else
 *     give exactly the outcome of the run without failures (a failure
 *     that changes nothing), and never any other error.
 *
 * What is covered: every malloc/calloc/realloc/free/strdup of librdpneg
 * (the static internal library), i.e. all of lib/. mbedTLS is covered only
 * in test_oom_mbedtls, which links the static mbedTLS archives (then its
 * calloc calls are wrapped too; a TLS handshake makes some 13,000, so that
 * build tries an evenly spread 2,000 of each operation's unless
 * OOM_STRIDE=1); with Debian's shared libmbedcrypto its allocations are
 * invisible to --wrap. The scripted server (oom_peer.c) runs with
 * failures paused.
 *
 * Operations: a whole NLA probe through the session API (X.224, TLS 1.2,
 * CredSSP v6 with SPNEGO, mechListMIC, pubKeyAuth binding and the Early
 * User Authorization Result) with its JSON and report; a probe plan
 * (SPNEGO refused, raw-NTLM fallback, one connection per TLS version) with
 * the diagnosis, the document written, read back and written again;
 * taxonomy overrides (memory and file), explain, the cause catalogue; the
 * configuration.
 *
 * OOM_STRIDE=k in the environment tries every kth N only (a quick look);
 * OOM_ONLY=name runs one test, OOM_FROM=N starts the sweeps at N,
 * OOM_TRACE=N prints where allocation N is,
 * OOM_VERBOSE=1 every run's outcome. */
#include "tap.h"

#include "oom_alloc.h"
#include "oom_peer.h"

#include "base/jsonparse.h"
#include "core/evidence.h"

#include <rdpneg/rdpneg.h>
#include <rdpneg/rdpneg_diagnosis.h>
#include <rdpneg/rdpneg_plan.h>
#include <rdpneg/rdpneg_taxonomy.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOW_UNIX 1700000000
#define MS(x) ((rdpneg_tstamp)(x)*1000000u)

/* ---- outcome of one run ------------------------------------------------- */

typedef struct outcome {
  int nomem;    /* some call returned RDPNEG_ERR_NOMEM */
  int nomem_ev; /* some phase ended with RDPNEG_ERR_NOMEM */
  int other;    /* first other unexpected negative return, 0 none */
  char other_where[80];
  int stuck;      /* a session neither finished nor had a deadline */
  char ev[2048];  /* the evidence part of |sig| (phases of each attempt) */
  int verdict;    /* of the diagnosis, -1 when none was made */
  int mbed_lost;  /* mbedTLS 2.28 dropped the allocation failure (below) */
  char sig[2048]; /* what the run produced, to compare with the baseline */
} outcome;

static void sig_add(outcome *o, const char *fmt, ...) {
  size_t l = strlen(o->sig);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(o->sig + l, sizeof o->sig - l, fmt, ap);
  va_end(ap);
}

/* Records a return value: 0 / positive fine, NOMEM noted, anything in
 * |ok_codes| (0-terminated) fine, the rest an error. */
static int rec(outcome *o, const char *where, int rv, ...) {
  if (rv >= 0)
    return rv;
  if (rv == RDPNEG_ERR_NOMEM) {
    o->nomem = 1;
    return rv;
  }
  va_list ap;
  va_start(ap, rv);
  for (int c = va_arg(ap, int); c; c = va_arg(ap, int))
    if (c == rv) {
      va_end(ap);
      return rv;
    }
  va_end(ap);
  if (!o->other) {
    o->other = rv;
    snprintf(o->other_where, sizeof o->other_where, "%s", where);
  }
  return rv;
}

/* Phases of every attempt, and the verdict of a diagnosis. */
static void sig_evidence(outcome *o, const rdpneg_evidence *ev) {
  for (int i = 0; i < ev->nattempts; i++) {
    const rdpneg_attempt_ev *a = &ev->att[i];
    sig_add(o, "[%s", a->purpose);
    for (int k = 0; k < RDPNEG_PHASE_COUNT; k++) {
      sig_add(o, " %d/%d", (int)a->ph[k].status, a->ph[k].err);
      if (a->ph[k].err == RDPNEG_ERR_NOMEM)
        o->nomem_ev = 1;
    }
    sig_add(o, " auth %d", (int)a->nla->auth);
#ifdef OOM_MBEDTLS_STATIC
    /* Where mbedTLS 2.28 itself loses an allocation failure: a failed PRF
     * (mbedtls_md_setup) in ssl_calc_finished is ignored, so our Finished
     * is wrong and the server answers decrypt_error (51), or the server's
     * Finished looks wrong (BAD_HS_FINISHED); ssl_parse_server_ecdh_params
     * turns a bignum allocation failure into BAD_HS_SERVER_KEY_EXCHANGE.
     * Nothing above mbedTLS can tell these from a server's fault. */
    if (a->tls_ran &&
        (a->tls->alert_code == 51 || a->tls->mbedtls_error == -0x7E80 ||
         a->tls->mbedtls_error == -0x7B00))
      o->mbed_lost = 1;
#endif
    if (a->tls_ran && a->tls->has_cert) /* the certificate's analysis */
      sig_add(o, " cert %d%d%d%d", a->tls->cert.self_signed,
              a->tls->cert.hostname_match, a->tls->cert.trusted,
              a->tls->cert.expired);
    sig_add(o, "]");
  }
  /* a follow-up connection the plan could not make is a note */
  for (int i = 0; i < ev->nnotes; i++)
    if (strstr(ev->notes[i], "out of memory"))
      o->nomem_ev = 1;
  sig_add(o, " notes %d top %d", ev->nnotes, ev->top);
  snprintf(o->ev, sizeof o->ev, "%s", o->sig);
}

/* ---- driving one session against the scripted server ------------------- */

typedef struct conn {
  rdpneg_session *s;
  peer *p;
  int told_closed;
} conn;

static rdpneg_tstamp clock_ns;

/* Moves bytes both ways once. Returns 1 when anything happened. */
static int conn_step(conn *c, outcome *o) {
  uint8_t buf[16384];
  int progress = 0;
  for (;;) {
    rdpneg_ssize n = rdpneg_session_write(c->s, buf, sizeof buf, clock_ns);
    if (rec(o, "session_write", (int)n, 0) <= 0)
      break;
    progress = 1;
    peer_input(c->p, buf, (size_t)n);
  }
  size_t m;
  while ((m = peer_output(c->p, buf, sizeof buf)) > 0) {
    progress = 1;
    if (!rdpneg_session_done(c->s))
      rec(o, "session_read", (int)rdpneg_session_read(c->s, buf, m, clock_ns),
          0);
  }
  if (peer_closed(c->p) && !c->told_closed && !rdpneg_session_done(c->s)) {
    rec(o, "transport_closed",
        rdpneg_session_transport_closed(c->s, RDPNEG_CLOSE_EOF, 0, clock_ns),
        0);
    c->told_closed = 1;
    progress = 1;
  }
  clock_ns += MS(1);
  return progress;
}

/* Runs a started session to its end: when nothing moves, time jumps to the
 * session's next deadline. Returns 0, or -1 when it is stuck. */
static int conn_run(conn *c, outcome *o) {
  for (int steps = 0; steps < 10000; steps++) {
    if (rdpneg_session_done(c->s))
      return 0;
    if (conn_step(c, o))
      continue;
    rdpneg_tstamp e = rdpneg_session_expiry(c->s);
    if (e == RDPNEG_TSTAMP_NEVER)
      break;
    if (e > clock_ns)
      clock_ns = e;
    rec(o, "handle_expiry", rdpneg_session_handle_expiry(c->s, clock_ns), 0);
  }
  o->stuck = 1;
  return -1;
}

static rdpneg_config *make_config(outcome *o, int spnego, int versions) {
  rdpneg_config *cfg = NULL;
  if (rec(o, "config_new", rdpneg_config_new(&cfg), 0))
    return NULL;
  rdpneg_config_set_int(cfg, RDPNEG_OPT_NOW_UNIX, NOW_UNIX);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_SPNEGO, spnego);
  rdpneg_config_set_int(cfg, RDPNEG_OPT_TLS_VERSIONS, versions);
  if (rec(o, "set_str", rdpneg_config_set_str(cfg, RDPNEG_STROPT_COOKIE, "oom"),
          0) ||
      rec(o, "set_credentials",
          rdpneg_config_set_credentials(cfg, "alice", "OOM", PEER_PASSWORD),
          0)) {
    rdpneg_config_free(cfg);
    return NULL;
  }
  return cfg;
}

/* ---- operation 1: one NLA probe through the session API ----------------- */

static void scen_session(outcome *o) {
  rdpneg_config *cfg = make_config(o, 1, 0);
  if (!cfg)
    return;
  conn c = {0};
  int rv =
      rec(o, "session_new", rdpneg_session_new(&c.s, cfg, PEER_HOST, 3389), 0);
  rdpneg_config_free(cfg);
  if (rv)
    return;
  peer_opts po = {.selected = RDPNEG_PROTOCOL_HYBRID_EX};
  c.p = peer_new(&po);
  clock_ns = MS(1000);
  rec(o, "session_start", rdpneg_session_start(c.s, clock_ns), 0);
  rec(o, "tcp_result",
      rdpneg_session_tcp_result(c.s, RDPNEG_TCP_OK, "127.0.0.1", 0, clock_ns),
      0);
  conn_run(&c, o);
  peer_free(c.p);

  rdpneg_evidence *ev = NULL;
  if (!rec(o, "session_evidence", rdpneg_session_evidence(c.s, &ev), 0)) {
    sig_evidence(o, ev);
    rdpneg_evidence_free(ev);
  }
  /* documented: UNKNOWN when memory runs out */
  rdpneg_verdict v = rdpneg_session_verdict(c.s);
  char *json = NULL, *text = NULL;
  size_t jl = 0, tl = 0;
  if (!rec(o, "session_json", rdpneg_session_json(c.s, &json, &jl), 0))
    CHECK(json && jl == strlen(json));
  if (!rec(o, "session_report", rdpneg_session_report(c.s, &text, &tl), 0))
    CHECK(text && tl == strlen(text));
  if (getenv("OOM_DUMP") && text && oom_failures()) /* debugging */
    printf("%s\n", text);
  if (v == RDPNEG_VERDICT_UNKNOWN)
    o->nomem = 1; /* the only way this healthy probe is unknown */
  o->verdict = (int)v;
  sig_add(o, " verdict %d", (int)v);
  rdpneg_free(json);
  rdpneg_free(text);
  rdpneg_session_free(c.s);
}

/* ---- operation 2: a probe plan, the diagnosis and the document ----------- */

static const char overrides_doc[] =
    "{\"version\": 1, \"comment\": \"oom sweep\", \"causes\": {"
    "\"CERT_EXPIRED\": {\"remedies\": [\"Renew it.\", \"Call \\u00e9quipe "
    "IT.\"], \"mode\": \"replace\"},"
    "\"NLA_REQUIRED_BY_SERVER\": {\"remedies\": [\"Enable NLA on the "
    "client.\"], \"mode\": \"append\", \"comment\": [1, true, null]}}}";

static void scen_plan(outcome *o) {
  rdpneg_config *cfg = make_config(o, 1, 1);
  if (!cfg)
    return;
  rdpneg_plan *plan = NULL;
  int rv = rec(o, "plan_new", rdpneg_plan_new(&plan, cfg, PEER_HOST, 3389), 0);
  rdpneg_config_free(cfg);
  if (rv)
    return;
  clock_ns = MS(1000);
  rdpneg_plan_set_wallclock(plan, NOW_UNIX);
  rec(o, "plan_start", rdpneg_plan_start(plan, clock_ns), 0);
  for (int rounds = 0; rounds < 20 && !rdpneg_plan_done(plan); rounds++) {
    conn c = {0};
    rv = rec(o, "plan_next", rdpneg_plan_next(plan, clock_ns, &c.s), 0);
    if (rv < 0)
      continue; /* the plan noted it and goes on */
    if (rv == 0)
      break;
    /* FreeRDP-2-like: SPNEGO refused, raw NTLM accepted */
    peer_opts po = {.selected = RDPNEG_PROTOCOL_HYBRID_EX, .reject_spnego = 1};
    c.p = peer_new(&po);
    rec(o, "tcp_result",
        rdpneg_session_tcp_result(c.s, RDPNEG_TCP_OK, "127.0.0.1", 0, clock_ns),
        0);
    conn_run(&c, o);
    peer_free(c.p);
    rec(o, "attempt_done", rdpneg_plan_attempt_done(plan, c.s, clock_ns), 0);
  }
  if (!rdpneg_plan_done(plan))
    o->stuck = 1;

  rdpneg_evidence *ev = NULL, *ev2 = NULL;
  rdpneg_taxonomy *tax = NULL;
  rdpneg_diagnosis *d = NULL, *d2 = NULL;
  char *json = NULL, *json2 = NULL, *plain = NULL, *plain2 = NULL;
  char *text = NULL, *djson = NULL, err[200];
  /* INVALID_STATE: no attempt finished, after plan_next said NOMEM */
  if (rec(o, "plan_evidence", rdpneg_plan_evidence(plan, &ev),
          o->nomem ? RDPNEG_ERR_INVALID_STATE : 0, 0))
    goto out;
  sig_evidence(o, ev);
  if (rec(o, "taxonomy_new", rdpneg_taxonomy_new(&tax), 0) ||
      rec(o, "load_overrides_mem",
          rdpneg_taxonomy_load_overrides_mem(tax, overrides_doc,
                                             strlen(overrides_doc), "oom", err,
                                             sizeof err),
          0))
    goto out;
  if (rec(o, "diagnose", rdpneg_diagnose(ev, tax, "0x904/0x7", &d), 0))
    goto out;
  o->verdict = (int)rdpneg_diagnosis_verdict(d);
  sig_add(o, " verdict %d/%s n=%d", (int)rdpneg_diagnosis_verdict(d),
          rdpneg_diagnosis_reported_verdict(d), rdpneg_diagnosis_count(d));
  for (int i = 0; i < rdpneg_diagnosis_count(d); i++)
    sig_add(o, " %s", rdpneg_diagnosis_cause(d, i));
  if (rec(o, "diagnosis_json", rdpneg_diagnosis_json(d, &djson, NULL), 0) ||
      rec(o, "evidence_json", rdpneg_evidence_json(ev, d, &json, NULL), 0) ||
      rec(o, "evidence_report", rdpneg_evidence_report(ev, d, &text, NULL), 0))
    goto out;
  /* the document read back gives the same document */
  if (rec(o, "evidence_parse",
          rdpneg_evidence_parse(json, strlen(json), &ev2, err, sizeof err), 0))
    goto out;
  if (rec(o, "evidence_json(ev)", rdpneg_evidence_json(ev, NULL, &plain, NULL),
          0) ||
      rec(o, "evidence_json(ev2)",
          rdpneg_evidence_json(ev2, NULL, &plain2, NULL), 0))
    goto out;
  sig_add(o, " roundtrip %s", strcmp(plain, plain2) == 0 ? "same" : "DIFF");
  if (rec(o, "diagnose(ev2)", rdpneg_diagnose(ev2, NULL, NULL, &d2), 0))
    goto out;
  sig_add(o, " verdict2 %d", (int)rdpneg_diagnosis_verdict(d2));
out:
  rdpneg_free(djson);
  rdpneg_free(json);
  rdpneg_free(json2);
  rdpneg_free(plain);
  rdpneg_free(plain2);
  rdpneg_free(text);
  rdpneg_diagnosis_free(d);
  rdpneg_diagnosis_free(d2);
  rdpneg_evidence_free(ev);
  rdpneg_evidence_free(ev2);
  rdpneg_taxonomy_free(tax);
  rdpneg_plan_free(plan);
}

/* ---- operation 3: taxonomy overrides, explain, catalogue ----------------- */

static char overrides_path[4200];

static void scen_taxonomy(outcome *o) {
  rdpneg_taxonomy *tax = NULL;
  char err[300];
  static const char append_doc[] =
      "{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [\"And tell the "
      "owner.\"], \"mode\": \"append\"}}}";
  static const char bad_doc[] =
      "{\"causes\": {\"CERT_EXPIRED\": {\"remedies\": [\"x\"], \"mode\": "
      "\"sideways\"}}}";
  if (rec(o, "taxonomy_new", rdpneg_taxonomy_new(&tax), 0))
    return;
  rec(o, "overrides_mem",
      rdpneg_taxonomy_load_overrides_mem(
          tax, overrides_doc, strlen(overrides_doc), "a", err, sizeof err),
      0);
  rec(o, "overrides_mem(append)",
      rdpneg_taxonomy_load_overrides_mem(tax, append_doc, strlen(append_doc),
                                         "b", err, sizeof err),
      0);
  /* an invalid document is BAD_FILE (or NOMEM while parsing it) */
  int rv = rdpneg_taxonomy_load_overrides_mem(tax, bad_doc, strlen(bad_doc),
                                              "c", err, sizeof err);
  if (rv != RDPNEG_ERR_BAD_FILE)
    rec(o, "overrides_mem(bad)", rv, 0);
  rec(o, "overrides(file)",
      rdpneg_taxonomy_load_overrides(tax, overrides_path, err, sizeof err), 0);
  static const struct {
    int kind;
    uint32_t code;
    int has_ext;
    uint32_t ext;
  } q[] = {{RDPNEG_KIND_AUTO, 0x904, 1, 0x7},
           {RDPNEG_KIND_NEG_FAILURE, 5, 0, 0},
           {RDPNEG_KIND_AUTO, 5, 0, 0},
           {RDPNEG_KIND_DISCONNECT, 0x1234, 0, 0}};
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
    char *j = NULL, *t = NULL;
    size_t jl = 0, tl = 0;
    int a = rec(o, "explain_json",
                rdpneg_explain_json(tax, q[i].kind, q[i].code, q[i].has_ext,
                                    q[i].ext, &j, &jl),
                0);
    int b = rec(o, "explain_text",
                rdpneg_explain_text(tax, q[i].kind, q[i].code, q[i].has_ext,
                                    q[i].ext, &t, &tl),
                0);
    sig_add(o, " %d:%zu %d:%zu", a, j ? jl : 0, b, t ? tl : 0);
    rdpneg_free(j);
    rdpneg_free(t);
  }
  int cid = rdpneg_cause_find("CERT_EXPIRED");
  char *cj = NULL, *ct = NULL, *all = NULL;
  size_t cjl = 0, ctl = 0, al = 0;
  rec(o, "cause_json", rdpneg_cause_json(tax, cid, &cj, &cjl), 0);
  rec(o, "cause_text", rdpneg_cause_text(tax, cid, &ct, &ctl), 0);
  rec(o, "taxonomy_json", rdpneg_taxonomy_json(tax, &all, &al), 0);
  sig_add(o, " cause %zu %zu all %zu remedies %d", cj ? cjl : 0, ct ? ctl : 0,
          all ? al : 0, rdpneg_cause_remedy_count(tax, cid));
  rdpneg_free(cj);
  rdpneg_free(ct);
  rdpneg_free(all);
  rdpneg_taxonomy_free(tax);
}

/* ---- operation 4: configuration ----------------------------------------- */

static void scen_config(outcome *o) {
  rdpneg_config *cfg = make_config(o, 0, 0), *copy = NULL;
  if (!cfg)
    return;
  rec(o, "set_str(sni)",
      rdpneg_config_set_str(cfg, RDPNEG_STROPT_SNI, "srv.oom.test"), 0);
  rec(o, "set_credentials(again)",
      rdpneg_config_set_credentials(cfg, "b\xc3\xa9la", NULL, "pw"), 0);
  if (!rec(o, "config_clone", rdpneg_config_clone(cfg, &copy), 0)) {
    int64_t v = 0;
    rdpneg_config_get_int(copy, RDPNEG_OPT_SPNEGO, &v);
    sig_add(o, "spnego %d", (int)v);
  }
  rdpneg_config_free(copy);
  rdpneg_config_free(cfg);
}

#ifdef OOM_MBEDTLS_STATIC
/* With mbedTLS linked in, the number of its allocations depends on the
 * random numbers (bignum sizes): the client's entropy and the clock are
 * made repeatable (--wrap=mbedtls_entropy_func,--wrap=time) so that
 * allocation N is the same one in every run. */
static unsigned entropy_ctr;
int __wrap_mbedtls_entropy_func(void *data, unsigned char *out, size_t len);
int __wrap_mbedtls_entropy_func(void *data, unsigned char *out, size_t len) {
  (void)data;
  for (size_t i = 0; i < len; i++)
    out[i] = (unsigned char)((++entropy_ctr * 2654435761u) >> 13);
  return 0;
}
/* librdpneg seeds its DRBG from getrandom(2) (lib/proto/tls.c), mbedTLS's
 * entropy context only where that fails: both repeatable here */
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags) {
  (void)flags;
  __wrap_mbedtls_entropy_func(NULL, buf, len);
  return (ssize_t)len;
}
/* mbedTLS puts the time into the ClientHello (--wrap=time) */
time_t __wrap_time(time_t *t);
time_t __wrap_time(time_t *t) {
  if (t)
    *t = NOW_UNIX;
  return NOW_UNIX;
}
#define REPEATABLE_ENTROPY() (entropy_ctr = 0)
#else
#define REPEATABLE_ENTROPY() ((void)0)
#endif

/* ---- the sweep ----------------------------------------------------------- */

typedef void (*scenario)(outcome *);

/* Runs |fn| once with allocation |n| failing (0: none). Returns the
 * number of blocks it leaked; *|o| gets the outcome. */
static long run_once(scenario fn, size_t n, int persistent, outcome *o) {
  memset(o, 0, sizeof *o);
  o->verdict = -1;
  size_t before = oom_live();
  oom_reset();
  oom_fail_at(n, persistent);
  REPEATABLE_ENTROPY();
  fn(o);
  oom_fail_at(0, 0);
  return (long)oom_live() - (long)before;
}

/* Every allocation, unless OOM_STRIDE says otherwise. With mbedTLS linked
 * statically a TLS handshake alone makes some 13,000 allocations (bignum
 * arithmetic), so that build tries about 2,000 of each operation's by
 * default, evenly spread; OOM_STRIDE=1 makes it try all. */
static size_t stride(size_t total) {
  const char *s = getenv("OOM_STRIDE");
  long v = s ? atol(s) : 0;
  if (v > 0)
    return (size_t)v;
#ifdef OOM_MBEDTLS_STATIC
  if (total > 2000)
    return (total / 2000) | 1;
#endif
  (void)total;
  return 1;
}

static void sweep(const char *name, scenario fn, int persistent) {
  outcome base, o;
  long leak = run_once(fn, 0, 0, &base);
  size_t total = oom_count();
  CHECK_EQ_INT(leak, 0);
  if (base.nomem || base.other || base.stuck) {
    printf("# %s: the run without failures went wrong: other %d at %s, "
           "stuck %d, nomem %d\n",
           name, base.other, base.other_where, base.stuck, base.nomem);
    CHECK(0);
    return;
  }
  size_t runs = 0, by_return = 0, by_evidence = 0, same = 0, bad = 0;
  size_t mbed_lost = 0;
  size_t step = stride(total);
  const char *from = getenv("OOM_FROM"); /* debugging: start the sweep here */
  for (size_t n = from && atol(from) > 0 ? (size_t)atol(from) : 1;; n += step) {
    leak = run_once(fn, n, persistent, &o);
    runs++;
    if (leak) {
      if (bad++ < 5)
        printf("# %s: allocation %zu failing leaks %ld blocks\n", name, n,
               leak);
      CHECK_EQ_INT(leak, 0);
    }
    if (!oom_failures()) {
      /* nothing failed any more: the operation is complete */
      if (strcmp(o.sig, base.sig) != 0) {
        printf("# %s: the run after the sweep differs:\n#  %s\n#  %s\n", name,
               o.sig, base.sig);
        CHECK(0);
      }
      break;
    }
    /* the failure is told (returned or in the evidence) or changes
     * nothing; evidence that differs must name it, not blame the server */
    int ok = !o.other && !o.stuck;
    if (!strcmp(o.sig, base.sig))
      same++;
    else if (o.nomem_ev && (o.verdict < 0 || o.verdict == 3))
      by_evidence++; /* and the verdict is unknown: nothing about the server */
    else if (o.nomem && (!o.ev[0] || !strcmp(o.ev, base.ev)))
      by_return++;
    else if (o.mbed_lost)
      mbed_lost++;
    else
      ok = 0;
    if (getenv("OOM_VERBOSE"))
      printf("# %s %zu: nomem %d/%d %s\n", name, n, o.nomem, o.nomem_ev, o.sig);
    if (!ok) {
      if (bad++ < 8)
        printf("# %s: allocation %zu failing%s: %s%s%s%s\n#   got  %s\n#   "
               "want %s\n",
               name, n, persistent ? " (and all after)" : "",
               o.other ? rdpneg_err_name(o.other) : "", o.other ? " from " : "",
               o.other_where, o.stuck ? " stuck" : "", o.sig, base.sig);
      CHECK(0);
    }
    if (n > total * 4 + 100) {
      printf("# %s: no end after %zu allocations\n", name, n);
      CHECK(0);
      break;
    }
  }
  printf("# %s%s: %zu allocations, %zu runs (every %zu): %zu same outcome, "
         "%zu NOMEM in the evidence, %zu NOMEM returned (no evidence or the "
         "same), %zu lost inside mbedTLS, %zu wrong\n",
         name, persistent ? " (persistent)" : "", total, runs, step, same,
         by_evidence, by_return, mbed_lost, bad);
}

TAP_TEST(oom_config) {
  sweep("config", scen_config, 0);
  sweep("config", scen_config, 1);
}
TAP_TEST(oom_taxonomy) {
  sweep("taxonomy", scen_taxonomy, 0);
  sweep("taxonomy", scen_taxonomy, 1);
}
TAP_TEST(oom_session_nla) {
  sweep("session", scen_session, 0);
  sweep("session", scen_session, 1);
}
TAP_TEST(oom_plan_documents) {
  sweep("plan", scen_plan, 0);
  sweep("plan", scen_plan, 1);
}

/* The baseline runs say what they exercised: a probe that really went
 * through CredSSP with the binding, and a plan with its follow-ups. */
TAP_TEST(scenarios_do_what_they_say) {
  outcome o;
  run_once(scen_session, 0, 0, &o);
  printf("# session: %s\n", o.sig);
  /* every phase ok, credentials accepted; the certificate self-signed,
   * matching the name, no trust anchors, not expired */
  CHECK(strstr(o.sig, "[primary 1/0 1/0 1/0 1/0 auth 1 cert 11-10]") != NULL);
  CHECK(strstr(o.sig, "verdict 0") != NULL);
  run_once(scen_plan, 0, 0, &o);
  printf("# plan: %s\n", o.sig);
  CHECK(strstr(o.sig, "[spnego_fallback 1/0 1/0 1/0 1/0 auth 1 cert") != NULL);
  CHECK(strstr(o.sig, "[tls_version") != NULL);
  CHECK(strstr(o.sig, "roundtrip same") != NULL);
}

/* ---- memory of a parsed override file (item 5) --------------------------- */

/* Appends to a growing document. */
typedef struct doc {
  char *b;
  size_t len, cap;
} doc;
static void doc_add(doc *d, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(d->b ? d->b + d->len : NULL, d->cap - d->len, fmt, ap);
    va_end(ap);
    if (n >= 0 && d->len + (size_t)n < d->cap) {
      d->len += (size_t)n;
      return;
    }
    d->cap = d->cap ? d->cap * 2 : 1 << 16;
    d->b = realloc(d->b, d->cap);
  }
}

/* Peak bytes the wrapped allocations reach during one load, above what
 * was live before. */
static size_t load_peak(const char *data, size_t len, const char *path,
                        int *prc, char *err, size_t errlen) {
  rdpneg_taxonomy *tax = NULL;
  rdpneg_taxonomy_new(&tax);
  size_t base = oom_live_bytes();
  oom_peak_reset();
  *prc = path ? rdpneg_taxonomy_load_overrides(tax, path, err, errlen)
              : rdpneg_taxonomy_load_overrides_mem(tax, data, len, "big", err,
                                                   errlen);
  size_t peak = oom_peak_bytes() - base;
  rdpneg_taxonomy_free(tax);
  return peak;
}

TAP_TEST(override_file_memory) {
  const size_t target = 1024 * 1024 - 64; /* just under the 1 MiB limit */
  char err[300];
  int rc;
  /* 1. a large valid file: every cause with 16 long remedies, and a long
   * free-form comment */
  doc d = {0};
  doc_add(&d, "{\"version\": 1, \"causes\": {");
  for (int i = 0; i < rdpneg_cause_count(); i++) {
    doc_add(&d, "%s\n \"%s\": {\"mode\": \"append\", \"remedies\": [",
            i ? "," : "", rdpneg_cause_id(i));
    for (int r = 0; r < 16; r++) {
      doc_add(&d, "%s\n  \"Remedy %d of %s:", r ? "," : "", r,
              rdpneg_cause_id(i));
      for (int k = 0; k < 12; k++)
        doc_add(&d, " check the gateway, the certificate and the policy,");
      doc_add(&d, " then try again.\"");
    }
    doc_add(&d, "]}");
  }
  doc_add(&d, "},\n \"comment\": \"");
  while (d.len < target - 8)
    doc_add(&d, "%s", d.len % 64 ? "x" : "\\n");
  doc_add(&d, "\"}");
  size_t peak = load_peak(d.b, d.len, NULL, &rc, err, sizeof err);
  if (rc)
    printf("# %s\n", err);
  CHECK_EQ_INT(rc, 0);
  printf("# valid %zu-byte override file: peak %zu bytes (%.2fx)\n", d.len,
         peak, (double)peak / (double)d.len);
  CHECK(peak < 8 * d.len);
  /* the same through a file: its buffer is the size of the file */
  char big_path[64];
  snprintf(big_path, sizeof big_path, "/tmp/rdpneg-oom-big-%ld.json",
           (long)getpid());
  FILE *f = fopen(big_path, "wb");
  CHECK(f != NULL);
  if (f) {
    fwrite(d.b, 1, d.len, f);
    fclose(f);
    peak = load_peak(NULL, 0, big_path, &rc, err, sizeof err);
    unlink(big_path);
    CHECK_EQ_INT(rc, 0);
    printf("# the same file by path: peak %zu bytes (%.2fx)\n", peak,
           (double)peak / (double)d.len);
    CHECK(peak < 8 * d.len);
  }

  /* 2. the densest JSON there is, an array of one-digit numbers in a
   * comment: refused before a tree is built */
  d.len = 0;
  doc_add(&d, "{\"causes\": {}, \"comment\": [0");
  while (d.len < target)
    doc_add(&d, ",0");
  doc_add(&d, "]}");
  peak = load_peak(d.b, d.len, NULL, &rc, err, sizeof err);
  printf("# %zu bytes of [0,0,...]: rc %d (%s), peak %zu bytes (%.2fx)\n",
         d.len, rc, err, peak, (double)peak / (double)d.len);
  CHECK_EQ_INT(rc, RDPNEG_ERR_BAD_FILE);
  CHECK(strstr(err, "too many values") != NULL);
  CHECK(peak < 8 * d.len);

  /* 3. a comment of short strings (10 bytes a value), and values every 16
   * bytes: accepted, within the bound */
  for (int kind = 0; kind < 2; kind++) {
    d.len = 0;
    doc_add(&d, "{\"causes\": {}, \"comment\": [0");
    for (int k = 0; d.len < target; k++)
      if (kind == 0)
        doc_add(&d, ",\"note %d\"", k);
      else
        doc_add(&d, ",              0");
    doc_add(&d, "]}");
    peak = load_peak(d.b, d.len, NULL, &rc, err, sizeof err);
    printf("# %zu bytes, %s: rc %d, peak %zu bytes (%.2fx)\n", d.len,
           kind ? "a value every 16 bytes" : "short strings", rc, peak,
           (double)peak / (double)d.len);
    CHECK_EQ_INT(rc, 0);
    CHECK(peak < 8 * d.len);
  }

  /* 4. the reader itself: one block, 64 bytes a value plus the strings */
  rdpneg_jp_node *root = NULL;
  CHECK_EQ_INT(rdpneg_jp_parse(d.b, d.len, &root, err, sizeof err), 0);
  if (root) {
    size_t values = 3 + root->child->next->count;
    printf("# reader: %zu values in %zu bytes of tree (%zu-byte nodes)\n",
           values, rdpneg_jp_tree_size(root), sizeof *root);
    CHECK(rdpneg_jp_tree_size(root) < values * sizeof *root + d.len + 64);
    CHECK_EQ_INT(oom_live_bytes() >= rdpneg_jp_tree_size(root), 1);
  }
  rdpneg_jp_free(root);
  free(d.b);
}

int main(void) {
  if (peer_global_init() != 0) {
    printf("1..0 # SKIP cannot make the test certificate\n");
    return 0;
  }
  /* the file the taxonomy operation loads */
  snprintf(overrides_path, sizeof overrides_path, "/tmp/rdpneg-oom-%ld.json",
           (long)getpid());
  FILE *f = fopen(overrides_path, "wb");
  if (f) {
    fputs(overrides_doc, f);
    fclose(f);
  }
  size_t live0 = oom_live();
  /* OOM_ONLY=name runs one test (with OOM_TRACE when debugging) */
  const char *only = getenv("OOM_ONLY");
#define RUN(fn)                                                                \
  do {                                                                         \
    if (!only || strstr(#fn, only))                                            \
      TAP_RUN(fn);                                                             \
  } while (0)
  RUN(scenarios_do_what_they_say);
  RUN(oom_config);
  RUN(oom_taxonomy);
  RUN(oom_session_nla);
  RUN(oom_plan_documents);
  RUN(override_file_memory);
  unlink(overrides_path);
  peer_global_free();
  if (oom_live() > live0)
    printf("# %zu blocks still live at exit\n", oom_live() - live0);
  return tap_done();
}
