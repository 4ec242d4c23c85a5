/* generate.c: text generation one token at a time.
 *
 * Sampling from a language model feeds its own output back in. Running the training graph on
 * the whole window for every new token would cost a window per token; instead the model keeps
 * a second graph built from the same spec in step mode (model.c, layers_seq.c): token inputs
 * are one step long, each recurrent layer reads its state from inputs and writes the new state
 * back into them (the op's carry flag), and each attention layer appends the new key and value
 * to caches and attends over them (the op's cache flag), at the position held by input "pos".
 * Its parameters are the model's own (borrowed, not copied), so it follows training as it goes.
 *
 * Streams are independent sequences generated side by side (samples, or a beam's hypotheses);
 * reordering copies state rows between them, which is all beam search needs. The graph is
 * planned as for training, so each op's scratch (gates, attention weights) still holds this
 * step's values afterwards for the views that show them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "model.h"

void dl_generate_free(dl_model *m) {
  if (!m) return;
  dl_model_destroy(m->stepper);
  m->stepper = NULL;
  free(m->step_tmp);
  m->step_tmp = NULL;
}

/* Build the one-token model and point its parameters at m's. */
static dl_status build_stepper(dl_model *m, int32_t streams, dl_model **out) {
  dl_model *s;
  dl_status st = dl_model_build(&s, m->spec, m->spec_len, 1);
  if (st) return dl_fail(st, "generation: %s", dl_last_error());
  if (s->ninputs != 1 || !s->tensors[0].tokens) {
    dl_model_destroy(s);
    return dl_fail(DL_ERR_ARG, "generation: the model must have one input, of token ids ({\"shape\": [steps], \"tokens\": V})");
  }
  dl_node *y = &s->g->nodes[s->output];
  if (y->ndim != 3 || y->shape[1] != 1) {
    dl_model_destroy(s);
    return dl_fail(DL_ERR_SHAPE, "generation: the last output must give scores per position [steps, vocabulary]");
  }
  for (int32_t i = 0; i < s->g->n; i++) {
    dl_node *p = &s->g->nodes[i];
    int32_t id;
    if (p->kind != DL_KIND_PARAM) continue;
    if (dl_graph_find(m->g, p->name, &id) || m->g->nodes[id].kind != DL_KIND_PARAM || dl_node_sample_numel(&m->g->nodes[id]) != dl_node_sample_numel(p)) {
      dl_model_destroy(s);
      return dl_fail(DL_ERR_STATE, "generation: parameter %s of the step graph has no match in the model", p->name);
    }
    dl_graph_borrow_param(s->g, i, m->g->nodes[id].value);
  }
  if ((st = dl_graph_plan(s->g, streams)) || (st = dl_graph_set_training(s->g, 0))) {
    dl_model_destroy(s);
    return st;
  }
  *out = s;
  return DL_OK;
}

dl_status dl_model_generate_begin(dl_model *m, int32_t streams) {
  if (!m) return dl_fail(DL_ERR_ARG, "generate_begin: null model");
  if (m->step_mode) return dl_fail(DL_ERR_STATE, "generate_begin: this is a step graph");
  if (streams < 1 || streams > 4096) return dl_fail(DL_ERR_ARG, "generate_begin: %d streams, expected 1 to 4096", streams);
  dl_model *s = m->stepper;
  if (!s || s->g->max_batch < streams) {
    dl_status st = build_stepper(m, streams, &s);
    if (st) return st;
    size_t most = 0;
    for (int32_t i = 0; i < s->nstate; i++) {
      size_t k = dl_node_sample_numel(&s->g->nodes[s->state_nodes[i]]);
      most = k > most ? k : most;
    }
    float *tmp = malloc((most ? most : 1) * (size_t)streams * sizeof(float));
    if (!tmp) {
      dl_model_destroy(s);
      return dl_fail(DL_ERR_OOM, "generation: out of memory");
    }
    dl_generate_free(m);
    m->stepper = s, m->step_tmp = tmp;
  }
  dl_graph_set_batch(s->g, streams);
  for (int32_t i = 0; i < s->nstate; i++) {
    dl_node *n = &s->g->nodes[s->state_nodes[i]];
    memset(n->value, 0, dl_node_numel(s->g, n) * sizeof(float));
  }
  m->step_streams = streams, m->step_pos = 0;
  return DL_OK;
}

