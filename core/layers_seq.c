/* layers_seq.c: the sequence layers of the layer table (layers.c): token embeddings, recurrent
 * layers, positional encodings, self-attention and the transformer block. A sequence is
 * [steps, features] per sample; token ids are [steps]. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "err.h"
#include "layer_builder.h"
#include "ops/ops.h"

static dl_node *node(builder *b, int32_t id) { return &b->g->nodes[id]; }

/* A state input "<layer>/<what>" of shape [rows, width] per sample: in generation (model
 * step_mode) generate.c clears, reorders and keeps it between steps; a stateful layer's (kept)
 * is kept by the graph (DL_INPUT_STATE) and zeroed by dl_model_reset_state. */
static dl_status state_input(builder *b, const char *what, int rows, int width, int kept, int32_t *id) {
  dl_model *m = b->m;
  char name[DL_NAME_MAX + 16];
  const char *layer = b->info->name + strlen(b->net->prefix);
  if (m->nstate >= DL_MAX_LAYERS) return lb_fail(b, DL_ERR_ARG, "more than %d state tensors", DL_MAX_LAYERS);
  snprintf(name, sizeof name, "%s%s/%s", b->ops, layer, what);
  int32_t shape[2] = {rows, width};
  dl_status st = lb_relabel(b, dl_graph_input(b->g, name, rows > 1 ? 2 : 1, rows > 1 ? shape : &shape[1], 1, id));
  if (st) return st;
  m->state_nodes[m->nstate++] = *id;
  return kept ? lb_relabel(b, dl_graph_set_flags(b->g, *id, DL_INPUT_STATE)) : DL_OK;
}

/* The input must be [steps, features] per sample. */
static dl_status sequence_in(builder *b, int32_t cur, int *T, int *D) {
  dl_node *x = node(b, cur);
  if (!x->batched || x->ndim != 3) {
    char s[64];
    return lb_fail(b, DL_ERR_SHAPE, "input must be a sequence [steps, features] per sample, is [%s]%s", dl_shape_str(x, s, sizeof s),
                   x->ndim == 2 ? " (token ids need an embedding or oneHot layer first)" : "");
  }
  *T = x->shape[1], *D = x->shape[2];
  return DL_OK;
}

/* A projection's kernel starts from the layer's kernelInitializer, by default Xavier-uniform; a
 * transformer block's by default as GPT-2's, normal with std 0.02 (Xavier's is ~0.09 at width 128,
 * and the mini-GPT learned less in its 15 minutes from it: 1.612 nats against 1.604). */
static dl_status init_kernel(builder *b, int32_t w) {
  if (b->def->build == layer_transformer && !lb_val(b, "kernelInitializer")->given)
    return b->app ? DL_OK : lb_relabel(b, dl_graph_init_param(b->g, w, "normal", 0.0f, 0.02f));
  return lb_init_param(b, "kernelInitializer", "xavier_uniform", w);
}

/* A per-position dense product x W + b with its own parameters "<w>" and "<bias>". */
static dl_status dense_pp(builder *b, int32_t x, int units, const char *w, const char *bias, const char *suffix, int32_t *out) {
  int32_t shape[2] = {node(b, x)->shape[node(b, x)->ndim - 1], units}, wi, bi;
  dl_status st;
  if ((st = lb_add_param(b, w, 2, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &wi)) || (st = init_kernel(b, wi))) return st;
  if ((st = lb_add_param(b, bias, 1, &units, DL_PARAM_TRAINABLE, &bi)) || (st = lb_init_constant(b, bi, 0.0f))) return st;
  int32_t in[3] = {x, wi, bi}, a[2] = {0, 1};
  return lb_add_op(b, "dense", suffix, 3, in, 2, a, 0, NULL, out);
}

