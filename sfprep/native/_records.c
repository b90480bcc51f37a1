/* Bulk batch records straight from a CSV chunk's field spans: Bulk XML (convert --to xml,
 * split of an XML source) and canonical Bulk CSV (split).
 *
 * xml(data, field_starts, field_ends, first_fields, width, openers, closers, nils)
 * csv(data, field_starts, field_ends, first_fields, width, delimiter, source_delimiter, terminator)
 *   -> (bytes, record_ends, continuations); csv: ((bytes or None, record_ends, continuations), origin)
 *   data: the chunk's bytes; field_starts/field_ends: int64 spans of every field (quotes
 *   included); first_fields: int64 index of the first field of each record to write;
 *   width: fields per record. The answer: the records' bytes, and per record (as int64
 *   bytes) the offset just after it and how many UTF-8 continuation bytes it holds (its
 *   characters are its bytes less those: split counts characters exactly without a
 *   second pass).
 *
 * XML, per record (one line): "<sObject>", then each column whose value is not empty: its
 * opener, the value (a quoted field unquoted, `""` read as `"`) with & < > and CR escaped,
 * its closer (openers/closers/nils: one bytes object per column); `#N/A` writes the
 * column's nil text instead; then "</sObject>\n".
 *
 * CSV: where the records are canonical already (the usual case), nothing is copied: the
 * answer's bytes are None and record_ends count from `origin`, the first record's offset
 * in data. Else, per record: the values joined by `delimiter`, then `terminator`; a value is quoted
 * only when it holds the delimiter, a quote, CR or LF (minimal quoting, as the Bulk API
 * guide asks), its quotes doubled. A quoted source field that needs its quotes is copied
 * as it is (its `""` are already the escaped form).
 *
 * The caller vouches that the records are well quoted and have `width` fields (the linter
 * checked them first). The loops run without the GIL. Polars expressions write the same
 * bytes where this extension is missing (converter/to_xml.py, splitter/encode.py); tests
 * hold the two equal.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
static int put_escaped(Out *out, const unsigned char *value, size_t size, int quoted, int64_t *continuations) {
    if (reserve(out, size * 5) < 0) return -1;  /* at most `&#13;` / `&amp;` per byte */
    char *at = out->data + out->size;
    int64_t counted = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = value[i];
        counted += (c & 0xC0) == 0x80;
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
    *continuations += counted;
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
    if (view->ndim != 1 || view->itemsize != 8 || !view->format || (strcmp(view->format, "l") && strcmp(view->format, "q"))
        || (uintptr_t)view->buf % _Alignof(int64_t)) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s must be an aligned 1-D contiguous int64 array", what);
        return -1;
    }
    return 0;
}

/* Where each record's answer goes: the offset after it, its continuation bytes. */
typedef struct {
    int64_t *ends, *continuations;
} PerRecord;

typedef struct {
    const unsigned char *data;
    Py_ssize_t size;
    const int64_t *starts, *ends, *firsts;
    Py_ssize_t n_fields, rows, width;
} Spans;

/* The [start, end) of field j of record r, checked against the chunk; -2 if outside. */
static int field_span(const Spans *s, Py_ssize_t r, Py_ssize_t j, int64_t *start, int64_t *end) {
    if (s->firsts[r] < 0 || s->firsts[r] > s->n_fields - s->width) return -2;   /* no overflow */
    *start = s->starts[s->firsts[r] + j];
    *end = s->ends[s->firsts[r] + j];
    if (*start < 0 || *end < *start || *end > s->size) return -2;
    return 0;
}

static int xml_records(Out *out, const Spans *s, const Text *openers, const Text *closers, const Text *nils,
                       PerRecord *per) {
    for (Py_ssize_t r = 0; r < s->rows; r++) {
        int64_t continuations = 0;
        if (put(out, "<sObject>", 9) < 0) return -1;
        for (Py_ssize_t j = 0; j < s->width; j++) {
            int64_t start, end;
            if (field_span(s, r, j, &start, &end) < 0) return -2;
            int quoted = end - start >= 2 && s->data[start] == '"';
            if (quoted) { start++; end--; }
            size_t length = (size_t)(end - start);
            if (length == 0) continue;
            if (length == 4 && memcmp(s->data + start, "#N/A", 4) == 0) {
                if (put(out, nils[j].bytes, nils[j].size) < 0) return -1;
                continue;
            }
            if (put(out, openers[j].bytes, openers[j].size) < 0
                || put_escaped(out, s->data + start, length, quoted, &continuations) < 0
                || put(out, closers[j].bytes, closers[j].size) < 0) return -1;
        }
        if (put(out, "</sObject>\n", 11) < 0) return -1;
        per->ends[r] = (int64_t)out->size;
        per->continuations[r] = continuations;
    }
    return 0;
}

