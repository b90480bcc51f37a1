/* Per-field value facts from the scanner's spans, in one pass over the requested fields.
 *
 * The value rules ask the same few questions of every cell (empty? `#N/A`? padded? an Id?);
 * each needs only the value's bytes, which the scanner's spans already locate. Answering
 * them here, field after field, costs one look at each value's bytes instead of a polars
 * string expression per rule over every cell.
 *
 * facts(data, field_starts, field_ends, fields) ->
 *     (value_starts int64, value_ends int64, escaped_quotes int32, characters int64,
 *      flags uint8), each a bytearray with one entry per requested field.
 *   data: the chunk's bytes (any contiguous bytes-like object); field_starts/field_ends:
 *   the raw spans of every field (quotes included), 1-D contiguous int64; fields: int64
 *   indices of the fields to describe. Bad arguments (spans outside the buffer, a start
 *   after its end, an index outside the spans) raise ValueError before anything is read
 *   from the buffer at them.
 *
 * A field's value is the one sfprep.io.csv.chunk.unquote gives, for every field: lenient on
 * broken quoting, and the plain meaning of a clean quoted or unquoted field. The flag bits
 * are named in sfprep/io/csv/fields.py; sfprep/io/csv/fields.py's numpy path computes the
 * same arrays and the tests hold the two equal.
 *
 * A value's bytes are read 16 at a time with SSE2 (8 at a time in a 64-bit word elsewhere);
 * the rest of the facts look only at its first or last few bytes, and only where a table
 * says they could hold, so the common value costs a few dozen instructions.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define RARELY_CALLED __attribute__((noinline))  /* keeps the common path short */
#else
#define RARELY_CALLED
#endif

enum {
    EMPTY = 1 << 0, NULL_MARKER = 1 << 1, NULL_LOOK_ALIKE = 1 << 2, LEADING_SPACE = 1 << 3,
    TRAILING_SPACE = 1 << 4, ID_SHAPE = 1 << 5, ID_CHECKSUM = 1 << 6, CONTROL = 1 << 7,
};

/* Byte tables: is_alnum for Ids; may_start_space / may_end_space let the exact whitespace
 * test run only on the few values whose first / last byte could belong to a White_Space
 * character; bits_set counts the bits of a byte. */
static unsigned char is_alnum[256], may_start_space[256], may_end_space[256], bits_set[256];
/* Bit n set: a value of n bytes may be a null word (3, 4) or an Id (15, 18). */
static const uint32_t length_checked = 1u << 3 | 1u << 4 | 1u << 15 | 1u << 18;

static void init_tables(void) {
    for (int c = 0; c < 256; c++) {
        is_alnum[c] = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        int ascii_space = c == ' ' || (c >= '\t' && c <= '\r');
        may_start_space[c] = ascii_space || c == 0xC2 || (c >= 0xE1 && c <= 0xE3);
        may_end_space[c] = ascii_space || (c >= 0x80 && c <= 0x8A) || c == 0x9F || c == 0xA0
                           || c == 0xA8 || c == 0xA9 || c == 0xAF;
        bits_set[c] = (unsigned char)((c & 1) + (c >> 1 & 1) + (c >> 2 & 1) + (c >> 3 & 1) + (c >> 4 & 1)
                                      + (c >> 5 & 1) + (c >> 6 & 1) + (c >> 7 & 1));
    }
}

static inline int blank(unsigned char c) { return c == ' ' || c == '\t'; }

/* The value of raw field [s, e) as unquote() reads it: [*vs, *ve), escapes still in.
 * Returns whether it was read as a quoted value: unquote() returns any other as it is,
 * `""` and all (so only a quoted value has escapes). */