/* Layer norm over the last dim with parameters "<name>/gamma" and "<name>/beta". */
static dl_status norm_last(builder *b, int32_t x, const char *name, int32_t *out) {
  int32_t D = node(b, x)->shape[node(b, x)->ndim - 1], p[2], one = 1;
  char pn[32];
  dl_status st;
  for (int i = 0; i < 2; i++) {
    snprintf(pn, sizeof pn, "%s/%s", name, i ? "beta" : "gamma");
    if ((st = lb_add_param(b, pn, 1, &D, DL_PARAM_TRAINABLE, &p[i])) || (st = lb_init_constant(b, p[i], i ? 0.0f : 1.0f))) return st;
  }
  float f[2] = {0, 1e-5f};
  int32_t in[3] = {x, p[0], p[1]};
  return lb_add_op(b, "layernorm", name, 3, in, 1, &one, 2, f, out);
}

/* ---- tokens ---- */

dl_status layer_embedding(builder *b, int32_t *cur) {
  int32_t shape[2] = {lb_ival(b, "vocab"), lb_ival(b, "units")}, w;
  dl_status st;
  if ((st = lb_add_param(b, "embeddings", 2, shape, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &w))) return st;
  if ((st = lb_init_param(b, "embeddingsInitializer", "normal", w))) return st;
  int32_t in[2] = {*cur, w};
  return lb_add_op(b, "embedding", NULL, 2, in, 0, NULL, 0, NULL, cur);
}

dl_status layer_one_hot(builder *b, int32_t *cur) {
  int32_t depth = lb_ival(b, "depth");
  return lb_add_op(b, "one_hot", NULL, 1, cur, 1, &depth, 0, NULL, cur);
}

/* ---- recurrent layers ---- */

enum { CELL_RNN, CELL_LSTM, CELL_GRU };

static dl_status recurrent(builder *b, int32_t *cur, int kind) {
  static const char *const ops[] = {"rnn", "lstm", "gru"};
  int T, D, H = lb_ival(b, "units"), G = kind == CELL_LSTM ? 4 : kind == CELL_GRU ? 3 : 1, GH = G * H;
  int bidi = lb_ival(b, "bidirectional"), all = lb_ival(b, "returnSequences"), stateful = lb_ival(b, "stateful");
  dl_status st = sequence_in(b, *cur, &T, &D);
  if (st) return st;
  int32_t outs[2], step = b->m->step_mode;
  if (step && bidi) return lb_fail(b, DL_ERR_ARG, "a bidirectional layer reads the whole sequence: it cannot generate one step at a time");
  if (stateful && (bidi || lb_ival(b, "reverse"))) return lb_fail(b, DL_ERR_ARG, "stateful: only a forward layer can carry its state to the next batch (not reverse or bidirectional)");
  for (int dir = 0; dir <= bidi; dir++) {
    const char *pre = dir ? "back_" : "";
    char name[32];
    int32_t wx, wh, bias, bh = -1, kx[2] = {D, GH}, kh[2] = {H, GH};
    snprintf(name, sizeof name, "%skernel", pre);
    if ((st = lb_add_param(b, name, 2, kx, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &wx)) || (st = lb_init_param(b, "kernelInitializer", "xavier_uniform", wx))) return st;
    snprintf(name, sizeof name, "%srecurrent", pre);
    if ((st = lb_add_param(b, name, 2, kh, DL_PARAM_TRAINABLE | DL_PARAM_DECAY, &wh)) || (st = lb_init_param(b, "recurrentInitializer", "orthogonal", wh))) return st;
    snprintf(name, sizeof name, "%sbias", pre);
    if ((st = lb_add_param(b, name, 1, &GH, DL_PARAM_TRAINABLE, &bias)) || (st = lb_init_constant(b, bias, 0.0f))) return st;
    if (kind == CELL_LSTM && b->app == 0) /* the forget gate starts open (Keras's unit_forget_bias) */
      for (int j = H; j < 2 * H; j++) node(b, bias)->value[j] = 1.0f;
    if (kind == CELL_GRU) {
      snprintf(name, sizeof name, "%srecurrent_bias", pre);
      if ((st = lb_add_param(b, name, 1, &GH, DL_PARAM_TRAINABLE, &bh)) || (st = lb_init_constant(b, bh, 0.0f))) return st;
    }
    int32_t in[7] = {*cur, wx, wh, bias, bh}, a[2] = {lb_ival(b, "reverse") ^ dir, step}, nin = kind == CELL_GRU ? 5 : 4;
    if (step || stateful) { /* the state comes in and goes out through inputs generate.c (or the graph) keeps */
      if (a[0]) return lb_fail(b, DL_ERR_ARG, "a reversed layer reads the sequence from its end: it cannot generate one step at a time");
      /* stateful training: the state lives across plans, carried by each accepted step */
      if ((st = state_input(b, "h", 1, H, !step, &in[nin++]))) return st;
      if (kind == CELL_LSTM && (st = state_input(b, "c", 1, H, !step, &in[nin++]))) return st;
      if (!step) a[1] = 2;
    }
    int rev = a[0];
    if ((st = lb_add_op(b, ops[kind], bidi ? (dir ? "backward" : "forward") : NULL, nin, in, 2, a, 0, NULL, &outs[dir]))) return st;
    if (!all) { /* the state after the last step it ran: t = T - 1 forwards, t = 0 backwards */
      int32_t at[2] = {1, rev ? 0 : T - 1};
      if ((st = lb_add_op(b, "select", dir ? "back_last" : "last", 1, &outs[dir], 2, at, 0, NULL, &outs[dir]))) return st;
    }
  }
  if (!bidi) return *cur = outs[0], DL_OK;
  int32_t axis = all ? 2 : 1;
  return lb_add_op(b, "concat", NULL, 2, outs, 1, &axis, 0, NULL, cur);
}
dl_status layer_simple_rnn(builder *b, int32_t *cur) { return recurrent(b, cur, CELL_RNN); }
dl_status layer_lstm(builder *b, int32_t *cur) { return recurrent(b, cur, CELL_LSTM); }
dl_status layer_gru(builder *b, int32_t *cur) { return recurrent(b, cur, CELL_GRU); }