/* Whether the bytes hold the delimiter, a quote, CR or LF; their continuation bytes added up.
 * No early exit: the loop vectorizes, and values are short. */
static int needs_quotes(const unsigned char *value, size_t size, unsigned char delimiter, int64_t *continuations) {
    unsigned special = 0;
    int64_t counted = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = value[i];
        counted += (c & 0xC0) == 0x80;
        special |= (c == delimiter) | (c == '"') | (c == '\r') | (c == '\n');
    }
    *continuations += counted;
    return special != 0;
}

/* Continuation bytes of a span, and whether it holds a CR: 16 bytes a step where SSE2 is. */
static int64_t continuations_of(const unsigned char *bytes, size_t size, unsigned *has_cr) {
    int64_t counted = 0;
    unsigned cr = 0;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i top = _mm_set1_epi8((char)0xC0), continuation = _mm_set1_epi8((char)0x80);
    const __m128i carriage = _mm_set1_epi8('\r');
    __m128i crs = _mm_setzero_si128();
    while (i + 16 <= size) {
        __m128i counts = _mm_setzero_si128();   /* per lane, at most 255 steps */
        size_t stop = size - i > 16 * 255 ? i + 16 * 255 : size;
        for (; i + 16 <= stop; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(bytes + i));
            counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(_mm_and_si128(v, top), continuation));
            crs = _mm_or_si128(crs, _mm_cmpeq_epi8(v, carriage));
        }
        __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
        counted += _mm_cvtsi128_si64(sums) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
    cr = _mm_movemask_epi8(crs) != 0;
#endif
    for (; i < size; i++) {
        counted += (bytes[i] & 0xC0) == 0x80;
        cr |= bytes[i] == '\r';
    }
    *has_cr = cr;
    return counted;
}

/* Writes into room already reserved (csv_records reserves the worst case of a record). */
static char *put_csv_value(char *at, const unsigned char *raw, size_t size, unsigned char delimiter,
                           int64_t *continuations) {
    int quoted = size >= 2 && raw[0] == '"';
    const unsigned char *value = quoted ? raw + 1 : raw;
    size_t length = quoted ? size - 2 : size;
    if (!needs_quotes(value, length, delimiter, continuations)) {
        memcpy(at, value, length);
        return at + length;
    }
    if (quoted) {   /* already escaped */
        memcpy(at, raw, size);
        return at + size;
    }
    *at++ = '"';
    for (size_t i = 0; i < length; i++) {
        if (value[i] == '"') *at++ = '"';
        *at++ = (char)value[i];
    }
    *at++ = '"';
    return at;
}

/* Whether a quoted value (between its quotes, `""` escaped) holds the delimiter, a quote, CR
 * or LF: it stops at the first (most quoted values need their quotes early on). */
