"""Dirty variants of the benchmark Account load (issue 11), each with the findings that
`sfprep lint` must report on it, derived from how the file is written.

    python benchmarks/variants.py OUT.csv VARIANT [--size-mb 100 | --records N] [--seed 0]

clean   the Account load of generate.py (20 columns, quoted multi-line UTF-8 text).
id      the same with an `Id` column first holding a well-formed, unique 18-character Id
        (`001` + 12 digits + `AAA`, the checksum of 15 characters without a capital): one
        O004 (Id in an insert) per record.
date    the same with a `Founded_Date__c` column before External_Id__c, every value
        `MM/DD/YYYY`: one V005 per record. No describe needed: the column is typed as a date
        from its values (every one is date-like) and from its name.
ragged  the clean load with Fax left out of every record (19 fields): one Q006 per record.
short   the Account header over records of two short fields (`Acme,123456`, about 14 bytes,
        some names non-ASCII): one Q006 per record, about 7 million per 100 MB.
padded  every field quoted and every delimiter followed by a space (`"a", "b"`): one Q004
        per field but the first (nothing precedes it), 19 per record, each with a safe fix.

Once big enough, every file is also over the Bulk API 1.0 batch limits (the guide's "Bulk API
Limits"): L004 (more than 10,000 records), L005 (more than 10,000,000 bytes), L006 (more
than 10,000,000 characters) and L007 (more than 15,000 batches of 10,000 records). The file
name must be `<Object>.csv` (an insert): sfprep infers the job from it.

Records are pre-rendered pools written in blocks, as in generate.py; only the record number
(External_Id__c, and the Id) is formatted per record; the short records are whole pooled
lines, written block by block.
"""
from __future__ import annotations

import argparse
import functools
import random
from collections import Counter
from dataclasses import dataclass

from generate import HEADER, ID_FORMAT, NAMES, POOL_SIZE, build_pools, rendered_rows, row_count_for

RECORDS_PER_BATCH = 10_000        # Bulk API 1.0: records per batch
BYTES_PER_BATCH = 10_000_000      # ... bytes per batch
CHARACTERS_PER_BATCH = 10_000_000  # ... characters per batch
BATCHES_PER_DAY = 15_000          # ... batches per rolling 24 hours
LONGEST_RECORD = 990  # bytes: below it, 10,000 records and a header fit in one batch's bytes

SHORT_NAMES = [name.split()[0].strip(",") for name in NAMES]
SUMMARIES = {"clean": "the Account load, clean", "id": "an `Id` in every record (O004)",
             "date": "`MM/DD/YYYY` in every record (V005)", "ragged": "19 fields in every record (Q006)",
             "short": "2 fields in every record (Q006)", "padded": '`"a", "b"`: 19 per record (Q004)'}
VARIANTS = tuple(SUMMARIES)
FAX = 3  # index of Fax in the header


@dataclass(frozen=True)
class Layout:
    """How a variant's records are made: lead % i + rows[i % POOL_SIZE] + tail % i."""
    header: bytes
    rows: tuple[bytes, ...]
    per_record: dict[str, int]  # findings each record produces, by code
    lead: bytes = b""  # formatted with the 0-based record number; b"": nothing
    tail: bytes = b""


@dataclass
class Written:
    """What write_variant wrote, and what sfprep must report on it."""
    variant: str
    records: int
    size: int  # bytes
    characters: int
    expected: Counter  # code -> findings, default rules, no describe

    def expected_for(self, prefixes: tuple[str, ...]) -> Counter:
        """The expectation under `--select` of these code prefixes (e.g. ("F", "Q", "H"))."""
        return Counter({code: n for code, n in self.expected.items() if code.startswith(prefixes)})


