"""XmlChunk: a block of XML records as the CSV rules read them.

The reader writes a block as a Bulk CSV buffer and the CSV scanner cuts it into spans, so
every record and value rule runs on XML unchanged. What differs is where a position
points: a span of the buffer stands for an element of the XML file, so lines and file
offsets come from the element each field was read from (per field of the buffer), and the
chunk's character count is that of the XML bytes read for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sfprep.io.csv.chunk import CsvChunk
from sfprep.io.csv.dialect import Dialect


@dataclass
class XmlChunk(CsvChunk):
    field_lines: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))    # per buffer field
    field_offsets: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per buffer field
    record_lines: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))    # per record: its element's
    record_offsets: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    source_characters: int = 0   # characters of the XML bytes this chunk was read from
    source_end: int = 0          # file offset the parser had read to

    @property
    def end(self) -> int:
        return self.source_end

    def line_of(self, offsets):
        """The line of the element each buffer position's field was read from."""
        return self.field_lines[np.clip(self.field_index_of(offsets), 0, max(0, len(self.field_lines) - 1))]

    def file_offsets(self, offsets):
        """The file offset of the element each buffer position's field was read from."""
        return self.field_offsets[np.clip(self.field_index_of(offsets), 0, max(0, len(self.field_offsets) - 1))]

    def record_place(self, index: int) -> tuple[int, int]:
        return int(self.record_lines[index]), int(self.record_offsets[index])

    def character_count(self) -> int:
        return self.source_characters


def build_xml_chunk(buffer: bytes, first_record: int, places: tuple, record_places: tuple,
                    characters: int, is_last: bool, source_end: int) -> XmlChunk:
    """The XmlChunk of one block's CSV buffer, scanned whole; places: (offsets, lines) of
    the elements, one per field of the buffer in order; record_places: the same per record
    of the buffer (the header's is its first name's)."""
    offsets, lines = places
    from sfprep.io.csv.scan import scan_buffer

    chunk = scan_buffer(buffer, Dialect(), base=0, first_line=1, first_record=first_record, is_last=True)
    shared = {f.name: getattr(chunk, f.name) for f in fields(CsvChunk) if f.init}
    shared.update(first_record=first_record, first_line=int(lines[0]) if len(lines) else 1, is_last=is_last)
    return XmlChunk(**shared, field_lines=np.asarray(lines, dtype=np.int64),
                    field_offsets=np.asarray(offsets, dtype=np.int64),
                    record_offsets=np.asarray(record_places[0], dtype=np.int64),
                    record_lines=np.asarray(record_places[1], dtype=np.int64),
                    source_characters=characters, source_end=source_end)