static int quoted_needs_quotes(const unsigned char *value, size_t size, unsigned char delimiter) {
    size_t i = 0;
#ifdef __SSE2__
    const __m128i d = _mm_set1_epi8((char)delimiter), q = _mm_set1_epi8('"');
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    for (; i + 16 <= size; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(value + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
        if (_mm_movemask_epi8(hit)) return 1;
    }
#endif
    for (; i < size; i++) {
        unsigned char c = value[i];
        if (c == delimiter || c == '"' || c == '\n' || c == '\r') return 1;
    }
    return 0;
}

/* One record as canonical CSV, field by field (a CR in it, or another delimiter). */
static char *record_by_fields(char *at, const Spans *s, Py_ssize_t r, unsigned char delimiter, int64_t *continuations) {
    for (Py_ssize_t j = 0; j < s->width; j++) {
        int64_t start = s->starts[s->firsts[r] + j], end = s->ends[s->firsts[r] + j];
        if (j) *at++ = (char)delimiter;
        at = put_csv_value(at, s->data + start, (size_t)(end - start), delimiter, continuations);
    }
    return at;
}

/* One record whose bytes are copied as they are, except the quotes of a quoted value that
 * does not need them (the record holds no CR and the source's delimiter is the output's). */
static char *record_as_is(char *at, const Spans *s, Py_ssize_t r, unsigned char delimiter) {
    const int64_t *starts = s->starts + s->firsts[r], *ends = s->ends + s->firsts[r];
    int64_t copied_to = starts[0];
    for (Py_ssize_t j = 0; j < s->width; j++) {
        int64_t start = starts[j], end = ends[j];
        if (end - start < 2 || s->data[start] != '"') continue;
        if (quoted_needs_quotes(s->data + start + 1, (size_t)(end - start - 2), delimiter)) continue;
        memcpy(at, s->data + copied_to, (size_t)(start - copied_to));
        at += start - copied_to;
        memcpy(at, s->data + start + 1, (size_t)(end - start - 2));
        at += end - start - 2;
        copied_to = end;
    }
    int64_t last_end = ends[s->width - 1];
    memcpy(at, s->data + copied_to, (size_t)(last_end - copied_to));
    return at + (last_end - copied_to);
}

static int csv_records(Out *out, const Spans *s, unsigned char delimiter, unsigned char source_delimiter,
                       const Text *terminator, PerRecord *per) {
    for (Py_ssize_t r = 0; r < s->rows; r++) {
        int64_t first_start, first_end, last_start, last_end;
        if (field_span(s, r, 0, &first_start, &first_end) < 0 || field_span(s, r, s->width - 1, &last_start, &last_end) < 0
            || last_end < first_start) return -2;
        for (Py_ssize_t j = 1; j + 1 < s->width; j++) {
            int64_t start, end;
            if (field_span(s, r, j, &start, &end) < 0) return -2;
        }
        size_t span = (size_t)(last_end - first_start);
        /* worst case: every byte a quote doubled, two quotes a field, the terminator */
        if (reserve(out, 2 * span + 2 * (size_t)s->width + terminator->size + 1) < 0) return -1;
        char *at = out->data + out->size;
        unsigned has_cr;
        int64_t continuations = continuations_of(s->data + first_start, span, &has_cr);
        if (has_cr || delimiter != source_delimiter) {
            continuations = 0;
            at = record_by_fields(at, s, r, delimiter, &continuations);
        } else {
            at = record_as_is(at, s, r, delimiter);
        }
        memcpy(at, terminator->bytes, terminator->size);
        at += terminator->size;
        out->size = (size_t)(at - out->data);
        per->ends[r] = (int64_t)out->size;
        per->continuations[r] = continuations;
    }
    return 0;
}

/* Whether the records are canonical as they stand: contiguous, each ended by `terminator`,
 * no CR, no quotes a value does not need, the output's delimiter. Then nothing is copied:
 * per->ends are offsets from the first record's start. 0 where a record is not. */
static int csv_as_is(const Spans *s, unsigned char delimiter, unsigned char source_delimiter, const Text *terminator,
                     PerRecord *per) {
    if (delimiter != source_delimiter || s->rows == 0) return 0;
    int64_t origin = -1, expected = -1;   /* set from row 0's first field, once field_span has checked it */
    for (Py_ssize_t r = 0; r < s->rows; r++) {
        int64_t first_start, first_end, last_start, last_end;
        if (field_span(s, r, 0, &first_start, &first_end) < 0 || field_span(s, r, s->width - 1, &last_start, &last_end) < 0)
            return 0;
        if (r == 0) origin = expected = first_start;
        if (first_start != expected || last_end < first_start) return 0;
        if (last_end + (int64_t)terminator->size > s->size
            || memcmp(s->data + last_end, terminator->bytes, terminator->size) != 0) return 0;
        for (Py_ssize_t j = 0; j < s->width; j++) {
            int64_t start, end;
            if (field_span(s, r, j, &start, &end) < 0) return 0;
            if (end - start >= 2 && s->data[start] == '"'
                && !quoted_needs_quotes(s->data + start + 1, (size_t)(end - start - 2), delimiter)) return 0;
        }
        unsigned has_cr;
        per->continuations[r] = continuations_of(s->data + first_start, (size_t)(last_end - first_start), &has_cr);
        if (has_cr) return 0;
        expected = last_end + (int64_t)terminator->size;
        per->ends[r] = expected - origin;
    }
    return 1;
}

/* The buffers every call reads, taken and released together. */
typedef struct {
    Py_buffer data, starts, ends, firsts;
    int held;   /* how many of them are held, in that order */
} Views;

static void release(Views *v) {
    Py_buffer *all[] = {&v->data, &v->starts, &v->ends, &v->firsts};
    for (int i = v->held - 1; i >= 0; i--) PyBuffer_Release(all[i]);
    v->held = 0;
}

static int take_views(Views *v, PyObject *data, PyObject *starts, PyObject *ends, PyObject *firsts, Spans *s,
                      Py_ssize_t width) {
    v->held = 0;
    if (width < 0) { PyErr_SetString(PyExc_ValueError, "width must be >= 0"); return -1; }
    if (PyObject_GetBuffer(data, &v->data, PyBUF_SIMPLE) < 0) return -1;
    v->held = 1;
    if (int64_view(starts, &v->starts, "field_starts") < 0) return -1;
    v->held = 2;
    if (int64_view(ends, &v->ends, "field_ends") < 0) return -1;
    v->held = 3;
    if (int64_view(firsts, &v->firsts, "first_fields") < 0) return -1;
    v->held = 4;
    if (v->starts.len != v->ends.len) { PyErr_SetString(PyExc_ValueError, "field spans differ in length"); return -1; }
    *s = (Spans){v->data.buf, v->data.len, v->starts.buf, v->ends.buf, v->firsts.buf,
                 v->starts.len / 8, v->firsts.len / 8, width};
    return 0;
}

/* (bytes, record ends, continuations) from a finished write, or the error it met. */
static PyObject *answer(int failed, Out *out, PerRecord *per, Py_ssize_t rows) {
    PyObject *result = NULL;
    if (failed == -2) PyErr_SetString(PyExc_ValueError, "a span is not in the chunk");
    else if (failed) PyErr_NoMemory();
    else if (!out) result = Py_BuildValue("(Oy#y#)", Py_None, (const char *)per->ends, rows * 8,
                                          (const char *)per->continuations, rows * 8);
    else result = Py_BuildValue("(y#y#y#)", out->data ? out->data : "", (Py_ssize_t)out->size,
                                (const char *)per->ends, rows * 8, (const char *)per->continuations, rows * 8);
    if (out) free(out->data);
    free(per->ends);
    free(per->continuations);
    return result;
}

static int per_record(PerRecord *per, Py_ssize_t rows) {
    per->ends = calloc((size_t)rows + 1, sizeof(int64_t));
    per->continuations = calloc((size_t)rows + 1, sizeof(int64_t));
    if (per->ends && per->continuations) return 0;
    free(per->ends);
    free(per->continuations);
    PyErr_NoMemory();
    return -1;
}

static PyObject *xml(PyObject *self, PyObject *args) {
    PyObject *data, *starts, *ends, *firsts, *openers_obj, *closers_obj, *nils_obj;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "OOOOnOOO", &data, &starts, &ends, &firsts, &width, &openers_obj, &closers_obj,
                          &nils_obj)) return NULL;
    Views views;
    Spans spans;
    PerRecord per = {NULL, NULL};
    PyObject *result = NULL;
    Text *parts = calloc((size_t)(width > 0 ? width : 1) * 3, sizeof *parts);
    if (!parts) { PyErr_NoMemory(); return NULL; }
    if (take_views(&views, data, starts, ends, firsts, &spans, width) == 0
        && texts(openers_obj, width, parts, "openers") == 0 && texts(closers_obj, width, parts + width, "closers") == 0
        && texts(nils_obj, width, parts + 2 * width, "nils") == 0 && per_record(&per, spans.rows) == 0) {
        Out out = {NULL, 0, 0};
        int failed;
        Py_BEGIN_ALLOW_THREADS
        failed = xml_records(&out, &spans, parts, parts + width, parts + 2 * width, &per);
        Py_END_ALLOW_THREADS
        result = answer(failed, &out, &per, spans.rows);
    }
    release(&views);
    free(parts);
    return result;
}