@functools.lru_cache(maxsize=None)
def layout(variant: str, seed: int = 0) -> Layout:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    header = HEADER.encode() + b"\n"
    if variant == "clean":
        return Layout(header, tuple(build_pools(seed)[0]), {}, tail=ID_FORMAT)
    if variant == "id":
        return Layout(b"Id," + header, tuple(build_pools(seed)[0]), {"O004": 1},
                      lead=b"001%012dAAA,", tail=ID_FORMAT)
    if variant == "date":
        dates = random.Random(f"dates-{seed}")
        rows = tuple(prefix + f"{dates.randint(1, 12):02d}/{dates.randint(1, 28):02d}/"
                     f"{dates.randint(1940, 2023)},".encode() for prefix in build_pools(seed)[0])
        return Layout(header.replace(b",External_Id__c", b",Founded_Date__c,External_Id__c"), rows,
                      {"V005": 1}, tail=ID_FORMAT)
    if variant == "ragged":
        rows = tuple((",".join(cells[:FAX] + cells[FAX + 1:]) + ",").encode() for cells in rendered_rows(seed))
        return Layout(header, rows, {"Q006": 1}, tail=ID_FORMAT)
    if variant == "short":
        numbers = random.Random(f"short-{seed}")
        rows = tuple(f"{numbers.choice(SHORT_NAMES)},{numbers.randint(0, 999_999):06d}\n".encode()
                     for _ in range(POOL_SIZE))
        return Layout(header, rows, {"Q006": 1})
    rows = tuple((", ".join(always_quoted(cell) for cell in cells) + ", ").encode()
                 for cells in rendered_rows(seed))
    return Layout(header, rows, {"Q004": HEADER.count(",")}, tail=b'"' + ID_FORMAT.replace(b"\n", b'"\n'))


def always_quoted(rendered: str) -> str:
    """A rendered field, quoted (one rendered without quotes holds no quote to double)."""
    return rendered if rendered.startswith('"') else f'"{rendered}"'


def write_variant(path, variant: str, size_mb: float | None = None, records: int | None = None,
                  seed: int = 0) -> Written:
    """Write about size_mb MB (10**6 bytes), or exactly `records` records, of the variant."""
    shape = layout(variant, seed)
    if records is None:
        records = planned_records(variant, size_mb or 0, seed)
    with open(path, "wb") as out:
        out.write(shape.header)
        for start in range(0, records, POOL_SIZE):
            out.write(render(shape, start, min(start + POOL_SIZE, records)))
        size = out.tell()
    characters = size - multibyte_surplus(shape.rows, records)
    return Written(variant, records, size, characters, expected_findings(shape, records, size, characters))


def planned_records(variant: str, size_mb: float, seed: int = 0) -> int:
    """The records write_variant writes for about size_mb MB."""
    shape = layout(variant, seed)
    fixed = len(shape.lead % 0 if shape.lead else b"") + len(shape.tail % 0 if shape.tail else b"")
    return row_count_for(list(shape.rows), int(size_mb * 1_000_000), len(shape.header), fixed)


def render(shape: Layout, start: int, stop: int) -> bytes:
    """Records start..stop-1; start is a multiple of POOL_SIZE."""
    rows, lead, tail = shape.rows, shape.lead, shape.tail
    if lead:
        return b"".join([lead % i + rows[i % POOL_SIZE] + tail % i for i in range(start, stop)])
    if tail:
        return b"".join([rows[i % POOL_SIZE] + tail % i for i in range(start, stop)])
    return b"".join(rows[:stop - start])


def multibyte_surplus(rows: tuple[bytes, ...], records: int) -> int:
    """Bytes minus characters over `records` records (the header and numbers are ASCII)."""
    surplus = [len(row) - len(row.decode("utf-8")) for row in rows]
    full, rest = divmod(records, len(rows))
    return full * sum(surplus) + sum(surplus[:rest])


def expected_findings(shape: Layout, records: int, size: int, characters: int) -> Counter:
    """The per-record findings times the records, and the batch limits the file exceeds."""
    if max(map(len, shape.rows)) + 40 > LONGEST_RECORD:  # 40: room for the Id and External_Id__c
        raise ValueError("a record too long for the L007 estimate (batches of 10,000 records)")
    expected = Counter({code: n * records for code, n in shape.per_record.items()})
    expected["L004"] = int(records > RECORDS_PER_BATCH)
    expected["L005"] = int(size > BYTES_PER_BATCH)
    expected["L006"] = int(characters > CHARACTERS_PER_BATCH)
    expected["L007"] = int(-(-records // RECORDS_PER_BATCH) > BATCHES_PER_DAY)
    return +expected  # without the zero counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("variant", choices=VARIANTS)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--size-mb", type=float, default=100)
    size.add_argument("--records", type=int, help="exactly this many records")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    written = write_variant(args.out, args.variant, None if args.records else args.size_mb, args.records, args.seed)
    print(f"records\t{written.records}\nbytes\t{written.size}\ncharacters\t{written.characters}")
    for code, count in sorted(written.expected.items()):
        print(f"{code}\t{count}")


if __name__ == "__main__":
    main()
