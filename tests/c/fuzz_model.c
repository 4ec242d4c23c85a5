/* fuzz_model.c: libFuzzer target for the two parsers that take untrusted bytes: the model-file
 * loader (dl_model_load) and the spec builder (dl_model_create, through the JSON reader). The
 * first byte picks which; the rest is the input. For half the model files (bit 1 of that byte)
 * the harness re-stamps the checksum, so mutations reach the parser behind it instead of all
 * stopping at the CRC. A model that builds is also planned at a small batch and run forward
 * once, so shapes the builder accepted are exercised too.
 *   make fuzz            (10 minutes)        make test runs it briefly on the seed corpus */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dl.h"
#include "graph.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  dl_model *m = NULL;
  if (data[0] & 1) {
    size_t n = size - 1;
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, data + 1, n);
    if ((data[0] & 2) && n >= 8) {
      uint32_t crc = dl_crc32(copy, n - 4);
      memcpy(copy + n - 4, &crc, 4);
    }
    dl_status st = dl_model_load(&m, copy, n);
    free(copy);
    if (st) return 0;
  } else {
    if (dl_model_create(&m, (const char *)data + 1, size - 1)) return 0;
  }
  /* the model must be usable: plan small, run forward on zeros */
  if (dl_model_plan(m, 2) == DL_OK) {
    dl_graph *g = dl_model_graph(m);
    dl_graph_set_batch(g, 2);
    dl_graph_forward(g, m->output);
  }
  const char *json;
  dl_model_summary(m, &json);
  dl_model_destroy(m);
  return 0;
}
