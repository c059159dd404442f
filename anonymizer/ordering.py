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


class KeyOrder:
    """Collects rows, then gives them back sorted by the hexadecimal pseudonym at position ``key``.

    ``count`` is about how many rows will come; ``spool()`` gives an empty scratch file
    (binary, read/write, seekable) for each bucket when there are more than fit one.
    """

    def __init__(self, key: int, count: int, spool: Callable[[], BinaryIO]):
        self.key = key
        self.buckets = max(1, math.ceil(count / BUCKET_ROWS))
        self.held: list[list] = []
        self.files = [spool() for _ in range(self.buckets)] if self.buckets > 1 else []

    def add(self, row: list) -> None:
        if not self.files:
            self.held.append(row)
            return
        bucket = int(row[self.key][:8], 16) * self.buckets >> 32
        pickle.dump(row, self.files[bucket], protocol=pickle.HIGHEST_PROTOCOL)

    def __iter__(self) -> Iterator[list]:
        by_key = lambda r: r[self.key]  # noqa: E731
        if not self.files:
            yield from sorted(self.held, key=by_key)
            return
        for file in self.files:
            size = file.tell()
            file.seek(0)
            held = []
            while file.tell() < size:
                held.append(pickle.load(file))
            held.sort(key=by_key)
            yield from held

    def close(self) -> None:
        for file in self.files:
            file.close()
