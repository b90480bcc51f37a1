"""Deterministic synthetic Salesforce Account insert CSV for benchmarks.

    python benchmarks/generate.py OUT.csv --size-mb 100 [--seed 0] [--defects] [--fixable [N]] [--check]

The file is UTF-8, LF-terminated, RFC 4180 quoted, with 20 columns. A pool of a few thousand
distinct rows is rendered once with random.Random(seed) and written repeatedly in big blocks;
only External_Id__c (the last column, fixed width) changes, so generation runs at disk speed.
"MB" means 10**6 bytes. Rows never contain C0 control bytes other than LF.

With defects=True one extra single-line record (or blank line) per defect below is inserted
at evenly spread positions, and write_account_load returns the expected (code, line) list,
line being the 1-based physical line as defined in docs/findings.md:

    Q004  "Defect Q004 Ltd"<space>   characters after a closing quote      (field 1, Name)
    Q002  Defect 12" Q002 Pipe       stray quote in an unquoted field      (field 1, Name)
    Q006  a record with 19 fields    ragged record (Fax dropped)
    F005  Defect<NUL>F005            NUL byte in an unquoted field         (field 19, Description)
    F006  an empty line              blank line between two records

With fixable=N every N-th data record (records N, 2N, ...; 0 = none) has its Name written
as `"Name" ,`: a space after the closing quote, one safe Q004 fix each, so `sfprep fix`
has real work. The line count does not change (names never hold a line break), so the
defect lines stay exact; Generated.fixable says how many such records were written.
"""
from __future__ import annotations

import argparse
import csv
import itertools
import random
from dataclasses import dataclass, field

HEADER = ("Name,AccountNumber,Phone,Fax,Website,Industry,Type,AnnualRevenue,NumberOfEmployees,"
          "BillingStreet,BillingCity,BillingState,BillingPostalCode,BillingCountry,ShippingCity,"
          "Rating,Ownership,SicCode,Description,External_Id__c")
POOL_SIZE = 4096
ID_FORMAT = b"EXT-%010d\n"  # fixed width, so every pool row has a constant length

NAMES = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay",
         "Müller GmbH", "Café São Paulo", "東京 Trading", "Société Générale", "Łódź Logistics",
         "Ødegaard AS", "Zürich Re", "Smith, Jones & Co", 'The "Best" Co', "Ñandú SA"]
SUFFIXES = ["", " Inc.", " LLC", " Ltd", ", Inc.", " Holdings", " Group"]
INDUSTRIES = ["Agriculture", "Banking", "Chemicals", "Consulting", "Education", "Energy",
              "Healthcare", "Manufacturing", "Retail", "Technology", "Telecommunications"]
TYPES = ["Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"]
PLACES = [("San Francisco", "CA", "US"), ("Boston", "MA", "US"), ("München", "BY", "DE"),
          ("São Paulo", "SP", "BR"), ("東京", "東京都", "JP"), ("Montréal", "QC", "CA"),
          ("Zürich", "ZH", "CH"), ("Kraków", "MA", "PL"), ("Austin", "TX", "US")]
STREETS = ["Main St", "Market Street", "Königstraße", "Rua Augusta", "Rue Sainte-Catherine",
           "銀座通り", "Congress Ave"]
WORDS = ["key", "account", "renewal", "pipeline", "EMEA", "strategic", "Q3", "pilot",
         "upsell", "churn-risk", "déjà vu", "naïve", "über", "予算"]


