/* A chunk's clean records as Arrow string-view columns, straight from the scanner's spans.
 *
 * The scanner already knows where every field starts and ends, so the value frame does not
 * need a second CSV parse: each field becomes one 16-byte Arrow view into a private copy of
 * the chunk's bytes (quotes dropped; a value holding `""` is unescaped into a side buffer).
 * The result is exported through the Arrow C data interface (a struct array of "vu"
 * children c0..cN-1), which polars imports as a DataFrame without copying the strings.
 *
 * columns(data, field_starts, field_ends, first_fields, width) -> (schema, array) capsules
 *   data: the chunk's bytes; field_starts/field_ends: int64 spans of every field (quotes
 *   included); first_fields: int64 index of the first field of each record to export;
 *   width: fields per record. The caller vouches that these records are well quoted, have
 *   `width` fields and are valid UTF-8 (csv_scan and readers/frame.py check that first).
 *
 * The release callbacks touch no Python object, so polars may drop the frame from any
 * thread without the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The Arrow C data interface (https://arrow.apache.org/docs/format/CDataInterface.html). */
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

typedef struct {
    int32_t length;
    union {
        uint8_t inline_bytes[12];
        struct { uint8_t prefix[4]; int32_t buffer_index; int32_t offset; } ref;
    };
} View;

/* The two data buffers every column points into, freed when the last column is released. */
typedef struct {
    int refs;
    unsigned char *chunk;     /* copy of the chunk's bytes */
    unsigned char *unescaped; /* values that held `""`, unescaped */
    int64_t sizes[2];         /* Arrow's variadic buffer sizes */
} Shared;

typedef struct {
    Shared *shared;
    View *views;
    const void *buffers[5];   /* validity (none), views, chunk, unescaped, sizes */
} Column;

typedef struct {
    Shared *shared;
    struct ArrowArray **children;
    const void *buffers[1];
} Table;

static void shared_release(Shared *shared) {
    if (__atomic_sub_fetch(&shared->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(shared->chunk);
        free(shared->unescaped);
        free(shared);
    }
}

static void release_column(struct ArrowArray *array) {
    Column *column = array->private_data;
    free(column->views);
    shared_release(column->shared);
    free(column);
    array->release = NULL;
}

static void release_table(struct ArrowArray *array) {
    Table *table = array->private_data;
    for (int64_t j = 0; j < array->n_children; j++) {
        struct ArrowArray *child = table->children[j];
        if (child->release) child->release(child);
        free(child);
    }
    free(table->children);
    shared_release(table->shared);
    free(table);
    array->release = NULL;
}

static void release_schema(struct ArrowSchema *schema) {
    for (int64_t j = 0; j < schema->n_children; j++) {
        struct ArrowSchema *child = schema->children[j];
        if (child->release) child->release(child);
        free(child);
    }
    free(schema->children);
    free((void *)schema->name);
    schema->release = NULL;
}

static void capsule_free_schema(PyObject *capsule) {
    struct ArrowSchema *schema = PyCapsule_GetPointer(capsule, "arrow_schema");
    if (schema && schema->release) schema->release(schema);
    free(schema);
}

static void capsule_free_array(PyObject *capsule) {
    struct ArrowArray *array = PyCapsule_GetPointer(capsule, "arrow_array");
    if (array && array->release) array->release(array);
    free(array);
}

static struct ArrowSchema *make_schema(int64_t width) {
    struct ArrowSchema *schema = calloc(1, sizeof *schema);
    if (!schema) return NULL;
    schema->format = "+s";
    schema->name = calloc(1, 1);
    schema->release = release_schema;
    schema->children = calloc(width ? width : 1, sizeof *schema->children);
    if (!schema->children || !schema->name) { free(schema->children); free((void *)schema->name); free(schema); return NULL; }
    schema->n_children = width;
    for (int64_t j = 0; j < width; j++) {
        struct ArrowSchema *child = calloc(1, sizeof *child);
        char *name = malloc(24);
        if (!child || !name) { free(child); free(name); schema->n_children = j; release_schema(schema); free(schema); return NULL; }
        snprintf(name, 24, "c%lld", (long long)j);
        child->format = "vu";
        child->name = name;
        child->release = release_schema;
        schema->children[j] = child;
    }
    return schema;
}

/* Append `len` bytes of `src` with every `""` turned into `"` to the side buffer, growing it
 * as needed; returns 0, or -1 when out of memory. */
static int unescape_into(Shared *shared, Py_ssize_t *capacity, const unsigned char *src, Py_ssize_t len) {
    Py_ssize_t used = (Py_ssize_t)shared->sizes[1];
    if (used + len > *capacity) {
        Py_ssize_t grown = (*capacity ? *capacity * 2 : 4096);
        while (grown < used + len) grown *= 2;
        unsigned char *bigger = realloc(shared->unescaped, (size_t)grown);
        if (!bigger) return -1;
        shared->unescaped = bigger;
        *capacity = grown;
    }
    unsigned char *out = shared->unescaped + used;
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        out[k++] = src[i];
        if (src[i] == '"' && i + 1 < len && src[i + 1] == '"') i++;
    }
    shared->sizes[1] = used + k;
    return 0;
}

