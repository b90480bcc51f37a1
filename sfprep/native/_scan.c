/* The structural CSV pass in C: one state machine over the bytes of a chunk.
 *
 * It decides exactly what sfprep/io/csv/numpy_pass.py decides (the tests run both on the
 * same inputs): which delimiters and line breaks are structural, every quoting anomaly,
 * and the quote that opened a field still open at the end. It is optional: when it cannot
 * be built, the numpy path runs instead.
 *
 * The scan is resumable, so that a record spanning many blocks is scanned once: it starts
 * at `start` in the state a previous call ended in, and ends where the rest of the file
 * could still change a decision (a quote in a quoted value that is the last byte, or is
 * followed only by a CR, is looked at again with the next block).
 *
 * scan(buffer, start, delimiter, line_break, is_last, mode, field_start, open_quote, pending) ->
 *     (structural separators as int64 bytes, all line breaks as int64 bytes,
 *      anomalies as int64 bytes of (kind, position, quote) triples,
 *      resume, mode, field_start, open_quote, pending)
 * kind: 0 stray quote, 1 text before an opening quote, 2 text after a closing quote,
 *       3 unescaped quote inside a quoted field.
 * mode: see the enum below. Positions are offsets in buffer; the state's may be negative
 * (before the buffer's first byte).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct { int64_t *data; Py_ssize_t len, cap; } Vec;

static inline int vec_push(Vec *v, int64_t x) {
    if (v->len == v->cap) {
        Py_ssize_t cap = v->cap ? v->cap * 2 : 4096;
        int64_t *grown = PyMem_RawRealloc(v->data, cap * sizeof(int64_t));
        if (!grown) return -1;
        v->data = grown; v->cap = cap;
    }
    v->data[v->len++] = x;
    return 0;
}

static PyObject *vec_bytes(Vec *v) {
    return PyBytes_FromStringAndSize((const char *)v->data, v->len * (Py_ssize_t)sizeof(int64_t));
}

/* The scanner's state between two calls. */
enum {
    M_BLANK,    /* outside quotes; the field so far (field_start up to start) is blanks or nothing */
    M_TEXT,     /* outside quotes; the field so far holds text: a quote now is a stray one */
    M_STRAY,    /* outside quotes, after a stray quote: quotes are text up to the next separator */
    M_QUOTED,   /* inside a quoted value (opened at open_quote) */
    M_PENDING,  /* inside a quoted value, after a quote (at pending) followed by text and then
                   nothing yet: the next quote makes it an unescaped one, the next separator
                   makes it a closing one followed by text */
};

static inline int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }

/* First delimiter or line break from `from` on, or n. */
static Py_ssize_t next_separator(const unsigned char *b, Py_ssize_t from, Py_ssize_t n, int d, int brk) {
    for (Py_ssize_t j = from; j < n; j++) if (b[j] == d || b[j] == brk) return j;
    return n;
}

/* Bit k set iff b[base + k] is a quote, the delimiter or the line break (64 bytes from base). */
static inline uint64_t special_bits(const unsigned char *b, Py_ssize_t base, Py_ssize_t n, int d, int brk) {
    uint64_t bits = 0;
#ifdef __SSE2__
    if (base + 64 <= n) {
        const __m128i quote = _mm_set1_epi8('"'), delim = _mm_set1_epi8((char)d), lbrk = _mm_set1_epi8((char)brk);
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(b + base + 16 * k));
            __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, delim)),
                                       _mm_cmpeq_epi8(v, lbrk));
            bits |= (uint64_t)(uint16_t)_mm_movemask_epi8(hit) << (16 * k);
        }
        return bits;
    }
#endif
    Py_ssize_t end = base + 64 < n ? base + 64 : n;
    for (Py_ssize_t j = base; j < end; j++)
        if (b[j] == '"' || b[j] == d || b[j] == brk) bits |= (uint64_t)1 << (j - base);
    return bits;
}

/* Whether the bytes from field_start up to `end` are blanks only, looking no further back
 * than `start` (what lies before it the entry mode says: blank_prefix). */
static int blank_field(const unsigned char *b, Py_ssize_t start, Py_ssize_t end, Py_ssize_t field_start,
                       int blank_prefix) {
    Py_ssize_t s = end, low = field_start > start ? field_start : start;
    while (s > low && is_blank(b[s - 1])) s--;
    return s == field_start || (s == start && field_start < start && blank_prefix);
}

