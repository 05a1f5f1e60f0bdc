/* SPDX-License-Identifier: Apache-2.0 */
/* Enumeration plan: what the server selects for each requestedProtocols
 * set worth asking, whether it requires NLA or TLS, whether Standard RDP
 * Security is still accepted (from clients that negotiate and from legacy
 * clients that send no RDP_NEG_REQ) and how it would protect such a
 * connection, in as few connections as the answers allow.
 *
 * Connections:
 *   1. with the primary (the request the configuration asks for, with TLS
 *      and the NLA handshake): PROTOCOL_RDP alone and a legacy request,
 *      each followed by the MCS Connect Initial when the server stays on
 *      Standard RDP Security (their answers do not depend on the primary);
 *   2. once the primary answered: every set its answer leaves open, X.224
 *      only, in parallel, except those another answer may decide: SSL
 *      alone waits for PROTOCOL_RDP alone, HYBRID_EX alone for HYBRID
 *      alone, SSL|HYBRID for SSL and HYBRID alone (deferred()); when both
 *      HYBRID and RDSTLS alone are open and the primary's answer did not
 *      take CredSSP, their union HYBRID|RDSTLS is asked first and they
 *      wait for it (a group test: a server without NLA refuses it, which
 *      answers both in one connection; ask_group()); when it took
 *      CredSSP, the union of what is open of RDSTLS, HYBRID_EX and RDSAAD
 *      alone is asked first the same way (a server that requires NLA
 *      refuses it);
 *      plus one connection for the TLS versions below the primary's
 *      highest, offering them all (plan.c: queue_range());
 *   3. where the Server Security Data shows a level that lets the client
 *      choose (LOW, CLIENT_COMPATIBLE), one MCS connection per weaker
 *      encryption method. At HIGH and FIPS the level decides the method
 *      (MS-RDPBCGR 5.3.2; Win32_TSGeneralSetting.SetEncryptionLevel:
 *      clients without 128-bit "cannot connect" at High).
 *
 * What an answer makes predictable (no connection):
 *   - a server that selects X from a set selects X from every subset that
 *     holds X (its preference does not change when other protocols are
 *     left out);
 *   - a server that answers PROTOCOL_RDP to a set of TLS-based protocols
 *     downgrades every subset of it the same way;
 *   - SSL_NOT_ALLOWED_BY_SERVER and SSL_CERT_NOT_ON_SERVER to a request
 *     that offers SSL refuse every TLS-based request alike (no TLS at all,
 *     no certificate); not to one without SSL: FreeRDP answers
 *     SSL_NOT_ALLOWED_BY_SERVER to HYBRID alone when it has TLS but no NLA;
 *   - HYBRID_REQUIRED_BY_SERVER to a request without CredSSP (PROTOCOL_RDP
 *     alone): SSL alone gets the same (infer_refusals);
 *   - SSL_REQUIRED_BY_SERVER to HYBRID alone: HYBRID_EX alone gets the
 *     same, and the other way round (infer_refusals);
 *   - a refusal that names the server's requirement (SSL_REQUIRED,
 *     SSL_NOT_ALLOWED, SSL_CERT_NOT_ON_SERVER, HYBRID_REQUIRED,
 *     SSL_WITH_USER_AUTH_REQUIRED) refuses every subset alike: a server
 *     that would select X from a subset selects something from the set
 *     that holds it (the first rule, turned round);
 *   - HYBRID alone refused: HYBRID_EX alone is refused alike (CredSSP with
 *     the Early User Authorization Result is CredSSP; PROTOCOL_HYBRID_EX
 *     comes with PROTOCOL_HYBRID, MS-RDPBCGR 2.2.1.1.1);
 *   - SSL|HYBRID: HYBRID when SSL alone got HYBRID_REQUIRED_BY_SERVER and
 *     HYBRID alone was selected; SSL when SSL alone was selected and HYBRID
 *     alone was not. */
#include "core/plan_enum.h"
#include "core/plan_internal.h"
#include "proto/mcs.h"
#include "proto/x224.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { E_UNKNOWN, E_QUEUED, E_ASKED, E_INFERRED, E_UNASKED };