static inline void set_view(View *view, const unsigned char *bytes, int32_t length, int32_t buffer, int32_t offset) {
    View made;
    memset(&made, 0, sizeof made);
    made.length = length;
    if (length <= 12) {
        memcpy(made.inline_bytes, bytes, (size_t)length);
    } else {
        memcpy(made.ref.prefix, bytes, 4);
        made.ref.buffer_index = buffer;
        made.ref.offset = offset;
    }
    *view = made;
}

/* Views of every exported record, record by record: the chunk's bytes and the spans are read
 * once, in order (column by column would stride over them `width` times). */
static int fill_columns(View **views, Shared *shared, Py_ssize_t *capacity, const int64_t *starts,
                        const int64_t *ends, const int64_t *first_fields, Py_ssize_t rows, int64_t width) {
    const unsigned char *chunk = shared->chunk;
    for (Py_ssize_t r = 0; r < rows; r++) {
        const int64_t *field_starts = starts + first_fields[r], *field_ends = ends + first_fields[r];
        for (int64_t j = 0; j < width; j++) {
            int64_t start = field_starts[j], end = field_ends[j];
            if (start < 0 || end < start || end > shared->sizes[0]) return -2;  /* not spans of this chunk */
            if (end - start >= 2 && chunk[start] == '"') {
                start++; end--;
                if (memchr(chunk + start, '"', (size_t)(end - start))) {
                    int32_t at = (int32_t)shared->sizes[1];
                    if (unescape_into(shared, capacity, chunk + start, end - start) < 0) return -1;
                    set_view(&views[j][r], shared->unescaped + at, (int32_t)(shared->sizes[1] - at), 1, at);
                    continue;
                }
            }
            set_view(&views[j][r], chunk + start, (int32_t)(end - start), 0, (int32_t)start);
        }
    }
    return 0;
}

static struct ArrowArray *make_column(Shared *shared, View *views, Py_ssize_t rows) {
    struct ArrowArray *array = calloc(1, sizeof *array);
    Column *column = calloc(1, sizeof *column);
    if (!array || !column) { free(array); free(column); return NULL; }
    column->shared = shared;
    column->views = views;
    column->buffers[0] = NULL;
    column->buffers[1] = views;
    column->buffers[2] = shared->chunk;
    column->buffers[3] = shared->unescaped;
    column->buffers[4] = shared->sizes;
    array->length = rows;
    array->n_buffers = 5;
    array->buffers = column->buffers;
    array->release = release_column;
    array->private_data = column;
    return array;
}

