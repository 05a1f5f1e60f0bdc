/* SPDX-License-Identifier: Apache-2.0 */
/* NTLM (MS-NLMP) messages and NTLMv2 crypto (internal).
 *
 * Pure functions over byte spans: no I/O, no clock, no global state.
 * Randomness (client challenge, random session key) and time are passed in,
 * so the MS-NLMP 4.2.4 vectors can be checked byte for byte. All hashing,
 * HMAC and RC4 go through the crypto shim (crypto.h). Messages are
 * parsed and built in ntlm.c, NTLMv2 values, keys and session security
 * computed in ntlm_crypto.c.
 *
 * Every offset and length read from the wire is treated as hostile and
 * bounds-checked; malformed input yields RDPNEG_ERR_NTLM_MALFORMED, never a
 * read outside the buffer. Only NTLMv2 with extended session security
 * signing and sealing is implemented (what CredSSP servers negotiate). */
#ifndef RDPNEG_NTLM_H
#define RDPNEG_NTLM_H

#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"

/* NegotiateFlags (MS-NLMP 2.2.2.5). */
#define RDPNEG_NTLM_NEGOTIATE_UNICODE 0x00000001u
#define RDPNEG_NTLM_NEGOTIATE_OEM 0x00000002u
#define RDPNEG_NTLM_REQUEST_TARGET 0x00000004u
#define RDPNEG_NTLM_NEGOTIATE_SIGN 0x00000010u
#define RDPNEG_NTLM_NEGOTIATE_SEAL 0x00000020u
#define RDPNEG_NTLM_NEGOTIATE_DATAGRAM 0x00000040u
#define RDPNEG_NTLM_NEGOTIATE_LM_KEY 0x00000080u
#define RDPNEG_NTLM_NEGOTIATE_NTLM 0x00000200u
#define RDPNEG_NTLM_ANONYMOUS 0x00000800u
#define RDPNEG_NTLM_NEGOTIATE_OEM_DOMAIN_SUPPLIED 0x00001000u
#define RDPNEG_NTLM_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u
#define RDPNEG_NTLM_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define RDPNEG_NTLM_TARGET_TYPE_DOMAIN 0x00010000u
#define RDPNEG_NTLM_TARGET_TYPE_SERVER 0x00020000u
#define RDPNEG_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define RDPNEG_NTLM_NEGOTIATE_IDENTIFY 0x00100000u
#define RDPNEG_NTLM_REQUEST_NON_NT_SESSION_KEY 0x00400000u
#define RDPNEG_NTLM_NEGOTIATE_TARGET_INFO 0x00800000u
#define RDPNEG_NTLM_NEGOTIATE_VERSION 0x02000000u
#define RDPNEG_NTLM_NEGOTIATE_128 0x20000000u
#define RDPNEG_NTLM_NEGOTIATE_KEY_EXCH 0x40000000u
#define RDPNEG_NTLM_NEGOTIATE_56 0x80000000u

/* What our NEGOTIATE_MESSAGE requests, like a Windows client: UNICODE,
 * REQUEST_TARGET, SIGN, SEAL, NTLM, ALWAYS_SIGN, EXTENDED_SESSIONSECURITY,
 * TARGET_INFO, VERSION, 128, KEY_EXCH, 56 (= 0xE2888235). */
#define RDPNEG_NTLM_CLIENT_FLAGS                                               \
  (RDPNEG_NTLM_NEGOTIATE_UNICODE | RDPNEG_NTLM_REQUEST_TARGET |                \
   RDPNEG_NTLM_NEGOTIATE_SIGN | RDPNEG_NTLM_NEGOTIATE_SEAL |                   \
   RDPNEG_NTLM_NEGOTIATE_NTLM | RDPNEG_NTLM_NEGOTIATE_ALWAYS_SIGN |            \
   RDPNEG_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY |                            \
   RDPNEG_NTLM_NEGOTIATE_TARGET_INFO | RDPNEG_NTLM_NEGOTIATE_VERSION |         \
   RDPNEG_NTLM_NEGOTIATE_128 | RDPNEG_NTLM_NEGOTIATE_KEY_EXCH |                \
   RDPNEG_NTLM_NEGOTIATE_56)