enum {
  SET_RDP,
  SET_SSL,
  SET_HYBRID,
  SET_RDSTLS,
  SET_HYBRID_EX,
  SET_RDSAAD,
  SET_SSL_HYBRID,
  SET_DEFAULT,
  SET_LEGACY,
  SET_FIXED
};

static const struct {
  uint32_t mask;
  int neg;
  const char *purpose;
} fixed[SET_FIXED] = {
    {0x00, 1, "enum_rdp"},        {0x01, 1, "enum_ssl"},
    {0x02, 1, "enum_hybrid"},     {0x04, 1, "enum_rdstls"},
    {0x08, 1, "enum_hybrid_ex"},  {0x10, 1, "enum_rdsaad"},
    {0x03, 1, "enum_ssl_hybrid"}, {0x0b, 1, "enum_ssl_hybrid_ex"},
    {0x00, 0, "enum_legacy"},
};

typedef struct eset {
  char key[40];
  uint32_t mask;
  int neg; /* sends RDP_NEG_REQ */
  const char *purpose;
  int state;
  int attempt; /* plan attempt index once queued */
  /* the answer (asked or inferred) */
  int tcp;  /* rdpneg_tcp_status */
  int x224; /* rdpneg_x224_status */
  uint32_t value;
  uint8_t flags;
  int mcs; /* rdpneg_mcs_status, -1 when no MCS exchange ran */
} eset;

typedef struct method_probe {
  uint32_t method;
  int attempt;
  int done;
  int accepted; /* the server selected the one method offered */
} method_probe;

struct rdpneg_enum {
  eset s[RDPNEG_PROFILE_MAX_SETS];
  int n;
  int primary;     /* attempt index */
  int primary_set; /* index in s[] */
  int round2, stopped;
  int methods_queued;
  method_probe mp[2];
  int nmp;
  int group; /* index in s[] of the group test once asked, else -1 */
};

static void set_key(eset *e) {
  if (!e->neg) {
    snprintf(e->key, sizeof e->key, "legacy");
    return;
  }
  const char *names[8];
  int n = rdpneg_x224_protocol_names(e->mask, names);
  size_t o = 0;
  e->key[0] = 0;
  for (int i = 0; i < n && o < sizeof e->key; i++)
    o += (size_t)snprintf(e->key + o, sizeof e->key - o, "%s%s", i ? "|" : "",
                          names[i]);
}

/* Adds a set with RDP_NEG_REQ asking |mask| (beyond the fixed ones);
 * returns its index. The caller checked there is room. */
static int add_set(rdpneg_enum *en, uint32_t mask, const char *purpose) {
  int k = en->n++;
  eset *e = &en->s[k];
  memset(e, 0, sizeof *e);
  e->mask = mask;
  e->neg = 1;
  e->purpose = purpose;
  e->attempt = -1;
  e->mcs = -1;
  set_key(e);
  return k;
}

/* ---- answers ---- */

static int answered(const eset *e) {
  return e->state == E_ASKED || e->state == E_INFERRED;
}

/* The server selected protocol |x| (RDP_NEG_RSP). */
static int selected(const eset *e, uint32_t x) {
  return answered(e) && e->x224 == RDPNEG_X224_OK && e->value == x;
}

static int failed_with(const eset *e, uint32_t code) {
  return answered(e) && e->x224 == RDPNEG_X224_FAILURE && e->value == code;
}

/* 1 the server let this request in, 0 it refused it, -1 unknown. A request
 * that leaves the connection on Standard RDP Security is only in when the
 * MCS Connect Response came. */
static int accepted(const eset *e) {
  if (!answered(e))
    return -1;
  switch (e->x224) {
  case RDPNEG_X224_FAILURE:
    return 0;
  case RDPNEG_X224_OK:
  case RDPNEG_X224_LEGACY: {
    uint32_t sel = e->x224 == RDPNEG_X224_LEGACY ? 0 : e->value;
    if (sel != 0 && !(sel & e->mask))
      return 0; /* a protocol that was not asked for */
    if (sel != 0 || e->mcs < 0)
      return 1;
    if (e->mcs == RDPNEG_MCS_OK)
      return 1;
    if (e->mcs == RDPNEG_MCS_REFUSED || e->mcs == RDPNEG_MCS_CLOSED ||
        e->mcs == RDPNEG_MCS_RESET)
      return 0;
    return -1;
  }
  default:
    return -1;
  }
}