def csv_field(value: str) -> str:
    """Render one CSV field, quoting only when needed (RFC 4180)."""
    if any(c in value for c in ',"\n') or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def random_description(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.2:
        return ""
    text = " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
    if kind < 0.45:
        return f"{text}\nFollow-up on {rng.randint(2018, 2024)}-{rng.randint(1, 12):02d}-" \
               f"{rng.randint(1, 28):02d}, \"priority\" {rng.choice(['high', 'low'])}"
    if kind < 0.6:
        return f"{text}, since {rng.randint(2000, 2024)}-01-01"
    return text


def random_fields(rng: random.Random) -> list[str]:
    """The 19 fields before External_Id__c, as raw (unquoted) strings."""
    city, state, country = rng.choice(PLACES)
    street = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
    if rng.random() < 0.4:
        street += f"\nSuite {rng.randint(100, 999)}"
    phone = f"({rng.randint(200, 999)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    return [rng.choice(NAMES) + rng.choice(SUFFIXES), f"AC{rng.randint(0, 10**8):08d}", phone,
            phone if rng.random() < 0.3 else "", f"https://www.example{rng.randint(1, 999)}.com",
            rng.choice(INDUSTRIES), rng.choice(TYPES), f"{rng.randint(0, 10**9)}.{rng.randint(0, 99):02d}",
            str(rng.randint(1, 250000)), street, city, state, f"{rng.randint(0, 99999):05d}",
            country, rng.choice(PLACES)[0], rng.choice(["Hot", "Warm", "Cold", ""]),
            rng.choice(["Public", "Private", "Subsidiary", "Other"]), f"{rng.randint(100, 9999):04d}",
            random_description(rng)]


def build_pools(seed: int) -> tuple[list[bytes], list[bytes]]:
    """Distinct pre-rendered row prefixes (everything up to and including the last comma):
    the clean pool, and the same rows with the Name written as `"Name" ,` (Q004)."""
    rows = rendered_rows(seed)
    clean = [(",".join(cells) + ",").encode() for cells in rows]
    fixable = [(",".join([quoted_with_space(cells[0])] + cells[1:]) + ",").encode() for cells in rows]
    return clean, fixable


def rendered_rows(seed: int) -> list[list[str]]:
    """POOL_SIZE distinct rows of the 19 fields before External_Id__c, each field rendered
    for CSV (quoted only when needed)."""
    rng = random.Random(seed)
    return [[csv_field(f) for f in random_fields(rng)] for _ in range(POOL_SIZE)]


def quoted_with_space(rendered: str) -> str:
    """`"value" ` from a rendered field, quoted or not."""
    return (rendered if rendered.startswith('"') else '"' + rendered + '"') + " "


def defect_rows() -> list[tuple[str, bytes]]:
    """(code, bytes) of each injected defect; all single physical lines ending in LF."""
    fields = ["Defect Ltd", "AC00000000", "(555) 555-0100", "", "https://defect.example.com",
              "Retail", "Other", "1.00", "1", "1 Defect Way", "Boston", "MA", "02134", "US",
              "Boston", "Cold", "Private", "1234", "defect row", "EXT-DEFECT"]

    def row(code: str, **changes: str | None) -> bytes:
        cells = fields[:-1] + [f"EXT-DEFECT-{code}"]
        for name, value in changes.items():  # f<i> = new value of field i (0-based), None drops it
            cells[int(name[1:])] = value
        return (",".join(c for c in cells if c is not None) + "\n").encode()

    return [("Q004", row("Q004", f0='"Defect Q004 Ltd" ')),
            ("Q002", row("Q002", f0='Defect 12" Q002 Pipe')),
            ("Q006", row("Q006", f3=None)),
            ("F005", row("F005", f18="Defect\x00F005")),
            ("F006", b"\n")]


def row_count_for(pool: list[bytes], target_bytes: int, header_bytes: int,
                  per_row: int = len(ID_FORMAT % 0)) -> int:
    """Number of data rows needed so the file reaches about target_bytes, each row being a
    pool entry and per_row more bytes."""
    lengths = [len(p) + per_row for p in pool]
    block_bytes = sum(lengths)
    remaining = max(target_bytes - header_bytes, 0)
    full, rest = divmod(remaining, block_bytes)
    partial = next((i + 1 for i, total in enumerate(itertools.accumulate(lengths)) if total >= rest), 0)
    return max(full * len(pool) + (partial if rest else 0), 1)


@dataclass
class Generated:
    """What write_account_load wrote."""
    records: int  # data records rendered from the pool (the defect rows not included)
    defects: list[tuple[str, int]] = field(default_factory=list)  # (code, physical line)
    fixable: int = 0  # records written with `"Name" ,`


