"""The hardened, streaming Bulk XML reader: records as the same chunks the CSV rules read.

lxml's iterparse runs over a file object (given a path it would unpack gzip) with entity
resolution, DTD loading, network access and huge_tree off; the prolog was checked for a
DOCTYPE before (prolog.py), so nothing is ever expanded or fetched. Each top-level
`sObject` is read when it ends and then cleared, with the siblings before it: memory holds
one block of records.

A record's fields become cells: `Name` -> its text; `xsi:nil="true"` -> None (the null,
`#N/A` in CSV); a relationship `<Account><sObject><Ext__c>7</Ext__c></sObject></Account>`
-> `Account.Ext__c`, with `<type>Lead</type>` -> `Lead:Who.Email`, CSV's header grammar,
so the header rules read XML names unchanged. A block of records is written as a Bulk CSV
buffer (every value quoted, the null as `#N/A`, an absent field empty) and scanned by the
CSV scanner: the value rules get an XmlChunk, a CsvChunk whose positions map back to the
elements' lines and offsets in the XML file (tags.py). Structural problems (X003-X007,
X005) are gathered as rows, per code, for the X rules.

Element ordinals: the k-th element in document order is the k-th start tag in the bytes
(comments and processing instructions are removed from the tree, as tags.py skips them).
"""
from __future__ import annotations

import io
from typing import BinaryIO, Iterator

import numpy as np

from sfprep.io.xml.block import Block, ChunkBuilder, field_ordinals, first_ordinals, kept_cells
from sfprep.io.xml.facts import Problem, XmlFacts
from sfprep.io.xml.tags import TagPositions

DATALOAD = "http://www.force.com/2009/06/asyncapi/dataload"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NIL = f"{{{XSI}}}nil"
ROOT = f"{{{DATALOAD}}}sObjects"
BLOCK_CELLS = 64_000          # a block of records holds about this many fields
BLOCK_SOURCE_BYTES = 1 << 20  # ... or was read from this many bytes of the file
# The columns are the names of the first block, which holds a whole legal batch (10,000
# records, 10 MB) unless that is more than this many fields.
HEADER_RECORDS = 10_000
HEADER_BLOCK_CELLS = 1 << 20
HEADER_BLOCK_SOURCE_BYTES = 10_000_000
# A block's records x columns (absent fields included: its CSV buffer has them all) stays
# under this, whatever the names: records that each bring new names cannot blow it up.
GRID_CELLS = 1 << 18


