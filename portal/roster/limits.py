"""How much work one roster file may cause: every size the readers enforce, in one place.

A roster has five columns and at most ``MAX_ROWS`` rows; every limit below follows from that with
room to spare, so a genuine file never meets one while a crafted file (a ZIP that unpacks to
gigabytes, a row of a million cells, a line of ten megabytes) is refused after a bounded amount of
work: seconds, and a few tens of megabytes of memory.
"""
from __future__ import annotations

MiB = 1 << 20

MAX_ROWS = 200_000                  # data rows in one file (a large community has a few thousand)
MAX_COLUMNS = 64                    # a roster has 5; a few remark columns at the right are tolerated

# CSV: the file itself is the text, so its size and its lines bound the work.
MAX_CSV_BYTES = 32 * MiB            # the web upload stops at 10 MB; this covers the command line
MAX_LINE_CHARS = 4096               # a roster line is under 100 characters

# XLSX: a ZIP of XML parts. Sizes are checked in the ZIP's directory before anything is unpacked,
# and again while unpacking, by counting (a declared size may lie).
MAX_ZIP_ENTRIES = 500               # Excel writes about a dozen parts
MAX_SHEET_BYTES = 64 * MiB          # 200,000 rows as Excel writes them: about 50 MB of XML
MAX_SHARED_STRINGS_BYTES = 48 * MiB
MAX_SMALL_PART_BYTES = 4 * MiB      # workbook, relationships, styles
MAX_RATIO = 200                     # unpacked/packed for parts over RATIO_FLOOR; XML rarely passes 30
RATIO_FLOOR = MiB
MAX_SHARED_STRINGS = (MAX_ROWS + 1) * 2  # rooms and areas may differ in every row; buildings, entrances repeat
MAX_SHARED_TEXT = 16 * MiB          # characters, all shared strings together
MAX_CELL_CHARS = 1000               # one cell's text; the longest roster field holds 20
MAX_CELLS_PER_ROW = 256             # cell elements in one row, blank formatted ones included
MAX_CELLS = 1_200_000               # cell elements in the sheet: 200,000 rows of 5, and some blank ones