/* Little-endian fields of NTLM messages. */
static inline uint16_t rdpneg_ntlm_le16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t rdpneg_ntlm_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

static inline uint64_t rdpneg_ntlm_le64(const uint8_t *p) {
  return (uint64_t)rdpneg_ntlm_le32(p) |
         ((uint64_t)rdpneg_ntlm_le32(p + 4) << 32);
}

static inline void rdpneg_ntlm_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static inline void rdpneg_ntlm_put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static inline void rdpneg_ntlm_put64(uint8_t *p, uint64_t v) {
  rdpneg_ntlm_put32(p, (uint32_t)v);
  rdpneg_ntlm_put32(p + 4, (uint32_t)(v >> 32));
}

/* AvId values (MS-NLMP 2.2.2.1). */
#define RDPNEG_NTLM_AV_EOL 0x0000u
#define RDPNEG_NTLM_AV_NB_COMPUTER_NAME 0x0001u
#define RDPNEG_NTLM_AV_NB_DOMAIN_NAME 0x0002u
#define RDPNEG_NTLM_AV_DNS_COMPUTER_NAME 0x0003u
#define RDPNEG_NTLM_AV_DNS_DOMAIN_NAME 0x0004u
#define RDPNEG_NTLM_AV_DNS_TREE_NAME 0x0005u
#define RDPNEG_NTLM_AV_FLAGS 0x0006u
#define RDPNEG_NTLM_AV_TIMESTAMP 0x0007u
#define RDPNEG_NTLM_AV_SINGLE_HOST 0x0008u
#define RDPNEG_NTLM_AV_TARGET_NAME 0x0009u
#define RDPNEG_NTLM_AV_CHANNEL_BINDINGS 0x000Au
/* MsvAvFlags bit: the AUTHENTICATE_MESSAGE carries a MIC. */
#define RDPNEG_NTLM_AV_FLAG_MIC_PROVIDED 0x00000002u

#define RDPNEG_NTLM_NEGOTIATE_LEN 40 /* header + VERSION, no payload */
#define RDPNEG_NTLM_MIC_OFFSET 72    /* in AUTHENTICATE_MESSAGE */
#define RDPNEG_NTLM_SIGNATURE_LEN 16 /* NTLMSSP_MESSAGE_SIGNATURE */

/* 100-ns intervals between 1601-01-01 and 1970-01-01 (FILETIME epoch). */
#define RDPNEG_NTLM_FILETIME_UNIX_EPOCH 116444736000000000ull

/* VERSION structure (MS-NLMP 2.2.2.10); informational only. */
typedef struct rdpneg_ntlm_version {
  int present;
  uint8_t major, minor;
  uint16_t build;
  uint8_t revision; /* NTLMRevisionCurrent, 0x0F = W2K3 */
} rdpneg_ntlm_version;

/* The VERSION we announce: 10.0.19041, revision 15 (a Windows 10 client). */
#define RDPNEG_NTLM_OUR_MAJOR 10
#define RDPNEG_NTLM_OUR_MINOR 0
#define RDPNEG_NTLM_OUR_BUILD 19041
#define RDPNEG_NTLM_REVISION_W2K3 0x0F

typedef struct rdpneg_ntlm_negotiate {
  uint32_t flags;
  rdpneg_ntlm_version version;
} rdpneg_ntlm_negotiate;

/* Decoded CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2). Strings are NUL-terminated
 * UTF-8 owned by the struct (NULL when absent); |target_info| points into
 * the parsed message and is valid as long as that buffer is. */
