/* fuzz_model.c: libFuzzer target for the parsers that take untrusted bytes: the model-file
 * loader (dl_model_load), the spec builder (dl_model_create, through the JSON reader) and the
 * program builder (dl_model_set_program). The first byte picks which: bit 0 a model file, else
 * bit 2 "spec NUL program", else a spec; the rest is the input. For half the model files (bit 1
 * of that byte) the harness re-stamps the checksum, so mutations reach the parser behind it
 * instead of all stopping at the CRC. A model that builds is also planned at a small batch and
 * run forward once (and a program one pass over zeros), so what the builders accepted runs too.
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
  } else if (data[0] & 4) {
    const uint8_t *nul = memchr(data + 1, 0, size - 1);
    if (!nul) return 0;
    size_t spec_len = (size_t)(nul - data - 1);
    if (dl_model_create(&m, (const char *)data + 1, spec_len)) return 0;
    if (dl_model_set_program(m, (const char *)nul + 1, size - 2 - spec_len) == DL_OK) {
      /* one pass over two samples of zeros in every data slot (zero is a valid class) */
      enum { SLOTS = 64 };
      float *zeros = calloc(1 << 16, sizeof(float));
      const void *slots[SLOTS];
      int32_t order[2] = {0, 1}, done, used;
      float *stats = calloc(4096, sizeof(float));
      for (int i = 0; i < SLOTS; i++) slots[i] = zeros;
      int fits = 1; /* the data must fit the zeros: at most 32K floats per sample */
      for (int32_t i = 0; i < m->g->n; i++)
        if (m->g->nodes[i].kind == DL_KIND_INPUT && dl_node_sample_numel(&m->g->nodes[i]) > (1 << 15)) fits = 0;
      if (fits && zeros && stats) dl_model_run(m, slots, NULL, 2, order, 2, 2, 1, 0, stats, &done, &used);
      free(zeros);
      free(stats);
    }
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