/* The state machine runs on "events" only (quotes, delimiters, line breaks), found 64 bytes
 * at a time; the bytes between them are never looked at one by one. */
static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t start, field_start, open_quote, pending;
    int delimiter, line_break, is_last, mode;
    if (!PyArg_ParseTuple(args, "y*niipinnn", &view, &start, &delimiter, &line_break, &is_last, &mode,
                          &field_start, &open_quote, &pending)) return NULL;
    const unsigned char *b = view.buf;
    Py_ssize_t n = view.len, resume = n, skip_until = start, sep = -1;
    if (start < 0 || start > n || mode < M_BLANK || mode > M_PENDING || delimiter < 0 || delimiter > 255
        || line_break < 0 || line_break > 255) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "scan: start must lie in [0, len(buffer)], mode be a scan state and "
                        "the delimiter and line break bytes");
        return NULL;
    }
    int quoted = mode == M_QUOTED || mode == M_PENDING, is_pending = mode == M_PENDING;
    int stray = mode == M_STRAY, blank_prefix = mode == M_BLANK, failed = 0;
    Vec seps = {0}, breaks = {0}, anomalies = {0};  /* anomalies: triples kind, position, quote */

#define PUSH(v, x) do { if (vec_push(&(v), (x)) < 0) { failed = 1; goto done; } } while (0)
#define ANOMALY(kind, pos, q) do { PUSH(anomalies, kind); PUSH(anomalies, pos); PUSH(anomalies, q); } while (0)

    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t base = start; base < n; base += 64) {
        uint64_t bits = special_bits(b, base, n, delimiter, line_break);
        while (bits) {
            Py_ssize_t j = base + __builtin_ctzll(bits);
            bits &= bits - 1;
            if (j < skip_until) continue;
            unsigned char c = b[j];
            if (is_pending) {                                      /* the first event decides */
                is_pending = 0;
                if (c == '"') ANOMALY(3, pending, pending);
                else { ANOMALY(2, pending + 1, pending); quoted = 0; }
            }
            if (quoted) {
                if (c == line_break) { PUSH(breaks, j); continue; }
                if (c != '"') continue;                            /* a delimiter inside the value */
                Py_ssize_t next = j + 1;
                int wait_cr = line_break == '\n' && next + 1 == n && b[next] == '\r';
                if (!is_last && (next >= n || wait_cr)) { resume = j; goto done; }  /* decided with more bytes */
                if (next < n && b[next] == '"') { skip_until = j + 2; continue; }   /* "" inside a quoted value */
                int closes = next >= n || b[next] == delimiter || b[next] == line_break
                    || (line_break == '\n' && b[next] == '\r' && next + 1 < n && b[next + 1] == '\n');
                if (closes) { quoted = 0; continue; }
                if (sep < next) sep = next_separator(b, next, n, delimiter, line_break);
                if (memchr(b + next, '"', (size_t)(sep - next))) { ANOMALY(3, j, j); continue; }  /* a lone quote; the value goes on */
                if (sep == n && !is_last) { is_pending = 1; pending = j; continue; }  /* nothing follows yet */
                ANOMALY(2, next, j);                               /* closed, then text before the separator */
                quoted = 0;
                continue;
            }
            if (c == delimiter || c == line_break) {
                PUSH(seps, j);
                if (c == line_break) PUSH(breaks, j);
                field_start = j + 1;
                stray = 0;
                continue;
            }
            if (stray) continue;                                   /* text: every quote up to the separator */
            if (j == field_start || blank_field(b, start, j, field_start, blank_prefix)) {
                if (j != field_start) ANOMALY(1, field_start, j);  /* blanks, then the opening quote */
                quoted = 1; open_quote = j;
                continue;
            }
            ANOMALY(0, j, j);
            stray = 1;
        }
    }
    if (is_pending && is_last) { ANOMALY(2, pending + 1, pending); is_pending = 0; quoted = 0; }
