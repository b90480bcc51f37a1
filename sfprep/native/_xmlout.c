/* Bulk XML records straight from a CSV chunk's field spans (sfprep convert --to xml).
 *
 * records(data, field_starts, field_ends, first_fields, width, openers, closers, nils) -> bytes
 *   data: the chunk's bytes; field_starts/field_ends: int64 spans of every field (quotes
 *   included); first_fields: int64 index of the first field of each record to write;
 *   width: fields per record; openers/closers/nils: one bytes object per column, written
 *   before and after the escaped value, or instead of it for `#N/A`.
 *
 * Per record (one line): "<sObject>", then each column whose value is not empty: its opener, the
 * value (a quoted field unquoted, `""` read as `"`) with & < > and CR escaped, its closer;
 * `#N/A` writes the column's nil text instead; then "</sObject>\n". The caller vouches
 * that the records are well quoted and have `width` fields (the linter checked them first).
 * The loop runs without the GIL. The polars expressions of converter/to_xml.py write the
 * same bytes where this extension is missing; a test holds the two equal.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *data;
    size_t size, capacity;
} Out;

static int reserve(Out *out, size_t more) {
    if (out->size + more <= out->capacity) return 0;
    size_t capacity = out->capacity ? out->capacity : 1 << 16;
    while (capacity < out->size + more) capacity *= 2;
    char *grown = realloc(out->data, capacity);
    if (!grown) return -1;
    out->data = grown;
    out->capacity = capacity;
    return 0;
}

static int put(Out *out, const char *bytes, size_t size) {
    if (reserve(out, size) < 0) return -1;
    memcpy(out->data + out->size, bytes, size);
    out->size += size;
    return 0;
}

/* The value's bytes escaped for XML text; `quoted`: `""` stands for one `"`. */
static int put_escaped(Out *out, const unsigned char *value, size_t size, int quoted) {
    if (reserve(out, size * 5) < 0) return -1;  /* at most `&#13;` / `&amp;` per byte */
    char *at = out->data + out->size;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = value[i];
        switch (c) {
        case '&': memcpy(at, "&amp;", 5); at += 5; break;
        case '<': memcpy(at, "&lt;", 4); at += 4; break;
        case '>': memcpy(at, "&gt;", 4); at += 4; break;
        case '\r': memcpy(at, "&#13;", 5); at += 5; break;
        case '"':
            *at++ = '"';
            if (quoted && i + 1 < size && value[i + 1] == '"') i++;
            break;
        default: *at++ = (char)c;
        }
    }
    out->size = (size_t)(at - out->data);
    return 0;
}

typedef struct {
    const char *bytes;
    size_t size;
} Text;

static int texts(PyObject *list, Py_ssize_t width, Text *into, const char *what) {
    if (!PyList_Check(list) || PyList_GET_SIZE(list) != width) {
        PyErr_Format(PyExc_TypeError, "%s must be a list of %zd bytes objects", what, width);
        return -1;
    }
    for (Py_ssize_t j = 0; j < width; j++) {
        PyObject *item = PyList_GET_ITEM(list, j);
        if (!PyBytes_Check(item)) {
            PyErr_Format(PyExc_TypeError, "%s must hold bytes", what);
            return -1;
        }
        into[j].bytes = PyBytes_AS_STRING(item);
        into[j].size = (size_t)PyBytes_GET_SIZE(item);
    }
    return 0;
}

static int int64_view(PyObject *object, Py_buffer *view, const char *what) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->itemsize != 8 || !view->format || (strcmp(view->format, "l") && strcmp(view->format, "q"))) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous int64 array", what);
        return -1;
    }
    return 0;
}

static int write_records(Out *out, const unsigned char *data, Py_ssize_t size, const int64_t *starts,
                         const int64_t *ends, Py_ssize_t n_fields, const int64_t *firsts, Py_ssize_t rows,
                         Py_ssize_t width, const Text *openers, const Text *closers, const Text *nils) {
    for (Py_ssize_t r = 0; r < rows; r++) {
        if (firsts[r] < 0 || firsts[r] + width > n_fields) return -2;
        if (put(out, "<sObject>", 9) < 0) return -1;
        for (Py_ssize_t j = 0; j < width; j++) {
            int64_t start = starts[firsts[r] + j], end = ends[firsts[r] + j];
            if (start < 0 || end < start || end > size) return -2;
            int quoted = end - start >= 2 && data[start] == '"';
            if (quoted) { start++; end--; }
            size_t length = (size_t)(end - start);
            if (length == 0) continue;
            if (length == 4 && memcmp(data + start, "#N/A", 4) == 0) {
                if (put(out, nils[j].bytes, nils[j].size) < 0) return -1;
                continue;
            }
            if (put(out, openers[j].bytes, openers[j].size) < 0
                || put_escaped(out, data + start, length, quoted) < 0
                || put(out, closers[j].bytes, closers[j].size) < 0) return -1;
        }
        if (put(out, "</sObject>\n", 11) < 0) return -1;
    }
    return 0;
}

static PyObject *records(PyObject *self, PyObject *args) {
    Py_buffer data, starts, ends, firsts;
    PyObject *starts_obj, *ends_obj, *firsts_obj, *openers_obj, *closers_obj, *nils_obj;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "y*OOOnOOO", &data, &starts_obj, &ends_obj, &firsts_obj, &width,
                          &openers_obj, &closers_obj, &nils_obj)) return NULL;
    PyObject *result = NULL;
    Text *parts = width > 0 ? calloc((size_t)width * 3, sizeof *parts) : calloc(3, sizeof *parts);
    int have_starts = 0, have_ends = 0, have_firsts = 0;
    if (!parts) { PyErr_NoMemory(); goto done; }
    if (width < 0) { PyErr_SetString(PyExc_ValueError, "width must be >= 0"); goto done; }
    if (texts(openers_obj, width, parts, "openers") < 0 || texts(closers_obj, width, parts + width, "closers") < 0
        || texts(nils_obj, width, parts + 2 * width, "nils") < 0) goto done;
    if (int64_view(starts_obj, &starts, "field_starts") < 0) goto done;
    have_starts = 1;
    if (int64_view(ends_obj, &ends, "field_ends") < 0) goto done;
    have_ends = 1;
    if (int64_view(firsts_obj, &firsts, "first_fields") < 0) goto done;
    have_firsts = 1;
    if (starts.len != ends.len) { PyErr_SetString(PyExc_ValueError, "field spans differ in length"); goto done; }
    Out out = {NULL, 0, 0};
    int failed;
    Py_BEGIN_ALLOW_THREADS
    failed = write_records(&out, data.buf, data.len, starts.buf, ends.buf, starts.len / 8, firsts.buf,
                           firsts.len / 8, width, parts, parts + width, parts + 2 * width);
    Py_END_ALLOW_THREADS
    if (failed == -2) PyErr_SetString(PyExc_ValueError, "a span is not in the chunk");
    else if (failed) PyErr_NoMemory();
    else result = PyBytes_FromStringAndSize(out.data ? out.data : "", (Py_ssize_t)out.size);
    free(out.data);
done:
    if (have_firsts) PyBuffer_Release(&firsts);
    if (have_ends) PyBuffer_Release(&ends);
    if (have_starts) PyBuffer_Release(&starts);
    PyBuffer_Release(&data);
    free(parts);
    return result;
}

static PyMethodDef methods[] = {
    {"records", records, METH_VARARGS, "Bulk XML records from a CSV chunk's field spans."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_xmlout", NULL, -1, methods};

PyMODINIT_FUNC PyInit__xmlout(void) { return PyModule_Create(&module); }