static PyObject *csv(PyObject *self, PyObject *args) {
    PyObject *data, *starts, *ends, *firsts;
    Py_ssize_t width;
    int delimiter, source_delimiter;
    const char *terminator;
    Py_ssize_t terminator_size;
    if (!PyArg_ParseTuple(args, "OOOOniiy#", &data, &starts, &ends, &firsts, &width, &delimiter, &source_delimiter,
                          &terminator, &terminator_size)) return NULL;
    if (delimiter < 0 || delimiter > 127 || source_delimiter < 0 || source_delimiter > 127) {
        PyErr_SetString(PyExc_ValueError, "delimiters must be one ASCII byte each");
        return NULL;
    }
    if (width < 1) { PyErr_SetString(PyExc_ValueError, "width must be >= 1"); return NULL; }
    Views views;
    Spans spans;
    PerRecord per = {NULL, NULL};
    PyObject *result = NULL;
    if (take_views(&views, data, starts, ends, firsts, &spans, width) == 0 && per_record(&per, spans.rows) == 0) {
        Out out = {NULL, 0, 0};
        Text ending = {terminator, (size_t)terminator_size};
        int failed = 0, as_is;
        Py_BEGIN_ALLOW_THREADS
        as_is = csv_as_is(&spans, (unsigned char)delimiter, (unsigned char)source_delimiter, &ending, &per);
        if (!as_is)
            failed = csv_records(&out, &spans, (unsigned char)delimiter, (unsigned char)source_delimiter, &ending, &per);
        Py_END_ALLOW_THREADS
        PyObject *written = answer(failed, as_is ? NULL : &out, &per, spans.rows);
        if (written) {
            Py_ssize_t origin = as_is ? (Py_ssize_t)spans.starts[spans.firsts[0]] : -1;
            result = Py_BuildValue("(Nn)", written, origin);
        }
    }
    release(&views);
    return result;
}