static void infer(eset *e, int x224, uint32_t value, uint8_t flags) {
  if (e->state != E_UNKNOWN)
    return;
  e->state = E_INFERRED;
  e->tcp = RDPNEG_TCP_OK;
  e->x224 = x224;
  e->value = value;
  e->flags = flags;
  e->mcs = -1;
}

/* A failure code that describes the server, not the request
 * (MS-RDPBCGR 2.2.1.2.2); not INCONSISTENT_FLAGS. */
static int names_requirement(uint32_t code) {
  switch (code) {
  case RDPNEG_FAILURE_SSL_REQUIRED_BY_SERVER:
  case RDPNEG_FAILURE_SSL_NOT_ALLOWED_BY_SERVER:
  case RDPNEG_FAILURE_SSL_CERT_NOT_ON_SERVER:
  case RDPNEG_FAILURE_HYBRID_REQUIRED_BY_SERVER:
  case RDPNEG_FAILURE_SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER:
    return 1;
  default:
    return 0;
  }
}

/* What the answer to set |k| makes predictable. */
static void infer_from(rdpneg_enum *en, int k) {
  const eset *a = &en->s[k];
  if (!a->neg || !answered(a))
    return;
  for (int i = 0; i < en->n; i++) {
    eset *e = &en->s[i];
    if (i == k || !e->neg || e->mask == 0 || e->state != E_UNKNOWN)
      continue;
    int subset = (e->mask & ~a->mask) == 0;
    if (a->x224 == RDPNEG_X224_OK && a->value != 0 && subset &&
        (e->mask & a->value))
      infer(e, RDPNEG_X224_OK, a->value, a->flags);
    else if (a->x224 == RDPNEG_X224_OK && a->value == 0 && a->mask && subset)
      infer(e, RDPNEG_X224_OK, 0, a->flags);
    else if (a->x224 == RDPNEG_X224_FAILURE &&
             (a->value == RDPNEG_FAILURE_SSL_NOT_ALLOWED_BY_SERVER ||
              a->value == RDPNEG_FAILURE_SSL_CERT_NOT_ON_SERVER) &&
             (a->mask & RDPNEG_PROTOCOL_SSL))
      infer(e, RDPNEG_X224_FAILURE, a->value, 0);
    else if (a->x224 == RDPNEG_X224_FAILURE && subset &&
             names_requirement(a->value))
      infer(e, RDPNEG_X224_FAILURE, a->value, 0);
  }
}

/* SSL|HYBRID from SSL and HYBRID alone. Returns 1 when decided. */
static int infer_ssl_hybrid(rdpneg_enum *en) {
  eset *sh = &en->s[SET_SSL_HYBRID];
  const eset *ssl = &en->s[SET_SSL], *hy = &en->s[SET_HYBRID];
  if (sh->state != E_UNKNOWN)
    return 1;
  if (!answered(ssl) || !answered(hy))
    return 0;
  if (failed_with(ssl, RDPNEG_FAILURE_HYBRID_REQUIRED_BY_SERVER) &&
      selected(hy, RDPNEG_PROTOCOL_HYBRID))
    infer(sh, RDPNEG_X224_OK, RDPNEG_PROTOCOL_HYBRID, hy->flags);
  else if (selected(ssl, RDPNEG_PROTOCOL_SSL) &&
           !selected(hy, RDPNEG_PROTOCOL_HYBRID))
    infer(sh, RDPNEG_X224_OK, RDPNEG_PROTOCOL_SSL, ssl->flags);
  return sh->state == E_INFERRED;
}

/* Refusals that name the server's requirement (MS-RDPBCGR 2.2.1.2.2),
 * applied to the sets it covers:
 *   - HYBRID_REQUIRED_BY_SERVER to a request without CredSSP: "the server
 *     requires that the client support Enhanced RDP Security with CredSSP";
 *     SSL alone offers no CredSSP either and gets the same refusal (not
 *     RDSTLS or RDSAAD, which a server may take instead of CredSSP, as a
 *     redirection target does);
 *   - SSL_REQUIRED_BY_SERVER to a request of CredSSP only (HYBRID and/or
 *     HYBRID_EX): "if only CredSSP was requested then the server only
 *     supports TLS"; every other CredSSP-only request gets the same. */