static inline int value_span(const unsigned char *b, int64_t s, int64_t e, int64_t *vs, int64_t *ve) {
    *vs = s;
    *ve = e;
    if (s == e) return 0;
    int64_t open = s, stop = e;
    if (b[s] != '"') {
        if (!blank(b[s])) return 0;
        while (open < e && blank(b[open])) open++;
        if (open == e || b[open] != '"') return 0;
        while (blank(b[stop - 1])) stop--;  /* stops at the opening quote at worst */
    }
    int64_t closing = stop - 1;
    while (b[closing] != '"') closing--;    /* the opening quote at worst */
    *vs = open + 1;
    *ve = closing > open ? closing : stop;
    return 1;
}

/* Rust's char::is_whitespace (Unicode White_Space), which polars' strip_chars() strips:
 * U+0009-000D, U+0020, U+0085, U+00A0, U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F,
 * U+3000, as the 1, 2 or 3 bytes that spell them. A missing byte is passed as 0, which no
 * pattern holds. */
static inline int space1(unsigned a) { return a == ' ' || (a >= '\t' && a <= '\r'); }

static inline int space2(unsigned a, unsigned b) { return a == 0xC2 && (b == 0x85 || b == 0xA0); }

static inline int space3(unsigned a, unsigned b, unsigned c) {
    if (a == 0xE1) return b == 0x9A && c == 0x80;
    if (a == 0xE2) return (b == 0x80 && ((c >= 0x80 && c <= 0x8A) || c == 0xA8 || c == 0xA9 || c == 0xAF))
                          || (b == 0x81 && c == 0x9F);
    return a == 0xE3 && b == 0x80 && c == 0x80;
}

static int space_at_start(const unsigned char *p, int64_t len) {
    unsigned a = p[0], b = len >= 2 ? p[1] : 0, c = len >= 3 ? p[2] : 0;
    return space1(a) || space2(a, b) || space3(a, b, c);
}

/* A lead byte (C2, E1..E3) is never a continuation, so the last two or three bytes are a
 * whole character whenever they spell one: no need to walk back further. */
static int space_at_end(const unsigned char *p, int64_t len) {
    unsigned c = p[len - 1], b = len >= 2 ? p[len - 2] : 0, a = len >= 3 ? p[len - 3] : 0;
    return space1(c) || space2(b, c) || space3(a, b, c);
}

static inline uint32_t ascii_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c | 0x20u : c; }

#define PACK(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* #N/A, and V002's words matched case-insensitively (ASCII: no other character folds to
 * their letters), for a value of 3 or 4 bytes: packed into an integer, lowered, compared. */
static unsigned char null_flags(const unsigned char *p, int64_t len) {
    uint32_t word = PACK(p[0], p[1], p[2], len == 4 ? p[3] : 0);
    if (word == PACK('#', 'N', '/', 'A')) return NULL_MARKER;
    uint32_t lower = PACK(ascii_lower(p[0]), ascii_lower(p[1]), ascii_lower(p[2]), len == 4 ? ascii_lower(p[3]) : 0);
    switch (lower) {
    case PACK('n', '/', 'a', 0): case PACK('#', 'n', '/', 'a'): case PACK('n', 'u', 'l', 'l'):
    case PACK('n', 'o', 'n', 'e'): case PACK('n', 'i', 'l', 0): case PACK('#', 'n', 'a', 0):
    case PACK('n', 'a', 'n', 0):
        return NULL_LOOK_ALIKE;
    default:
        return 0;
    }
}

static const char ID_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/* The last three characters of an 18-character Id encode which of the first 15 are capitals. */
static int checksum_matches(const unsigned char *id) {
    for (int block = 0; block < 3; block++) {
        unsigned bits = 0;
        for (int i = 0; i < 5; i++) {
            unsigned char c = id[block * 5 + i];
            if (c >= 'A' && c <= 'Z') bits |= 1u << i;
        }
        if (id[15 + block] != (unsigned char)ID_ALPHABET[bits]) return 0;
    }
    return 1;
}

/* For a value of 15 or 18 bytes. */
static unsigned char id_flags(const unsigned char *p, int64_t len) {
    for (int64_t i = 0; i < len; i++)
        if (!is_alnum[p[i]]) return 0;
    return ID_SHAPE | (len == 15 || checksum_matches(p) ? ID_CHECKSUM : 0);
}

