"""The optional one-pass keyword search (``pip install "imslint[fast]"``): hyperscan, loaded only when installed.

Hyperscan (Intel, BSD-3-Clause; the ``hyperscan`` wheel, MIT, bundles it) looks for
every keyword in one pass over the raw bytes, caseless (ASCII, as ``bytes.lower``),
each keyword reported once. The answer is the same as the pure-Python
:class:`imslint.engine.prefilter._KeywordTree`, which a test checks.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Sequence


class NativeKeywords:
    """Which rules' keywords a file holds, in one hyperscan pass: a bit mask as :meth:`_KeywordTree.rules_in`."""

    def __init__(self, rule_keywords: Sequence[Iterable[bytes]]) -> None:
        import hyperscan

        owners: Dict[bytes, int] = {}
        for i, kws in enumerate(rule_keywords):
            for k in kws:
                owners[k] = owners.get(k, 0) | (1 << i)
        self.all = (1 << len(rule_keywords)) - 1
        keywords = sorted(owners)
        self._owners: List[int] = [owners[k] for k in keywords]
        self._db: Any = None
        self._terminated = getattr(hyperscan, "ScanTerminated", hyperscan.error)
        if keywords:
            self._db = hyperscan.Database()
            # Every byte as \xHH: a keyword is matched literally, whatever bytes it holds.
            self._db.compile(
                expressions=[b"".join(b"\\x%02x" % c for c in k) for k in keywords],
                ids=list(range(len(keywords))),
                elements=len(keywords),
                flags=hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH,
            )

    def mask(self, data: bytes) -> int:
        """The rules (bit mask) with a keyword in ``data``; the scan stops once every rule is chosen."""
        if self._db is None:
            return 0
        found = [0]
        owners, everything = self._owners, self.all

        def on_match(kid: int, _start: int, _end: int, _flags: int, _context: Any) -> bool:
            found[0] |= owners[kid]
            return found[0] == everything  # True stops the scan

        try:
            self._db.scan(data, match_event_handler=on_match)
        except self._terminated:
            pass  # every rule chosen: the rest of the file need not be read
        return found[0]