static int credssp_only(uint32_t m) {
  return m && !(m & ~(RDPNEG_PROTOCOL_HYBRID | RDPNEG_PROTOCOL_HYBRID_EX));
}

static void infer_refusals(rdpneg_enum *en) {
  const eset *hy = &en->s[SET_HYBRID];
  if (answered(hy) && hy->x224 == RDPNEG_X224_FAILURE)
    infer(&en->s[SET_HYBRID_EX], RDPNEG_X224_FAILURE, hy->value, 0);
  for (int k = 0; k < en->n; k++) {
    const eset *a = &en->s[k];
    if (a->state != E_ASKED || !a->neg)
      continue;
    if (failed_with(a, RDPNEG_FAILURE_HYBRID_REQUIRED_BY_SERVER) &&
        !(a->mask & (RDPNEG_PROTOCOL_HYBRID | RDPNEG_PROTOCOL_HYBRID_EX)))
      infer(&en->s[SET_SSL], RDPNEG_X224_FAILURE, a->value, 0);
    if (failed_with(a, RDPNEG_FAILURE_SSL_REQUIRED_BY_SERVER) &&
        credssp_only(a->mask))
      for (int i = 0; i < en->n; i++)
        if (en->s[i].neg && credssp_only(en->s[i].mask))
          infer(&en->s[i], RDPNEG_X224_FAILURE, a->value, 0);
  }
}

/* ---- queueing ---- */

/* The session of running attempt |index|, else NULL. */
static rdpneg_session *running(rdpneg_plan *p, int index) {
  return index >= 0 && index < p->n && p->a[index].state == A_RUNNING
             ? p->a[index].sess
             : NULL;
}

static rdpneg_config *queue(rdpneg_plan *p, const char *purpose, uint32_t mask,
                            int neg, int mcs, int *index) {
  plan_attempt *a = rdpneg_plan_enqueue(p, purpose);
  *index = a ? (int)(a - p->a) : -1;
  if (!a)
    return NULL;
  rdpneg_config *c = a->cfg;
  rdpneg_config_set_int(c, RDPNEG_OPT_REQUESTED_PROTOCOLS, mask);
  rdpneg_config_set_int(c, RDPNEG_OPT_SEND_NEG_REQ, neg);
  rdpneg_config_set_int(c, RDPNEG_OPT_DO_TLS, 0);
  rdpneg_config_set_int(c, RDPNEG_OPT_DO_NLA, 0);
  rdpneg_config_set_int(c, RDPNEG_OPT_DO_MCS, mcs);
  rdpneg_config_set_int(c, RDPNEG_OPT_MCS_METHODS, RDPNEG_ENC_ALL);
  rdpneg_config_set_credentials(c, NULL, NULL, NULL);
  return c;
}

static void ask(rdpneg_enum *en, rdpneg_plan *p, int i) {
  eset *e = &en->s[i];
  if (e->state != E_UNKNOWN)
    return;
  e->state = queue(p, e->purpose, e->mask, e->neg, e->mask == 0, &e->attempt)
                 ? E_QUEUED
                 : E_UNASKED;
}

/* One MCS connection per encryption method weaker than the one selected
 * when the level lets the client choose. */
static void queue_methods(rdpneg_enum *en, rdpneg_plan *p, const eset *via,
                          const rdpneg_attempt_ev *e) {
  if (en->methods_queued || !e->mcs_ran || e->mcs.status != RDPNEG_MCS_OK ||
      !e->mcs.has_security)
    return;
  en->methods_queued = 1;
  if (e->mcs.level != RDPNEG_ENC_LEVEL_LOW &&
      e->mcs.level != RDPNEG_ENC_LEVEL_CLIENT_COMPATIBLE)
    return;
  static const struct {
    uint32_t m;
    const char *purpose;
  } weak[] = {{RDPNEG_ENC_40BIT, "enum_method_40bit"},
              {RDPNEG_ENC_56BIT, "enum_method_56bit"}};
  int strength = e->mcs.method == RDPNEG_ENC_40BIT   ? 0
                 : e->mcs.method == RDPNEG_ENC_56BIT ? 1
                                                     : 2;
  for (int k = 0; k < 2 && k < strength; k++) {
    method_probe *mp = &en->mp[en->nmp];
    rdpneg_config *c = queue(p, weak[k].purpose, 0, via->neg, 1, &mp->attempt);
    if (!c)
      continue;
    rdpneg_config_set_int(c, RDPNEG_OPT_MCS_METHODS, weak[k].m);
    mp->method = weak[k].m;
    en->nmp++;
  }
}

