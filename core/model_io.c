/* model_io.c: the saved-model format, version 2 (little-endian):
 *
 *   "DLPM"                   magic
 *   u32 version              2 (version 1 files, without the program and with one optimizer, still load)
 *   u32 flags                bit 0: training state follows the parameters
 *   u32 S, S bytes           the JSON spec the model was built from
 *   u32 R, R bytes           the training program's JSON (R = 0: none)           [version 2]
 *   u32 P                    parameter count, then for each parameter:
 *     u16 L, L bytes           its name ("conv_1/kernel", "D/dense_1/kernel")
 *     u8 ndim, u32 dims[ndim]  its shape
 *     f32 values[]             row-major
 *   [training state]         u32 count of optimizers, then for each: u16 L + name, u32 networks
 *                            (bit k: network k), u32 B + B bytes of its state (dl_optim_write_state
 *                            in optim.c); version 1 has one optimizer's state and no count. Then
 *                            the graph RNG: u32 s[4], f32 spare normal, u32 has_spare; so training
 *                            resumes exactly where it stopped
 *   u32 crc32                IEEE CRC-32 of every byte before it
 *
 * Loading checks the magic, version, checksum and every length before building anything, then
 * builds a fresh model from the spec and fills it: every parameter exactly once, finite values
 * only. A bad file changes no existing model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "model.h"
#include "optim.h"

#define MAGIC "DLPM"
#define VERSION 2u
#define RNG_BYTES 24

uint32_t dl_crc32(const uint8_t *p, size_t n) {
  static const uint32_t nibble[16] = {0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
                                      0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
                                      0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C};
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    c = (c >> 4) ^ nibble[c & 15];
    c = (c >> 4) ^ nibble[c & 15];
  }
  return ~c;
}

static int is_saved(const dl_node *n) { return n->kind == DL_KIND_PARAM; }

dl_status dl_model_save(dl_model *m, int32_t with_optimizer, uint8_t **bytes, size_t *len) {
  if (!m || !bytes || !len) return dl_fail(DL_ERR_ARG, "model_save: null argument");
  if (with_optimizer && !m->nopts) return dl_fail(DL_ERR_STATE, "model_save: no optimizer state to save (train first)");
  dl_graph *g = m->g;
  const char *prog = dl_model_program(m);
  size_t prog_len = strlen(prog);
  size_t total = 4 + 4 + 4 + 4 + m->spec_len + 4 + prog_len + 4 + 4;
  uint32_t count = 0;
  for (int32_t i = 0; i < g->n; i++) {
    dl_node *n = &g->nodes[i];
    if (!is_saved(n)) continue;
    count++;
    total += 2 + strlen(n->name) + 1 + 4 * (size_t)n->ndim + 4 * dl_node_sample_numel(n);
  }
  if (with_optimizer) {
    total += 4 + RNG_BYTES;
    for (int i = 0; i < m->nopts; i++) total += 2 + strlen(m->opts[i].name) + 4 + 4 + dl_optim_state_bytes(m->opts[i].opt);
  }
  uint8_t *buf = malloc(total), *p = buf;
  if (!buf) return dl_fail(DL_ERR_OOM, "out of memory saving the model (%zu bytes)", total);
  uint32_t u32;
#define PUT(v, k) (memcpy(p, (v), (k)), p += (k))
  PUT(MAGIC, 4);
  u32 = VERSION, PUT(&u32, 4);
  u32 = with_optimizer ? 1 : 0, PUT(&u32, 4);
  u32 = (uint32_t)m->spec_len, PUT(&u32, 4);
  PUT(m->spec, m->spec_len);
  u32 = (uint32_t)prog_len, PUT(&u32, 4);
  PUT(prog, prog_len);
  PUT(&count, 4);
  for (int32_t i = 0; i < g->n; i++) {
    dl_node *n = &g->nodes[i];
    if (!is_saved(n)) continue;
    uint16_t l = (uint16_t)strlen(n->name);
    uint8_t nd = (uint8_t)n->ndim;
    PUT(&l, 2);
    PUT(n->name, l);
    PUT(&nd, 1);
    for (int d = 0; d < n->ndim; d++) u32 = (uint32_t)n->shape[d], PUT(&u32, 4);
    PUT(n->value, 4 * dl_node_sample_numel(n));
  }
  if (with_optimizer) {
    u32 = (uint32_t)m->nopts, PUT(&u32, 4);
    for (int i = 0; i < m->nopts; i++) {
      uint16_t l = (uint16_t)strlen(m->opts[i].name);
      PUT(&l, 2);
      PUT(m->opts[i].name, l);
      u32 = m->opts[i].nets, PUT(&u32, 4);
      u32 = (uint32_t)dl_optim_state_bytes(m->opts[i].opt), PUT(&u32, 4);
      dl_optim_write_state(m->opts[i].opt, p);
      p += u32;
    }
    uint32_t has = (uint32_t)g->rng.has_spare;
    PUT(g->rng.s, 16);
    PUT(&g->rng.spare, 4);
    PUT(&has, 4);
  }
  u32 = dl_crc32(buf, (size_t)(p - buf)), PUT(&u32, 4);
#undef PUT
  *bytes = buf;
  *len = total;
  return DL_OK;
}

typedef struct {
  const uint8_t *p;
  size_t len, pos;
} reader;

static int take(reader *r, void *out, size_t k) {
  if (r->len - r->pos < k) return 0;
  if (out) memcpy(out, r->p + r->pos, k);
  r->pos += k;
  return 1;
}

#define TRUNCATED(r) dl_fail(DL_ERR_FORMAT, "model file truncated at byte %zu", (r)->pos)

/* One optimizer's saved state, into the model's optimizer of that name (made by the program)
 * or into a new one over the saved networks. */