/* `""` pairs in [p, p + len), left to right as bytes.replace does (for the values that hold a quote). */
static RARELY_CALLED int64_t escaped_pairs(const unsigned char *p, int64_t len) {
    int64_t pairs = 0;
    for (int64_t i = 0; i + 1 < len; i++)
        if (p[i] == '"' && p[i + 1] == '"') { pairs++; i++; }
    return pairs;
}

/* For a value of 3, 4, 15 or 18 bytes. Every null word starts with n, N or #. */
static RARELY_CALLED unsigned length_flags(const unsigned char *p, int64_t len, int64_t pairs) {
    if (len == 3 || len == 4) return (p[0] | 0x20) == 'n' || p[0] == '#' ? null_flags(p, len) : 0;
    return pairs ? 0 : id_flags(p, len);
}

/* What a pass over a value's bytes finds: continuation bytes, whether a quote or a control
 * byte (below 0x20, not TAB, LF, CR) is among them. */
typedef struct { int64_t continuations; unsigned quotes, controls; } Content;

#ifdef __SSE2__
/* Sixteen bytes from p; near the buffer's end the bytes left are copied out, zero-padded. */
static inline __m128i load16(const unsigned char *p, const unsigned char *limit) {
    if (p + 16 <= limit) return _mm_loadu_si128((const __m128i *)p);
    unsigned char tail[16] = {0};
    memcpy(tail, p, (size_t)(limit - p));
    return _mm_loadu_si128((const __m128i *)tail);
}

static inline unsigned byte_mask(__m128i hits) { return (unsigned)_mm_movemask_epi8(hits); }

/* The bytes of x picked by `keep` (bit k: byte k). Continuation bytes (80..BF) are the
 * signed bytes below (signed char)0xC0; x <= 0x1F where min(x, 0x1F) == x. */
static inline void scan16(Content *content, __m128i x, unsigned keep) {
    unsigned continuing = byte_mask(_mm_cmplt_epi8(x, _mm_set1_epi8((char)0xC0))) & keep;
    content->continuations += bits_set[continuing & 0xFF] + bits_set[continuing >> 8];
    content->quotes |= byte_mask(_mm_cmpeq_epi8(x, _mm_set1_epi8('"'))) & keep;
    __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
    __m128i text = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
                                _mm_cmpeq_epi8(x, _mm_set1_epi8('\r')));
    content->controls |= byte_mask(_mm_andnot_si128(text, low)) & keep;
}

/* Most values fit one block. */
static inline Content scan_content(const unsigned char *p, int64_t len, const unsigned char *limit) {
    Content content = {0, 0, 0};
    int64_t i = 0;
    for (; i + 16 <= len; i += 16) scan16(&content, _mm_loadu_si128((const __m128i *)(p + i)), 0xFFFF);
    if (i < len) scan16(&content, load16(p + i, limit), (1u << (len - i)) - 1);
    return content;
}
#else
/* The same, eight bytes at a time in a 64-bit word (SWAR): each helper sets the high bit of
 * every byte that passes. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t load8(const unsigned char *p) {
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);  /* byte k of the value in bits 8k..8k+7, as below assumes */
#endif
    return x;
}

/* Eight bytes from p; near the buffer's end the bytes left are copied out, zero-padded. */
static inline uint64_t word_at(const unsigned char *p, const unsigned char *limit) {
    if (p + 8 <= limit) return load8(p);
    unsigned char tail[8] = {0};
    memcpy(tail, p, (size_t)(limit - p));
    return load8(tail);
}

static inline uint64_t low_bytes(int64_t n) { return n >= 8 ? ~0ULL : (1ULL << (8 * n)) - 1; }

static inline uint64_t bytes_equal(uint64_t x, unsigned char c) {
    uint64_t t = x ^ (ONES * c);
    return ~(((t & ~HIGHS) + ~HIGHS) | t) & HIGHS;
}