int rdpneg_enum_new(rdpneg_enum **pen, rdpneg_plan *p, const rdpneg_config *cfg,
                    int primary) {
  rdpneg_enum *en = calloc(1, sizeof *en);
  if (!en)
    return RDPNEG_ERR_NOMEM;
  for (int i = 0; i < SET_FIXED; i++) {
    eset *e = &en->s[i];
    e->mask = fixed[i].mask;
    e->neg = fixed[i].neg;
    e->purpose = fixed[i].purpose;
    e->attempt = -1;
    e->mcs = -1;
    set_key(e);
  }
  en->n = SET_FIXED;
  int64_t mask = 0, neg = 1;
  rdpneg_config_get_int(cfg, RDPNEG_OPT_REQUESTED_PROTOCOLS, &mask);
  rdpneg_config_get_int(cfg, RDPNEG_OPT_SEND_NEG_REQ, &neg);
  /* the primary asks one of the sets, or one more */
  int k = -1;
  for (int i = 0; i < en->n; i++)
    if (en->s[i].neg == neg && (!neg || en->s[i].mask == (uint32_t)mask))
      k = i;
  if (k < 0)
    k = add_set(en, (uint32_t)mask, "primary");
  en->group = -1;
  en->primary = primary;
  en->primary_set = k;
  en->s[k].state = E_QUEUED;
  en->s[k].attempt = primary;
  /* independent of any answer: PROTOCOL_RDP alone and a legacy request */
  ask(en, p, SET_RDP);
  ask(en, p, SET_LEGACY);
  *pen = en;
  return 0;
}

void rdpneg_enum_free(rdpneg_enum *en) {
  free(en);
}

/* Is HYBRID|RDSTLS asked and not answered yet? */
static int group_pending(const rdpneg_enum *en) {
  return en->group >= 0 && en->s[en->group].state == E_QUEUED;
}

/* Is set |i| part of a group test still waiting for its answer? */
static int in_pending_group(const rdpneg_enum *en, int i) {
  return group_pending(en) && !(en->s[i].mask & ~en->s[en->group].mask);
}

/* Is set |i| waiting for an answer that may make it predictable? */
static int deferred(const rdpneg_enum *en, int i) {
  switch (i) {
  case SET_SSL: /* PROTOCOL_RDP alone (first round) */
    return en->s[SET_RDP].state == E_QUEUED;
  case SET_HYBRID: /* a group that holds them (ask_group()) */
  case SET_RDSTLS:
  case SET_RDSAAD:
    return in_pending_group(en, i);
  case SET_HYBRID_EX: /* HYBRID alone, a group that holds it, or one that
                         holds HYBRID still open */
    return en->s[SET_HYBRID].state == E_QUEUED || in_pending_group(en, i) ||
           (group_pending(en) && en->s[SET_HYBRID].state == E_UNKNOWN);
  case SET_SSL_HYBRID: /* SSL and HYBRID alone */
    return en->s[SET_SSL].state == E_QUEUED ||
           en->s[SET_SSL].state == E_UNKNOWN ||
           en->s[SET_HYBRID].state == E_QUEUED ||
           en->s[SET_HYBRID].state == E_UNKNOWN;
  default:
    return 0;
  }
}