def write_account_load(path, size_mb: float, seed: int = 0, defects: bool = False,
                       fixable: int = 0) -> Generated:
    """Write the CSV; return the record count and the expected (code, line) of the defects."""
    pools = build_pools(seed)
    header = (HEADER + "\n").encode()
    n_rows = row_count_for(pools[0], int(size_mb * 1_000_000), len(header))
    pending = defect_rows() if defects else []
    # Insert defect k just before data record n_rows * (k+1) / (len+1) (0-based).
    positions = [n_rows * (k + 1) // (len(pending) + 1) for k in range(len(pending))]
    expected, line = [], 1  # `line` = physical lines written so far
    with open(path, "wb") as out:
        out.write(header)
        for start in range(0, n_rows, POOL_SIZE):
            stop = min(start + POOL_SIZE, n_rows)
            cut = start
            while positions and positions[0] < stop:
                line = write_rows(out, render(pools, cut, positions[0], fixable), line)
                code, data = pending.pop(0)
                out.write(data)
                expected.append((code, line + 1))
                line += 1
                cut = positions.pop(0)
            line = write_rows(out, render(pools, cut, stop, fixable), line)
    return Generated(n_rows, expected, n_rows // fixable if fixable else 0)


def render(pools: tuple[list[bytes], list[bytes]], start: int, stop: int, every: int) -> bytes:
    """Data records start..stop-1 (global 0-based numbering); with every=N, each N-th one
    (i + 1 divisible by N) comes from the `"Name" ,` pool."""
    clean, fixable = pools
    if not every:
        return b"".join([clean[i % POOL_SIZE] + ID_FORMAT % i for i in range(start, stop)])
    return b"".join([(fixable if (i + 1) % every == 0 else clean)[i % POOL_SIZE] + ID_FORMAT % i
                     for i in range(start, stop)])


def write_rows(out, block: bytes, line: int) -> int:
    """Write a rendered block; return the updated physical line count."""
    out.write(block)
    return line + block.count(b"\n")


MARKERS = {"Q004": b'"Defect Q004 Ltd" ,', "Q002": b'Defect 12" Q002 Pipe,', "F005": b"\x00"}


def check_file(path, generated: Generated) -> list[str]:
    """Read the file back (streaming); return problems (empty list = OK).

    With Python's csv module every record must have 20 fields, except the Q006 record (19)
    and the F006 blank line (0), which must start on their expected lines; the Q004, Q002
    and F005 markers must sit on their expected physical lines; the number of 20-field
    records and of Names followed by a space must match what was written.
    """
    where = dict(generated.defects)
    problems, first_line, full, spaced = [], 1, 0, 0
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        for record in reader:
            want = {0: "F006", 19: "Q006"}.get(len(record))
            if len(record) != 20 and where.get(want) != first_line:
                problems.append(f"line {first_line}: {len(record)} fields")
            full += len(record) == 20
            spaced += bool(record) and record[0].endswith(" ")
            first_line = reader.line_num + 1
    want_full = 1 + generated.records + sum(code in MARKERS for code in where)  # 1: header
    if full != want_full:
        problems.append(f"{full} records of 20 fields, expected {want_full}")
    want_spaced = generated.fixable + ("Q004" in where)
    if spaced != want_spaced:
        problems.append(f"{spaced} names followed by a space, expected {want_spaced}")
    return problems + check_markers(path, generated.defects)


def check_markers(path, defects: list[tuple[str, int]]) -> list[str]:
    """The Q004, Q002 and F005 markers must sit on their expected physical lines."""
    wanted = {line: code for code, line in defects if code in MARKERS}
    problems = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            code = wanted.pop(number, None)
            if code and MARKERS[code] not in raw:
                problems.append(f"{code}: marker not on line {number}")
    return problems + [f"{code}: the file has fewer than {line} lines" for line, code in wanted.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--size-mb", type=float, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--defects", action="store_true", help="inject the documented defects")
    parser.add_argument("--fixable", type=int, nargs="?", const=50, default=0, metavar="N",
                        help='every N-th record (default 50) gets `"Name" ,` (Q004, fixable)')
    parser.add_argument("--check", action="store_true", help="read the file back and verify it")
    args = parser.parse_args()
    generated = write_account_load(args.out, args.size_mb, args.seed, args.defects, args.fixable)
    print(f"records\t{generated.records}\nfixable\t{generated.fixable}")
    for code, line in generated.defects:
        print(f"{code}\tline {line}")
    if args.check:
        problems = check_file(args.out, generated)
        print("\n".join(problems) or "check: OK")
        raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