typedef struct rdpneg_ntlm_challenge {
  uint32_t flags;
  uint8_t server_challenge[8];
  rdpneg_ntlm_version version;
  char *target_name;  /* TargetNameFields */
  char *nb_computer;  /* MsvAvNbComputerName */
  char *nb_domain;    /* MsvAvNbDomainName */
  char *dns_computer; /* MsvAvDnsComputerName */
  char *dns_domain;   /* MsvAvDnsDomainName */
  char *dns_tree;     /* MsvAvDnsTreeName */
  char *av_target;    /* MsvAvTargetName (unusual in a CHALLENGE) */
  int has_av_flags;
  uint32_t av_flags;
  int has_timestamp;
  uint64_t timestamp; /* MsvAvTimestamp, FILETIME */
  int has_eol;        /* the AV list was terminated by MsvAvEOL */
  const uint8_t *target_info;
  size_t target_info_len;
} rdpneg_ntlm_challenge;

/* Decoded AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3); all pointers borrow the
 * parsed message. Names are raw (UTF-16LE when UNICODE is negotiated). */
typedef struct rdpneg_ntlm_authenticate {
  uint32_t flags;
  rdpneg_ntlm_version version;
  const uint8_t *lm_response, *nt_response, *domain, *user, *workstation,
      *enc_session_key;
  size_t lm_response_len, nt_response_len, domain_len, user_len,
      workstation_len, enc_session_key_len;
  int has_mic;
  const uint8_t *mic; /* 16 bytes at RDPNEG_NTLM_MIC_OFFSET */
} rdpneg_ntlm_authenticate;

/* Writes our NEGOTIATE_MESSAGE (no domain/workstation payload, VERSION
 * 10.0.19041) into |out| (RDPNEG_NTLM_NEGOTIATE_LEN bytes). Returns the
 * length. */
int rdpneg_ntlm_write_negotiate(uint8_t out[RDPNEG_NTLM_NEGOTIATE_LEN],
                                uint32_t flags);

/* Parsers. |msg| is borrowed. Return 0 or RDPNEG_ERR_NTLM_MALFORMED
 * (signature, type or a field outside the message), RDPNEG_ERR_NOMEM. */
int rdpneg_ntlm_parse_negotiate(rdpneg_ntlm_negotiate *n, const uint8_t *msg,
                                size_t len);
/* Initialises |c| (no need to zero it first); free with
 * rdpneg_ntlm_challenge_free() after success. On failure |c| holds nothing
 * to free. */
int rdpneg_ntlm_parse_challenge(rdpneg_ntlm_challenge *c, const uint8_t *msg,
                                size_t len);
void rdpneg_ntlm_challenge_free(rdpneg_ntlm_challenge *c);
int rdpneg_ntlm_parse_authenticate(rdpneg_ntlm_authenticate *a,
                                   const uint8_t *msg, size_t len);

/* Name of the single flag |bit| ("NEGOTIATE_UNICODE", ...; reserved bits
 * are "RESERVED_0x00000008"-style), static storage. */
const char *rdpneg_ntlm_flag_name(uint32_t bit);

/* UTF-16LE -> UTF-8, malloc'd and NUL-terminated. Unpaired surrogates and
 * U+0000 become U+FFFD; an odd trailing byte is ignored. NULL on NOMEM. */
char *rdpneg_ntlm_utf16_to_utf8(const uint8_t *s, size_t len);
/* UTF-8 -> UTF-16LE, malloc'd (never NULL on success, even for ""); with
 * |upper| the text is upper-cased (ASCII, Latin-1, Greek, Cyrillic).
 * Returns 0, RDPNEG_ERR_INVALID_ARGUMENT (not UTF-8) or RDPNEG_ERR_NOMEM.
 * Free with rdpneg_ntlm_wipe_free() when it held a secret. */
int rdpneg_ntlm_utf8_to_utf16(const char *s, int upper, uint8_t **out,
                              size_t *outlen);
/* Zeroises |len| bytes at |p| and frees it. */
void rdpneg_ntlm_wipe_free(void *p, size_t len);

/* FILETIME -> Unix seconds (floor); |ft| before 1970 gives a negative. */
int64_t rdpneg_ntlm_filetime_to_unix(uint64_t ft);

/* --- NTLMv2 (MS-NLMP 3.3.2) ------------------------------------------- */
/* All return 0 or RDPNEG_ERR_CRYPTO / RDPNEG_ERR_NOMEM /
 * RDPNEG_ERR_INVALID_ARGUMENT (bad UTF-8). Temporary copies of secrets are
 * zeroised. */