/* Group tests: sets that the primary's answer makes likely to be refused
 * are asked as one union first. A refusal that names the server's
 * requirement answers every one of them, a selection answers the sets
 * that hold the protocol selected (infer_from); anything else leaves each
 * to be asked alone.
 *   - The primary offered CredSSP and the server did not take it: HYBRID
 *     and RDSTLS alone (a server without NLA refuses both). Not RDSAAD:
 *     xrdp answers every request that holds it with an MCS Disconnect
 *     Provider Ultimatum, which would cost both their connections.
 *   - The server took CredSSP: what is still open of RDSTLS, HYBRID_EX
 *     and RDSAAD alone (a server that requires NLA refuses them; FreeRDP
 *     shadow /sec:nla answers HYBRID_REQUIRED_BY_SERVER to the union as to
 *     each). A server that supports one of them selects it, and the rest
 *     are asked alone: as many connections as without the group.
 * Where the server took CredSSP, HYBRID and RDSTLS would only be asked to
 * be selected, so there is no first group then. */
static void ask_group(rdpneg_enum *en, rdpneg_plan *p) {
  const eset *pri = &en->s[en->primary_set];
  const uint32_t credssp = RDPNEG_PROTOCOL_HYBRID | RDPNEG_PROTOCOL_HYBRID_EX;
  if (en->group >= 0 || en->n >= RDPNEG_PROFILE_MAX_SETS || !pri->neg ||
      !(pri->mask & credssp) || !answered(pri))
    return;
  uint32_t mask = 0;
  const char *purpose;
  if (selected(pri, RDPNEG_PROTOCOL_HYBRID) ||
      selected(pri, RDPNEG_PROTOCOL_HYBRID_EX)) {
    static const int after[] = {SET_RDSTLS, SET_HYBRID_EX, SET_RDSAAD};
    int open = 0;
    for (int k = 0; k < 3; k++)
      if (en->s[after[k]].state == E_UNKNOWN) {
        mask |= en->s[after[k]].mask;
        open++;
      }
    if (open < 2)
      return;
    purpose = "enum_after_credssp";
  } else {
    if (en->s[SET_HYBRID].state != E_UNKNOWN ||
        en->s[SET_RDSTLS].state != E_UNKNOWN)
      return;
    mask = RDPNEG_PROTOCOL_HYBRID | RDPNEG_PROTOCOL_RDSTLS;
    purpose = "enum_hybrid_rdstls";
  }
  if (pri->mask == mask)
    return; /* the primary asked it already (no fixed set is a group) */
  en->group = add_set(en, mask, purpose);
  ask(en, p, en->group);
}

/* Second round: every set still open that waits for nothing. */
static void ask_open(rdpneg_enum *en, rdpneg_plan *p) {
  infer_ssl_hybrid(en);
  ask_group(en, p);
  for (int i = 0; i < en->n; i++)
    if (en->s[i].state == E_UNKNOWN && !deferred(en, i))
      ask(en, p, i);
}

void rdpneg_enum_decide(rdpneg_enum *en, rdpneg_plan *p, int index,
                        const rdpneg_attempt_ev *e) {
  for (int k = 0; k < en->nmp; k++)
    if (en->mp[k].attempt == index) {
      en->mp[k].done = 1;
      en->mp[k].accepted = e->mcs_ran && e->mcs.status == RDPNEG_MCS_OK &&
                           e->mcs.method == en->mp[k].method;
      return;
    }
  int k;
  for (k = 0; k < en->n; k++)
    if ((en->s[k].state == E_QUEUED || en->s[k].state == E_ASKED) &&
        en->s[k].attempt == index)
      break;
  if (k == en->n)
    return; /* a TLS-version connection or a retry: nothing to enumerate */
  eset *s = &en->s[k];
  int again = s->state == E_ASKED; /* decided from its confirm already */
  s->state = E_ASKED;
  s->tcp = e->tcp_status;
  s->x224 = e->x224_status;
  s->value = e->neg_value;
  s->flags = e->neg_flags;
  s->mcs = e->mcs_ran ? e->mcs.status : -1;
  if (e->x224_status == RDPNEG_X224_LEGACY)
    s->value = 0;
  if (s->mask == 0)
    queue_methods(en, p, s, e);
  if (again)
    return; /* only the MCS outcome can be new */
  if (index == en->primary) {
    if (e->x224_status != RDPNEG_X224_OK &&
        e->x224_status != RDPNEG_X224_FAILURE &&
        e->x224_status != RDPNEG_X224_LEGACY) {
      /* no negotiation answer (refused, filtered, not RDP): nothing more
       * to ask */
      en->stopped = 1;
      for (int i = 0; i < en->n; i++)
        if (en->s[i].state == E_UNKNOWN)
          en->s[i].state = E_UNASKED;
      return;
    }
    infer_from(en, k);
    en->round2 = 1;
  } else if (k == en->group) {
    infer_from(en, k);
  }
  infer_refusals(en);
  if (en->round2 && !en->stopped)
    ask_open(en, p);
}