static dl_status read_optimizer(dl_model *m, const char *name, uint32_t nets, const uint8_t *p, size_t len) {
  uint16_t l;
  char type[16];
  if (len < 2 || (memcpy(&l, p, 2), l >= sizeof type) || len < 2u + l) return dl_fail(DL_ERR_FORMAT, "model file: bad state for optimizer '%s'", name);
  memcpy(type, p + 2, l);
  type[l] = 0;
  if (dl_optim_find(type) < 0) return dl_fail(DL_ERR_FORMAT, "model file: optimizer '%s' has unknown type '%s'", name, type);
  if (m->nnets < 32 && (nets >> m->nnets)) return dl_fail(DL_ERR_FORMAT, "model file: optimizer '%s' trains networks the model does not have", name);
  dl_model_optim *o = NULL;
  for (int i = 0; i < m->nopts; i++)
    if (!strcmp(m->opts[i].name, name)) o = &m->opts[i];
  if (o && (o->nets != nets || strcmp(dl_optim_type(o->opt), type)))
    return dl_fail(DL_ERR_FORMAT, "model file: optimizer '%s' state does not match its program", name);
  if (!o) {
    if (m->nopts >= DL_MAX_NETS) return dl_fail(DL_ERR_FORMAT, "model file: too many optimizers");
    o = &m->opts[m->nopts];
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", name);
    o->nets = nets;
    dl_status st = dl_optim_create_set(&o->opt, m->g, type, nets);
    if (st) return dl_fail(DL_ERR_FORMAT, "model file: %s", dl_last_error());
    m->nopts++;
  }
  return dl_optim_read_state(o->opt, p, len);
}

