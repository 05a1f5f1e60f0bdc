/* SPDX-License-Identifier: Apache-2.0 */
/* One source for every code name.
 *
 * The names the library prints for TLS alerts, NTSTATUS / SECURITY_STATUS
 * values, RDP_NEG_FAILURE codes, protocols and RDP_NEG_RSP flags all come
 * from lib/taxonomy/codes.def, compiled once into base/codes.c. Here every
 * path that yields such a name -- rdpneg_codename, the public row accessors
 * and rdpneg_code_lookup, explain (JSON and text), and the functions the
 * protocol layers print with (rdpneg_tls_alert_name,
 * rdpneg_nla_ntstatus_name, rdpneg_failure_name, rdpneg_protocol_name, the
 * x224 name lists) -- is compared with the data, expanded again here from
 * the same .def file. Where a path hands out a static string it must be
 * the very pointer of the table row. That catches a second table that has
 * drifted (tls.c lacked alerts 111 and 114), not a faithful copy: linkers
 * merge identical string literals, so a copy can share the row's address.
 * test_codenames.sh catches those: no copy of the names is typed into
 * lib/ (tried: a complete duplicate alert switch in tls.c passes here and
 * fails there with 34 hits).
 *
 * Also: cause IDs as the compiler-checked RDPNEG_CID_* enum. */
#include <rdpneg/rdpneg.h>
#include <rdpneg/rdpneg_taxonomy.h>

#include "analysis/cause_ids.h"
#include "base/codes.h"
#include "base/jsonparse.h"
#include "proto/nla.h"
#include "proto/tls.h"
#include "proto/x224.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The rows of codes.def, expanded independently of the library. */
typedef struct raw_code {
  int kind;
  uint32_t value;
  const char *name;
} raw_code;

static const raw_code raw[] = {
#define CODE(k, v, n, a, ph, cf, src, m) {RDPNEG_KIND_##k, (uint32_t)(v), n},
#include "taxonomy/codes.def"
#undef CODE
};
#define NRAW ((int)(sizeof raw / sizeof raw[0]))

static const char *const raw_causes[] = {
#define CAUSE(id, ...) #id,
#define EVIDENCE(...)
#define REMEDY(...)
#include "taxonomy/causes.def"
#undef CAUSE
#undef EVIDENCE
#undef REMEDY
};
#define NRAWCAUSES ((int)(sizeof raw_causes / sizeof raw_causes[0]))

/* The data's name of (kind, value), or NULL. */
static const char *raw_name(int kind, uint32_t value) {
  for (int i = 0; i < NRAW; i++)
    if (raw[i].kind == kind && raw[i].value == value)
      return raw[i].name;
  return NULL;
}

