/* SPDX-License-Identifier: Apache-2.0 */
/* Entropy source for the Windows build of mbedTLS 2.28
 * (MBEDTLS_ENTROPY_HARDWARE_ALT with MBEDTLS_NO_PLATFORM_ENTROPY):
 * BCryptGenRandom with the system-preferred RNG, as mbedTLS 3 does on
 * Windows. mbedTLS 2.28's own source calls CryptAcquireContext +
 * CryptGenRandom + CryptReleaseContext on every poll, which costs about
 * 85 ms per poll under wine 8 (every TLS session seeds its DRBG); this one
 * about 12 us. test/windows/build.sh compiles it into libmbedcrypto.a. */
#include <windows.h>

#include <bcrypt.h>
#include <mbedtls/entropy.h>
#include <mbedtls/entropy_poll.h>

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len,
                          size_t *olen) {
  (void)data;
  *olen = 0;
  if (len > 0xffffffffu)
    len = 0xffffffffu;
  if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, output, (ULONG)len,
                                      BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
    return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
  *olen = len;
  return 0;
}
