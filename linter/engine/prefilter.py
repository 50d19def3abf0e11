"""The keyword pre-filter: which source rules a file needs, from its raw bytes, before anything is parsed."""

from __future__ import annotations

import os
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from ..readers.source import decode_bytes, sniff_utf16
from ..rule import Rule
from .intake import HEAD_SIZE

# Files checked with the pure-Python search before the native one is loaded: a pre-commit call (a few files)
# never pays its import (about 7 ms, benchmarks/bench_code.py's pre-commit row); a tree scan switches at once.
NATIVE_AFTER = 16


def native_available() -> bool:
    """True when the optional one-pass search (``pip install "imslint[fast]"``: hyperscan) can be used.

    ``IMSLINT_PREFILTER=python`` in the environment turns it off (tests and
    benchmarks compare both paths; the findings are the same).
    """
    if os.environ.get("IMSLINT_PREFILTER", "").strip().lower() == "python":
        return False
    try:
        import hyperscan  # noqa: F401
    except Exception:  # noqa: BLE001 - an optional extra: missing, or a broken wheel, means the pure-Python path
        return False
    return True


class Prefilter:
    """The source rules worth running on a file: those without keywords, and those whose keywords it holds.

    :meth:`mask` answers from the raw bytes, before any reader runs: the engine
    skips reading a file when none of the rules left takes the subjects its
    readers produce. The keywords are looked for with the native one-pass search
    when installed (:func:`native_available`), else with :class:`_KeywordTree`;
    both give the same answer.
    """

    def __init__(self, source_rules: Sequence[Rule], native: Optional[bool] = None) -> None:
        self.always = [r for r in source_rules if r.keywords is None]
        self.keyed = [(r, frozenset(k.lower() for k in r.keywords)) for r in source_rules if r.keywords is not None]
        self._keyword_tree = _KeywordTree([kws for _, kws in self.keyed])
        self._eligible_masks: Dict[FrozenSet[str], int] = {}
        self.limited = sum(1 << i for i, (rule, _) in enumerate(self.keyed) if rule.languages is not None)
        self.unlimited = self._keyword_tree.all & ~self.limited
        self._native: Any = None
        self._want_native = native
        self._calls = 0

    def mask(self, data: bytes, eligible: int = -1) -> int:
        """A bit mask of the keyed rules (by index in ``self.keyed``) whose keywords ``data`` holds.

        Only the rules of the mask ``eligible`` (all by default) need an answer.
        """
        if not self.keyed or not eligible:
            return 0
        if (
            data[:2] in (b"\xff\xfe", b"\xfe\xff")
            or data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
            or ((data[:1] == b"\x00" or data[1:2] == b"\x00") and sniff_utf16(data[:HEAD_SIZE]))
        ):
            data = decode_bytes(data).encode("utf-8", "replace")  # UTF-16/32: keywords are looked for in UTF-8
        native = self._native
        if native is None and self._calls >= NATIVE_AFTER:
            native = self._native = self._load_native()
        self._calls += 1
        if native:
            return native.mask(data) & eligible
        return self._keyword_tree.rules_in(data.lower(), eligible)

    @property
    def one_pass(self) -> bool:
        """True once the native search answers: every keyword costs the same single pass."""
        return bool(self._native)

    def eligible(self, languages: Optional[FrozenSet[str]]) -> int:
        """The mask of the keyed rules that apply to subjects in ``languages`` (None: any language)."""
        return self._keyword_tree.all if languages is None else self._eligible(languages)

    def _load_native(self) -> Any:
        """The native matcher, or False when it is not installed or turned off."""
        want = self._want_native if self._want_native is not None else native_available()
        if not want:
            return False
        from .native import NativeKeywords

        return NativeKeywords([kws for _, kws in self.keyed])

    def select(self, mask: int, languages: Optional[FrozenSet[str]] = None) -> List[Rule]:
        """The rules to run for a keyword ``mask``, on subjects in ``languages`` (None: any)."""
        chosen = list(self.always)
        if languages is not None:
            mask &= self._eligible(languages)
        if mask:
            chosen.extend(r for i, (r, _) in enumerate(self.keyed) if mask >> i & 1)
        return chosen

    def rules_for(self, data: bytes, languages: Optional[FrozenSet[str]] = None) -> List[Rule]:
        """The source rules to run on a file whose bytes are ``data``."""
        eligible = self._keyword_tree.all if languages is None else self._eligible(languages)
        return self.select(self.mask(data, eligible))

    def _eligible(self, languages: FrozenSet[str]) -> int:
        """The mask of the keyed rules that apply to subjects in ``languages`` (once per set of languages)."""
        mask = self._eligible_masks.get(languages)
        if mask is None:
            mask = sum(
                1 << i
                for i, (rule, _) in enumerate(self.keyed)
                if rule.languages is None or not languages.isdisjoint(rule.languages)
            )
            self._eligible_masks[languages] = mask
        return mask


