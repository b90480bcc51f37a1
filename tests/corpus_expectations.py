"""Hand-derived expectations for the third-party corpus in ../shared/corpus.

Every expectation names one CSV file (path relative to the corpus root), says why
(quoting or paraphrasing the folder's PROVENANCE.md), and gives what sfprep must report
for the implemented structural codes F001-F007, Q001-Q006 and H001-H007:

* a list of ``(code, line)`` pairs: the exact multiset of those findings (``line`` is the
  physical line from docs/findings.md; ``None`` for file-level findings such as F003);
* ``OneOf(list, list, ...)``: the spec allows more than one reading; any one list must match
  exactly;
* ``CLEAN``: no *error*-severity finding with one of those codes;
* ``SMOKE``: the expected result is unclear from RULES.md / docs/findings.md; only check
  that linting does not crash and yields a valid JSON report.

``unsure`` names codes that are left out of the comparison for that file because the spec
does not settle whether they apply (the reason is in the comment next to it).

Every value here was derived by hand from PROVENANCE.md and the file's bytes (``cat -A``,
``xxd``), following ../shared/spec/RULES.md and docs/findings.md, never from sfprep's
output. Where a source's own expectation differs from what the Bulk API rules say (for
example frictionless calls a header-only file valid, but F003 says "a header with no data
rows" is an error), the Bulk API rules win and the comment says so.

Files that sfprep does not lint (``*.tsv``: csvkit/examples/dummy.tsv,
frictionless-py/data/table.tsv) are not listed: a folder means ``*.csv``/``*.xml`` only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: the codes compared by the corpus tests (the families implemented now)
TRACKED_CODES = frozenset(
    [f"F00{i}" for i in range(1, 8)]
    + [f"Q00{i}" for i in range(1, 7)]
    + [f"H00{i}" for i in range(1, 8)]
)

CLEAN = "no F/Q/H error"
SMOKE = "unclear: no traceback / valid JSON report only"

Finding = tuple[str, "int | None"]


class OneOf:
    """Several acceptable exact lists (the spec allows more than one reading)."""

    def __init__(self, *alternatives: list[Finding]) -> None:
        self.alternatives = tuple(tuple(a) for a in alternatives)

    def __repr__(self) -> str:
        return f"OneOf{self.alternatives!r}"


@dataclass(frozen=True)
class Expectation:
    path: str
    reason: str
    expect: object  # list[Finding] | OneOf | CLEAN | SMOKE
    unsure: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        return self.path


def _e(path, reason, expect, unsure=()):
    return Expectation(path, reason, expect, frozenset(unsure))


F003 = ("F003", None)  # file-level: line/record/column all null


EXPECTATIONS: list[Expectation] = [
    # ------------------------------------------------------------------ csv-spectrum
    # "Small 'acid test' CSVs for CSV parsers"; each has an expected parse in json/.
    _e("csv-spectrum/csvs/comma_in_quotes.csv",
       "quoted field with an embedded comma; valid (expected parse json/comma_in_quotes.json)",
       []),
    _e("csv-spectrum/csvs/empty.csv",
       "rows with empty quoted fields (\"\"); valid; last line has no terminator (fine)",
       []),
    _e("csv-spectrum/csvs/json.csv",
       "a JSON document in a quoted field (lots of escaped quotes \"\"); valid",
       []),
    # Header `Contact Phone Number,Location Coordinates,Cities,Counties`: two names with
    # spaces are not API names (H004, line 1). Line 2 field 2 is UNQUOTED and holds bare
    # quotes: `37\xef\xbf\xbd36'37.8"N 121\xef\xbf\xbd2'17.9"W` -> Q002, first per field,
    # line 2. U+FFFD is valid UTF-8 (EF BF BD), so no F001.
    _e("csv-spectrum/csvs/location_coordinates.csv",
       "'header names with spaces; an UNQUOTED field that contains bare double quotes "
       "(37\ufffd36'37.8\"N)': H004 x2 and Q002",
       [("H004", 1), ("H004", 1), ("Q002", 2)]),
    _e("csv-spectrum/csvs/newlines.csv",
       "line breaks inside quoted fields (LF): data, not record terminators; valid",
       []),
    _e("csv-spectrum/csvs/simple.csv", "minimal 3-column file; valid", []),
    _e("csv-spectrum/csvs/simple_crlf.csv",
       "minimal file with CRLF (converted LF->CRLF as a checkout does); consistent CRLF is valid",
       []),
    _e("csv-spectrum/csvs/utf8.csv",
       "UTF-8 non-ASCII values (CA A4 = U+02A4); valid", []),

    # ------------------------------------------------------------------ csvkit
    _e("csvkit/examples/blanks.csv",
       "common null markers (NA, N/A, NONE, NULL, .) as values: a V002 matter, no F/Q/H finding",
       []),
    _e("csvkit/examples/date_like_number.csv", "a number that looks like a date (`a` / `4.5`)", []),
    _e("csvkit/examples/dummy.csv", "minimal valid file", []),
    _e("csvkit/examples/dummy_col_shuffled_ragged.csv",
       "'4-column header, 4 values': not actually ragged", []),
    # The file is the single byte 0A. Header is a blank line: F003 for sure, but whether the
    # blank header line is also F006 and/or H001 is not settled by the spec.
    _e("csvkit/examples/empty.csv",
       "'a file that is just one line break' (unclear: F003, plus F006/H001 or not)",
       SMOKE),
    # `1,2,3\n` only: that line is the header (Salesforce reads the first line as field
    # names), so there are no data rows (F003) and "1","2","3" do not start with a letter.
    _e("csvkit/examples/no_header_row.csv",
       "'data only, no header': the data line is read as the header -> H004 x3, and F003",
       [F003, ("H004", 1), ("H004", 1), ("H004", 1)]),
    _e("csvkit/examples/optional_quote_characters.csv",
       "'same data quoted and unquoted': valid", []),
    _e("csvkit/examples/sniff_limit.csv",
       "'semicolon-delimited (dialect sniffing)': `a;b;c` / `1;2;3` -> Q001 at line 1",
       [("Q001", 1)]),
    # `a,b,c,,` has 5 fields, names 4 and 5 empty -> H001 twice (line 1). Line 2 `a,,,,`
    # has 5 fields; line 3 `,,c,` has 4 -> Q006 line 3; line 4 `,,,,` has 5.
    # Whether two EMPTY names are also "duplicates" (H002) is not settled: left out.
    _e("csvkit/examples/test_empty_columns.csv",
       "'header `a,b,c,,` (two empty header names) and mostly-empty rows of different lengths'",
       [("H001", 1), ("H001", 1), ("Q006", 3)], unsure=["H002"]),
    _e("csvkit/examples/test_empty_columns_short_row.csv",
       "'all-empty short row': `,` has 2 fields under a 3-name header -> Q006 line 2",
       [("Q006", 2)]),
    _e("csvkit/examples/test_latin1.csv",
       "'ISO-8859-1 byte, no final newline': byte A9 on line 3 -> F001 line 3",
       [("F001", 3)]),
    _e("csvkit/examples/test_no_leading_zeroes.csv", "values with leading zeros", []),
    # `\n\n\na,b,c\n1,2,3\n`: three blank lines BEFORE the header. F006 speaks of blank
    # lines "between or after records"; how a blank header line is reported (F006? H001?
    # Q006 for the real header line?) is not settled.
    _e("csvkit/examples/test_skip_lines.csv",
       "'three blank lines before the header' (unclear how leading blank lines are reported)",
       SMOKE),
    _e("csvkit/examples/test_utf16_big.csv",
       "'UTF-16BE with BOM' (FE FF): F001 at line 1 and nothing else",
       [("F001", 1)]),
    _e("csvkit/examples/test_utf8.csv", "'UTF-8 without BOM': valid", []),
    _e("csvkit/examples/test_utf8_bom.csv",
       "'UTF-8 with BOM' (EF BB BF before `foo`): F002 line 1 (the BOM is reported once, "
       "not again as a bad first column name)",
       [("F002", 1)]),

    # ------------------------------------------------------------------ csvlint-rb
    _e("csvlint-rb/cr-line-endings.csv",
       "'CR-only (old Mac) line endings. Expected: ... 1 error of type line_breaks' -> F004 line 1",
       [("F004", 1)]),
    _e("csvlint-rb/crlf-line-endings.csv",
       "'CRLF line endings. Expected: 0 info messages'; last record unterminated (fine)",
       []),
    # Line 4 is `"1","2","3" "\r\n`: after the closing quote of field 3 come ` "`.
    # RULES.md reads this as Q004 ("characters between a closing quote and the next
    # delimiter/line end") or, since that quote is followed by a space, as Q005 (a lone
    # quote followed by something other than a delimiter/line end/second quote, the field
    # then closing at the last quote). Either is one finding at line 4.
    # Line 8 is a bare `\r\n`: blank line -> F006 line 8 (never Q006).
    _e("csvlint-rb/invalid_many_rows.csv",
       "'row 4 has a space and a stray quote after a closing quote (`\"1\",\"2\",\"3\" \"`)'; "
       "line 8 is an empty CRLF line",
       OneOf([("Q004", 4), ("F006", 8)], [("Q005", 4), ("F006", 8)])),
    _e("csvlint-rb/lf-line-endings.csv",
       "'LF line endings. Expected: 1 info message, nonrfc_line_breaks': LF is fine for Bulk API",
       []),
    _e("csvlint-rb/valid.csv", "'valid quoted CRLF file. Expected: valid'", []),
    _e("csvlint-rb/valid_many_rows.csv", "'valid CRLF file. Expected: valid'", []),
    _e("csvlint-rb/white space in filename.csv",
       "'valid file whose name has spaces. Expected: valid'", []),
    _e("csvlint-rb/windows-line-endings.csv", "'CRLF, unquoted. Expected: valid'", []),

    # ------------------------------------------------------------------ frictionless-py
    _e("frictionless-py/data/blank-cells.csv",
       "'empty last value on one row. Expected: valid'", []),
    # The bytes are `,,` lines (3 empty fields each), not empty lines: no F006, no Q006.
    _e("frictionless-py/data/blank-rows-multiple.csv",
       "'many consecutive blank rows' - the bytes are `,,` rows of empty values with the "
       "right field count, not blank lines: nothing for F/Q/H",
       []),
    _e("frictionless-py/data/blank-rows.csv",
       "'one empty line in the body' - line 4 is `,,` (3 empty fields), not an empty line",
       []),
    _e("frictionless-py/data/bom.csv",
       "'UTF-8 BOM before the header. Expected: header [\"id\",\"name\"] (BOM stripped)' -> F002",
       [("F002", 1)]),
    # `id,name,name` -> one H002 (the repeat). Line 10 `8,Warsaw` (2 fields) -> Q006;
    # line 11 is empty -> F006; line 12 `x,Tokio,Japan,review` (4 fields) -> Q006.
    _e("frictionless-py/data/capital-invalid.csv",
       "'duplicate header name (`id,name,name`) plus later bad values'",
       [("H002", 1), ("Q006", 10), ("F006", 11), ("Q006", 12)]),
    _e("frictionless-py/data/delimiter.csv",
       "'semicolon-delimited' -> Q001 line 1", [("Q001", 1)]),
    # `id|name` / `1|#english#` / `2| -|##`: pipe is the only delimiter candidate present
    # (no comma anywhere) -> Q001; parsed with `|`, line 3 has 3 fields under 2 names -> Q006.
    _e("frictionless-py/data/dialect.csv",
       "'pipe delimiter, `#` as quote character' -> Q001; line 3 `2| -|##` has 3 pipe fields",
       [("Q001", 1), ("Q006", 3)]),
    _e("frictionless-py/data/duplicate-column.csv",
       "'header A,B,B,C (duplicate B); no final newline' -> one H002",
       [("H002", 1)]),
    _e("frictionless-py/data/duplicate-rows.csv", "identical data rows: not an F/Q/H matter", []),
    _e("frictionless-py/data/empty.csv",
       "'0-byte file. Expected: source-error \"the source is empty\"' -> F003 (file-level)",
       [F003]),
    _e("frictionless-py/data/encoding-issue-274.csv",
       "'larger (52 KB) UTF-8 file. Expected: valid when read as UTF-8' (508 LF lines, 17 "
       "fields each, 6 quoted values with commas)",
       []),
    _e("frictionless-py/data/issue-1009-semicolon.csv",
       "'semicolon-delimited; value with leading zero' -> Q001", [("Q001", 1)]),
    _e("frictionless-py/data/issue-1100.csv",
       "'semicolon-delimited, non-ISO timestamp' -> Q001 (the timestamp is a V matter)",
       [("Q001", 1)]),
    _e("frictionless-py/data/issue-825.csv",
       "'numeric header labels (2011, 2010)': names must start with a letter -> H004 x2",
       [("H004", 1), ("H004", 1)]),
    # `1,["a"]` and `3,["b"]`: unquoted fields holding `"` -> Q002 (first per field).
    # frictionless calls it valid with its schema; for Bulk API these are stray quotes.
    _e("frictionless-py/data/issue-833.csv",
       "'JSON-array-like values `[\"a\"]`': unquoted fields with bare quotes -> Q002 lines 2, 4",
       [("Q002", 2), ("Q002", 4)]),
    _e("frictionless-py/data/issue-905/bad.csv",
       "'UTF-8 macron (Kāwanatanga)': valid UTF-8", []),
    _e("frictionless-py/data/issue-991.csv",
       "'header labels with spaces, parentheses and a degree sign' -> H004 for all 3",
       [("H004", 1), ("H004", 1), ("H004", 1)]),
    _e("frictionless-py/data/leading-zeros.csv", "values with leading zeros; no final newline", []),
    _e("frictionless-py/data/long.csv", "plain 2-column file", []),
    # Line 1 `# comment` is the header for Bulk API: one field, not an API name (H004);
    # lines 2-6 have 4 fields each -> Q006 on each.
    _e("frictionless-py/data/matrix-with-comment.csv",
       "'a `# comment` line before the header': it IS the header for Bulk API",
       [("H004", 1), ("Q006", 2), ("Q006", 3), ("Q006", 4), ("Q006", 5), ("Q006", 6)]),
    _e("frictionless-py/data/nested-invalid.csv",
       "dangling self-reference (cat=6): a data matter, nothing for F/Q/H", []),
    _e("frictionless-py/data/schema-errors.csv",
       "'non-numeric id, empty values, long row': line 5 `,2,3,4,5,6` has 6 fields -> Q006",
       [("Q006", 5)]),
    # `test1,test2\n#testing comment\n1,2\n\n`: the comment line is a 1-field record
    # (Q006 line 2); line 4 is an empty line after the records (F006).
    _e("frictionless-py/data/skip-blank-at-the-end.csv",
       "'comment line and a trailing blank line'",
       [("Q006", 2), ("F006", 4)]),
    _e("frictionless-py/data/skip-rows-before-headers.csv",
       "'a `#` comment line before the header': `# it's a comment!` is the header (H004); "
       "the 2-field lines 2-4 are ragged",
       [("H004", 1), ("Q006", 2), ("Q006", 3), ("Q006", 4)]),
    _e("frictionless-py/data/table-infer-iso-8859-7.csv",
       "'Greek ISO-8859-7 encoded file': first bad byte (CB E5) on line 2 -> F001 line 2",
       [("F001", 2)]),
    # Header `id,国人` (E5 9B BD E4 BA BA). H004 says "letters"; whether non-ASCII letters
    # count is not settled (Salesforce API names are ASCII), so H004 is left out.
    _e("frictionless-py/data/table-unicode-headers.csv",
       "'non-ASCII header label' (H004 unsettled for non-ASCII letters)",
       [], unsure=["H004"]),
    _e("frictionless-py/data/timezone-with-id.csv",
       "datetimes with and without zones: V matters only", []),
    _e("frictionless-py/data/without-headers.csv",
       "'no header row': `1,english` is read as the header; `1` is not an API name -> H004",
       [("H004", 1)]),
    _e("frictionless-py/data/without-rows.csv",
       "'header only, no data rows. Expected: valid' - but for Bulk API F003: a header with "
       "no data rows ('A batch must contain some content')",
       [F003]),

    # ------------------------------------------------------------------ csv-parser
    _e("csv-parser/fixtures/backtick.csv",
       "'backtick-separated values (issue #105)' -> Q001", [("Q001", 1)]),
    _e("csv-parser/fixtures/basic.csv", "minimal file", []),
    _e("csv-parser/fixtures/bench/latin.csv",
       "'ISO-8859-1 bytes': byte A9 on line 3 -> F001 line 3", [("F001", 3)]),
    _e("csv-parser/fixtures/bench/utf16-big.csv",
       "'UTF-16BE with BOM' -> F001 line 1 only", [("F001", 1)]),
    _e("csv-parser/fixtures/bench/utf8.csv", "'UTF-8 non-ASCII'", []),
    _e("csv-parser/fixtures/comma-in-quote.csv",
       "'quoted commas (same data as csv-spectrum comma_in_quotes)'", []),
    _e("csv-parser/fixtures/comment.csv",
       "'# comment lines' (read with skipComments; Bulk API has no comments): `# comment` "
       "is the header (H004), lines 2-3 have 3 fields -> Q006",
       [("H004", 1), ("Q006", 2), ("Q006", 3)]),
    _e("csv-parser/fixtures/geojson.csv",
       "'JSON documents in quoted fields' with doubled quotes; `{u'this': u'that'}` has no "
       "double quote",
       []),
    _e("csv-parser/fixtures/headers.csv",
       "'data without header; the test supplies headers [a,b,c]': `1,2,3` is the header -> H004 x3",
       [("H004", 1), ("H004", 1), ("H004", 1)]),
    _e("csv-parser/fixtures/newlines.csv", "'quoted line breaks'", []),
    _e("csv-parser/fixtures/no-headers.csv",
       "'parsed with headers:false ... last row has 4 values': `7,8,9,10` -> Q006 line 4",
       [("Q006", 4)]),
    _e("csv-parser/fixtures/option-comment.csv",
       "'~ comment lines': `~ comment` is the header (H004), lines 2-3 ragged (Q006)",
       [("H004", 1), ("Q006", 2), ("Q006", 3)]),
    # `1,"some \"escaped\" value",2` / `3,"\"\"",4`: backslash escapes are not CSV. Line 2
    # has a lone quote inside a quoted field (Q005). On line 3 `"\"\"",4` the second `"`
    # is lone (Q005) but the next two make a `""` pair, so a strict reading stays inside
    # quotes to EOF (Q003 at line 3, and a ragged record?); other recoveries differ.
    _e("csv-parser/fixtures/option-escape.csv",
       "'backslash-escaped quotes inside double-quoted values' (Q005/Q003/Q006 cascade is "
       "recovery-dependent)",
       SMOKE),
    # `a,b,cX1,2,3X"X-Men",5,6X7,8,9` with NO line break: a single header line, no records
    # (F003). Field 5 `3X"X-Men"` is unquoted with a quote (Q002, line 1). Names 2,
    # 3X"X-Men", 5, 6X7, 8, 9 do not start with a letter (H004 x6); `cX1` is fine.
    _e("csv-parser/fixtures/option-newline.csv",
       "'the letter X used as the row separator (and inside a quoted value \"X-Men\")': one "
       "physical line = header only",
       [F003, ("Q002", 1)] + [("H004", 1)] * 6),
    _e("csv-parser/fixtures/option-quote-many.csv",
       "'single-quote quoting': single quotes are ordinary characters for Bulk API; 3 fields "
       "per line",
       []),
    _e("csv-parser/fixtures/option-quote.csv", "'single-quote quoting'; 3 fields per line", []),
    _e("csv-parser/fixtures/strict+skipLines.csv",
       "'title line, then a strict 3-column table': `a,b,c` header then h1,h2,h3 data; all 3 fields",
       []),
    _e("csv-parser/fixtures/strict-false-less-columns.csv",
       "'3-column header, one 2-value row': `4,5` -> Q006 line 3", [("Q006", 3)]),

    # ------------------------------------------------------------------ salesforcecli-plugin-data
    _e("salesforcecli-plugin-data/test/test-files/csv/backquote.csv",
       "'backquote-delimited' -> Q001 (bulk1 profile: comma only)", [("Q001", 1)]),
    _e("salesforcecli-plugin-data/test/test-files/csv/comma.csv", "'comma-delimited'", []),
    _e("salesforcecli-plugin-data/test/test-files/csv/pipe.csv",
       "'pipe-delimited' -> Q001", [("Q001", 1)]),
    _e("salesforcecli-plugin-data/test/test-files/csv/single-column.csv",
       "'one column (delimiter cannot be detected)': NAME column, comma by default", []),
    _e("salesforcecli-plugin-data/test/test-files/csv/tab.csv",
       "'tab-delimited' -> Q001", [("Q001", 1)]),
    _e("salesforcecli-plugin-data/test/test-files/data-project/data/bulkUpsert.csv",
       "'Account upsert data (comma)'; no final newline", []),
    _e("salesforcecli-plugin-data/test/test-files/data-project/data/bulkUpsertBackquote.csv",
       "'Account upsert data (backquote)' -> Q001", [("Q001", 1)]),

    # ------------------------------------------------------------------ snowfakery
    _e("snowfakery/examples/datasets/empty.csv",
       "'header only, no final newline' -> F003", [F003]),
    _e("snowfakery/tests/badcsv_too_many_columns.csv",
       "'3-column header (id,FirstName,LastName) with 8-value rows ... \"more columns\"' -> "
       "Q006 on lines 2-5",
       [("Q006", 2), ("Q006", 3), ("Q006", 4), ("Q006", 5)]),
    _e("snowfakery/tests/utf_8_bom_csv.csv",
       "'UTF-8 BOM before a single header `name`' -> F002", [("F002", 1)]),

    # ------------------------------------------------------------------ trailhead sample apps
    _e("trailheadapps-ebikes-lwc/data/accounts.csv",
       "'header `Account Name` (label with a space)' -> H004; CRLF throughout, last record "
       "unterminated",
       [("H004", 1)]),
    _e("trailheadapps-ebikes-lwc/data/product_families.csv",
       "'headers without __c' (syntactically valid names; H008 needs describe); CRLF", []),
    _e("trailheadapps-easy-spaces-lwc/data/Contact_Data.csv",
       "'custom column Reservation_Status (no __c)' - valid syntax (H008 needs describe); CRLF",
       []),
    _e("trailheadapps-easy-spaces-lwc/data/Lead_Data.csv",
       "'empty Industry and Title values; a quoted title \"Founder, CTO\"; CRLF'", []),
    _e("trailheadapps-easy-spaces-lwc/data/Market_Data.csv", "'Market__c rows; CRLF'", []),

    # ------------------------------------------------------------------ jsforce
    _e("jsforce/test/data/Account_bulk1_test.csv",
       "'quoted values with embedded line breaks (addresses), used for Bulk API 1.0 load': "
       "537 physical lines, 100 records of 30 fields, all LF; valid",
       []),
    _e("jsforce/test/data/Account_bulk2_test_backquote.csv",
       "'backquote (`) as column delimiter (Bulk 2.0 columnDelimiter=BACKQUOTE)' -> Q001 "
       "under the default bulk1 profile",
       [("Q001", 1)]),

    # ------------------------------------------------------------------ cumulusci bulk1
    # "Batch request CSVs use CRLF and quote every value; result CSVs use LF and quote
    # every value" - all well-formed.
    _e("cumulusci/bulk1/test_upsert_complex_fields__bulk__02_batch_request.csv",
       "'batch: 16 Contacts with an empty Id column' (recorded real batch); CRLF", []),
    _e("cumulusci/bulk1/test_upsert_complex_fields__bulk__06_batch_result.csv",
       "'result for batch 02: 16 created' (result CSV, LF)", []),
    _e("cumulusci/bulk1/test_upsert_external_id_field__02_batch_request.csv",
       "'batch: 1 Account (Name)'", []),
    _e("cumulusci/bulk1/test_upsert_external_id_field__06_batch_result.csv",
       "'result for batch 02: 1 created row'", []),
    _e("cumulusci/bulk1/test_upsert_external_id_field__08_batch_request.csv",
       "'batch: 16 Contacts (FirstName, LastName, Email)'", []),
    _e("cumulusci/bulk1/test_upsert_external_id_field__14_batch_result.csv",
       "'result for batch 08: 16 rows, all Success=true'", []),
    _e("cumulusci/bulk1/test_upsert_external_id_field__24_batch_request.csv",
       "'batch: 4 Contacts, 3 match existing emails'", []),
    _e("cumulusci/bulk1/test_upsert_external_id_field__28_batch_result.csv",
       "'result for batch 24: 3 rows Created=false (updated), 1 Created=true'", []),

    # ------------------------------------------------------------------ heroku-applink-nodejs
    # `sf__Id` etc.: a namespace prefix `ns__` is allowed by H004.
    _e("heroku-applink-nodejs/bulk2/7508Z00000lSXvxQAG_successfulResults.csv",
       "'3 rows, sf__Created=true'; unquoted, no final newline (fine)", []),
    _e("heroku-applink-nodejs/bulk2/empty_failedResults.csv", "'header only' -> F003", [F003]),
    _e("heroku-applink-nodejs/bulk2/empty_successfulResults.csv", "'header only' -> F003", [F003]),
    _e("heroku-applink-nodejs/bulk2/empty_unprocessedrecords.csv", "'header only' -> F003", [F003]),

    # ------------------------------------------------------------------ forcedotcom-dataloader
    # Upper-case names such as ORACLE_ID__C are fine: API names are case-insensitive.
    _e("forcedotcom-dataloader/samples/data/accountData.csv",
       "'Account export ... 200 KB': line 72 holds byte BA (ISO-8859-1 'º' in `26 5\\xba`) -> "
       "F001 line 72; otherwise 424 LF lines, 38 fields each",
       [("F001", 72)]),
    _e("forcedotcom-dataloader/samples/data/opportunityData.csv",
       "'Opportunity export, quoted values with commas'", []),
    _e("forcedotcom-dataloader/samples/status/success0413060133.csv",
       "'success file: original Opportunity columns + trailing STATUS'", []),
    _e("forcedotcom-dataloader/testfiles/data/20kRows.csv",
       "'one column, ~20,000 short rows' (a L004 matter, not F/Q/H); no final newline", []),
    _e("forcedotcom-dataloader/testfiles/data/SoqlInClauseFromCSV.csv",
       "'mixed-case headers incl. custom fields (Oracle_Id__c, AccountNumber__c)'", []),
    _e("forcedotcom-dataloader/testfiles/data/bulkV2MultipleJobsCsvTemplate.csv",
       "'Account upsert rows'", []),
    _e("forcedotcom-dataloader/testfiles/data/constantMappingInCsv.csv",
       "'quoted header names that are not API names': \"Name\",\"NumEmployees\" are valid "
       "syntax (H008 needs describe)",
       []),
    _e("forcedotcom-dataloader/testfiles/data/constantMappingInCsvClashing.csv",
       "'header `Number of Employees` (label with spaces, not an API name)' -> H004",
       [("H004", 1)]),
    _e("forcedotcom-dataloader/testfiles/data/createAttachmentMultipleFilesTemplate.csv",
       "Attachment rows", []),
    _e("forcedotcom-dataloader/testfiles/data/createAttachmentTemplate.csv", "Attachment rows", []),
    _e("forcedotcom-dataloader/testfiles/data/csvEscapedQuotes.csv",
       "'doubled quotes' (`\"\"\"The Best\"\" Account\"`): valid RFC 4180", []),
    _e("forcedotcom-dataloader/testfiles/data/csvtext.csv", "plain comma file", []),
    _e("forcedotcom-dataloader/testfiles/data/csvtext_BOM_UTF16BE.csv",
       "'UTF-16BE with BOM' -> F001 line 1 only", [("F001", 1)]),
    _e("forcedotcom-dataloader/testfiles/data/csvtext_BOM_UTF32LE.csv",
       "'UTF-32LE with BOM' (FF FE 00 00) -> F001 line 1 only", [("F001", 1)]),
    _e("forcedotcom-dataloader/testfiles/data/csvtext_BOM_UTF8.csv",
       "'UTF-8 BOM + quoted header' -> F002 only (the quoted header after the BOM is not "
       "a stray quote)",
       [("F002", 1)]),
    _e("forcedotcom-dataloader/testfiles/data/dateEndingInZ.csv",
       "dateTime values ending in Z: V matters only", []),
    _e("forcedotcom-dataloader/testfiles/data/dateUsingDefaultTimeZone.csv",
       "'dateTimes without any zone': V006 later, nothing for F/Q/H", []),
    _e("forcedotcom-dataloader/testfiles/data/deleteAccountCsvTemplate.csv",
       "'ID-only file for a delete test (placeholders `id#N`)'", []),
    _e("forcedotcom-dataloader/testfiles/data/hardDelete1AccountCsvTemplate.csv",
       "ID-only file; bytes `\"ID\"\\n\"id#0\"\\n\\n`: the extra empty line 3 -> F006",
       [("F006", 3)]),
    _e("forcedotcom-dataloader/testfiles/data/hardDeleteAccountCsvTemplate.csv",
       "ID-only file, 100 ids", []),
    _e("forcedotcom-dataloader/testfiles/data/hardDeleteBulkApiSetToFalseTemplate.csv",
       "ID-only file, 1 id", []),
    _e("forcedotcom-dataloader/testfiles/data/hardDeleteEmptyCsvFileTemplate.csv",
       "'header only (`\"ID\"`)' -> F003", [F003]),
    _e("forcedotcom-dataloader/testfiles/data/hardDeleteIDFromOtherObjectFailsTemplate.csv",
       "ID-only file, 1 id", []),
    _e("forcedotcom-dataloader/testfiles/data/hardDeleteInvalidIDFailsOtherValidIDPassesTemplate.csv",
       "ID-only file, 3 ids", []),
    _e("forcedotcom-dataloader/testfiles/data/hardDeleteSameObjectIDSucceedsOtherObjectIDFailsTemplate.csv",
       "ID-only file; bytes end `\"id#1\"\\n\\n`: empty line 4 -> F006",
       [("F006", 4)]),
    _e("forcedotcom-dataloader/testfiles/data/hardDeleteUserPermOffTemplate.csv",
       "ID-only file, 100 ids", []),
    _e("forcedotcom-dataloader/testfiles/data/insertAccountCsv.csv",
       "'Account rows with Data Loader column names (NAME, ..., ORACLE_ID__C)'", []),
    _e("forcedotcom-dataloader/testfiles/data/oneToManySforceFieldsMappingInCsv.csv",
       "'quoted header names' Name, NumEmployees, State: valid syntax", []),
    _e("forcedotcom-dataloader/testfiles/data/timeZoneFormatTesting.csv",
       "'dates in many layouts ... none is in the Bulk API format': V matters only", []),
    _e("forcedotcom-dataloader/testfiles/data/updateAccountCsvTemplate.csv",
       "Account update rows", []),
    _e("forcedotcom-dataloader/testfiles/data/upsertAccountCsvTemplate.csv",
       "'ORACLE_ID__C values wrapped in U+3000 ideographic spaces': V001, not F/Q/H", []),
    _e("forcedotcom-dataloader/testfiles/data/upsertAccountSmallTemplate.csv",
       "as above, fewer rows", []),
    _e("forcedotcom-dataloader/testfiles/data/upsertFkAccountOldFormatCsvTemplate.csv",
       "'PARENT' column (mapped by .sdl): valid syntax", []),
    _e("forcedotcom-dataloader/testfiles/data/upsertWithRowOffsetTemplate.csv",
       "Account rows; no final newline", []),
]


def by_path() -> dict[str, Expectation]:
    return {e.path: e for e in EXPECTATIONS}