/* ---- positions ---- */

/* x + P: P[t] learned (starting near 0), or the fixed sinusoids of "Attention is all you need":
 * P[t, 2i] = sin(t / 10000^(2i/D)), P[t, 2i+1] = cos(t / 10000^(2i/D)). */
dl_status layer_positional(builder *b, int32_t *cur) {
  int T, D, learned = lb_ival(b, "learned");
  dl_status st = sequence_in(b, *cur, &T, &D);
  if (st) return st;
  if (b->m->step_mode) T = b->m->step_ctx, b->m->step_limited = 1; /* the table covers the window; a step reads row pos */
  int32_t shape[2] = {T, D}, p;
  if ((st = lb_add_param(b, "positions", 2, shape, learned ? DL_PARAM_TRAINABLE : DL_PARAM_STATE, &p))) return st;
  if (b->app == 0) {
    float *v = node(b, p)->value;
    if (learned && (st = lb_relabel(b, dl_graph_init_param(b->g, p, "normal", 0.0f, 0.02f)))) return st;
    for (int t = 0; !learned && t < T; t++)
      for (int i = 0; i < D; i++) {
        double angle = t / pow(10000.0, (double)(i - i % 2) / D);
        v[t * D + i] = (float)(i % 2 ? cos(angle) : sin(angle));
      }
  }
  int32_t in[2] = {*cur, p};
  if (b->m->step_mode) {
    int32_t ids[2] = {b->m->pos_node, p};
    if ((st = lb_add_op(b, "embedding", "row", 2, ids, 0, NULL, 0, NULL, &in[1]))) return st;
  }
  return lb_add_op(b, "add", NULL, 2, in, 0, NULL, 0, NULL, cur);
}

/* ---- attention ---- */