dl_status dl_model_load(dl_model **out, const uint8_t *bytes, size_t len) {
  if (!out || !bytes) return dl_fail(DL_ERR_ARG, "model_load: null argument");
  if (len < 20 || memcmp(bytes, MAGIC, 4)) return dl_fail(DL_ERR_FORMAT, "not a dlplay model file (no DLPM header)");
  reader r = {bytes, len - 4, 4};
  uint32_t version, flags, spec_len, count, crc;
  take(&r, &version, 4);
  if (version != 1 && version != VERSION)
    return dl_fail(DL_ERR_FORMAT, "model file version %u; this dlplay reads versions 1 and %u", version, VERSION);
  memcpy(&crc, bytes + len - 4, 4);
  if (crc != dl_crc32(bytes, len - 4)) return dl_fail(DL_ERR_FORMAT, "model file is corrupt (checksum mismatch)");
  take(&r, &flags, 4);
  if (flags > 1) return dl_fail(DL_ERR_FORMAT, "model file has unknown flags 0x%x", flags);
  if (!take(&r, &spec_len, 4) || r.len - r.pos < spec_len) return TRUNCATED(&r);
  const char *spec = (const char *)bytes + r.pos, *prog = NULL;
  r.pos += spec_len;
  uint32_t prog_len = 0;
  if (version >= 2) {
    if (!take(&r, &prog_len, 4) || r.len - r.pos < prog_len) return TRUNCATED(&r);
    prog = (const char *)bytes + r.pos;
    r.pos += prog_len;
  }
  dl_model *m;
  dl_status st = dl_model_create(&m, spec, spec_len);
  if (st) return dl_fail(st == DL_ERR_OOM ? st : DL_ERR_FORMAT, "model file: %s", dl_last_error());
  if (prog_len && (st = dl_model_set_program(m, prog, prog_len))) {
    st = dl_fail(DL_ERR_FORMAT, "model file: %s", dl_last_error());
    goto fail;
  }
  dl_graph *g = m->g;
  if (!take(&r, &count, 4)) {
    st = TRUNCATED(&r);
    goto fail;
  }
  uint32_t expected = 0;
  for (int32_t i = 0; i < g->n; i++) expected += is_saved(&g->nodes[i]), g->nodes[i].mark = 0;
  if (count != expected) {
    st = dl_fail(DL_ERR_FORMAT, "model file has %u parameters, its spec builds %u", count, expected);
    goto fail;
  }
  for (uint32_t k = 0; k < count; k++) {
    uint16_t l;
    uint8_t nd;
    char name[DL_NAME_MAX];
    if (!take(&r, &l, 2) || l >= DL_NAME_MAX || !take(&r, name, l) || !take(&r, &nd, 1)) {
      st = r.pos > r.len - 1 ? TRUNCATED(&r) : dl_fail(DL_ERR_FORMAT, "model file: bad parameter name at byte %zu", r.pos);
      goto fail;
    }
    name[l] = 0;
    int32_t id;
    if (memchr(name, 0, l) || dl_graph_find(g, name, &id) || !is_saved(&g->nodes[id])) {
      st = dl_fail(DL_ERR_FORMAT, "model file has parameter '%s', which its spec does not build", name);
      goto fail;
    }
    dl_node *n = &g->nodes[id];
    if (n->mark) {
      st = dl_fail(DL_ERR_FORMAT, "model file names parameter '%s' twice", name);
      goto fail;
    }
    n->mark = 1;
    if (nd != n->ndim) {
      st = dl_fail(DL_ERR_FORMAT, "model file: parameter '%s' has %u dims, expected %d", name, nd, n->ndim);
      goto fail;
    }
    for (int d = 0; d < nd; d++) {
      uint32_t dim;
      if (!take(&r, &dim, 4)) {
        st = TRUNCATED(&r);
        goto fail;
      }
      if (dim != (uint32_t)n->shape[d]) {
        st = dl_fail(DL_ERR_FORMAT, "model file: parameter '%s' dim %d is %u, expected %d", name, d, dim, n->shape[d]);
        goto fail;
      }
    }
    size_t numel = dl_node_sample_numel(n);
    if (!take(&r, n->value, 4 * numel)) {
      st = TRUNCATED(&r);
      goto fail;
    }
    for (size_t i = 0; i < numel; i++)
      if (!isfinite(n->value[i])) {
        st = dl_fail(DL_ERR_FORMAT, "model file: parameter '%s' value %zu is not finite", name, i);
        goto fail;
      }
  }
  for (int32_t i = 0; i < g->n; i++)
    if (is_saved(&g->nodes[i]) && !g->nodes[i].mark) { /* unreachable while counts match and names are unique; kept as the rule */
      st = dl_fail(DL_ERR_FORMAT, "model file has no values for parameter '%s'", g->nodes[i].name);
      goto fail;
    }
  if (flags & 1) {
    uint32_t nopt = 1;
    if (version >= 2 && (!take(&r, &nopt, 4) || nopt > DL_MAX_NETS)) {
      st = dl_fail(DL_ERR_FORMAT, "model file: bad optimizer count at byte %zu", r.pos);
      goto fail;
    }
    for (uint32_t k = 0; k < nopt; k++) {
      char name[DL_SHORT_NAME] = "main";
      uint32_t nets = m->nnets >= 32 ? 0xFFFFFFFFu : (1u << m->nnets) - 1u, bytes_len = (uint32_t)(r.len - r.pos);
      if (version >= 2) {
        uint16_t l;
        if (!take(&r, &l, 2) || l >= DL_SHORT_NAME || !take(&r, name, l) || !take(&r, &nets, 4) || !take(&r, &bytes_len, 4) ||
            bytes_len > r.len - r.pos) {
          st = dl_fail(DL_ERR_FORMAT, "model file: bad optimizer state at byte %zu", r.pos);
          goto fail;
        }
        name[l] = 0;
        if (memchr(name, 0, l)) {
          st = dl_fail(DL_ERR_FORMAT, "model file: bad optimizer name");
          goto fail;
        }
      }
      if ((st = read_optimizer(m, name, nets, bytes + r.pos, bytes_len))) goto fail;
      r.pos += version >= 2 ? bytes_len : dl_optim_state_bytes(m->opts[m->nopts - 1].opt);
    }
    if (r.pos > r.len) {
      st = TRUNCATED(&r);
      goto fail;
    }
    uint32_t s4[4], has;
    float spare;
    if (!take(&r, s4, 16) || !take(&r, &spare, 4) || !take(&r, &has, 4)) {
      st = TRUNCATED(&r);
      goto fail;
    }
    if ((s4[0] | s4[1] | s4[2] | s4[3]) == 0 || has > 1 || !(spare == spare)) {
      st = dl_fail(DL_ERR_FORMAT, "model file: bad random-number state");
      goto fail;
    }
    memcpy(g->rng.s, s4, 16);
    g->rng.spare = spare;
    g->rng.has_spare = (int)has;
  }
  if (r.pos != r.len) {
    st = dl_fail(DL_ERR_FORMAT, "model file has %zu unexpected bytes before its checksum", r.len - r.pos);
    goto fail;
  }
  *out = m;
  return DL_OK;
fail:
  dl_model_destroy(m);
  return st;
}