def _keyword_tree(keywords: Set[bytes]) -> List[Tuple[bytes, List[bytes]]]:
    """Order keywords for the pre-filter: roots first, each with the longer keywords that contain it.

    A keyword that contains another (``logonremote`` contains ``logon``) only
    needs looking for when the shorter one is present, so most files are
    scanned once per root keyword, not once per keyword.
    """
    children: Dict[bytes, List[bytes]] = {}
    roots: List[bytes] = []
    for k in sorted(keywords, key=lambda k: (len(k), k)):
        parent = next((r for r in sorted(children, key=len, reverse=True) if r in k), None)
        children[k] = []
        if parent is None:
            roots.append(k)
        else:
            children[parent].append(k)

    def flatten(k: bytes) -> Tuple[bytes, list]:
        return (k, [flatten(c) for c in children[k]])

    return [flatten(r) for r in roots]


class _KeywordTree:
    """Which keyed rules a file needs, from its lower-cased bytes, with as few searches as possible.

    A file needs a rule when one of the rule's keywords is in it. Each search
    for a keyword is a pass over the file, and most files of an integration
    repository hold a common keyword or two (``pass``, ``sessiontoken``) and none
    of the rare ones. So the keywords are looked for in the order of the
    :func:`_keyword_tree` (a longer keyword only below a shorter one it contains),
    and a keyword is skipped once every rule it could add is already chosen:
    once ``pass`` is found, the other keywords of the rules it chose are never
    looked for. The answer is the same as testing every keyword.
    """

    def __init__(self, rule_keywords: Sequence[Iterable[bytes]]) -> None:
        owners: Dict[bytes, int] = {}
        for i, kws in enumerate(rule_keywords):
            for k in kws:
                owners[k] = owners.get(k, 0) | (1 << i)
        self.all = (1 << len(rule_keywords)) - 1

        def node(k: bytes, kids: list) -> Tuple[bytes, int, int, list]:
            children = [node(*c) for c in kids]
            below = owners[k]
            for c in children:
                below |= c[2]
            return (k, owners[k], below, children)

        # Keywords that choose the most rules first, then the shorter (more likely to be present).
        roots = [node(*r) for r in _keyword_tree(set(owners))]
        self.roots = sorted(roots, key=lambda n: (-bin(n[2]).count("1"), len(n[0]), n[0]))

    def rules_in(self, low: bytes, eligible: int = -1) -> int:
        """A bit mask of the rules (by their index in ``rule_keywords``) whose keywords ``low`` holds.

        Only the rules of the mask ``eligible`` (all by default) are looked for.
        """
        chosen = self.all & ~eligible
        stack = list(reversed(self.roots))
        everything = self.all
        while stack:
            k, mine, below, kids = stack.pop()
            if not below & ~chosen:
                continue  # every rule this keyword (or a longer one below it) could add is chosen
            if k in low:
                chosen |= mine
                if chosen == everything:
                    break
                stack.extend(reversed(kids))
        return chosen & eligible
