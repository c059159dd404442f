"""Published rows in the order of their pseudonymous keys, never in the order they arrived.

Arrival order says when a school was visited and who answered after whom; an index
would lead back to the raw data. Rows are sorted by their keyed pseudonym, which is
random-looking and deterministic. The sort is external: rows go into buckets by the
leading bits of their key (so the buckets, each sorted, follow one another in order),
each bucket holding about ``BUCKET_ROWS`` rows: memory stays flat for any number.
"""
from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Iterator
from typing import BinaryIO

BUCKET_ROWS = 20_000
BATCH_ROWS = 256


class RowSpool:
    """Rows kept in a scratch file (binary, read/write, seekable), pickled in batches, read back in order."""

    def __init__(self, file: BinaryIO):
        self.file, self.pending, self.rows = file, [], 0

    def add(self, row: list) -> None:
        self.pending.append(row)
        self.rows += 1
        if len(self.pending) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            pickle.dump(self.pending, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.pending = []

    def __iter__(self) -> Iterator[list]:
        self._flush()
        self.file.flush()
        end = self.file.tell()
        self.file.seek(0)
        while self.file.tell() < end:
            yield from pickle.load(self.file)
        self.file.seek(end)

    def close(self) -> None:
        self.file.close()


class KeyOrder:
    """Collects rows, then gives them back sorted by the hexadecimal pseudonym at position ``key``.

    ``count`` is about how many rows will come; ``spool()`` gives an empty scratch file
    (binary, read/write, seekable) for each bucket when there are more than fit one.
    """

    def __init__(self, key: int, count: int, spool: Callable[[], BinaryIO]):
        self.key = key
        self.buckets = max(1, math.ceil(count / BUCKET_ROWS))
        self.held: list[list] = []
        self.files = [RowSpool(spool()) for _ in range(self.buckets)] if self.buckets > 1 else []

    def add(self, row: list) -> None:
        if not self.files:
            self.held.append(row)
            return
        self.files[int(row[self.key][:8], 16) * self.buckets >> 32].add(row)

    def __iter__(self) -> Iterator[list]:
        by_key = lambda r: r[self.key]  # noqa: E731
        if not self.files:
            yield from sorted(self.held, key=by_key)
            return
        for bucket in self.files:
            yield from sorted(bucket, key=by_key)

    def close(self) -> None:
        for bucket in self.files:
            bucket.close()
