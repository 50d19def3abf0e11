"""Stamping: a rule's Problem becomes a Finding (id, name, effective severity, redaction, fingerprint), then
per-file ignores and inline suppressions apply. Host policy, never rule code."""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, List, Mapping, Optional, Set, Tuple, Type

from ..discovery import Discovered, Excluder, relative_to
from ..fixes import secret_free
from ..model import Finding, Location, Problem, Related, redact, secret_hash
from ..readers.source import decode_bytes, normalize_newlines
from ..rule import Rule
from ..suppressions import Directive, directive_matches, fingerprint, parse_directives, parse_directives_from_file
from .faults import ContractError
from .outcome import FileOutcome, Plan

MAX_MESSAGE = 1000  # characters of a finding's message (or a related location's) kept
MAX_PROPERTY = 500  # characters of a finding's string property kept


class Stamper:
    """Stamps the problems of one run's rules (``rules``: id -> rule class) under its :class:`Plan`."""

    def __init__(self, rules: Mapping[str, Type[Rule]], plan: Plan) -> None:
        self.rules = rules
        self.plan = plan
        self._ignore_globs: Optional[List[Tuple[Any, Set[str]]]] = None

    def suppression(self, finding: Finding, directives: Iterable[Directive]) -> Optional[Finding]:
        """``finding`` marked as suppressed inline by the first of ``directives`` (of its line) that matches it, or None."""
        d = _matching_directive(directives, finding.rule_id, self.rules)
        if d is None:
            return None
        return dataclasses.replace(finding, suppression="inline", suppression_reason=d.reason)

    def stamp(
        self,
        item: Discovered,
        data: Optional[bytes],
        problems: list,
        secrets: Set[str],
        out: FileOutcome,
        defer_directives: bool = False,
    ) -> None:
        """Turn a file's ``(rule id, Problem)`` pairs into findings in ``out``: ignored, deduplicated, suppressed."""
        rel = relative_to(item.path, self.plan.root)
        ignored = self.per_file_ignored(rel)
        lines: Optional[List[str]] = None
        if data is not None:
            # The same decoding and line model as the readers, so keys and directives match their line numbers.
            text = normalize_newlines(decode_bytes(data))
            directives = parse_directives(text)
            lines = text.split("\n")
        elif defer_directives:
            directives = {}  # a piece of a file read in a worker: the main process applies them
        else:
            directives = parse_directives_from_file(item.path)
        seen: Set[Tuple[str, Location, str]] = set()
        for rule_id, problem in problems:
            if rule_id in ignored:
                continue
            finding = self.make_finding(rule_id, problem, rel, secrets, text_lines=lines)
            ident = (finding.rule_id, finding.location, finding.message)
            if ident in seen:
                continue
            seen.add(ident)
            directive = _matching_directive(directives.get(finding.location.line, ()), rule_id, self.rules)
            if directive is not None:
                out.suppressed.append(
                    dataclasses.replace(finding, suppression="inline", suppression_reason=directive.reason)
                )
            else:
                out.findings.append(finding)

    def per_file_ignored(self, rel: str) -> Set[str]:
        """Rule ids that ``per-file-ignores`` silences for the file at ``rel`` (globs compiled once)."""
        if self._ignore_globs is None:
            from ..config import match_selector

            self._ignore_globs = [
                (Excluder([glob]), set().union(*(match_selector(s, self.rules) for s in sels)) if sels else set())
                for glob, sels in self.plan.per_file_ignores.items()
            ]
        out: Set[str] = set()
        for matches, ids in self._ignore_globs:
            if matches(rel):
                out |= ids
        return out

    def make_finding(
        self, rule_id: str, problem: Problem, rel: str, secrets: Iterable[str], text_lines: Optional[List[str]] = None
    ) -> Finding:
        """Stamp a problem: id, name, effective severity, redaction, fingerprint."""
        rule_cls = self.rules[rule_id]
        secrets = {s for s in secrets if s}
        if problem.secret:
            secrets.add(problem.secret)

        def hide(text: str) -> str:
            return redact(text, secrets) if secrets else text  # no secret (operator findings): no pass

        message = hide(problem.message)
        key = problem.key
        if not key:
            line_no = problem.location.line
            if text_lines is not None and 0 < line_no <= len(text_lines):
                key = hide(text_lines[line_no - 1]).strip()
            else:
                key = message
        else:
            key = hide(key)
        shash = secret_hash(problem.secret) if problem.secret else None
        if secrets:
            related = tuple(Related(r.location, redact(r.message, secrets)) for r in problem.related)
            props = {k: (redact(v, secrets) if isinstance(v, str) else v) for k, v in dict(problem.properties).items()}
        else:
            related, props = tuple(problem.related), dict(problem.properties)
        # A value quoted from the input (a 200 MB operator label) is not copied whole into every report.
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "…"
        for k, v in props.items():
            if isinstance(v, str) and len(v) > MAX_PROPERTY:
                props[k] = v[:MAX_PROPERTY] + "…"
        if any(len(r.message) > MAX_MESSAGE for r in related):
            related = tuple(
                Related(r.location, r.message[:MAX_MESSAGE] + "…") if len(r.message) > MAX_MESSAGE else r
                for r in related
            )
        return Finding(
            rule_id=rule_id,
            rule_name=rule_cls.name,
            severity=self.plan.severities.get(rule_id, rule_cls.severity),
            location=problem.location,
            message=message,
            fingerprint=fingerprint(rule_id, rel, key, shash),
            secret_hash=shash,
            related=related,
            properties=props,
            fix=secret_free(problem.fix, secrets),
        )


def _check_problem(rule: Rule, problem: Problem) -> None:
    """Raise TypeError for a Problem the engine cannot stamp (made by hand with wrong fields): an error of its rule."""
    loc = problem.location
    if not (
        isinstance(loc, Location)
        and isinstance(loc.path, str)
        and type(loc.line) is int
        and type(loc.column) is int
        and isinstance(problem.message, str)
        and (problem.secret is None or isinstance(problem.secret, str))
        and isinstance(problem.key, str)
        and isinstance(problem.properties, Mapping)
        and all(isinstance(r, Related) and isinstance(r.location, Location) for r in problem.related)
    ):
        raise ContractError("yielded a Problem without a valid location, message, key or secret")


def _matching_directive(
    directives: Iterable[Directive], rule_id: str, rules: Mapping[str, Type[Rule]]
) -> Optional[Directive]:
    for d in directives:
        if directive_matches(d, rule_id, rules):
            return d
    return None