static inline uint64_t bytes_below_0x20(uint64_t x) {
    return ~(((x & ~HIGHS) + ONES * 0x60) | x) & HIGHS;
}

static inline uint64_t continuation_bytes(uint64_t x) { return x & ~(x << 1) & HIGHS; }  /* 10xxxxxx */

static inline int64_t count_highs(uint64_t bits) { return (int64_t)(((bits >> 7) * ONES) >> 56); }

static inline void scan8(Content *content, uint64_t x, uint64_t keep) {
    content->continuations += count_highs(continuation_bytes(x) & keep);
    content->quotes |= (bytes_equal(x, '"') & keep) != 0;
    uint64_t text = bytes_equal(x, '\t') | bytes_equal(x, '\n') | bytes_equal(x, '\r');
    content->controls |= (bytes_below_0x20(x) & ~text & keep) != 0;
}

static inline Content scan_content(const unsigned char *p, int64_t len, const unsigned char *limit) {
    Content content = {0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= len; i += 8) scan8(&content, load8(p + i), HIGHS);
    if (i < len) scan8(&content, word_at(p + i, limit), HIGHS & low_bytes(len - i));
    return content;
}
#endif

typedef struct { int64_t pairs, continuations; unsigned flags; } Facts;

/* The facts of the non-empty value [p, p + len). One pass over its bytes, 16 (or 8) at a
 * time, the bytes of a block past the value masked off (and never read past the buffer:
 * its last bytes are copied out); every other fact looks at the first or last few bytes,
 * and only when a table says it could hold. */
static inline Facts describe(const unsigned char *p, int64_t len, const unsigned char *limit, int quoted) {
    Content content = scan_content(p, len, limit);
    Facts facts = {0, content.continuations, content.controls ? CONTROL : 0};
    if (content.quotes && quoted) facts.pairs = escaped_pairs(p, len);
    if (len < 32 && (length_checked >> len) & 1) facts.flags |= length_flags(p, len, facts.pairs);
    if (may_start_space[p[0]] && space_at_start(p, len)) facts.flags |= LEADING_SPACE;
    if (may_end_space[p[len - 1]] && space_at_end(p, len)) facts.flags |= TRAILING_SPACE;
    return facts;
}

typedef struct {
    int64_t *restrict starts, *restrict ends, *restrict characters;
    int32_t *restrict escapes;
    unsigned char *restrict flags;
} Out;

enum { OK, BAD_INDEX, BAD_SPAN, TOO_MANY_ESCAPES };

static int describe_all(const unsigned char *restrict b, int64_t size, const int64_t *restrict field_starts,
                        const int64_t *restrict field_ends, int64_t field_count, const int64_t *restrict fields,
                        Py_ssize_t n, Out out, Py_ssize_t *where) {
    for (Py_ssize_t j = 0; j < n; j++) {
        int64_t f = fields[j];
        if ((uint64_t)f >= (uint64_t)field_count) { *where = j; return BAD_INDEX; }
        int64_t s = field_starts[f], e = field_ends[f];
        /* as unsigned, a negative start or end is past any buffer */
        if ((uint64_t)e > (uint64_t)size || (uint64_t)s > (uint64_t)e) { *where = j; return BAD_SPAN; }
        int64_t vs, ve;
        int quoted = value_span(b, s, e, &vs, &ve);
        out.starts[j] = vs;
        out.ends[j] = ve;
        if (vs == ve) {
            out.escapes[j] = 0;
            out.characters[j] = 0;
            out.flags[j] = EMPTY;
            continue;
        }
        Facts facts = describe(b + vs, ve - vs, b + size, quoted);
        if (facts.pairs > INT32_MAX) { *where = j; return TOO_MANY_ESCAPES; }
        out.escapes[j] = (int32_t)facts.pairs;
        out.characters[j] = ve - vs - facts.continuations - facts.pairs;
        out.flags[j] = (unsigned char)facts.flags;
    }
    return OK;
}

