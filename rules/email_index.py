"""The email index of duplicate-email (IMS004): which operators of a run share an email, in flat arrays.

An export can hold a million operators, nearly all already on IMS, so :class:`EmailIndex`
keeps no Python object per email:

- every operator added (a person or an IMS holder) costs three array slots: the 64-bit hash
  of its normalised email (8 bytes), its line (4 bytes; its export comes from a short list of
  runs: where each export's operators start in the arrays), and the offset of its details in
  a byte blob (4 bytes); IMS holders, whose details are never reported, store a negative
  number made from a 30-bit hash of their login instead (:meth:`EmailIndex.ims_id_of`, to
  recognise one operator seen in two exports): 16 bytes;
- a one-hash bitmap ("Bloom filter with k=1") sized to 32 bits per operator held, doubled as
  the index grows (4-8 bytes per operator): a hash whose bit is already set is a candidate
  duplicate. Every second occurrence of an email is a candidate; false candidates (at most
  ~1/32 of the operators) are weeded out by :meth:`EmailIndex.duplicate_groups`, which scans
  the hash array once;
- the details (login, label, email, authentication type) of person operators only, packed in
  the blob: those are the operators IMS001 reports, whose findings cost far more already.

So 20-24 bytes per operator (:attr:`EmailIndex.ENTRY_BYTES` at most, plus the persons'
details). The 64-bit hash (Python's SipHash, stable within the run and across forked
processes) collides for two distinct emails with probability ~n^2/2^65 (3e-8 for a million);
a group holds the operators of one *hash*, and its user compares the persons' stored emails.

Memory stays under a budget (:meth:`EmailIndex.limit`, a number of operators): when the
arrays reach it, the index keeps only the operators whose hash lies below a split point
(about the median of those held; all holders of one email share a hash, so a kept email keeps
all its holders) and drops the others: it is then :attr:`~EmailIndex.truncated`, and
:meth:`~EmailIndex.count_next_range` starts over for the hash range above, for which its user
adds the operators again.

Indexes filled in other processes (pieces of one export) travel as an
:class:`EmailIndexState` (:meth:`~EmailIndex.export_state`) and are merged into one
(:meth:`~EmailIndex.merge_state`).
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass
from itertools import compress
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from imslint.model import Location, OperatorRecord

__all__ = ["IMS", "PERSON", "TOP", "EmailIndex", "EmailIndexState"]

IMS = "ims"  # the kind the operator classifier gives an IMS holder (the same interned string)
PERSON = "person"  # and a person who still signs in natively

TOP = 1 << 64  # the 64-bit email hashes lie in [0, TOP)

_MERGE_SLICE = 1 << 17  # hashes per set when merging states (about 10 MB)


@dataclass
class EmailIndexState:
    """What :meth:`EmailIndex.export_state` gives and :meth:`EmailIndex.merge_state` takes (picklable).

    The arrays are those of the index (not copies): the state is meant to be sent
    away or merged once, and merging may change it in place.
    """

    exports: List[str]  # the paths of the exports, by index
    run_starts: List[int]  # where each run of one export's operators starts in the arrays
    run_exports: List[int]  # and the index of that export in ``exports``
    hashes: "array[int]"  # "Q": the 64-bit hash of each operator's normalised email
    lines: "array[int]"  # "I": its line
    details: "array[int]"  # "i": offset of a person's details in ``blob``, or an IMS holder's id (negative)
    blob: bytes  # the persons' details, each a 4-byte length and "\0"-separated UTF-8 fields
    candidates: Set[int]  # hashes seen more than once (or whose bit was set by another hash)
    lo: int  # the operators held are those whose hash h has lo <= h < hi
    hi: int
    budget: Optional[int]  # the most operators the whole run may hold at once (None: no limit)

    @property
    def held(self) -> int:
        """The number of operators in the state."""
        return len(self.hashes)


def _below(state: EmailIndexState, hi: int) -> EmailIndexState:
    """``state``, changed in place to keep only the operators whose email hash is below ``hi``.

    One array at a time: each old array is freed (when nothing else holds it) before
    the next is filtered, so the memory needed on top of the state is about half its
    largest array.
    """
    hashes = state.hashes
    keep = bytes(map(hi.__gt__, hashes))  # one byte per operator, made in C
    kept = array("I", compress(range(len(hashes)), keep))
    state.hashes = array("Q", compress(hashes, keep))
    del hashes
    state.lines = array("I", compress(state.lines, keep))
    details = state.details = array("i", compress(state.details, keep))
    blob, new_blob = state.blob, bytearray()
    for j in compress(range(len(details)), map((0).__le__, details)):  # person operators: few
        off = details[j]
        size = int.from_bytes(blob[off : off + 4], "little")
        details[j] = len(new_blob)
        new_blob += blob[off : off + 4 + size]
    state.blob = bytes(new_blob)
    state.run_starts = [bisect.bisect_left(kept, start) for start in state.run_starts]
    state.run_exports = list(state.run_exports)
    state.candidates = {h for h in state.candidates if h < hi}
    state.hi = hi
    return state


class EmailIndex:
    """The operators of a run by the hash of their email: who shares one, where each is, within a memory budget.

    Fill it with :meth:`add` or :meth:`add_batch` (the hot path: every operator of an
    export), then walk :meth:`duplicate_groups` and look members up with
    :meth:`location`, :meth:`person` and :meth:`ims_id`. The operators held are those
    whose email hash lies in the range [:attr:`lo`, :attr:`hi`); all of them unless
    memory ran short (:attr:`truncated`).
    """

    LOAD = 32  # bitmap bits per operator held
    ENTRY_BYTES = 24  # arrays and bitmap, per operator held (at most): what a budget in bytes divides by

    def __init__(self) -> None:
        self._hashes = array("Q")
        self._lines = array("I")
        self._details = array("i")
        self._blob = bytearray()
        self._exports: List[str] = []
        self._export_index: dict = {}
        self._run_starts: List[int] = []  # index in the arrays where each run of one export starts
        self._run_exports: List[int] = []  # and the export of that run
        self._nbits = 1 << 16
        self._mask = self._nbits - 1
        self._capacity = self._nbits // self.LOAD
        self._bits = bytearray(self._nbits >> 3)
        self._candidates: Set[int] = set()
        self._last_path: Optional[str] = None
        self._stale = False  # set by merge_state until the bitmap is rebuilt
        # Operators held: those whose email hash h has lo <= h < hi (all of them unless memory ran short).
        self._lo, self._hi = 0, TOP
        self._budget: Optional[int] = None  # most operators held at once (None: no limit)
        self._run_budget: Optional[int] = None  # the same for the whole run (this index may hold a share)

    # ----------------------------------------------------------------- sizes and limits

    @property
    def held(self) -> int:
        """The number of operators held."""
        return len(self._hashes)

    @property
    def budget(self) -> Optional[int]:
        """The most operators held at once (None: no limit, also when one email's holders alone reach the limit)."""
        return self._budget

    @property
    def run_budget(self) -> Optional[int]:
        """The budget of the whole run this index holds a share of (as given to :meth:`limit`)."""
        return self._run_budget

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays, the bitmap and the persons' details."""
        arrays = (self._hashes, self._lines, self._details)
        return sum(a.itemsize * len(a) for a in arrays) + len(self._bits) + len(self._blob)

    @property
    def bytes_per_operator(self) -> float:
        """:attr:`nbytes` per operator held (0 when empty)."""
        return self.nbytes / len(self._hashes) if self._hashes else 0.0

    @property
    def lo(self) -> int:
        """The operators held are those whose email hash h has ``lo <= h < hi``."""
        return self._lo

    @property
    def hi(self) -> int:
        """See :attr:`lo` (:data:`TOP` unless memory ran short)."""
        return self._hi

    @property
    def truncated(self) -> bool:
        """True when memory ran short: the operators whose hash is at or above :attr:`hi` were dropped."""
        return self._hi < TOP

    def limit(self, run_budget: int, share: float = 1.0) -> None:
        """Hold at most ``share`` of ``run_budget`` operators (pieces of a run read at once share its budget).

        Never less than 1024 operators.
        """
        self._run_budget = run_budget
        self._budget = max(1024, int(run_budget * share))
        self._capacity = min(self._capacity, self._budget)

    # ----------------------------------------------------------------- adding operators

    @staticmethod
    def ims_id_of(login: str) -> int:
        """What the index stores for an IMS holder of this login: -1 - a 30-bit hash of it (see :meth:`ims_id`)."""
        return -1 - (hash(login) & 0x3FFFFFFF)

    def add(self, op: OperatorRecord, person: bool) -> None:
        """Add the operator ``op`` (its email, place, and the details of a ``person``; an IMS holder's id otherwise).

        Operators with a blank email, or whose hash is outside the range, are passed over.
        """
        # The hot path of check() (it sees every operator of a million-row export): kept flat.
        if self._stale:
            self._rebuild()
        email = op.email.strip().lower()
        if not email:
            return
        h = hash(email) & 0xFFFFFFFFFFFFFFFF
        if not self._lo <= h < self._hi:
            return
        hashes = self._hashes
        if len(hashes) >= self._capacity:
            self._make_room()
            hashes = self._hashes
            if not self._lo <= h < self._hi:
                return
        if not person:
            detail = -1 - (hash(op.login) & 0x3FFFFFFF)
        else:
            detail = len(self._blob)
            fields: Tuple[str, ...] = (op.login, op.label, op.email.strip(), op.authentication_type)
            if op.column > 1:  # a one-line export: the column of the operator's element too
                fields += (str(op.column),)
            packed = "\0".join(s.replace("\0", "\ufffd") for s in fields).encode("utf-8", "surrogatepass")
            self._blob += len(packed).to_bytes(4, "little")
            self._blob += packed
        if op.path is not self._last_path:
            self._set_export(op.path)
        i = h & self._mask
        byte, bit = i >> 3, 1 << (i & 7)
        bits = self._bits
        if bits[byte] & bit:
            self._candidates.add(h)
        else:
            bits[byte] |= bit
        hashes.append(h)
        self._lines.append(op.line & 0xFFFFFFFF)
        self._details.append(detail)

    def add_batch(self, ops: Sequence[OperatorRecord], kinds: Iterable[str]) -> None:
        """Add the operators of ``ops`` of kind :data:`IMS` or :data:`PERSON` (``kinds``: one per operator), in order.

        The same as :meth:`add` on each (persons only when they have an email), faster:
        the operators on IMS (nearly all of a big export) are added by an inlined loop.
        """
        if self._stale:
            self._rebuild()
        # add() inlined for the operators on IMS: same arrays, same order. The rare cases (a person,
        # a full bitmap or memory limit) go through add() itself, after which the arrays and the range
        # are taken again.
        hashes, add_line, add_detail, capacity, mask, bits, candidates, lo, hi = self._hot()
        bounded = lo or hi != TOP
        for op, kind in zip(ops, kinds):
            if kind is not IMS:
                if (kind == PERSON or kind == IMS) and op.email:  # (IMS: an equal string, not this one)
                    self.add(op, kind != IMS)
                    hashes, add_line, add_detail, capacity, mask, bits, candidates, lo, hi = self._hot()
                    bounded = lo or hi != TOP
                continue
            email = op.email
            if not email:
                continue
            email = email.strip().lower()
            if not email:
                continue
            h = hash(email) & 0xFFFFFFFFFFFFFFFF
            if bounded and not lo <= h < hi:
                continue
            if len(hashes) >= capacity:
                self.add(op, False)  # makes room, or narrows the range, first
                hashes, add_line, add_detail, capacity, mask, bits, candidates, lo, hi = self._hot()
                bounded = lo or hi != TOP
                continue
            path = op.path
            if path is not self._last_path:
                self._set_export(path)
            i = h & mask
            bit = 1 << (i & 7)
            i >>= 3
            if bits[i] & bit:
                candidates.add(h)
            else:
                bits[i] |= bit
            hashes.append(h)
            add_line(op.line & 0xFFFFFFFF)
            add_detail(-1 - (hash(op.login) & 0x3FFFFFFF))

    def _hot(self) -> Tuple[Any, ...]:
        """What the inlined loop of :meth:`add_batch` keeps in locals (taken again when add() changed it)."""
        return (
            self._hashes,
            self._lines.append,
            self._details.append,
            self._capacity,
            self._mask,
            self._bits,
            self._candidates,
            self._lo,
            self._hi,
        )

    def _export_idx(self, path: str) -> int:
        idx = self._export_index.get(path)
        if idx is None:
            idx = self._export_index[path] = len(self._exports)
            self._exports.append(path)
        return idx

    def _set_export(self, path: str) -> None:
        """The operators added next belong to ``path`` (called before they are appended)."""
        idx = self._export_idx(path)
        if not self._run_exports or self._run_exports[-1] != idx:
            self._run_starts.append(len(self._hashes))
            self._run_exports.append(idx)
        self._last_path = path

    # ----------------------------------------------------------------- room: growth and the hash range

    def _make_room(self) -> None:
        """Room for one more operator: a bigger bitmap or, at the memory limit, the upper part of the hash range dropped."""
        budget = self._budget
        if budget is None or len(self._hashes) < budget:
            self._grow()
            return
        while len(self._hashes) >= budget:
            hi = self._split_point(budget)
            if hi is None:  # the holders of one email alone fill the budget: they cannot be split
                self._budget = None
                self._grow()
                return
            self._load(_below(self._release(), hi))

    def _split_point(self, budget: int) -> Optional[int]:
        """A hash ``hi`` such that the operators below it are some, but fewer than ``budget`` (about half).

        The median of a sample of the hashes; when one email's holders make up
        half of them, the bound just above or below that hash. None when those
        holders alone reach the budget.
        """
        hashes = self._hashes
        sample = sorted(hashes[:: max(1, len(hashes) // 4095)])
        median = sample[len(sample) // 2]
        for hi in (median, median + 1):
            kept = sum(map(hi.__gt__, hashes))
            if 0 < kept < budget:
                return hi
        return None

    def _release(self) -> EmailIndexState:
        """:meth:`export_state`, which from now on is the only holder of the arrays (the bitmap is dropped)."""
        state = self.export_state()
        self._hashes, self._lines, self._details, self._blob = array("Q"), array("I"), array("i"), bytearray()
        self._bits = bytearray()
        return state

    def _load(self, state: EmailIndexState) -> None:
        """Hold ``state`` (as :meth:`export_state` makes it) in place of the current arrays."""
        self._exports = list(state.exports)
        self._export_index = {path: i for i, path in enumerate(self._exports)}
        self._run_starts, self._run_exports = list(state.run_starts), list(state.run_exports)
        self._hashes, self._lines, self._details = state.hashes, state.lines, state.details
        self._blob = bytearray(state.blob)
        self._lo, self._hi = state.lo, state.hi
        self._last_path = None
        self._candidates = set()
        self._nbits = 1 << 16
        self._capacity = self._nbits // self.LOAD
        self._rebuild()

    def count_next_range(self) -> None:
        """Forget the operators held and hold, from now on, those of the hash range above :attr:`hi`.

        For a :attr:`truncated` index, once its groups are reported: the operators are
        then added again, and the index keeps those of the next range (as many as the
        budget allows).
        """
        empty = EmailIndexState([], [], [], array("Q"), array("I"), array("i"), b"", set(), self._hi, TOP, None)
        self._load(empty)

    def _grow(self) -> None:
        """Double the bitmap and set again the bits of every hash held."""
        self._nbits <<= 1
        self._mask = mask = self._nbits - 1
        self._capacity = self._nbits // self.LOAD
        if self._budget is not None and self._capacity > self._budget:
            self._capacity = self._budget
        self._bits = bits = bytearray(self._nbits >> 3)
        cand = self._candidates
        for h in self._hashes:
            i = h & mask
            byte, bit = i >> 3, 1 << (i & 7)
            if bits[byte] & bit:
                cand.add(h)
            else:
                bits[byte] |= bit

    def _rebuild(self) -> None:
        """Size the bitmap for every hash held and set their bits again (after a merge)."""
        self._stale = False
        while len(self._hashes) >= self._capacity:
            self._nbits <<= 1
            self._capacity = self._nbits // self.LOAD
        self._nbits >>= 1
        self._grow()

    # ----------------------------------------------------------------- states of other processes

    def export_state(self) -> EmailIndexState:
        """What :meth:`merge_state` needs: the arrays, the runs, the details blob, the exports, the candidates."""
        return EmailIndexState(
            list(self._exports),
            list(self._run_starts),
            list(self._run_exports),
            self._hashes,
            self._lines,
            self._details,
            bytes(self._blob),
            self._candidates,
            self._lo,
            self._hi,
            self._run_budget,
        )

    def merge_state(self, state: EmailIndexState) -> None:
        """Add the operators of another index (a piece of an export read in another process).

        Hashes are comparable because the processes are forked from this one (same
        hash seed); the candidates of both sides are kept, and an email held on both
        sides is found by meeting their hashes. ``state`` may be changed (and its
        arrays adopted): it is used up.
        """
        # Each side held the hashes of its own range (all of them unless its memory ran short):
        # the merged index holds the range both held in full.
        hi = min(self._hi, state.hi)
        if self._hi > hi:
            self._load(_below(self._release(), hi))
        if state.hi > hi:
            state = _below(state, hi)
        index = [self._export_idx(path) for path in state.exports]
        start = len(self._hashes)
        self._run_starts.extend(s + start for s in state.run_starts)
        self._run_exports.extend(index[e] for e in state.run_exports)
        self._last_path = None  # the next operator added here opens a run of its own
        self._candidates |= state.candidates
        hashes, lines, details, blob = state.hashes, state.lines, state.details, state.blob
        if not start:
            # The first state merged into an empty index is adopted as it is (no copy).
            self._hashes, self._lines, self._details, self._blob = hashes, lines, details, bytearray(blob)
            self._stale = True
            return
        self._lines.extend(lines)
        shift = len(self._blob)
        if shift + len(blob) > 0x7FFFFFFF:
            raise MemoryError("duplicate-email: more than 2 GiB of operator details")
        self._blob += blob
        if shift:
            details = array("i", details)
            for j in compress(range(len(details)), map((0).__le__, details)):  # person operators: few
                details[j] += shift
        self._details.extend(details)
        # An email held on both sides: sets of slices of the smaller side met by the larger, in C
        # (no bitmap walk in Python); slices bound the memory of the sets.
        small, large = sorted((self._hashes, hashes), key=len)
        for at in range(0, len(small), _MERGE_SLICE):
            self._candidates |= set(small[at : at + _MERGE_SLICE]).intersection(large)
        self._hashes.extend(hashes)
        self._stale = True  # the bitmap misses the new hashes: rebuilt if more operators come
        if self._budget is not None and len(self._hashes) >= self._budget:
            self._make_room()

    # ----------------------------------------------------------------- reading it

    def duplicate_groups(self) -> Iterator[List[int]]:
        """The positions (ascending) of the operators of each email hash held by two operators or more.

        One group per hash, in the order of its first holder; a group may join two
        distinct emails whose hashes collide (compare the persons' emails).
        """
        if not self._candidates:
            return
        hashes = self._hashes
        groups: dict = {}
        # The candidates' positions are picked in C (compress over a membership map): a million
        # hashes cost milliseconds; only the few candidates reach the Python loop.
        for i in compress(range(len(hashes)), map(self._candidates.__contains__, hashes)):
            groups.setdefault(hashes[i], []).append(i)
        for members in groups.values():
            if len(members) >= 2:
                yield members

    def _person_fields(self, i: int) -> List[str]:
        off = self._details[i]
        size = int.from_bytes(self._blob[off : off + 4], "little")
        return bytes(self._blob[off + 4 : off + 4 + size]).decode("utf-8", "surrogatepass").split("\0")

    def person(self, i: int) -> Optional[Tuple[str, str, str, str]]:
        """(login, label, email, authentication type) of the person operator at ``i``; None for an IMS holder.

        The email is as the export wrote it, trimmed.
        """
        if self._details[i] < 0:
            return None
        login, label, email, auth = self._person_fields(i)[:4]
        return login, label, email, auth

    def ims_id(self, i: int) -> Optional[int]:
        """The id of the IMS holder at ``i`` (:meth:`ims_id_of` its login); None for a person."""
        detail = self._details[i]
        return detail if detail < 0 else None

    def location(self, i: int) -> Location:
        """Where the operator at ``i`` is: its export and line (and its column in a one-line export)."""
        run = bisect.bisect_right(self._run_starts, i) - 1
        path, line = self._exports[self._run_exports[run]], self._lines[i]
        if self._details[i] >= 0:  # a person: its column was kept when it is not 1 (a one-line export)
            fields = self._person_fields(i)
            if len(fields) > 4:
                column = int(fields[4])
                return Location(path, line, column, line, column + len("<operator"))
        return Location(path, line, 1)
