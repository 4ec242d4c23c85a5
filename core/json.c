/* json.c: recursive-descent JSON (RFC 8259) into a node block. Strings are unescaped into the
 * same block (\uXXXX to UTF-8; surrogate pairs joined). Limits: depth 64, 256 KB of text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "json.h"

#define JSON_MAX_DEPTH 64
#define JSON_MAX_TEXT (1u << 18)

struct dl_json_doc {
  dl_json *nodes;
  size_t nnodes, cap;
  char *strings; /* unescaped strings, NUL-terminated, packed */
  size_t slen;
};

typedef struct {
  const char *s;
  size_t len, pos;
  dl_json_doc *doc;
  const char *err;
} parser;

static dl_json *new_node(parser *p, dl_json_type t) {
  if (p->doc->nnodes == p->doc->cap) {
    p->err = "too many values";
    return NULL;
  }
  dl_json *n = &p->doc->nodes[p->doc->nnodes++];
  memset(n, 0, sizeof *n);
  n->type = t;
  return n;
}

static void skip_ws(parser *p) {
  while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
    p->pos++;
}

static int hex4(parser *p, unsigned *out) {
  if (p->pos + 4 > p->len) return 0;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[p->pos++];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

static void put_utf8(char **o, unsigned c) {
  char *d = *o;
  if (c < 0x80) *d++ = (char)c;
  else if (c < 0x800) *d++ = (char)(0xC0 | c >> 6), *d++ = (char)(0x80 | (c & 0x3F));
  else if (c < 0x10000) *d++ = (char)(0xE0 | c >> 12), *d++ = (char)(0x80 | (c >> 6 & 0x3F)), *d++ = (char)(0x80 | (c & 0x3F));
  else *d++ = (char)(0xF0 | c >> 18), *d++ = (char)(0x80 | (c >> 12 & 0x3F)), *d++ = (char)(0x80 | (c >> 6 & 0x3F)), *d++ = (char)(0x80 | (c & 0x3F));
  *o = d;
}

/* At the opening quote. Unescaped text never outgrows its escaped form, so the string block,
 * sized like the input, always has room. */
static const char *parse_string(parser *p) {
  p->pos++;
  char *start = p->doc->strings + p->doc->slen, *o = start;
  while (p->pos < p->len) {
    unsigned char c = (unsigned char)p->s[p->pos++];
    if (c == '"') {
      *o++ = 0;
      p->doc->slen = (size_t)(o - p->doc->strings);
      return start;
    }
    if (c < 0x20) {
      p->err = "control character in string";
      return NULL;
    }
    if (c != '\\') {
      *o++ = (char)c;
      continue;
    }
    if (p->pos >= p->len) break;
    char e = p->s[p->pos++];
    unsigned u, lo;
    switch (e) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '/': *o++ = '/'; break;
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u':
      if (!hex4(p, &u)) {
        p->err = "bad \\u escape";
        return NULL;
      }
      if (u >= 0xD800 && u < 0xDC00 && p->pos + 6 <= p->len && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
        p->pos += 2;
        if (!hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
          p->err = "bad surrogate pair";
          return NULL;
        }
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      }
      put_utf8(&o, u);
      break;
    default: p->err = "bad escape"; return NULL;
    }
  }
  p->err = "unterminated string";
  return NULL;
}

static dl_json *parse_value(parser *p, int depth);

static dl_json *parse_number(parser *p) {
  size_t start = p->pos;
  if (p->s[p->pos] == '-') p->pos++;
  if (p->pos >= p->len || !(p->s[p->pos] >= '0' && p->s[p->pos] <= '9')) {
    p->err = "bad number";
    return NULL;
  }
  while (p->pos < p->len && strchr("0123456789+-.eE", p->s[p->pos])) p->pos++;
  char buf[64];
  size_t n = p->pos - start;
  if (n >= sizeof buf) {
    p->err = "number too long";
    return NULL;
  }
  memcpy(buf, p->s + start, n);
  buf[n] = 0;
  char *end;
  double v = strtod(buf, &end);
  if (*end || !isfinite(v)) {
    p->err = "bad number";
    return NULL;
  }
  dl_json *node = new_node(p, DL_JSON_NUMBER);
  if (node) node->number = v;
  return node;
}

static int literal(parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->pos + n > p->len || memcmp(p->s + p->pos, word, n)) return 0;
  p->pos += n;
  return 1;
}

static int by_key(const void *a, const void *b) { return strcmp((*(const dl_json *const *)a)->key, (*(const dl_json *const *)b)->key); }