done:
    if (quoted) mode = is_pending ? M_PENDING : M_QUOTED;
    else if (stray) mode = M_STRAY;
    else mode = blank_field(b, start, resume, field_start, blank_prefix) ? M_BLANK : M_TEXT;
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *result = NULL;
    if (failed) {
        PyErr_NoMemory();
    } else {
        PyObject *s = vec_bytes(&seps), *br = vec_bytes(&breaks), *an = vec_bytes(&anomalies);
        if (s && br && an)
            result = Py_BuildValue("(NNNninnn)", s, br, an, resume, mode, field_start,
                                   quoted ? open_quote : (Py_ssize_t)-1, is_pending ? pending : (Py_ssize_t)-1);
        else { Py_XDECREF(s); Py_XDECREF(br); Py_XDECREF(an); }
    }
    PyMem_RawFree(seps.data); PyMem_RawFree(breaks.data); PyMem_RawFree(anomalies.data);
    return result;
}

/* Field and record spans from the structural separators of buffer[:cut] (each ends a field);
 * the same arrays as numpy_pass.fields_in_numpy, in one pass over the separators.
 *
 * fields(buffer, cut, structural, delimiter, line_break) ->
 *     (field_starts, field_ends, field_quoted, record_starts, record_ends, terminators,
 *      record_first_field, field_counts) as bytes (int64, except field_quoted and
 *      terminators: one byte each). Terminators: 0 end of file, 1 LF, 2 CRLF, 3 CR. */
enum { END_OF_FILE, TERM_LF, TERM_CRLF, TERM_CR };

static PyObject *fields(PyObject *self, PyObject *args) {
    Py_buffer view, seps_view;
    Py_ssize_t cut;
    int delimiter, line_break;
    if (!PyArg_ParseTuple(args, "y*ny*ii", &view, &cut, &seps_view, &delimiter, &line_break)) return NULL;
    const unsigned char *b = view.buf;
    const int64_t *seps = seps_view.buf;
    Py_ssize_t nseps = seps_view.len / 8;
    if (cut < 0 || cut > view.len) cut = view.len;
    if (seps_view.len % 8 || (uintptr_t)seps_view.buf % _Alignof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "structural separators must be an aligned int64 array");
        PyBuffer_Release(&view); PyBuffer_Release(&seps_view);
        return NULL;
    }
    for (Py_ssize_t k = 0, low = 0; k < nseps; low = seps[k] + 1, k++) {
        if (seps[k] < low || seps[k] >= cut) {   /* every read below stays inside buffer[:cut] */
            PyErr_SetString(PyExc_ValueError, "structural separators must increase and lie in [0, cut)");
            PyBuffer_Release(&view); PyBuffer_Release(&seps_view);
            return NULL;
        }
    }
    int ends_at_break = nseps && seps[nseps - 1] == cut - 1 && b[cut - 1] == line_break;
    int final_field = cut > 0 && !ends_at_break;
    Py_ssize_t nfields = nseps + final_field;
    /* Written in place, so no copy is made on the way out; record arrays are cut to size after. */
    PyObject *out[8] = {0};
    const Py_ssize_t item[8] = {8, 8, 1, 8, 8, 1, 8, 8};
    int ok = 1;
    for (int a = 0; a < 8; a++) ok = ok && (out[a] = PyBytes_FromStringAndSize(NULL, nfields * item[a])) != NULL;
    PyObject *result = NULL;
    Py_ssize_t nrecords = 0;
    if (ok) {
        int64_t *starts = (int64_t *)PyBytes_AS_STRING(out[0]), *ends = (int64_t *)PyBytes_AS_STRING(out[1]);
        unsigned char *quoted = (unsigned char *)PyBytes_AS_STRING(out[2]);
        int64_t *rstarts = (int64_t *)PyBytes_AS_STRING(out[3]), *rends = (int64_t *)PyBytes_AS_STRING(out[4]);
        unsigned char *terms = (unsigned char *)PyBytes_AS_STRING(out[5]);
        int64_t *rfirst = (int64_t *)PyBytes_AS_STRING(out[6]), *rcount = (int64_t *)PyBytes_AS_STRING(out[7]);
        Py_BEGIN_ALLOW_THREADS
        int64_t first = 0, start = 0;
        for (Py_ssize_t k = 0; k < nfields; k++) {
            int64_t end = k < nseps ? seps[k] : cut;
            int closes = k < nseps ? b[end] == line_break : 1;
            starts[k] = start;
            quoted[k] = end > start && b[start] == '"';
            if (closes) {
                unsigned char term = k >= nseps ? END_OF_FILE : (line_break == '\r' ? TERM_CR : TERM_LF);
                if (term == TERM_LF && end - 1 >= start && b[end - 1] == '\r') { end--; term = TERM_CRLF; }
                rstarts[nrecords] = starts[first];
                rends[nrecords] = end;
                terms[nrecords] = term;
                rfirst[nrecords] = first;
                rcount[nrecords] = k - first + 1;
                nrecords++;
                first = k + 1;
            }
            ends[k] = end;
            start = (k < nseps ? seps[k] : cut) + 1;
        }
        Py_END_ALLOW_THREADS
        for (int a = 3; a < 8 && ok; a++) ok = _PyBytes_Resize(&out[a], nrecords * item[a]) == 0;
        if (ok) result = PyTuple_Pack(8, out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7]);
    }
    for (int a = 0; a < 8; a++) Py_XDECREF(out[a]);
    PyBuffer_Release(&view); PyBuffer_Release(&seps_view);
    return result;
}