static int same(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static rdpneg_jp_node *jget(const rdpneg_jp_node *obj, const char *key) {
  if (!obj || obj->type != RDPNEG_JP_OBJECT)
    return NULL;
  for (rdpneg_jp_node *m = obj->child; m; m = m->next)
    if (strcmp(m->key, key) == 0)
      return m;
  return NULL;
}

/* The name explain gives code |value| read as |kind|: the "name" of its
 * first interpretation (JSON), or NULL when explain does not know it.
 * *|ptext| (may be NULL) gets the text rendering, to be freed. Sets *|bad|
 * when explain fails. */
static char *explain_name(int kind, uint32_t value, char **ptext, int *bad) {
  char *json = NULL, *name = NULL, err[200];
  rdpneg_jp_node *root = NULL;
  int found = rdpneg_explain_json(NULL, kind, value, 0, 0, &json, NULL);
  if (found < 0 || !json ||
      rdpneg_jp_parse(json, strlen(json), &root, err, sizeof err) != 0) {
    *bad = 1;
  } else {
    rdpneg_jp_node *in = jget(root, "interpretations");
    rdpneg_jp_node *nm = in && in->child ? jget(in->child, "name") : NULL;
    if (found > 0 && nm && nm->type == RDPNEG_JP_STRING) {
      name = malloc(nm->len + 1);
      if (name)
        memcpy(name, nm->str, nm->len + 1);
    } else if (found > 0 && !(nm && nm->type == RDPNEG_JP_NULL)) {
      *bad = 1;
    }
  }
  if (ptext && rdpneg_explain_text(NULL, kind, value, 0, 0, ptext, NULL) < 0)
    *bad = 1;
  rdpneg_jp_free(root);
  rdpneg_free(json);
  return name;
}

/* Every path of a code: the compiled row, the public accessors, explain.
 * Returns the number of mismatches (and prints the first few). */
static int check_common(int kind, uint32_t value, const char *want) {
  int bad = 0, i = rdpneg_codetab_find(kind, value);
  const char *lookup = NULL, *via_row = NULL;
  char *text = NULL;
  if (rdpneg_code_lookup(kind, value, &lookup, NULL) < 0)
    lookup = NULL;
  if (i >= 0)
    via_row = rdpneg_code_name(i);
  const char *row = i >= 0 ? rdpneg_codetab[i].name : NULL;
  const char *cn = rdpneg_codename(kind, value);
  char *ex = explain_name(kind, value, want ? &text : NULL, &bad);
  /* static strings: the row's own pointer on every path */
  if (cn != row || via_row != row || lookup != row)
    bad = 1;
  /* the row is the data; explain prints it in JSON and in text */
  if (!same(row, want) || !same(ex, want) ||
      (want && (!text || !strstr(text, want))))
    bad = 1;
  if (bad)
    printf("# kind %d value 0x%lX: data \"%s\", codename \"%s\", lookup "
           "\"%s\", explain \"%s\"\n",
           kind, (unsigned long)value, want ? want : "(null)",
           cn ? cn : "(null)", lookup ? lookup : "(null)", ex ? ex : "(null)");
  free(ex);
  rdpneg_free(text);
  return bad;
}

TAP_TEST(compiled_table_is_the_data) {
  CHECK_EQ_INT(rdpneg_codetab_len, NRAW);
  CHECK_EQ_INT(rdpneg_code_count(), NRAW);
  for (int i = 0; i < NRAW && i < rdpneg_codetab_len; i++) {
    CHECK_EQ_INT(rdpneg_codetab[i].kind, raw[i].kind);
    CHECK_EQ_INT(rdpneg_codetab[i].value, raw[i].value);
    CHECK(same(rdpneg_codetab[i].name, raw[i].name));
    /* the public row accessors hand out the same storage */
    CHECK(rdpneg_code_name(i) == rdpneg_codetab[i].name);
    CHECK_EQ_INT(rdpneg_code_kind(i), raw[i].kind);
    CHECK_EQ_INT(rdpneg_code_value(i), raw[i].value);
    CHECK_EQ_INT(rdpneg_codetab_find(raw[i].kind, raw[i].value), i);
  }
}

TAP_TEST(every_tls_alert_has_one_name) {
  int named = 0, bad = 0;
  for (int a = 0; a <= 255; a++) {
    const char *want = raw_name(RDPNEG_KIND_TLS_ALERT, (uint32_t)a);
    const char *tls = rdpneg_tls_alert_name(a);
    named += want != NULL;
    if (tls != rdpneg_codename(RDPNEG_CK_TLS_ALERT, (uint32_t)a) ||
        !same(tls, want)) {
      printf("# alert %d: tls \"%s\", data \"%s\"\n", a, tls ? tls : "(null)",
             want ? want : "(null)");
      bad++;
    }
    bad += check_common(RDPNEG_KIND_TLS_ALERT, (uint32_t)a, want);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(named, 34);
  /* the two tls.c used to miss */
  CHECK_EQ_STR(rdpneg_tls_alert_name(111), "certificate_unobtainable");
  CHECK_EQ_STR(rdpneg_tls_alert_name(114), "bad_certificate_hash_value");
  CHECK(rdpneg_tls_alert_name(-1) == NULL);
  CHECK(rdpneg_tls_alert_name(256) == NULL);
  CHECK(rdpneg_tls_alert_name(1) == NULL);
}

TAP_TEST(every_ntstatus_and_security_status_has_one_name) {
  int n = 0, bad = 0;
  for (int i = 0; i < NRAW; i++) {
    if (raw[i].kind != RDPNEG_KIND_NTSTATUS &&
        raw[i].kind != RDPNEG_KIND_SECURITY_STATUS)
      continue;
    n++;
    const char *nla = rdpneg_nla_ntstatus_name(raw[i].value);
    if (nla != rdpneg_codename(raw[i].kind, raw[i].value) ||
        !same(nla, raw[i].name)) {
      printf("# status 0x%08lX: nla \"%s\", data \"%s\"\n",
             (unsigned long)raw[i].value, nla ? nla : "(null)",
             raw[i].name ? raw[i].name : "(null)");
      bad++;
    }
    bad += check_common(raw[i].kind, raw[i].value, raw[i].name);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK(n >= 50);
  /* values in neither table have no name */
  CHECK(rdpneg_nla_ntstatus_name(0) == NULL);
  CHECK(rdpneg_nla_ntstatus_name(0xC0000001u) == NULL);
  CHECK(rdpneg_nla_ntstatus_name(0x80090301u) == NULL);
  /* rows nla.c's own table used to lack */
  CHECK_EQ_STR(rdpneg_nla_ntstatus_name(0x8009030Fu), "SEC_E_MESSAGE_ALTERED");
  CHECK_EQ_STR(rdpneg_nla_ntstatus_name(0x80092010u), "CRYPT_E_REVOKED");
}

TAP_TEST(every_failure_code_has_one_name) {
  int named = 0, bad = 0;
  for (uint32_t c = 0; c <= 255; c++) {
    const char *want = raw_name(RDPNEG_KIND_NEG_FAILURE, c);
    const char *f = rdpneg_failure_name(c);
    named += want != NULL;
    if (f != rdpneg_codename(RDPNEG_CK_NEG_FAILURE, c) || !same(f, want)) {
      printf("# failure %u: \"%s\" vs data \"%s\"\n", (unsigned)c,
             f ? f : "(null)", want ? want : "(null)");
      bad++;
    }
    bad += check_common(RDPNEG_KIND_NEG_FAILURE, c, want);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(named, 6);
  CHECK(rdpneg_failure_name(0xFFFFFFFFu) == NULL);
}

TAP_TEST(every_protocol_has_one_name) {
  static const char prefix[] = "PROTOCOL_";
  int n = 0, bad = 0;
  for (int i = 0; i < NRAW; i++) {
    if (raw[i].kind != RDPNEG_KIND_PROTOCOL)
      continue;
    const char *full = rdpneg_codename(RDPNEG_CK_PROTOCOL, raw[i].value);
    const char *p = rdpneg_protocol_name(raw[i].value);
    const char *list[8];
    bad += check_common(RDPNEG_KIND_PROTOCOL, raw[i].value, raw[i].name);
    CHECK(full && strncmp(full, prefix, sizeof prefix - 1) == 0);
    if (!full)
      continue;
    n++;
    if (raw[i].value == 0x80000000u) {
      /* FreeRDP's client-internal marker: never selected by a server */
      CHECK(p == NULL);
      continue;
    }
    /* "HYBRID" is the tail of the row's "PROTOCOL_HYBRID" */
    CHECK(p == full + sizeof prefix - 1);
    CHECK_EQ_INT(rdpneg_x224_protocol_names(raw[i].value, list), 1);
    CHECK(list[0] == p);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(n, 7);
  CHECK_EQ_STR(rdpneg_protocol_name(RDPNEG_PROTOCOL_HYBRID_EX), "HYBRID_EX");
  CHECK_EQ_STR(rdpneg_protocol_name(RDPNEG_PROTOCOL_RDP), "RDP");
  CHECK(rdpneg_protocol_name(0x20) == NULL);
  /* a mask lists its protocols in bit order, each the row's string */
  const char *list[8];
  CHECK_EQ_INT(rdpneg_x224_protocol_names(0x1Bu, list), 4);
  CHECK(list[0] == rdpneg_protocol_name(0x01));
  CHECK(list[1] == rdpneg_protocol_name(0x02));
  CHECK(list[2] == rdpneg_protocol_name(0x08));
  CHECK(list[3] == rdpneg_protocol_name(0x10));
}

TAP_TEST(every_negotiation_flag_has_one_name) {
  int bad = 0, nrsp = 0, nreq = 0;
  for (int i = 0; i < NRAW; i++) {
    if (raw[i].kind == RDPNEG_KIND_NEG_RSP_FLAG)
      nrsp++;
    else if (raw[i].kind == RDPNEG_KIND_NEG_REQ_FLAG)
      nreq++;
    else
      continue;
    bad += check_common(raw[i].kind, raw[i].value, raw[i].name);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(nrsp, 5);
  CHECK_EQ_INT(nreq, 3);
  /* the Connection Confirm flag list: one row string per bit the data
   * names, then UNKNOWN_FLAGS once for the bits it does not */
  const char *names[8];
  int n = rdpneg_x224_rsp_flag_names(0xFF, names), k = 0;
  for (unsigned bit = 1; bit <= 0x80; bit <<= 1) {
    const char *want = rdpneg_codename(RDPNEG_CK_NEG_RSP_FLAG, bit);
    if (want) {
      CHECK(k < n && names[k] == want);
      k++;
    }
  }
  CHECK_EQ_INT(k, 5);
  CHECK_EQ_INT(n, 6);
  CHECK(n == 6 && strcmp(names[5], "UNKNOWN_FLAGS") == 0);
  CHECK_EQ_INT(rdpneg_x224_rsp_flag_names(0x03, names), 2);
  CHECK_EQ_STR(names[0], "EXTENDED_CLIENT_DATA_SUPPORTED");
  CHECK_EQ_STR(names[1], "DYNVC_GFX_PROTOCOL_SUPPORTED");
  CHECK_EQ_INT(rdpneg_x224_rsp_flag_names(0x00, names), 0);
}

TAP_TEST(cause_ids_are_the_catalogue) {
  CHECK_EQ_INT(RDPNEG_CID_COUNT, NRAWCAUSES);
  CHECK_EQ_INT(RDPNEG_CID_COUNT, rdpneg_cause_count());
  for (int c = 0; c < RDPNEG_CID_COUNT && c < NRAWCAUSES; c++) {
    CHECK_EQ_STR(rdpneg_cid_str(c), raw_causes[c]);
    CHECK(rdpneg_cid_str(c) == rdpneg_cause_id(c));
    CHECK_EQ_INT(rdpneg_cause_find(raw_causes[c]), c);
  }
  CHECK(rdpneg_cid_str(-1) == NULL);
  CHECK(rdpneg_cid_str(RDPNEG_CID_COUNT) == NULL);
  /* names the compiler checks */
  CHECK_EQ_STR(rdpneg_cid_str(RDPNEG_CID_CERT_EXPIRED), "CERT_EXPIRED");
  CHECK_EQ_INT(rdpneg_cause_find("NLA_REQUIRED_BY_SERVER"),
               RDPNEG_CID_NLA_REQUIRED_BY_SERVER);
  /* RDP_NEG_FAILURE codes to their first-ranked cause (links.def) */
  static const int want[7] = {-1,
                              RDPNEG_CID_TLS_REQUIRED_BY_SERVER,
                              RDPNEG_CID_TLS_NOT_ALLOWED_BY_SERVER,
                              RDPNEG_CID_NO_SERVER_CERTIFICATE,
                              RDPNEG_CID_INCONSISTENT_FLAGS,
                              RDPNEG_CID_NLA_REQUIRED_BY_SERVER,
                              RDPNEG_CID_CLIENT_CERT_REQUIRED};
  for (uint32_t f = 0; f < 7; f++)
    CHECK_EQ_INT(rdpneg_cid_of_code(RDPNEG_KIND_NEG_FAILURE, f), want[f]);
  CHECK_EQ_INT(rdpneg_cid_of_code(RDPNEG_KIND_NEG_FAILURE, 7), -1);
  CHECK_EQ_INT(rdpneg_cid_of_code(RDPNEG_KIND_FREERDP, 0x0002000Cu),
               RDPNEG_CID_TLS_REQUIRED_BY_SERVER);
}

int main(void) {
  TAP_RUN(compiled_table_is_the_data);
  TAP_RUN(every_tls_alert_has_one_name);
  TAP_RUN(every_ntstatus_and_security_status_has_one_name);
  TAP_RUN(every_failure_code_has_one_name);
  TAP_RUN(every_protocol_has_one_name);
  TAP_RUN(every_negotiation_flag_has_one_name);
  TAP_RUN(cause_ids_are_the_catalogue);
  return tap_done();
}