/* A 1-D contiguous int64 buffer, or ValueError. */
static int int64_view(PyObject *object, Py_buffer *view, const char *what) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s must be a contiguous int64 array", what);
        return -1;
    }
    const char *format = view->format ? view->format : "B";
    if (*format == '<' || *format == '=' || *format == '@') format++;
    if (view->ndim != 1 || view->itemsize != 8 || (strcmp(format, "l") && strcmp(format, "q"))) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_ValueError, "%s must be a 1-D contiguous int64 array", what);
        return -1;
    }
    return 0;
}

static PyObject *facts(PyObject *self, PyObject *args) {
    PyObject *data_obj, *starts_obj, *ends_obj, *fields_obj, *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOO", &data_obj, &starts_obj, &ends_obj, &fields_obj)) return NULL;
    Py_buffer data, starts, ends, fields;
    if (PyObject_GetBuffer(data_obj, &data, PyBUF_C_CONTIGUOUS) < 0) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "data must be a contiguous bytes-like object");
        return NULL;
    }
    if (int64_view(starts_obj, &starts, "field_starts") < 0) goto release_data;
    if (int64_view(ends_obj, &ends, "field_ends") < 0) goto release_starts;
    if (int64_view(fields_obj, &fields, "fields") < 0) goto release_ends;
    if (starts.len != ends.len) {
        PyErr_SetString(PyExc_ValueError, "field_starts and field_ends differ in length");
        goto release_fields;
    }
    Py_ssize_t n = fields.len / 8;
    PyObject *arrays[5];
    const Py_ssize_t widths[5] = {8, 8, 4, 8, 1};
    for (int k = 0; k < 5; k++) {
        arrays[k] = PyByteArray_FromStringAndSize(NULL, n * widths[k]);
        if (!arrays[k]) { while (k--) Py_DECREF(arrays[k]); goto release_fields; }
    }
    Out out = {(int64_t *)PyByteArray_AS_STRING(arrays[0]), (int64_t *)PyByteArray_AS_STRING(arrays[1]),
               (int64_t *)PyByteArray_AS_STRING(arrays[3]), (int32_t *)PyByteArray_AS_STRING(arrays[2]),
               (unsigned char *)PyByteArray_AS_STRING(arrays[4])};
    Py_ssize_t where = 0;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = describe_all(data.buf, data.len, starts.buf, ends.buf, starts.len / 8, fields.buf, n, out, &where);
    Py_END_ALLOW_THREADS
    if (status == OK) {
        result = PyTuple_Pack(5, arrays[0], arrays[1], arrays[2], arrays[3], arrays[4]);
    } else {
        long long index = ((const int64_t *)fields.buf)[where];
        if (status == BAD_INDEX)
            PyErr_Format(PyExc_ValueError, "fields[%zd] = %lld is not a field index (there are %zd fields)",
                         where, index, starts.len / 8);
        else if (status == BAD_SPAN)
            PyErr_Format(PyExc_ValueError, "field %lld spans [%lld, %lld), not inside the %zd-byte buffer",
                         index, (long long)((const int64_t *)starts.buf)[index],
                         (long long)((const int64_t *)ends.buf)[index], data.len);
        else
            PyErr_Format(PyExc_ValueError, "field %lld holds more escaped quotes than an int32 counts", index);
    }
    for (int k = 0; k < 5; k++) Py_DECREF(arrays[k]);
release_fields:
    PyBuffer_Release(&fields);
release_ends:
    PyBuffer_Release(&ends);
release_starts:
    PyBuffer_Release(&starts);
release_data:
    PyBuffer_Release(&data);
    return result;
}

static PyMethodDef methods[] = {
    {"facts", facts, METH_VARARGS,
     "facts(data, field_starts, field_ends, fields) -> (value_starts, value_ends, escaped_quotes, "
     "characters, flags) as bytearrays, one entry per requested field."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "sfprep.native._fields", NULL, -1, methods};

PyMODINIT_FUNC PyInit__fields(void) {
    init_tables();
    return PyModule_Create(&module);
}