int rdpneg_enum_may_start(rdpneg_enum *en, rdpneg_plan *p) {
  rdpneg_session *s = running(p, en->primary);
  rdpneg_x224_status x = s ? rdpneg_session_x224_status(s) : 0;
  if (s && en->s[en->primary_set].state == E_QUEUED &&
      (x == RDPNEG_X224_OK || x == RDPNEG_X224_FAILURE ||
       x == RDPNEG_X224_LEGACY)) {
    /* the primary answered; its TLS and NLA go on */
    rdpneg_attempt_ev *e = malloc(sizeof *e);
    if (e) {
      if (rdpneg_attempt_snapshot(s, e, 0, NULL) == 0)
        rdpneg_enum_decide(en, p, en->primary, e);
      rdpneg_attempt_clear(e);
      free(e);
    }
  }
  int connecting = 0;
  for (int i = 0; i < p->n; i++) {
    s = running(p, i);
    if (s && (rdpneg_session_tcp_status(s) == RDPNEG_TCP_PENDING ||
              rdpneg_session_x224_status(s) == RDPNEG_X224_PENDING))
      connecting++;
  }
  return connecting < RDPNEG_ENUM_MAX_CONNECTING;
}

/* ---- the profile ---- */

static const char *x224_outcome(const eset *e) {
  static const char *const tcp[] = {"",
                                    "",
                                    "tcp_refused",
                                    "tcp_timeout",
                                    "tcp_unreachable",
                                    "tcp_dns_failed",
                                    "tcp_error"};
  static const char *const x224[] = {
      "",      "",        "",          "",        "closed",
      "reset", "timeout", "malformed", "not_rdp", "skipped"};
  if (e->tcp != RDPNEG_TCP_OK)
    return e->tcp >= 0 && e->tcp < 7 ? tcp[e->tcp] : "tcp_error";
  return e->x224 >= 0 && e->x224 < 10 ? x224[e->x224] : "malformed";
}

static void answer_text(const eset *e, char *out, size_t cap) {
  out[0] = 0;
  if (!answered(e))
    return;
  if (e->x224 == RDPNEG_X224_LEGACY) {
    snprintf(out, cap, "%s", rdpneg_protocol_name(RDPNEG_PROTOCOL_RDP));
  } else if (e->x224 == RDPNEG_X224_OK) {
    const char *n = rdpneg_protocol_name(e->value);
    if (n)
      snprintf(out, cap, "%s", n);
    else
      snprintf(out, cap, "0x%08x", (unsigned)e->value);
  } else if (e->x224 == RDPNEG_X224_FAILURE) {
    const char *n = rdpneg_failure_name(e->value);
    if (n)
      snprintf(out, cap, "%s", n);
    else
      snprintf(out, cap, "FAILURE_%u", (unsigned)e->value);
  } else {
    snprintf(out, cap, "%s", x224_outcome(e));
  }
}

static int tri_or(int a, int b) {
  return a == 1 || b == 1 ? 1 : (a == 0 && b == 0 ? 0 : -1);
}