class _Counting(io.RawIOBase):
    """The file as lxml reads it, counting characters (UTF-8 lead bytes) on the way."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.characters = 0
        self.position = 0
        self.saw_nil = False   # the bytes read so far hold "nil": from then on, fields' attributes are read
        self.tail = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = self.stream.readinto(buffer)
        if size:
            if not self.saw_nil:
                read = self.tail + bytes(memoryview(buffer)[:size])
                self.saw_nil = b"nil" in read
                self.tail = read[-2:]
            arr = np.frombuffer(buffer, dtype=np.uint8, count=size)
            self.characters += size - int(np.count_nonzero((arr & 0xC0) == 0x80))
            self.position += size
        return size or 0


def _local(tag) -> str:
    return tag[tag.rfind("}") + 1:] if isinstance(tag, str) else ""


class XmlReader:
    """Reads one XML file into XmlChunks (see the module docstring); `facts` fills as it goes."""

    def __init__(self, path: str, stream: BinaryIO, header_records: int | None = None,
                 names: list[str] | None = None):
        """`names`: the columns, when known beforehand (convert's second pass over a file
        whose names did not all appear in its first block); else those of the first block."""
        self.path = path
        self.header_records = HEADER_RECORDS if header_records is None else header_records
        self.counting = _Counting(stream)
        self.facts = XmlFacts()
        self.names: list[str] = list(names or ())
        self.column_of: dict[str, int] = {name: index for index, name in enumerate(self.names)}
        self.header_fixed = False
        self.ordinal = 0            # the next element's ordinal
        self.record_number = 0      # records read so far
        self.builder = ChunkBuilder(TagPositions(path))
        self.in_flight = None        # the future of the block being built
        self.local_names: dict[str, str] = {}   # tag -> its local name
        self.tag_columns: dict[str, int] = {}   # tag of a plain field -> its column
        self.characters_reported = 0
        self.problems_queued = 0       # facts.problems before this index are placed, or queued to be

    def close(self) -> None:
        self.builder.close()

    # ------------------------------------------------------------------ parsing

    def chunks(self) -> Iterator:
        from lxml import etree

        parser = etree.iterparse(self.counting, events=("end",), tag="{*}sObject", resolve_entities=False,
                                 no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
                                 remove_comments=True, remove_pis=True, recover=False)
        block = Block(1)
        previous = None
        root = None
        try:
            for _, element in parser:
                parent = element.getparent()
                if parent is None or parent.getparent() is not None:
                    continue  # the root itself, or a relationship's nested sObject (read with its record)
                if root is None:
                    root = parent
                    self._root(root)
                self._skip_between(element, previous)
                self._record(element, block)
                element.clear()
                while element.getprevious() is not None:  # the records before it, done with
                    del parent[0]
                previous = element
                if self._block_full(block):
                    yield from self._flush(block, is_last=False)
                    block = Block(self.record_number + 1)
                    block.source_start = self.counting.position
            root = parser.root
            if root is not None:
                if self.ordinal == 0:
                    self._root(root)
                if _local(root.tag) == "sObjects":  # children of another root are not records at all (X003)
                    for node in list(root):
                        if node is not previous:
                            self._not_a_record(node)
        except etree.XMLSyntaxError as error:
            self.facts.syntax_error = (_syntax_message(error), max(1, error.lineno or 0))
        yield from self._flush(block, is_last=True)

    def _skip_between(self, element, previous) -> None:
        """The elements between the previous record and this one are no records (X004)."""
        node = element.getprevious()
        if node is None or node is previous:
            return
        between = []
        while node is not None and node is not previous:
            between.append(node)
            node = node.getprevious()
        for node in reversed(between):
            self._not_a_record(node)

    def _block_full(self, block: Block) -> bool:
        source = self.counting.position - block.source_start
        if block.records * len(self.names) >= GRID_CELLS:
            return True
        if self.header_fixed:
            return len(block.cell_values) >= BLOCK_CELLS or source >= BLOCK_SOURCE_BYTES
        return (block.records >= self.header_records or len(block.cell_values) >= HEADER_BLOCK_CELLS
                or source >= HEADER_BLOCK_SOURCE_BYTES)

    def _root(self, root) -> None:
        self.facts.root = root.tag
        self.ordinal = max(self.ordinal, 1)  # the root is element 0
        if root.tag != ROOT:
            self.facts.problems.append(Problem("X003", _wrong_root(root.tag), 0))
        bound = root.nsmap.get("xsi")
        if bound is not None and bound != XSI:
            self.facts.problems.append(Problem("X005", f"the prefix xsi is bound to {bound!r}, not to {XSI!r}: "
                                                       "xsi:nil is not read as null", 0))

    def _not_a_record(self, node) -> None:
        self.facts.problems.append(Problem("X004", f"<{_local(node.tag)}> is not an sObject: "
                                                   "every child of sObjects is one record, <sObject>", self.ordinal))
        self.ordinal += sum(1 for _ in node.iter())

    def _record(self, element, block: Block) -> None:
        """The record's fields as cells of the block. The loop runs once per field (the
        hot path of an XML lint): a plain field costs its tag, its text and one lookup of
        its column by tag; a relationship, a nil, a new name go to a method."""
        self.record_number += 1
        block.records += 1
        block.record_ordinals.append(self.ordinal)
        ordinal = self.ordinal + 1
        tag_columns = self.tag_columns
        with_attributes = self.counting.saw_nil  # the bytes of this whole record have been read
        add_column, add_value, add_ordinal = block.cell_columns.append, block.cell_values.append, block.cell_ordinals.append
        fields = 0
        for child in element:
            field_ordinal = ordinal
            value = child.text
            # a relationship's text is None or blank: only then is the child count worth asking
            if (value is None or value[:1] <= " ") and len(child):
                name, value = self._relationship(child, self._local_name(child.tag), ordinal)
                ordinal = self.ordinal
                if name is None:
                    continue
                column = self.column_of.get(name)
            else:
                ordinal += 1
                if value is None:
                    value = ""
                tag = child.tag
                column = tag_columns.get(tag)
                if with_attributes and child.attrib:
                    value = self._nil(child, value, self._local_name(tag), field_ordinal, self.record_number)
                if column is None:
                    name = self._local_name(tag)
                    column = self.column_of.get(name)
                    if column is not None:
                        tag_columns[tag] = column
            if column is None:
                column = self._new_column(name, self.record_number)
                if column is None:
                    continue
            add_column(column)
            add_value(value)
            add_ordinal(field_ordinal)
            fields += 1
        self.ordinal = ordinal
        block.record_fields.append(fields)

    def _local_name(self, tag) -> str:
        name = self.local_names.get(tag)
        if name is None:
            name = self.local_names[tag] = _local(tag)
        return name

    def _nil(self, child, value: str, name: str, ordinal: int, record: int) -> str | None:
        """The value of a field with attributes: None for xsi:nil="true" (X005 when it is
        not empty, or the attribute says neither true nor false)."""
        nil = child.get(NIL)
        if nil is None:
            if any(_local(key) == "nil" for key in child.attrib):
                self.facts.problems.append(Problem("X005", f"nil on {name} is not in the {XSI} namespace: "
                                                           "Salesforce reads it as no attribute at all", ordinal, record, name))
            return value
        nil = nil.strip()
        if nil not in ("true", "false", "1", "0"):
            self.facts.problems.append(Problem("X005", f"xsi:nil={nil!r} on {name}: it is true or false", ordinal, record, name))
            return value
        if nil in ("false", "0"):
            return value
        if value.strip():
            self.facts.problems.append(Problem("X005", f"{name} has xsi:nil=\"true\" and a value: "
                                                       "a null has no content", ordinal, record, name))
            return value
        return None

    def _relationship(self, child, name: str, ordinal: int) -> tuple[str | None, str | None]:
        """(the CSV name `[Type:]Rel.Field`, its value) of a relationship element (element
        `ordinal`), or (None, None) when its shape is wrong (X006, X007). Leaves self.ordinal
        just past the element's subtree."""
        record = self.record_number
        nested = list(child)
        self.ordinal = ordinal + sum(1 for _ in child.iter())
        if len(nested) != 1 or _local(nested[0].tag) != "sObject":
            self.facts.problems.append(Problem("X006", f"{name} holds {_describe_children(nested)}: a relationship "
                                                       "holds exactly one <sObject>", ordinal, record, name))
            return None, None
        fields = list(nested[0])
        kinds = [f for f in fields if _local(f.tag) == "type"]
        targets = [f for f in fields if _local(f.tag) != "type"]
        if len(kinds) > 1 or len(targets) != 1:
            self.facts.problems.append(Problem("X006", f"the <sObject> in {name} holds {_describe_children(fields)}: "
                                                       "it holds exactly one field (and an optional <type>)",
                                               ordinal, record, name))
            return None, None
        target = targets[0]
        if len(target):
            self.facts.problems.append(Problem("X007", f"{name}.{_local(target.tag)} nests another relationship: "
                                                       "a relationship reaches one level only", ordinal, record, name))
            return None, None
        prefix = f"{(kinds[0].text or '').strip()}:" if kinds else ""
        value = target.text or ""
        if target.attrib:
            value = self._nil(target, value, name, ordinal, record)
        return f"{prefix}{name}.{_local(target.tag)}", value

    def _new_column(self, name: str, record: int) -> int | None:
        """The column of a name not seen before; None after the header was fixed."""
        if self.header_fixed:
            self.facts.late_columns.setdefault(name, record)
            return None
        column = self.column_of[name] = len(self.names)
        self.names.append(name)
        return column

    # ------------------------------------------------------------------ chunks

    def _flush(self, block: Block, is_last: bool) -> Iterator:
        """The block as one XmlChunk (the first one with the header: the names read so far);
        nothing when it holds no record and no header is due.

        The chunk is built (tags.py's positions, the CSV buffer, its scan: numpy and polars,
        which release the GIL) in one worker thread while this one parses the next block; the
        worker takes the blocks in order, so positions are asked for in order. The chunk of
        the block before is yielded."""
        header = not self.header_fixed and bool(self.names)
        if not self.header_fixed and block.records:
            self.header_fixed = True
            self.facts.columns_from = block.records
        build = None
        if block.records and self.names:
            build = self._chunk_builder(block, header, is_last)
        # problems are only appended: those since the last block are the ones to place
        pending = self.facts.problems[self.problems_queued:]
        self.problems_queued = len(self.facts.problems)
        built = self.builder.submit(build, pending, self.ordinal)
        before, self.in_flight = self.in_flight, built
        if before is not None and (chunk := before.result()) is not None:
            yield chunk
        if is_last:
            self.in_flight = None
            if (chunk := built.result()) is not None:
                yield chunk

    def _chunk_builder(self, block: Block, header: bool, is_last: bool):
        """What the worker needs to build the block's chunk, taken from the reader now."""
        from functools import partial

        width = len(self.names)
        cells, repeats = kept_cells(block, width)
        self._repeated(block, repeats, cells)
        header_ordinals = first_ordinals(block, width, cells) if header else np.zeros(0, dtype=np.int64)
        ordinals = field_ordinals(block, width, header_ordinals, cells)
        record_ordinals = np.asarray(block.record_ordinals, dtype=np.int64)
        if header:
            record_ordinals = np.concatenate([header_ordinals[:1], record_ordinals])
        characters = self.counting.characters - self.characters_reported
        self.characters_reported = self.counting.characters
        return partial(ChunkBuilder.chunk, block, width, list(self.names) if header else None, cells, ordinals,
                       record_ordinals, characters, is_last, self.counting.position)

    def _repeated(self, block: Block, repeats, cells) -> None:
        """A field repeated within a record: H002 at the repeat (the first one counts)."""
        for record, column, ordinal in repeats:
            name = self.names[column]
            self.facts.problems.append(Problem("H002", f"{name} appears twice in this record: which value "
                                                       "is loaded is not defined", ordinal,
                                               block.first_record + record, name))


def _wrong_root(tag: str) -> str:
    local = _local(tag)
    if local != "sObjects":
        return f"the root element is <{local}>, not <sObjects>: this is not a Bulk XML batch"
    namespace = tag[1:tag.find("}")] if tag.startswith("{") else None
    where = f"in the namespace {namespace!r}" if namespace else "in no namespace"
    return f"<sObjects> is {where}: a batch's root is in {DATALOAD!r}, or Salesforce reads no record"


def _describe_children(nodes) -> str:
    if not nodes:
        return "no element"
    names = [f"<{_local(node.tag)}>" for node in nodes[:3]]
    more = f" and {len(nodes) - 3} more" if len(nodes) > 3 else ""
    return ", ".join(names) + more


def _syntax_message(error) -> str:
    message = str(error.msg if getattr(error, "msg", None) else error)
    return message.split(", line ")[0].strip()
