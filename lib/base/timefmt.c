/* SPDX-License-Identifier: Apache-2.0 */
/* Civil dates with H. Hinnant's public-domain days_from_civil /
 * civil_from_days algorithms. See timefmt.h. */
#include "base/timefmt.h"

#include <stdio.h>

int64_t rdpneg_civil_to_unix(int y, int mon, int d, int h, int mi, int s) {
  y -= mon <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + (int64_t)h * 3600 + mi * 60 + s;
}

void rdpneg_unix_to_iso(int64_t t, char *out, size_t cap) {
  int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) { /* floor for times before 1970 */
    secs += 86400;
    days--;
  }
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 0 || y > 9999) {
    snprintf(out, cap, "out-of-range");
    return;
  }
  snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d,
           (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}
