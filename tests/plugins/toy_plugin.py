"""A toy plugin used by the host tests: a reader for .toy files and three small rules."""

from __future__ import annotations

import re

from imslint import Fact, Problem, Reader, Related, Rule, Severity, SourceText, hookimpl

__version__ = "9.9.9"

SECRET_RE = re.compile(r"password=(\S+)")


class ToyReader(Reader):
    """Reads ``.toy`` files as one SourceText."""

    name = "toy"
    priority = 1000

    def sniff(self, path, head):
        return path.endswith(".toy")

    def read(self, source):
        text = source.data.decode("utf-8", "replace")
        if "TRUNCATED" in text:
            yield SourceText(source.display_path, text.split("TRUNCATED")[0], language="toy")
            from imslint import ReadError

            raise ReadError("unexpected end of toy file", text[: text.index("TRUNCATED")].count("\n") + 1)
        yield SourceText(source.display_path, text, language="toy")


class ToySecret(Rule):
    """A password is written in a toy file.

    Toy files must not hold passwords.

        password=hunter2   # fails
        password=$FROM_ENV # passes
    """

    id = "TOY001"
    help_uri = "https://example.com/toy/TOY001"  # a plugin documents its own rule
    name = "toy-secret"
    severity = Severity.ERROR
    keywords = (b"password=",)
    tags = ("security",)
    security_severity = "8.0"

    def check(self, subject, options):
        for m in SECRET_RE.finditer(subject.text):
            value = m.group(1)
            if value.startswith("$"):
                continue
            # Deliberately careless message: the host must redact the secret anyway.
            yield Problem(subject.location(m.start(), m.end()), f"password {value} in a toy file", secret=value)


class ToyCrash(Rule):
    """Crashes on the word boom (to test isolation)."""

    id = "TOY002"
    name = "toy-crash"
    severity = Severity.WARNING

    def check(self, subject, options):
        if "boom" in subject.text:
            raise ValueError("boom went the rule")
        return ()


class ToyWord(Rule):
    """Flags a configurable word, counts it across files, reports duplicates at the end."""

    id = "TOY003"
    name = "toy-word"
    severity = Severity.NOTE
    defaults = {"word": "legacy", "max": 100}

    def __init__(self):
        super().__init__()
        self.seen = []

    def check(self, subject, options):
        word = options["word"]
        for m in re.finditer(re.escape(word), subject.text):
            loc = subject.location(m.start(), m.end())
            self.seen.append(loc)
            yield Problem(loc, f"the word {word!r}")
            yield Fact("toy-word", word, loc)

    def finish(self, options):
        if len(self.seen) > 1:
            first = self.seen[0]
            yield Problem(
                first,
                f"{len(self.seen)} occurrences in total",
                key="total",
                related=tuple(Related(l, "another") for l in self.seen[1:]),  # noqa: E741
            )


class ToyBatch(Rule):
    """Flags lines holding 'batchme', through check_batch (one subject per line)."""

    id = "TOY004"
    name = "toy-batch"
    severity = Severity.NOTE

    calls = []

    def check_batch(self, subjects, options):
        ToyBatch.calls.append(len(subjects))
        if any("crash-batch" in s.text for s in subjects):
            raise RuntimeError("batch crashed")
        return [(s, Problem(s.location(0), "batchme here")) for s in subjects if "batchme" in s.text]


class ToyLineReader(Reader):
    """Reads ``.lines`` files as one SourceText per line (to test batching)."""

    name = "toy-lines"
    priority = 1000

    def sniff(self, path, head):
        return path.endswith(".lines")

    def read(self, source):
        for n, line in enumerate(source.data.decode().split("\n"), 1):
            yield SourceText(source.display_path, line, language="lines", first_line=n)


@hookimpl
def imslint_register_readers():
    return [ToyReader, ToyLineReader]


@hookimpl
def imslint_register_rules():
    return [ToySecret, ToyCrash, ToyWord, ToyBatch]