/* gather(data, starts, sizes) -> bytes: the spans [start, start + size) of data, one after
 * the other (a grouped split reorders a chunk's records batch by batch). */
static PyObject *gather(PyObject *self, PyObject *args) {
    PyObject *data_obj, *starts_obj, *sizes_obj;
    if (!PyArg_ParseTuple(args, "OOO", &data_obj, &starts_obj, &sizes_obj)) return NULL;
    Py_buffer data, starts, sizes;
    if (PyObject_GetBuffer(data_obj, &data, PyBUF_SIMPLE) < 0) return NULL;
    if (int64_view(starts_obj, &starts, "starts") < 0) { PyBuffer_Release(&data); return NULL; }
    if (int64_view(sizes_obj, &sizes, "sizes") < 0) { PyBuffer_Release(&starts); PyBuffer_Release(&data); return NULL; }
    PyObject *result = NULL;
    Py_ssize_t count = starts.len / 8, total = 0;
    const int64_t *start = starts.buf, *size = sizes.buf;
    int valid = sizes.len == starts.len;
    for (Py_ssize_t k = 0; valid && k < count; k++) {
        valid = start[k] >= 0 && size[k] >= 0 && start[k] <= data.len && size[k] <= data.len - start[k];  /* no overflow */
        total += size[k];
    }
    if (!valid) PyErr_SetString(PyExc_ValueError, "a span is not in the data");
    else if ((result = PyBytes_FromStringAndSize(NULL, total)) != NULL) {
        char *at = PyBytes_AS_STRING(result);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t k = 0; k < count; k++) {
            memcpy(at, (const char *)data.buf + start[k], (size_t)size[k]);
            at += size[k];
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&sizes);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&data);
    return result;
}

static PyMethodDef methods[] = {
    {"gather", gather, METH_VARARGS, "The spans (starts, sizes) of data, one after the other."},
    {"xml", xml, METH_VARARGS, "Bulk XML records from a CSV chunk's field spans: (bytes, record ends, continuations)."},
    {"csv", csv, METH_VARARGS, "Canonical Bulk CSV records from a CSV chunk's field spans: (bytes, record ends, continuations)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_records", NULL, -1, methods};

PyMODINIT_FUNC PyInit__records(void) { return PyModule_Create(&module); }
