/* json.h: a small JSON reader for model specs and saved-model headers. The whole document is
 * parsed into one block of nodes (freed with dl_json_free); depth and size are bounded so
 * hostile input fails with a message instead of exhausting the stack or the heap. */
#ifndef DL_JSON_H
#define DL_JSON_H
#include <stddef.h>
#include "dl.h"

typedef enum { DL_JSON_NULL, DL_JSON_BOOL, DL_JSON_NUMBER, DL_JSON_STRING, DL_JSON_ARRAY, DL_JSON_OBJECT } dl_json_type;

typedef struct dl_json {
  dl_json_type type;
  double number;            /* NUMBER, BOOL (0/1) */
  const char *string;       /* STRING; the key for object members */
  const char *key;          /* set on members of an object */
  struct dl_json *child;    /* first element / member */
  struct dl_json *next;     /* next sibling */
  int count;                /* number of children */
} dl_json;

typedef struct dl_json_doc dl_json_doc;

/* Parse `len` bytes. On failure returns DL_ERR_FORMAT with "json: ... at offset N". */
dl_status dl_json_parse(const char *text, size_t len, dl_json_doc **doc, const dl_json **root);
void dl_json_free(dl_json_doc *doc);

const dl_json *dl_json_get(const dl_json *obj, const char *key); /* NULL when absent or not an object */
const dl_json *dl_json_at(const dl_json *arr, int i);
#endif
