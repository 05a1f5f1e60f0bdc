/* SPDX-License-Identifier: Apache-2.0 */
/* JSON writer: escaping, nesting, UTF-8 validation. */
#include "base/json.h"
#include "tap.h"

#include <stdlib.h>

TAP_TEST(escaping) {
  rdpneg_json w;
  rdpneg_json_init(&w, 0);
  rdpneg_json_obj_begin(&w, NULL);
  rdpneg_json_str(&w, "a", "q\"b\\\n\x01");
  rdpneg_json_strn(&w, "bad", "\xff\xc3\xa9", 3);
  rdpneg_json_null(&w, "n");
  rdpneg_json_arr_begin(&w, "arr");
  rdpneg_json_int(&w, NULL, -5);
  rdpneg_json_bool(&w, NULL, 1);
  rdpneg_json_arr_end(&w);
  rdpneg_json_hex(&w, "h", 11, 8);
  rdpneg_json_double(&w, "d", 1.5, 3);
  rdpneg_json_obj_end(&w);
  char *s = rdpneg_json_take(&w, NULL);
  CHECK_EQ_STR(s, "{\"a\":\"q\\\"b\\\\\\n\\u0001\",\"bad\":\"\\u00ff\xc3\xa9\","
                  "\"n\":null,\"arr\":[-5,true],\"h\":\"0x0000000b\","
                  "\"d\":1.500}");
  free(s);
}

TAP_TEST(unbalanced_is_error) {
  rdpneg_json w;
  rdpneg_json_init(&w, 0);
  rdpneg_json_obj_end(&w);
  CHECK(w.err != 0);
  CHECK(rdpneg_json_take(&w, NULL) == NULL);
}

int main(void) {
  TAP_RUN(escaping);
  TAP_RUN(unbalanced_is_error);
  return tap_done();
}