/* NTOWFv2(Passwd, User, UserDom) = HMAC_MD5(MD4(UNICODE(Passwd)),
 * UNICODE(Uppercase(User) || UserDom)). NULL strings count as "". */
int rdpneg_ntlm_ntowfv2(uint8_t out[16], const char *password, const char *user,
                        const char *domain);
/* Same from an NT hash (MD4 of the UTF-16LE password). */
int rdpneg_ntlm_ntowfv2_from_hash(uint8_t out[16], const uint8_t nt_hash[16],
                                  const char *user, const char *domain);
/* LMv2 response = HMAC_MD5(key, SC || CC) || CC (24 bytes). */
int rdpneg_ntlm_lmv2_response(uint8_t out[24], const uint8_t key[16],
                              const uint8_t server_chal[8],
                              const uint8_t client_chal[8]);
/* temp = 01 01 Z(6) Time ClientChallenge Z(4) ServerName Z(4), malloc'd. */
int rdpneg_ntlm_make_temp(uint8_t **out, size_t *outlen, uint64_t filetime,
                          const uint8_t client_chal[8], const uint8_t *av,
                          size_t av_len);
/* NTProofStr = HMAC_MD5(key, SC || temp). */
int rdpneg_ntlm_ntproof(uint8_t out[16], const uint8_t key[16],
                        const uint8_t server_chal[8], const uint8_t *temp,
                        size_t temp_len);
/* SessionBaseKey = HMAC_MD5(key, NTProofStr). */
int rdpneg_ntlm_session_base_key(uint8_t out[16], const uint8_t key[16],
                                 const uint8_t ntproof[16]);
/* RC4K(key, in) with a fresh RC4 state; |out| may equal |in|. */
int rdpneg_ntlm_rc4k(const uint8_t key[16], const uint8_t *in, size_t len,
                     uint8_t *out);
/* MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE ||
 * AUTHENTICATE) with the 16 bytes at RDPNEG_NTLM_MIC_OFFSET of |auth|
 * taken as zero. |auth_len| must be >= RDPNEG_NTLM_MIC_OFFSET + 16. */
int rdpneg_ntlm_mic(uint8_t out[16], const uint8_t key[16], const uint8_t *neg,
                    size_t neg_len, const uint8_t *chal, size_t chal_len,
                    const uint8_t *auth, size_t auth_len);
/* SIGNKEY/SEALKEY with extended session security (MS-NLMP 3.4.5.2/3);
 * |server| selects the server-to-client magic constant. */
int rdpneg_ntlm_signkey(uint8_t out[16], const uint8_t exported[16],
                        int server);
int rdpneg_ntlm_sealkey(uint8_t out[16], const uint8_t exported[16],
                        uint32_t flags, int server);

/* --- AUTHENTICATE_MESSAGE construction (MS-NLMP 3.1.5.1.2) ----------- */
typedef struct rdpneg_ntlm_auth_in {
  const rdpneg_ntlm_challenge *challenge; /* parsed from challenge_msg */
  const uint8_t *challenge_msg;           /* raw, for the MIC */
  size_t challenge_len;
  const uint8_t *negotiate_msg; /* our NEGOTIATE, raw, for the MIC */
  size_t negotiate_len;
  uint32_t client_flags;          /* what the NEGOTIATE asked for */
  const uint8_t *response_key_nt; /* NTOWFv2, 16 bytes */
  const char *user, *domain;      /* UTF-8, NULL = "" */
  const char *workstation;        /* UTF-8, NULL = "" */
  const char *target_spn; /* MsvAvTargetName, e.g. "TERMSRV/host"; NULL =
                             not sent */
  const uint8_t *client_challenge;   /* 8 random bytes */
  const uint8_t *random_session_key; /* 16 random bytes (KEY_EXCH) */
  uint64_t now_filetime; /* NTLMv2 time when the CHALLENGE has no timestamp */
} rdpneg_ntlm_auth_in;