static void rdp_security(const rdpneg_enum *en, rdpneg_profile *pr,
                         const rdpneg_evidence *ev, const int *pos) {
  const int order[] = {en->s[SET_RDP].attempt, en->s[SET_LEGACY].attempt,
                       en->primary};
  for (int i = 0; i < 3; i++) {
    int at = order[i];
    if (at < 0 || pos[at] < 0)
      continue;
    const rdpneg_attempt_ev *a = &ev->att[pos[at]];
    if (!a->mcs_ran || a->mcs.status != RDPNEG_MCS_OK || !a->mcs.has_security)
      continue;
    const rdpneg_mcs_ev *m = &a->mcs;
    pr->has_rdp_security = 1;
    pr->rdp_security_attempt = pos[at];
    pr->enc_method = m->method;
    pr->enc_level = m->level;
    pr->server_key_bits = m->key_bits;
    pr->cert_type = m->cert_type;
    pr->server_version = m->has_core ? m->version : 0;
    pr->methods[pr->nmethods++] = m->method;
    pr->methods_inferred = m->level != RDPNEG_ENC_LEVEL_LOW &&
                           m->level != RDPNEG_ENC_LEVEL_CLIENT_COMPATIBLE;
    for (int k = 0; k < en->nmp; k++)
      if (en->mp[k].done && en->mp[k].accepted && en->mp[k].method != m->method)
        pr->methods[pr->nmethods++] = en->mp[k].method;
    return;
  }
}

void rdpneg_enum_profile(const rdpneg_enum *en, rdpneg_evidence *ev,
                         const int *pos) {
  rdpneg_profile *pr = &ev->profile;
  memset(pr, 0, sizeof *pr);
  ev->has_profile = 1;
  for (int i = 0; i < en->n && pr->nanswers < RDPNEG_PROFILE_MAX_SETS; i++) {
    const eset *e = &en->s[i];
    rdpneg_profile_answer *a = &pr->answers[pr->nanswers++];
    snprintf(a->set, sizeof a->set, "%s", e->key);
    answer_text(e, a->answer, sizeof a->answer);
    a->inferred = e->state == E_INFERRED;
    a->attempt = e->state == E_ASKED && e->attempt >= 0 ? pos[e->attempt] : -1;
  }
  const eset *rdp = &en->s[SET_RDP], *legacy = &en->s[SET_LEGACY];
  const eset *ssl = &en->s[SET_SSL];
  pr->rdp_security_accepted = accepted(rdp);
  pr->legacy_accepted = accepted(legacy);
  /* NLA supported: some answer selected CredSSP; not supported: every set
   * that holds HYBRID or HYBRID_EX was answered without it */
  int any = 0, open = 0;
  for (int i = 0; i < en->n; i++) {
    const eset *e = &en->s[i];
    if (!(e->mask & (RDPNEG_PROTOCOL_HYBRID | RDPNEG_PROTOCOL_HYBRID_EX)))
      continue;
    if (selected(e, RDPNEG_PROTOCOL_HYBRID) ||
        selected(e, RDPNEG_PROTOCOL_HYBRID_EX))
      any = 1;
    else if (!answered(e) ||
             (e->x224 != RDPNEG_X224_OK && e->x224 != RDPNEG_X224_FAILURE))
      open = 1;
  }
  pr->nla_supported = any ? 1 : open ? -1 : 0;
  /* NLA required: no way in without CredSSP (Metasploit's test: SSL alone
   * answered HYBRID_REQUIRED_BY_SERVER) */
  int in = tri_or(tri_or(accepted(ssl), accepted(rdp)), accepted(legacy));
  if (in == 1 || pr->nla_supported == 0)
    pr->nla_required = 0;
  else if (failed_with(ssl, RDPNEG_FAILURE_HYBRID_REQUIRED_BY_SERVER) ||
           (in == 0 && pr->nla_supported == 1))
    pr->nla_required = 1;
  else
    pr->nla_required = -1;
  /* TLS required: Standard RDP Security refused to every client */
  int rdp_in = tri_or(pr->rdp_security_accepted, pr->legacy_accepted);
  pr->tls_required = rdp_in == 1 ? 0 : rdp_in == 0 ? 1 : -1;
  /* the RDP_NEG_RSP flags: the primary's answer, else the first one */
  const eset *fl = &en->s[en->primary_set];
  if (!(answered(fl) && fl->x224 == RDPNEG_X224_OK))
    for (int i = 0; i < en->n; i++)
      if (en->s[i].state == E_ASKED && en->s[i].x224 == RDPNEG_X224_OK) {
        fl = &en->s[i];
        break;
      }
  if (answered(fl) && fl->x224 == RDPNEG_X224_OK) {
    pr->has_flags = 1;
    pr->flags = fl->flags;
  }
  rdp_security(en, pr, ev, pos);
}