/* Keys must be unique: with two "layers" a reader would see one and a person the other. */
static int has_duplicate_key(parser *p, const dl_json *obj) {
  if (obj->count <= 64) {
    for (const dl_json *a = obj->child; a; a = a->next)
      for (const dl_json *b = a->next; b; b = b->next)
        if (!strcmp(a->key, b->key)) return 1;
    return 0;
  }
  const dl_json **keys = malloc((size_t)obj->count * sizeof *keys);
  if (!keys) {
    p->err = "out of memory";
    return 1;
  }
  int k = 0, dup = 0;
  for (const dl_json *a = obj->child; a; a = a->next) keys[k++] = a;
  qsort(keys, (size_t)k, sizeof *keys, by_key);
  for (int i = 1; i < k && !dup; i++) dup = !strcmp(keys[i - 1]->key, keys[i]->key);
  free(keys);
  return dup;
}

static dl_json *parse_container(parser *p, int depth, int object) {
  dl_json *node = new_node(p, object ? DL_JSON_OBJECT : DL_JSON_ARRAY), *last = NULL;
  if (!node) return NULL;
  p->pos++;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == (object ? '}' : ']')) {
    p->pos++;
    return node;
  }
  for (;;) {
    const char *key = NULL;
    skip_ws(p);
    if (object) {
      if (p->pos >= p->len || p->s[p->pos] != '"') {
        p->err = "expected a member name";
        return NULL;
      }
      if (!(key = parse_string(p))) return NULL;
      skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != ':') {
        p->err = "expected ':'";
        return NULL;
      }
      p->pos++;
    }
    dl_json *v = parse_value(p, depth + 1);
    if (!v) return NULL;
    v->key = key;
    if (last) last->next = v;
    else node->child = v;
    last = v;
    node->count++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->len && p->s[p->pos] == (object ? '}' : ']')) {
      if (object && has_duplicate_key(p, node)) {
        if (!p->err) p->err = "duplicate member name";
        return NULL;
      }
      p->pos++;
      return node;
    }
    p->err = object ? "expected ',' or '}'" : "expected ',' or ']'";
    return NULL;
  }
}

static dl_json *parse_value(parser *p, int depth) {
  if (depth > JSON_MAX_DEPTH) {
    p->err = "nested too deeply";
    return NULL;
  }
  skip_ws(p);
  if (p->pos >= p->len) {
    p->err = "unexpected end";
    return NULL;
  }
  char c = p->s[p->pos];
  dl_json *n;
  switch (c) {
  case '{': return parse_container(p, depth, 1);
  case '[': return parse_container(p, depth, 0);
  case '"': {
    const char *s = parse_string(p);
    if (!s || !(n = new_node(p, DL_JSON_STRING))) return NULL;
    n->string = s;
    return n;
  }
  case 't':
  case 'f':
    if (!literal(p, c == 't' ? "true" : "false")) break;
    if ((n = new_node(p, DL_JSON_BOOL))) n->number = c == 't';
    return n;
  case 'n':
    if (!literal(p, "null")) break;
    return new_node(p, DL_JSON_NULL);
  default:
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p);
  }
  p->err = "unexpected character";
  return NULL;
}

dl_status dl_json_parse(const char *text, size_t len, dl_json_doc **out, const dl_json **root) {
  if (!text || !out || !root) return dl_fail(DL_ERR_ARG, "json: null argument");
  if (len > JSON_MAX_TEXT) return dl_fail(DL_ERR_FORMAT, "json: %zu bytes is more than the %u allowed", len, JSON_MAX_TEXT);
  dl_json_doc *doc = calloc(1, sizeof *doc);
  if (!doc) return dl_fail(DL_ERR_OOM, "json: out of memory");
  doc->cap = len + 1; /* every value starts with its own character ('[' alone opens one) */
  doc->nodes = malloc(doc->cap * sizeof *doc->nodes);
  doc->strings = malloc(len + 1);
  if (!doc->nodes || !doc->strings) {
    dl_json_free(doc);
    return dl_fail(DL_ERR_OOM, "json: out of memory for %zu bytes", len);
  }
  parser p = {text, len, 0, doc, NULL};
  const dl_json *r = parse_value(&p, 0);
  if (r) {
    skip_ws(&p);
    if (p.pos != len) r = NULL, p.err = "trailing characters";
  }
  if (!r) {
    dl_status st = dl_fail(DL_ERR_FORMAT, "json: %s at offset %zu", p.err ? p.err : "invalid", p.pos);
    dl_json_free(doc);
    return st;
  }
  *out = doc;
  *root = r;
  return DL_OK;
}

void dl_json_free(dl_json_doc *doc) {
  if (!doc) return;
  free(doc->nodes);
  free(doc->strings);
  free(doc);
}

const dl_json *dl_json_get(const dl_json *obj, const char *key) {
  if (!obj || obj->type != DL_JSON_OBJECT) return NULL;
  for (const dl_json *m = obj->child; m; m = m->next)
    if (!strcmp(m->key, key)) return m;
  return NULL;
}

const dl_json *dl_json_at(const dl_json *arr, int i) {
  if (!arr || arr->type != DL_JSON_ARRAY || i < 0) return NULL;
  const dl_json *e = arr->child;
  while (e && i--) e = e->next;
  return e;
}