typedef struct rdpneg_ntlm_auth_out {
  uint8_t *msg; /* malloc'd AUTHENTICATE_MESSAGE */
  size_t len;
  uint32_t flags; /* negotiated: CHALLENGE flags & client flags */
  int mic_present;
  uint8_t exported_session_key[16];
} rdpneg_ntlm_auth_out;

/* Computes the NTLMv2 response and keys and writes the AUTHENTICATE_MESSAGE
 * as Windows lays it out (Domain, User, Workstation, LM, NT, session key).
 * When the server sent MsvAvTimestamp: LmChallengeResponse is Z(24), the
 * server's time is used, MsvAvFlags gets MIC_PROVIDED and the MIC is
 * filled in. MsvAvChannelBindings Z(16) and (if given) MsvAvTargetName are
 * added. Returns 0, RDPNEG_ERR_UNSUPPORTED (server refused extended
 * session security), RDPNEG_ERR_INVALID_ARGUMENT, RDPNEG_ERR_NOMEM or
 * RDPNEG_ERR_CRYPTO. Free |out| with rdpneg_ntlm_auth_out_free(). */
int rdpneg_ntlm_build_authenticate(rdpneg_ntlm_auth_out *out,
                                   const rdpneg_ntlm_auth_in *in);
void rdpneg_ntlm_auth_out_free(rdpneg_ntlm_auth_out *out);

/* --- Session security: signing and sealing (MS-NLMP 3.4) -------------- */
typedef struct rdpneg_ntlm_sec {
  uint32_t flags;
  uint8_t send_sign[16], recv_sign[16], send_seal[16], recv_seal[16];
  rdpneg_crypto_rc4 send_rc4, recv_rc4;
  uint32_t send_seq, recv_seq;
} rdpneg_ntlm_sec;

/* Derives the four keys from |exported| and |flags| (negotiated); |server|
 * 0 = we are the client (send = client-to-server). Returns 0 or
 * RDPNEG_ERR_CRYPTO. */
int rdpneg_ntlm_sec_init(rdpneg_ntlm_sec *s, const uint8_t exported[16],
                         uint32_t flags, int server);
/* Restores the outbound (|outbound| 1) or inbound RC4 handle to its initial
 * state and the sequence number to 0, as SPNEGO requires after the
 * mechListMIC (MS-SPNG 3.3.5.1). */
void rdpneg_ntlm_sec_reset(rdpneg_ntlm_sec *s, int outbound);
/* GSS_WrapEx (SEAL, MS-NLMP 3.4.3): writes signature (16) || RC4(in) into
 * |out| (len + 16 bytes), consumes the outbound sequence number. */
int rdpneg_ntlm_sec_seal(rdpneg_ntlm_sec *s, const uint8_t *in, size_t len,
                         uint8_t *out);
/* GSS_UnwrapEx: |in| = signature || ciphertext (len >= 16); writes len-16
 * plaintext bytes into |out| and sets *|valid| to 1 when the checksum and
 * sequence number verify. Returns 0 or RDPNEG_ERR_CRYPTO /
 * RDPNEG_ERR_INVALID_ARGUMENT (len < 16). */
int rdpneg_ntlm_sec_unseal(rdpneg_ntlm_sec *s, const uint8_t *in, size_t len,
                           uint8_t *out, int *valid);
/* GSS_GetMIC / GSS_VerifyMIC (MAC, MS-NLMP 3.4.4.2). */
int rdpneg_ntlm_sec_sign(rdpneg_ntlm_sec *s, const uint8_t *msg, size_t len,
                         uint8_t sig[RDPNEG_NTLM_SIGNATURE_LEN]);
int rdpneg_ntlm_sec_verify(rdpneg_ntlm_sec *s, const uint8_t *msg, size_t len,
                           const uint8_t sig[RDPNEG_NTLM_SIGNATURE_LEN],
                           int *valid);
/* Zeroises keys and RC4 state. */
void rdpneg_ntlm_sec_free(rdpneg_ntlm_sec *s);

#endif
