/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto shim (lib/proto/crypto.c) against published vectors: RFC 1320
 * (MD4), RFC 1321 (MD5), RFC 2202 (HMAC-MD5), RFC 6229 (RC4), FIPS 180-2
 * appendix B (SHA-256), plus split inputs, in-place RC4 and the rng
 * wrapper. */
#include "tap.h"

#include "proto/crypto.h"

#include <rdpneg/rdpneg.h>

#include <stdlib.h>
#include <string.h>

static void hex(const uint8_t *p, size_t n, char *out) {
  for (size_t i = 0; i < n; i++)
    snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static rdpneg_crypto_span str(const char *s) {
  return (rdpneg_crypto_span){(const uint8_t *)s, strlen(s)};
}

/* The RFC 1320 / 1321 test suite (section A.5 of each). */
static const char *const suite[] = {
    "",
    "a",
    "abc",
    "message digest",
    "abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "1234567890123456789012345678901234567890123456789012345678901234567890"
    "1234567890",
};

TAP_TEST(md4_rfc1320) {
  static const char *const want[] = {
      "31d6cfe0d16ae931b73c59d7e0c089c0", "bde52cb31de33e46245e05fbdbd6fb24",
      "a448017aaf21d8525fc10ae87aa6729d", "d9130a8164549fe818874806e1c7014b",
      "d79e1c308aa5bbcdeea8ed63df412da9", "043f8582f241db351ce627e153e7f0e4",
      "e33b4ddc9c38f2199c3e7b164fcc0536"};
  for (size_t i = 0; i < 7; i++) {
    uint8_t d[16];
    char h[33];
    rdpneg_crypto_span s = str(suite[i]);
    CHECK_EQ_INT(rdpneg_crypto_md4(d, &s, 1), 0);
    hex(d, 16, h);
    CHECK_EQ_STR(h, want[i]);
  }
}

TAP_TEST(md5_rfc1321) {
  static const char *const want[] = {
      "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
      "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
      "c3fcd3d76192e4007dfb496cca67e13b", "d174ab98d277d9f5a5611c2c9f419d9f",
      "57edf4a22be3c955ac49da2e2107b67a"};
  for (size_t i = 0; i < 7; i++) {
    uint8_t d[16];
    char h[33];
    rdpneg_crypto_span s = str(suite[i]);
    CHECK_EQ_INT(rdpneg_crypto_md5(d, &s, 1), 0);
    hex(d, 16, h);
    CHECK_EQ_STR(h, want[i]);
  }
  /* the same message in three pieces, one of them empty */
  const char *m = suite[5];
  rdpneg_crypto_span parts[3] = {{(const uint8_t *)m, 10},
                                 {NULL, 0},
                                 {(const uint8_t *)m + 10, strlen(m) - 10}};
  uint8_t d[16];
  char h[33];
  CHECK_EQ_INT(rdpneg_crypto_md5(d, parts, 3), 0);
  hex(d, 16, h);
  CHECK_EQ_STR(h, want[5]);
}

TAP_TEST(hmac_md5_rfc2202) {
  uint8_t k1[16], k3[16], k4[25], k5[16], k6[80], d3[50], d4[50];
  memset(k1, 0x0b, sizeof k1);
  memset(k3, 0xaa, sizeof k3);
  for (int i = 0; i < 25; i++)
    k4[i] = (uint8_t)(i + 1);
  memset(k5, 0x0c, sizeof k5);
  memset(k6, 0xaa, sizeof k6);
  memset(d3, 0xdd, sizeof d3);
  memset(d4, 0xcd, sizeof d4);
  const struct {
    const uint8_t *key;
    size_t keylen;
    const uint8_t *data;
    size_t len;
    const char *want;
  } cases[] = {
      {k1, 16, (const uint8_t *)"Hi There", 8,
       "9294727a3638bb1c13f48ef8158bfc9d"},
      {(const uint8_t *)"Jefe", 4,
       (const uint8_t *)"what do ya want for nothing?", 28,
       "750c783e6ab0b503eaa86e310a5db738"},
      {k3, 16, d3, 50, "56be34521d144c88dbb8c733f0e8b3f6"},
      {k4, 25, d4, 50, "697eaf0aca3a3aea3a75164746ffaa79"},
      {k5, 16, (const uint8_t *)"Test With Truncation", 20,
       "56461ef2342edc00f9bab995690efd4c"},
      {k6, 80,
       (const uint8_t *)"Test Using Larger Than Block-Size Key - Hash Key "
                        "First",
       54, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
      {k6, 80,
       (const uint8_t *)"Test Using Larger Than Block-Size Key and Larger "
                        "Than One Block-Size Data",
       73, "6f630fad67cda0ee1fb1f562db3aa53e"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t d[16];
    char h[33];
    rdpneg_crypto_span s = {cases[i].data, cases[i].len};
    CHECK_EQ_INT(
        rdpneg_crypto_hmac_md5(d, cases[i].key, cases[i].keylen, &s, 1), 0);
    hex(d, 16, h);
    CHECK_EQ_STR(h, cases[i].want);
    /* split at every position: same MAC */
    for (size_t cut = 0; cut <= cases[i].len; cut += 7) {
      rdpneg_crypto_span two[2] = {{cases[i].data, cut},
                                   {cases[i].data + cut, cases[i].len - cut}};
      uint8_t d2[16];
      CHECK_EQ_INT(
          rdpneg_crypto_hmac_md5(d2, cases[i].key, cases[i].keylen, two, 2), 0);
      CHECK(memcmp(d, d2, 16) == 0);
    }
  }
}

TAP_TEST(sha256_fips180) {
  const struct {
    const char *m, *want;
  } cases[] = {
      {"abc",
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
  };
  for (size_t i = 0; i < 3; i++) {
    uint8_t d[32];
    char h[65];
    rdpneg_crypto_span s = str(cases[i].m);
    CHECK_EQ_INT(rdpneg_crypto_sha256(d, &s, 1), 0);
    hex(d, 32, h);
    CHECK_EQ_STR(h, cases[i].want);
  }
  /* "abc" as "a" || "" || "bc" */
  rdpneg_crypto_span parts[3] = {
      {(const uint8_t *)"a", 1}, {NULL, 0}, {(const uint8_t *)"bc", 2}};
  uint8_t d[32];
  char h[65];
  CHECK_EQ_INT(rdpneg_crypto_sha256(d, parts, 3), 0);
  hex(d, 32, h);
  CHECK_EQ_STR(h, cases[0].want);
}

/* RFC 6229 section 2: key streams at offsets 0, 16, 240, 256 and 4096. */
TAP_TEST(rc4_rfc6229) {
  static const uint8_t key40[5] = {1, 2, 3, 4, 5};
  static const uint8_t key128[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                     9, 10, 11, 12, 13, 14, 15, 16};
  const struct {
    const uint8_t *key;
    size_t keylen;
    const char *at[5];
  } cases[] = {
      {key40,
       5,
       {"b2396305f03dc027ccc3524a0a1118a8", "6982944f18fc82d589c403a47a0d0919",
        "28cb1132c96ce286421dcaadb8b69eae", "1cfcf62b03eddb641d77dfcf7f8d8c93",
        "ff25b58995996707e51fbdf08b34d875"}},
      {key128,
       16,
       {"9ac7cc9a609d1ef7b2932899cde41b97", "5248c4959014126a6e8a84f11d1a9e1c",
        "065902e4b620f6cc36c8589f66432f2b", "d39d566bc6bce3010768151549f3873f",
        "a36a4c301ae8ac13610ccbc12256cacc"}},
  };
  static const size_t off[5] = {0, 16, 240, 256, 4096};
  for (size_t c = 0; c < 2; c++) {
    uint8_t *ks = calloc(1, 4112);
    CHECK(ks != NULL);
    if (!ks)
      return;
    rdpneg_crypto_rc4 r;
    CHECK_EQ_INT(rdpneg_crypto_rc4_init(&r, cases[c].key, cases[c].keylen), 0);
    rdpneg_crypto_rc4_crypt(&r, ks, 4112,
                            ks); /* in place, zeros -> key stream */
    for (int i = 0; i < 5; i++) {
      char h[33];
      hex(ks + off[i], 16, h);
      CHECK_EQ_STR(h, cases[c].at[i]);
    }
    /* the same stream produced in uneven pieces */
    uint8_t piece[4112] = {0};
    CHECK_EQ_INT(rdpneg_crypto_rc4_init(&r, cases[c].key, cases[c].keylen), 0);
    for (size_t pos = 0, step = 1; pos < sizeof piece; pos += step, step += 3) {
      size_t n = step < sizeof piece - pos ? step : sizeof piece - pos;
      rdpneg_crypto_rc4_crypt(&r, piece + pos, n, piece + pos);
    }
    CHECK(memcmp(piece, ks, sizeof piece) == 0);
    rdpneg_crypto_rc4_free(&r);
    uint8_t zero[sizeof r];
    memset(zero, 0, sizeof zero);
    CHECK(memcmp(&r, zero, sizeof r) == 0);
    free(ks);
  }
  rdpneg_crypto_rc4 r;
  CHECK_EQ_INT(rdpneg_crypto_rc4_init(&r, key40, 0), RDPNEG_ERR_CRYPTO);
}

static int fill_rng(void *ctx, unsigned char *buf, size_t len) {
  memset(buf, *(int *)ctx, len);
  return 0;
}

static int failing_rng(void *ctx, unsigned char *buf, size_t len) {
  (void)ctx;
  (void)buf;
  (void)len;
  return -1;
}

TAP_TEST(random_wipe_equal) {
  uint8_t b[8] = {0};
  int v = 0x5a;
  CHECK_EQ_INT(rdpneg_crypto_random(fill_rng, &v, b, sizeof b), 0);
  CHECK_EQ_INT(b[0], 0x5a);
  CHECK_EQ_INT(b[7], 0x5a);
  CHECK_EQ_INT(rdpneg_crypto_random(failing_rng, NULL, b, sizeof b),
               RDPNEG_ERR_CRYPTO);
  CHECK_EQ_INT(rdpneg_crypto_random(NULL, NULL, b, sizeof b),
               RDPNEG_ERR_CRYPTO);
  rdpneg_crypto_wipe(b, sizeof b);
  static const uint8_t z[8];
  CHECK(memcmp(b, z, 8) == 0);
  rdpneg_crypto_wipe(NULL, 4);
  CHECK(rdpneg_crypto_equal("abcd", "abcd", 4));
  CHECK(!rdpneg_crypto_equal("abcd", "abce", 4));
  CHECK(rdpneg_crypto_equal("x", "y", 0));
}

int main(void) {
  TAP_RUN(md4_rfc1320);
  TAP_RUN(md5_rfc1321);
  TAP_RUN(hmac_md5_rfc2202);
  TAP_RUN(sha256_fips180);
  TAP_RUN(rc4_rfc6229);
  TAP_RUN(random_wipe_equal);
  return tap_done();
}