static dl_status stepper_of(dl_model *m, const char *fn, dl_model **s) {
  if (!m) return dl_fail(DL_ERR_ARG, "%s: null model", fn);
  if (!m->stepper || !m->step_streams) return dl_fail(DL_ERR_STATE, "%s: call generate_begin first", fn);
  *s = m->stepper;
  return DL_OK;
}

dl_status dl_model_generate_step(dl_model *m, const float *tokens, float *logits) {
  dl_model *s;
  dl_status st = stepper_of(m, "generate_step", &s);
  if (st) return st;
  if (!tokens || !logits) return dl_fail(DL_ERR_ARG, "generate_step: null argument");
  int32_t B = m->step_streams, V = s->tensors[0].tokens;
  if (s->step_limited && m->step_pos >= s->step_ctx)
    return dl_fail(DL_ERR_STATE, "generate_step: the window of %d tokens is full (begin again with the last tokens)", s->step_ctx);
  for (int32_t i = 0; i < B; i++) /* checked before anything runs: a bad token must not advance any state */
    if (!(tokens[i] >= 0 && tokens[i] < (float)V && tokens[i] == floorf(tokens[i])))
      return dl_fail(DL_ERR_ARG, "generate_step: token %g of stream %d is not in the vocabulary [0, %d)", tokens[i], i, V);
  dl_graph *g = s->g;
  dl_graph_set_batch(g, B);
  memcpy(g->nodes[s->tensors[0].node].value, tokens, (size_t)B * sizeof(float));
  for (int32_t i = 0; i < B; i++) g->nodes[s->pos_node].value[i] = (float)m->step_pos;
  if ((st = dl_graph_forward(g, s->output))) return st;
  dl_node *y = &g->nodes[s->output];
  memcpy(logits, y->value, dl_node_numel(g, y) * sizeof(float));
  m->step_pos++;
  return DL_OK;
}

dl_status dl_model_generate_reorder(dl_model *m, const int32_t *from) {
  dl_model *s;
  dl_status st = stepper_of(m, "generate_reorder", &s);
  if (st) return st;
  int32_t B = m->step_streams;
  if (!from) return dl_fail(DL_ERR_ARG, "generate_reorder: null argument");
  for (int32_t i = 0; i < B; i++)
    if (from[i] < 0 || from[i] >= B) return dl_fail(DL_ERR_ARG, "generate_reorder: stream %d would continue stream %d, outside [0, %d)", i, from[i], B);
  for (int32_t k = 0; k < s->nstate; k++) {
    dl_node *n = &s->g->nodes[s->state_nodes[k]];
    size_t per = dl_node_sample_numel(n);
    for (int32_t i = 0; i < B; i++) memcpy(m->step_tmp + (size_t)i * per, n->value + (size_t)from[i] * per, per * sizeof(float));
    memcpy(n->value, m->step_tmp, (size_t)B * per * sizeof(float));
  }
  return DL_OK;
}

dl_status dl_model_generate_info(dl_model *m, int32_t *pos, int32_t *window, int32_t *vocab) {
  dl_model *s;
  dl_status st = stepper_of(m, "generate_info", &s);
  if (st) return st;
  if (pos) *pos = m->step_pos;
  if (window) *window = s->step_limited ? s->step_ctx : 0;
  if (vocab) *vocab = s->g->nodes[s->output].shape[2];
  return DL_OK;
}

/* What the last step left in a node of the step graph: its value (which = 0) or its scratch
 * (which = 1: a recurrent layer's gates and cells, an attention layer's weights). */
dl_status dl_model_generate_read(dl_model *m, const char *node, int32_t which, const float **data, size_t *count) {
  dl_model *s;
  dl_status st = stepper_of(m, "generate_read", &s);
  if (st) return st;
  int32_t id;
  if (!node || !data || !count) return dl_fail(DL_ERR_ARG, "generate_read: null argument");
  if (dl_graph_find(s->g, node, &id)) return dl_fail(DL_ERR_ARG, "generate_read: no node '%.60s' in the step graph", node);
  dl_node *n = &s->g->nodes[id];
  if (which == 0) *data = n->value, *count = dl_node_numel(s->g, n);
  else if (which == 1 && n->kind == DL_KIND_OP) *data = n->scratch, *count = n->scratch_fixed + n->scratch_per_sample * (size_t)m->step_streams;
  else return dl_fail(DL_ERR_ARG, "generate_read: which must be 0 (value) or 1 (an op's scratch)");
  return DL_OK;
}
