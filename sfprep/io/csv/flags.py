"""The facts the C field pass (io/csv/fields.py) gives each field, as bits of its `flags`
(kept apart so that the rules can name them without importing numpy)."""

EMPTY = 1             # the value is ""
NULL_MARKER = 2       # the value is exactly #N/A
NULL_LOOK_ALIKE = 4   # N/A, #n/a, NULL, null, None, nil, #NA, NaN (any case), not #N/A
LEADING_SPACE = 8     # starts with whitespace (Unicode White_Space, as polars strip_chars)
TRAILING_SPACE = 16   # ends with whitespace
ID_SHAPE = 32         # 15 or 18 ASCII letters and digits
ID_CHECKSUM = 64      # an 18-character Id whose last 3 characters are its checksum (15: always)
CONTROL = 128         # a byte below 0x20 other than TAB, LF, CR