/* Build the table; on failure everything built so far is freed and NULL returned. */
static struct ArrowArray *build_table(const unsigned char *data, Py_ssize_t size, const int64_t *starts,
                                      const int64_t *ends, const int64_t *first_fields, Py_ssize_t rows,
                                      int64_t width, int *bad_spans) {
    Shared *shared = calloc(1, sizeof *shared);
    View **views = calloc(width ? width : 1, sizeof *views);
    if (!shared || !views) { free(shared); free(views); return NULL; }
    shared->chunk = malloc(size ? (size_t)size : 1);
    int failed = shared->chunk == NULL;
    if (!failed) memcpy(shared->chunk, data, (size_t)size);
    shared->sizes[0] = size;
    Py_ssize_t capacity = 0;
    for (int64_t j = 0; j < width && !failed; j++)
        failed = (views[j] = malloc((rows ? (size_t)rows : 1) * sizeof(View))) == NULL;
    if (!failed) {
        int filled = fill_columns(views, shared, &capacity, starts, ends, first_fields, rows, width);
        *bad_spans = filled == -2;
        failed = filled < 0;
    }
    if (!failed && !shared->unescaped) failed = (shared->unescaped = malloc(1)) == NULL;

    struct ArrowArray *table = failed ? NULL : calloc(1, sizeof *table);
    Table *holder = table ? calloc(1, sizeof *holder) : NULL;
    struct ArrowArray **children = holder ? calloc(width ? width : 1, sizeof *children) : NULL;
    if (!children) {
        for (int64_t j = 0; j < width; j++) free(views[j]);
        free(views); free(table); free(holder);
        free(shared->chunk); free(shared->unescaped); free(shared);
        return NULL;
    }
    shared->refs = 1;  /* the table's own reference */
    holder->shared = shared;
    holder->children = children;
    int64_t made = 0;
    for (; made < width; made++) {
        children[made] = make_column(shared, views[made], rows);
        if (!children[made]) break;
        shared->refs++;
    }
    for (int64_t j = made; j < width; j++) free(views[j]);
    free(views);
    table->length = rows;
    table->n_buffers = 1;
    table->n_children = made;
    table->buffers = holder->buffers;
    table->children = children;
    table->release = release_table;
    table->private_data = holder;
    if (made < width) { release_table(table); free(table); return NULL; }
    return table;
}

static int int64_view(PyObject *object, Py_buffer *view, const char *what) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->ndim != 1 || view->itemsize != 8 || !view->format || (strcmp(view->format, "l") && strcmp(view->format, "q"))
        || (uintptr_t)view->buf % _Alignof(int64_t)) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s must be an aligned 1-D contiguous int64 array", what);
        return -1;
    }
    return 0;
}

static PyObject *columns(PyObject *self, PyObject *args) {
    Py_buffer data, starts, ends, firsts;
    PyObject *starts_obj, *ends_obj, *firsts_obj;
    long long width;
    if (!PyArg_ParseTuple(args, "y*OOOL", &data, &starts_obj, &ends_obj, &firsts_obj, &width)) return NULL;
    if (width < 0 || data.len > INT32_MAX) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "chunk too large for 32-bit views, or negative width");
        return NULL;
    }
    if (int64_view(starts_obj, &starts, "field_starts") < 0) { PyBuffer_Release(&data); return NULL; }
    if (int64_view(ends_obj, &ends, "field_ends") < 0) { PyBuffer_Release(&data); PyBuffer_Release(&starts); return NULL; }
    if (int64_view(firsts_obj, &firsts, "first_fields") < 0) {
        PyBuffer_Release(&data); PyBuffer_Release(&starts); PyBuffer_Release(&ends);
        return NULL;
    }
    Py_ssize_t rows = firsts.len / 8, fields = starts.len / 8;
    const int64_t *first_fields = firsts.buf;
    int in_range = ends.len == starts.len;
    for (Py_ssize_t r = 0; in_range && r < rows; r++)
        in_range = first_fields[r] >= 0 && first_fields[r] <= fields - width;   /* no overflow */
    struct ArrowArray *table = NULL;
    int bad_spans = 0;
    if (in_range) {
        Py_BEGIN_ALLOW_THREADS
        table = build_table(data.buf, data.len, starts.buf, ends.buf, first_fields, rows, (int64_t)width, &bad_spans);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&data); PyBuffer_Release(&starts); PyBuffer_Release(&ends); PyBuffer_Release(&firsts);
    if (!in_range || bad_spans) {
        PyErr_SetString(PyExc_ValueError, "a record's fields lie outside the field spans or the chunk");
        return NULL;
    }
    if (!table) return PyErr_NoMemory();

    struct ArrowSchema *schema = make_schema(width);
    if (!schema) { release_table(table); free(table); return PyErr_NoMemory(); }
    PyObject *schema_capsule = PyCapsule_New(schema, "arrow_schema", capsule_free_schema);
    if (!schema_capsule) { release_schema(schema); free(schema); release_table(table); free(table); return NULL; }
    PyObject *array_capsule = PyCapsule_New(table, "arrow_array", capsule_free_array);
    if (!array_capsule) { Py_DECREF(schema_capsule); release_table(table); free(table); return NULL; }
    return Py_BuildValue("(NN)", schema_capsule, array_capsule);
}

static PyMethodDef methods[] = {
    {"columns", columns, METH_VARARGS, "Arrow string-view columns of a chunk's records, as (schema, array) capsules."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "sfprep.native._columns", NULL, -1, methods};

PyMODINIT_FUNC PyInit__columns(void) { return PyModule_Create(&module); }