/* One pass over the text of a chunk: the first byte that is not valid UTF-8 (RFC 3629: no
 * overlongs, no surrogates, nothing past U+10FFFF), the continuation bytes of the valid
 * characters (characters = bytes - continuations), and every control byte (below 0x20, not
 * TAB, LF or CR). Words of eight plain ASCII bytes are skipped at once.
 *
 * text(buffer) -> (first invalid offset or -1, continuation bytes, control bytes, bare CRs),
 * the last two as int64 offsets in bytes objects. */
#define BYTES_BELOW(w, k) (((w) - 0x0101010101010101ULL * (k)) & ~(w) & 0x8080808080808080ULL)

static int scan_text(const unsigned char *b, Py_ssize_t n, Py_ssize_t *first_invalid,
                     Py_ssize_t *continuations, Vec *controls, Vec *bare_crs) {
    Py_ssize_t i = 0;
    *first_invalid = -1;
    *continuations = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t word;
            memcpy(&word, b + i, 8);
            if (!(word & 0x8080808080808080ULL) && !BYTES_BELOW(word, 0x20)) { i += 8; continue; }
        }
        unsigned char c = b[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && vec_push(controls, i) < 0) return -1;
            if (c == '\r' && (i + 1 >= n || b[i + 1] != '\n') && vec_push(bare_crs, i) < 0) return -1;
            i++;
            continue;
        }
        int need = 0; unsigned char low = 0x80, high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c >= 0xE0 && c <= 0xEF) { need = 2; if (c == 0xE0) low = 0xA0; if (c == 0xED) high = 0x9F; }
        else if (c >= 0xF0 && c <= 0xF4) { need = 3; if (c == 0xF0) low = 0x90; if (c == 0xF4) high = 0x8F; }
        int valid = need && i + need < n && b[i + 1] >= low && b[i + 1] <= high;
        for (int k = 2; valid && k <= need; k++) valid = (b[i + k] & 0xC0) == 0x80;
        if (!valid) {
            if (*first_invalid < 0) *first_invalid = i;
            i++;  /* go on, for the control bytes */
            continue;
        }
        if (*first_invalid < 0) *continuations += need;
        i += need + 1;
    }
    return 0;
}

static PyObject *text(PyObject *self, PyObject *args) {
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    Py_ssize_t first_invalid, continuations;
    Vec controls = {0}, bare_crs = {0};
    int failed;
    Py_BEGIN_ALLOW_THREADS
    failed = scan_text(view.buf, view.len, &first_invalid, &continuations, &controls, &bare_crs) < 0;
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *result = failed ? PyErr_NoMemory()
        : Py_BuildValue("(nnNN)", first_invalid, continuations, vec_bytes(&controls), vec_bytes(&bare_crs));
    PyMem_RawFree(controls.data); PyMem_RawFree(bare_crs.data);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, "Structural separators, line breaks, quoting anomalies and the state to resume from."},
    {"fields", fields, METH_VARARGS, "Field and record spans from the structural separators."},
    {"text", text, METH_VARARGS, "(first invalid UTF-8 offset or -1, continuation bytes, control bytes, bare CRs)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "sfprep.native._scan", NULL, -1, methods};

PyMODINIT_FUNC PyInit__scan(void) { return PyModule_Create(&module); }
