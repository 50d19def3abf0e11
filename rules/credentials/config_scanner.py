"""Campaign passwords in configuration files: .env, properties, YAML, JSON, Postman, Terraform, Kubernetes env lists, CSV."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from imslint.model import SourceText

from .._patterns import (
    DYNAMIC,
    EMPTY,
    ENCRYPTED,
    MISSING_VALUE,
    PLACEHOLDER,
    Value,
    classify_literal,
    is_placeholder,
    key_segments,
    lazy_re,
    lowered,
    parse_literal,
    trim_span,
)
from .code_scanners import _JSON_PARENT_RE, _TRAILING_COMMENT_RE, _YAML_PARENT_RE
from .gates import (
    _CAMPAIGN_SEGMENTS,
    _ENDPOINT_NEEDLES,
    _ENDPOINT_SEGMENTS,
    _ENDPOINT_VALUE_RE,
    _LOGIN_SEGMENTS,
    _PW_KEY_RE,
    _PW_SEGMENTS,
)
from .model import Analysis, LogonSite
from .resolve import _POSTMAN_VAR_RE

_KV_RE = {
    "env": lazy_re(r"^[ \t]*(?:export[ \t]+)?(?P<k>[A-Za-z_][\w.\-]*)[ \t]*=[ \t]*(?P<v>[^\n]*)", re.M),
    "shell": lazy_re(r"^[ \t]*(?:export[ \t]+|local[ \t]+|readonly[ \t]+)?(?P<k>[A-Za-z_]\w*)=(?P<v>[^\n]*)", re.M),
    "properties": lazy_re(r"^[ \t]*(?P<k>[A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*(?P<v>[^\n]*)", re.M),
    "text": lazy_re(r"^[ \t]*(?P<k>[A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*(?P<v>[^\n]*)", re.M),
    "yaml": lazy_re(
        r"^(?P<ind>[ \t]*)(?:-[ \t]+)?(?P<k>\"[^\"\n]+\"|'[^'\n]+'|[A-Za-z_][\w.\-]*)[ \t]*:(?:[ \t]+(?P<v>[^\n]*))?$",
        re.M,
    ),
    "json": lazy_re(r'"(?P<k>[^"\\\n]{1,80})"\s*:\s*"(?P<v>(?:[^"\\\n]|\\.)*)"'),
}
_INI_SECTION_RE = lazy_re(r"^[ \t]*\[([^\]\n]+)\]", re.M)
# A key commented out (`#campaign.password=x`, `; pwd = x`, `// ACC_PWD: x`): still in the repository's
# history. One value without spaces, so that prose in comments is not read as a key.
_COMMENTED_KV_RE = lazy_re(
    r"^[ \t]*(?:#+|;+|//)[ \t]*(?:export[ \t]+)?(?P<k>[A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*(?P<v>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"'#;]+)[ \t]*$",
    re.M,
)
# A Kubernetes/Helm/Compose env list entry: `- name: ACC_PASSWORD` with `value: x` on the next line.
_ENV_LIST_RE = lazy_re(
    r"^[ \t]*-[ \t]+name:[ \t]*[\"']?(?P<k>[A-Za-z_][\w.\-]*)[\"']?[ \t]*\n[ \t]*value:[ \t]*(?P<v>[^\n]*)$", re.M
)
# A Terraform variable with a default: `variable "campaign_password" { ... default = "x" }`.
_TF_VARIABLE_RE = lazy_re(
    r'[ \t]*variable[ \t]+"(?P<k>[^"\n]{1,80})"[ \t]*\{[^{}]*?\bdefault[ \t]*=[ \t]*(?P<v>"[^"\n]*")'
)


@dataclass
class _KV:
    key: str
    segs: List[str]
    value: Value
    pos: int
    postman: bool = False  # a Postman variable: the variables of a file are one flat scope


def _config_value(raw: str, start: int, lang: str, extra: Sequence[str]) -> Value:
    s, e = trim_span(raw, 0, len(raw))
    if s >= e:
        return Value(EMPTY, "", start + s, start + s)
    if raw[s] in "\"'":
        lit = parse_literal(raw, s, "shell" if lang != "json" else "")
        if lit is None:
            return Value(DYNAMIC, raw[s:e][:60], start + s, start + e)
        if lit.interpolated:
            return Value(DYNAMIC, lit.value[:60], start + lit.start, start + lit.end)
        return Value(classify_literal(lit.value, extra), lit.value, start + lit.start, start + lit.end)
    body = raw[s:e]
    if lang in ("env", "shell", "yaml", "text"):
        c = _TRAILING_COMMENT_RE.search(body)
        if c:
            body = body[: c.start()]
    if lang == "yaml" and (body in ("|", ">", "|-", ">-") or body.startswith(("!vault", "&", "*", "{", "["))):
        return Value(ENCRYPTED if body.startswith("!vault") else DYNAMIC, body[:60], start + s, start + s + len(body))
    if lang == "shell" and (body.startswith(("$", "`")) or " " in body):
        return Value(
            PLACEHOLDER if is_placeholder(body, extra) else DYNAMIC, body[:60], start + s, start + s + len(body)
        )
    return Value(classify_literal(body, extra), body, start + s, start + s + len(body))


def _yaml_parents(text: str, line_start: int, indent: int) -> List[str]:
    keys: List[str] = []
    pos = line_start
    cur = indent
    for _ in range(400):
        if pos <= 0 or cur == 0:
            break
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev_start : pos - 1]
        pos = prev_start
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        ind = len(line) - len(stripped)
        if stripped.startswith("- "):
            stripped = stripped[2:]
            ind += 2
        if ind < cur:
            km = _YAML_PARENT_RE.match(stripped)
            if km:
                keys.append(km.group(2).strip())
            cur = ind
    keys.reverse()
    return keys


def _json_parents(text: str, pos: int) -> List[str]:
    keys: List[str] = []
    depth = 0
    i = pos - 1
    stop = max(0, pos - 6000)
    while i >= stop and len(keys) < 3:
        c = text[i]
        if c in "}]":
            depth += 1
        elif c in "{[":
            if depth == 0:
                if c == "{":
                    km = _JSON_PARENT_RE.search(text[max(0, i - 120) : i])
                    if km:
                        keys.append(km.group(1))
            else:
                depth -= 1
        i -= 1
    keys.reverse()
    return keys


def _config_kvs(subject: SourceText, extra: Sequence[str]) -> List[_KV]:  # noqa: C901
    text = subject.text
    lang = subject.language
    if lang == "csv":
        return _csv_kvs(text, extra)
    regex = _KV_RE.get(lang)
    if regex is None:
        return []
    kvs: List[_KV] = []
    sections: Optional[List[Tuple[int, str]]] = None
    # Only keys near a password key matter (the password, its login and endpoint siblings): read the
    # key/value pairs of windows around the first few password keys, not of the whole file. A window
    # reaches 3000 characters beyond the lines of its key, so it holds every sibling kept below.
    windows: List[List[int]] = []
    hit_lines: List[int] = []
    for count, hit in enumerate(_PW_KEY_RE.finditer(lowered(text))):
        if count >= 300:
            break
        line = text.rfind("\n", 0, hit.start()) + 1
        hit_lines.append(line)
        ws = text.rfind("\n", 0, max(0, line - 3000)) + 1
        we = text.find("\n", hit.end() + 3000)
        we = len(text) if we < 0 else we
        if windows and ws <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], we)
        else:
            windows.append([ws, we])
    matches = []
    any_password = False
    extra_res = [_COMMENTED_KV_RE] if lang in ("env", "properties", "text", "shell", "yaml") else []
    if lang == "yaml":
        extra_res.append(_ENV_LIST_RE)
    elif lang == "properties" and "variable" in text:
        extra_res.append(_TF_VARIABLE_RE)
    found = [(m, True) for ws, we in windows for m in regex.finditer(text, ws, we)]
    # The other shapes only matter for the password key itself (its siblings are ordinary keys): they are
    # tried at the start of the lines that hold a password key, not over the windows.
    shaped = [m for line in hit_lines for rx in extra_res for m in (rx.match(text, line),) if m is not None]
    if shaped:
        found.extend((m, False) for m in shaped)
        found.sort(key=lambda mm: mm[0].start())
    plain = {
        id(m) for m, main in found if main
    }  # matches of the language's own key regex (the others have no indentation group)
    for m, _main in found:
        key = m.group("k").strip("\"'")
        segs = key_segments(key)
        if not segs:
            continue
        last = segs[-1]
        raw = m.group("v") or ""
        if last in _PW_SEGMENTS:
            any_password = True
        elif not (last in _LOGIN_SEGMENTS or last in _ENDPOINT_SEGMENTS or _ENDPOINT_VALUE_RE.search(raw.lower())):
            continue
        matches.append((m, key, segs, last, raw))
    postman = list(_POSTMAN_VAR_RE.finditer(text)) if lang == "json" and '"key"' in text else []
    if not any_password and not any(_PW_SEGMENTS.intersection(key_segments(pm.group("k"))) for pm in postman):
        return []
    # Siblings are near their password key: bound the parent lookups.
    pw_pos = [m.start() for m, _, _, last, _ in matches if last in _PW_SEGMENTS]
    near = []
    for item in matches:
        pos = item[0].start()
        i = bisect.bisect_left(pw_pos, pos)
        if (i < len(pw_pos) and pw_pos[i] - pos < 3000) or (i > 0 and pos - pw_pos[i - 1] < 3000):
            near.append(item)
    for m, key, segs, _last, raw in near[:300]:
        if lang == "json":
            v = Value(classify_literal(raw, extra), raw, m.start("v"), m.end("v"))
        else:
            v = _config_value(raw, m.start("v") if m.group("v") is not None else m.end(), lang, extra)
        parents: List[str] = []
        if lang == "yaml" and id(m) in plain:
            parents = _yaml_parents(text, text.rfind("\n", 0, m.start()) + 1, len(m.group("ind")))
        elif lang == "json":
            parents = _json_parents(text, m.start())
        elif lang in ("properties", "text"):
            if sections is None:
                sections = [(sm.start(), sm.group(1)) for sm in _INI_SECTION_RE.finditer(text)]
            idx = bisect.bisect_right([p for p, _ in sections], m.start()) - 1
            if idx >= 0:
                parents = [sections[idx][1]]
        full = ".".join(parents + [key])
        kvs.append(_KV(full, [s for p in parents for s in key_segments(p)] + segs, v, m.start()))
    for pm in postman:
        key = pm.group("k")
        segs = key_segments(key)
        if segs:
            raw = pm.group("v")
            kvs.append(
                _KV(key, segs, Value(classify_literal(raw, extra), raw, pm.start("v"), pm.end("v")), pm.start(), True)
            )
    return kvs


def _csv_kvs(text: str, extra: Sequence[str]) -> List[_KV]:
    """The cells of a CSV/TSV table whose header names a password column (and its login and endpoint columns)."""
    import csv

    head_end = text.find("\n")
    header = text[: head_end if head_end >= 0 else len(text)]
    delim = max(",;\t|", key=header.count)
    lines = text.split("\n")
    try:
        cols = next(csv.reader([lines[0]], delimiter=delim))
    except (csv.Error, StopIteration):
        return []
    segs = [key_segments(c.strip()) for c in cols]
    wanted = [
        i
        for i, sg in enumerate(segs)
        if sg and (sg[-1] in _PW_SEGMENTS or sg[-1] in _LOGIN_SEGMENTS or sg[-1] in _ENDPOINT_SEGMENTS)
    ]
    if not any(segs[i][-1] in _PW_SEGMENTS for i in wanted):
        return []
    out: List[_KV] = []
    offset = len(lines[0]) + 1
    for row_no, line in enumerate(lines[1:2001], 1):
        try:
            cells = next(csv.reader([line], delimiter=delim))
        except (csv.Error, StopIteration):
            cells = []
        pos = offset
        starts = []
        for cell in line.split(delim):  # cell offsets (quoted cells holding the delimiter are rare here)
            starts.append(pos)
            pos += len(cell) + 1
        for i in wanted:
            if i < len(cells) and i < len(starts):
                raw = cells[i]
                s = line.find(raw, starts[i] - offset) + offset if raw else starts[i]
                v = Value(classify_literal(raw, extra), raw, s, s + len(raw))
                # each row is its own scope: the row number stands in the key's prefix
                out.append(_KV(cols[i].strip(), [f"row{row_no}"] + segs[i], v, starts[i]))
        offset += len(line) + 1
    return out


def _scan_config(subject: SourceText, a: Analysis, extra: Sequence[str]) -> None:
    """Campaign passwords in configuration files; call only when :func:`_config_gate` holds."""
    text = subject.text
    low = lowered(text)
    endpoint_in_text = any(n in low for n in _ENDPOINT_NEEDLES)
    # _config_gate has checked the rest of the necessary condition: a Campaign word and a password key
    kvs = _config_kvs(subject, extra)
    prefixes = set()
    has_endpoint = endpoint_in_text
    postman_endpoint = False  # a Postman environment (or collection variables) pointing at Campaign
    for kv in kvs:
        ep_value = bool(_ENDPOINT_VALUE_RE.search(kv.value.text.lower()))
        campaignish = bool(_CAMPAIGN_SEGMENTS.intersection(kv.segs))
        if ep_value or (campaignish and kv.segs[-1] in _ENDPOINT_SEGMENTS):
            has_endpoint = True
            prefixes.add(tuple(kv.segs[:-1]))
            postman_endpoint = postman_endpoint or (kv.postman and ep_value)
    # A table of credentials: each row is a logon. It is Campaign's when it names an endpoint, when a column
    # title says Campaign (acc_password, campaign_login), or when its path does (ops/campaign-operators.csv);
    # the word "campaign" in the rows (a marketing campaign's name) is not enough.
    table = subject.language == "csv" and (
        has_endpoint
        or any(_CAMPAIGN_SEGMENTS.intersection(kv.segs[1:]) for kv in kvs)
        or any(w in subject.path.lower() for w in ("campaign", "neolane", "operator"))
    )
    if not (has_endpoint or table):
        return
    for kv in kvs:
        if kv.segs[-1] not in _PW_SEGMENTS:
            continue
        prefix = tuple(kv.segs[:-1])
        flat = (kv.postman and postman_endpoint) or table
        if not (_CAMPAIGN_SEGMENTS.intersection(kv.segs) or prefix in prefixes or flat):
            continue
        login = MISSING_VALUE
        for other in kvs:
            if other.segs[-1] in _LOGIN_SEGMENTS and (
                tuple(other.segs[:-1]) == prefix
                or (flat and other.postman and len(other.segs) == 1)
                or (table and other.segs[0] == kv.segs[0])  # the login column of the same row
            ):
                login = other.value
                break
        how = f"Postman variable `{kv.key}`" if kv.postman else f"configuration key `{kv.key}`"
        a.logons.append(LogonSite(how, kv.pos, kv.value.end, login, kv.value, config=True))