/* Self-attention of x[T, D]: q, k and v projections, the attention op, the output projection. */
static dl_status self_attention(builder *b, int32_t x, int heads, int causal, int32_t *out) {
  int32_t D = node(b, x)->shape[2], qkv[3], a;
  static const char *const w[] = {"wq", "wk", "wv"}, *const bias[] = {"bq", "bk", "bv"}, *const sfx[] = {"q", "k", "v"};
  dl_status st;
  if (D % heads) return lb_fail(b, DL_ERR_ARG, "%d heads do not divide the width %d", heads, D);
  for (int i = 0; i < 3; i++)
    if ((st = dense_pp(b, x, D, w[i], bias[i], sfx[i], &qkv[i]))) return st;
  int32_t attr[3] = {heads, causal, 0};
  if (b->m->step_mode) { /* keys and values of the tokens so far stay in caches */
    int32_t in[6] = {qkv[0], qkv[1], qkv[2], 0, 0, b->m->pos_node};
    if (!causal) return lb_fail(b, DL_ERR_ARG, "attention that is not causal sees later tokens: it cannot generate one step at a time");
    if ((st = state_input(b, "k_cache", b->m->step_ctx, D, 0, &in[3])) || (st = state_input(b, "v_cache", b->m->step_ctx, D, 0, &in[4]))) return st;
    attr[2] = 1;
    b->m->step_limited = 1;
    if ((st = lb_add_op(b, "attention", "attention", 6, in, 3, attr, 0, NULL, &a))) return st;
    return dense_pp(b, a, D, "wo", "bo", "o", out);
  }
  if ((st = lb_add_op(b, "attention", "attention", 3, qkv, 3, attr, 0, NULL, &a))) return st;
  return dense_pp(b, a, D, "wo", "bo", "o", out);
}

dl_status layer_attention(builder *b, int32_t *cur) {
  int T, D;
  dl_status st = sequence_in(b, *cur, &T, &D);
  return st ? st : self_attention(b, *cur, lb_ival(b, "heads"), lb_ival(b, "causal"), cur);
}

static dl_status dropout_if(builder *b, float rate, const char *suffix, int32_t *cur) {
  return rate > 0 ? lb_add_op(b, "dropout", suffix, 1, cur, 0, NULL, 1, &rate, cur) : DL_OK;
}

/* Pre-LN (GPT-2):  x + A(LN1(x)), then y + M(LN2(y));  post-LN (the original transformer):
 * LN1(x + A(x)), then LN2(y + M(y)). A is causal self-attention, M the MLP
 * dense(mlp) -> GELU -> dense(D), each followed by dropout when it is set. */
dl_status layer_transformer(builder *b, int32_t *cur) {
  int T, D, pre = lb_ival(b, "preNorm"), hidden = lb_ival(b, "mlp");
  float rate = lb_fval(b, "dropout");
  dl_status st = sequence_in(b, *cur, &T, &D);
  if (st) return st;
  if (!hidden) hidden = 4 * D;
  int32_t x = *cur, h, in[2];
  for (int part = 0; part < 2; part++) {
    const char *ln = part ? "ln2" : "ln1";
    h = x;
    if (pre && (st = norm_last(b, h, ln, &h))) return st;
    if (part == 0 && (st = self_attention(b, h, lb_ival(b, "heads"), lb_ival(b, "causal"), &h))) return st;
    if (part == 1) {
      if ((st = dense_pp(b, h, hidden, "w1", "b1", "fc1", &h)) || (st = lb_add_op(b, "gelu", "gelu", 1, &h, 0, NULL, 0, NULL, &h)) ||
          (st = dense_pp(b, h, D, "w2", "b2", "fc2", &h)))
        return st;
    }
    if ((st = dropout_if(b, rate, part ? "drop2" : "drop1", &h))) return st;
    in[0] = x, in[1] = h;
    if ((st = lb_add_op(b, "add", pre && part ? NULL : part ? "res2" : "res1", 2, in, 0, NULL, 0, NULL, &x))) return st;
    if (!pre && (st = norm_last(b, x, ln, &x))) return st;
  }
  *cur = x;
  return DL_OK;
}
