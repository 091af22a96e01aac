#!/usr/bin/python3
"""An independent disclosure attacker for remedy-net statistics releases.

It plays a peer: it takes every statistics release one member published (from an
audit bundle, decoding the events itself from docs/event-format.md, or from a
JSON Lines file of releases), writes down everything a reader knows about the
true figures as a mixed-integer model, and bounds every suppressed figure with
an integer-programming solver (HiGHS through scipy). A suppressed figure whose
bounds meet is `exact`; one bounded inside 1..K-1 is `pinned`. The true case
registers (or true tables), when given, check that every bound holds the truth:
a bound that does not means the model assumed something the data breaks, and
such a figure is never counted as disclosed.

The model is written down in README.md next to this file. Python 3.11, numpy and
scipy (1.10, HiGHS) only. Exit status: 0 nothing disclosed, 1 a figure is exact
or pinned (or narrow with --protection-width), 2 bad input.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import math
import os
import sys
import time
from collections import defaultdict

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

# ---------------------------------------------------------------------------
# Code lists (node/core/src/case.rs) and table definitions (node/core/src/tables.rs)

SEX = ["female", "male", "other", "unknown"]
RESIDENCE_STATUS = ["titp", "ssw-1", "ssw-2", "engineer-specialist", "student",
                    "irregular", "other", "not-yet-departed"]
SECTOR = ["agriculture", "fishery", "construction", "food-manufacturing",
          "food-service", "manufacturing", "nursing-care", "building-cleaning",
          "accommodation", "shipbuilding", "automobile-repair", "other"]
GRIEVANCE = ["unpaid-wages", "recruitment-fees-debt", "document-retention",
             "contract-deception", "excessive-overtime", "unsafe-work-injury",
             "harassment-violence", "restricted-movement", "forced-return-dismissal",
             "pregnancy-discrimination", "social-insurance", "housing", "other"]
CHANNEL = ["mrc", "embassy-labour-attache", "otit", "labour-inspection", "legal-aid",
           "union-cso", "jp-mirai", "recruitment-agency", "employer", "hotline"]
OUTCOME = ["pending", "resolved-compensated", "resolved-non-monetary", "referred",
           "withdrawn", "unresolved-closed", "returned-without-remedy"]

GO, CO, SS, SG = "grievance-outcome", "channel-outcome", "sector-sex", "status-grievance"
TABLES = {
    GO: (GRIEVANCE, OUTCOME),
    CO: (CHANNEL, OUTCOME),
    SS: (SECTOR, SEX),
    SG: (RESIDENCE_STATUS, GRIEVANCE),
}
RESOLUTION = "resolution"
AUX = "aux"  # hidden figures of the model: cases opened per residence status

RELEASE_KIND = 4

# Constraint families. FACTS hold for every honest publisher; ASSUMPTIONS are
# the attacker's guesses (used only when asked for) and are checked against the
# truth when it is given.
F_MARGINS = "margins"      # a table's cells add up to its published totals
F_LINKED = "linked"        # tables of one release describe the same cases
F_NESTED = "nested"        # periods of one register state add up
F_RULE = "rule"            # null `closed` counts lie in 1..K-1 (no complement)
F_REVISIONS = "revisions"  # assumption: cases are only ever added
FACT_FAMILIES = (F_MARGINS, F_LINKED, F_NESTED, F_RULE)
ALL_FACTS = frozenset(FACT_FAMILIES)


class BadInput(Exception):
    pass


# ---------------------------------------------------------------------------
# Periods

def parse_period(text):
    """('Y', y) | ('Q', y, q) | ('M', y, m), or None."""
    if not isinstance(text, str):
        return None
    if len(text) == 4 and text.isdigit() and int(text) >= 1900:
        return ("Y", int(text))
    if len(text) == 7 and text[:4].isdigit() and text[4] == "-" and int(text[:4]) >= 1900:
        y, rest = int(text[:4]), text[5:]
        if rest[0] == "Q" and rest[1] in "1234":
            return ("Q", y, int(rest[1]))
        if rest.isdigit() and 1 <= int(rest) <= 12:
            return ("M", y, int(rest))
    return None


def period_text(p):
    if p[0] == "Y":
        return f"{p[1]:04d}"
    if p[0] == "Q":
        return f"{p[1]:04d}-Q{p[2]}"
    return f"{p[1]:04d}-{p[2]:02d}"


def period_children(p):
    if p[0] == "Y":
        return [("Q", p[1], q) for q in range(1, 5)]
    if p[0] == "Q":
        return [("M", p[1], m) for m in range(3 * p[2] - 2, 3 * p[2] + 1)]
    return []


def period_parent(p):
    if p[0] == "Q":
        return ("Y", p[1])
    if p[0] == "M":
        return ("Q", p[1], (p[2] - 1) // 3 + 1)
    return None


def period_contains(p, date):
    """date: 'YYYY-MM-DD'."""
    y, m = int(date[:4]), int(date[5:7])
    if p[0] == "Y":
        return y == p[1]
    if p[0] == "Q":
        return y == p[1] and (m - 1) // 3 + 1 == p[2]
    return y == p[1] and m == p[2]


def period_sort_key(p):
    order = {"Y": 0, "Q": 1, "M": 2}
    return (p[1], order[p[0]], p[2] if len(p) > 2 else 0)


# ---------------------------------------------------------------------------
# Figures. A figure key is a tuple:
#   ("cell", table, row, column), ("rowtot", table, row), ("coltot", table, column),
#   ("total", table), ("closed", channel), ("comp", channel), ("median", channel),
#   ("aux", "status-cases", status)

def key_table(key):
    if key[0] in ("cell", "rowtot", "coltot", "total"):
        return key[1]
    if key[0] in ("closed", "comp", "median"):
        return RESOLUTION
    return AUX


def key_describe(key):
    k = key[0]
    if k == "cell":
        return f"{key[1]} {key[2]} x {key[3]}"
    if k == "rowtot":
        return f"{key[1]} row total {key[2]}"
    if k == "coltot":
        return f"{key[1]} column total {key[3] if len(key) > 3 else key[2]}"
    if k == "total":
        return f"{key[1]} total"
    if k == "closed":
        return f"resolution {key[1]} closed"
    if k == "comp":
        return f"resolution {key[1]} compensation sum"
    if k == "median":
        return f"resolution {key[1]} median days"
    return " ".join(key)


def key_json(key):
    k = key[0]
    d = {"table": key_table(key), "figure": k}
    if k == "cell":
        d.update(row=key[2], column=key[3])
    elif k == "rowtot":
        d.update(row=key[2])
    elif k == "coltot":
        d.update(column=key[2])
    elif k in ("closed", "comp", "median"):
        d.update(row=key[1])
    elif k == "aux":
        d.update(row=key[2])
    return d


# ---------------------------------------------------------------------------
# Releases

class Release:
    def __init__(self, obj, index, origin=None, event_seq=None):
        if not isinstance(obj, dict):
            raise BadInput("a release is not a JSON object")
        self.index = index
        self.origin = origin
        self.event_seq = event_seq
        self.period = obj.get("period")
        self.pkey = parse_period(self.period)
        if self.pkey is None or period_text(self.pkey) != self.period:
            raise BadInput(f"release {index}: period {self.period!r} is not YYYY, YYYY-Qn or YYYY-MM")
        self.revision = _int(obj.get("revision"), f"release {self.period}: revision")
        source = obj.get("source") or {}
        if not isinstance(source, dict):
            raise BadInput(f"release {self.period}: source is not an object")
        seq = source.get("private_seq")
        self.seq = _int(seq, f"release {self.period}: source.private_seq") if seq is not None else None
        rules = obj.get("rules") or {}
        if not isinstance(rules, dict):
            raise BadInput(f"release {self.period}: rules is not an object")
        self.k = _int(rules.get("threshold"), f"release {self.period}: rules.threshold")
        if self.k < 1:
            raise BadInput(f"release {self.period}: threshold {self.k}")
        self.noised = obj.get("privacy") is not None
        self.figs = {}     # key -> int or None (suppressed / withheld)
        self.tables = {}   # name -> (rows, columns)
        self.unknown_tables = []
        tables = obj.get("tables")
        if not isinstance(tables, list):
            raise BadInput(f"release {self.period} r{self.revision}: tables is not a list")
        for t in tables:
            self._table(t)
        self.channels = []
        res = obj.get("resolution")
        if res is None:
            res = []
        if not isinstance(res, list):
            raise BadInput(f"release {self.label}: resolution is not a list")
        for r in res:
            if not isinstance(r, dict) or not isinstance(r.get("channel"), str):
                raise BadInput(f"release {self.label}: a resolution entry without a channel")
            ch = r["channel"]
            self.channels.append(ch)
            for field, kind in (("closed", "closed"), ("total_compensation_usd", "comp"),
                                ("median_days", "median")):
                self.figs[(kind, ch)] = self._fig(r.get(field), f"release {self.label}: {ch} {field}")

    @property
    def label(self):
        return f"{self.period} r{self.revision}"

    def _table(self, t):
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            raise BadInput(f"release {self.label}: a table without a name")
        name = t["name"]
        rows, cols = t.get("rows"), t.get("columns")
        if not (isinstance(rows, list) and isinstance(cols, list)
                and all(isinstance(x, str) for x in rows + cols)):
            raise BadInput(f"release {self.label}: table {name}: rows/columns are not lists of codes")
        if name not in TABLES:
            self.unknown_tables.append(name)
            return
        cells = t.get("cells")
        if not isinstance(cells, list) or len(cells) != len(rows) or any(
                not isinstance(r, list) or len(r) != len(cols) for r in cells):
            raise BadInput(f"release {self.label}: table {name}: cells do not match its rows and columns")
        what = f"release {self.label}: table {name}"
        self.tables[name] = (list(rows), list(cols))
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                self.figs[("cell", name, r, c)] = self._fig(cells[i][j], what)
        rt, ct = t.get("row_totals"), t.get("column_totals")
        if rt is None:
            rt = [None] * len(rows)
        if ct is None:
            ct = [None] * len(cols)
        if not isinstance(rt, list) or len(rt) != len(rows) or not isinstance(ct, list) or len(ct) != len(cols):
            raise BadInput(f"{what}: totals do not match its rows and columns")
        for r, v in zip(rows, rt):
            self.figs[("rowtot", name, r)] = self._fig(v, what)
        for c, v in zip(cols, ct):
            self.figs[("coltot", name, c)] = self._fig(v, what)
        self.figs[("total", name)] = self._fig(t.get("total"), what)

    def _fig(self, v, what):
        """A figure: a whole number >= 0, or null; in a noised release any whole
        number (noised counts are published unclamped, negative ones too)."""
        if self.noised and v is not None and isinstance(v, int) and not isinstance(v, bool):
            return v
        return _opt_int(v, what)


def _int(v, what):
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise BadInput(f"{what}: {v!r} is not a whole number >= 0")
    return v


def _opt_int(v, what):
    return None if v is None else _int(v, what)


def decode_event(raw):
    """The envelope of docs/event-format.md: (origin, log, seq, prev, kind, version, payload, body)."""
    if len(raw) < 3 or raw[0] != 0xFE or raw[1] != 0x01:
        raise BadInput("an event does not start with tag 0xFE, version 0x01")
    n = raw[2]
    if not 2 <= n <= 16 or len(raw) < 60 + n:
        raise BadInput("an event's origin length is out of range")
    origin = raw[3:3 + n].decode("ascii", "replace")
    log = raw[3 + n]
    seq = int.from_bytes(raw[4 + n:12 + n], "big")
    prev = raw[12 + n:44 + n]
    kind = int.from_bytes(raw[52 + n:54 + n], "big")
    version = int.from_bytes(raw[54 + n:56 + n], "big")
    length = int.from_bytes(raw[56 + n:60 + n], "big")
    if len(raw) not in (60 + n + length, 124 + n + length):
        raise BadInput(f"event {seq} of {origin}: its length matches neither a linked nor a signed event")
    payload = raw[60 + n:60 + n + length]
    body = raw[:60 + n + length]
    return origin, log, seq, prev, kind, version, payload, body


def load_bundle(path, notes):
    releases = []
    origin = None
    prev_hash = None
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8").splitlines()
    if not lines:
        raise BadInput(f"{path}: empty")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise BadInput(f"{path}:{number}: not JSON ({e})")
        if not isinstance(obj, dict):
            raise BadInput(f"{path}:{number}: not a JSON object")
        if "bundle" in obj:
            b = obj["bundle"]
            if not isinstance(b, dict) or b.get("format") != "remedy-net audit bundle":
                raise BadInput(f"{path}:{number}: not a remedy-net audit bundle header")
            origin = b.get("origin")
            continue
        if "event" not in obj:
            continue  # manifest, checkpoint, inclusion: not needed by the attacker
        ev = obj["event"]
        try:
            raw = base64.b64decode(ev["raw"], validate=True)
        except Exception as e:  # noqa: BLE001
            raise BadInput(f"{path}:{number}: event raw is not base64 ({e})")
        o, log, seq, prev, kind, version, payload, body = decode_event(raw)
        if origin is not None and o != origin:
            raise BadInput(f"{path}:{number}: event of {o} in a bundle of {origin}")
        if ev.get("seq") is not None and ev["seq"] != seq:
            raise BadInput(f"{path}:{number}: line says seq {ev['seq']}, event {seq}")
        if prev_hash is not None and prev != prev_hash:
            notes.append(f"warning: event {seq} of {o} does not link to the event before it")
        prev_hash = hashlib.sha256(body).digest()
        if kind != RELEASE_KIND:
            continue
        if version not in (1, 2):   # 2: totals may be null (docs/release-format.md)
            notes.append(f"note: event {seq} is a release of payload version {version}; read as JSON")
        try:
            rel = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise BadInput(f"event {seq}: release payload is not JSON ({e})")
        releases.append(Release(rel, len(releases), origin=o, event_seq=seq))
    return releases


def load_releases_jsonl(path):
    releases = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise BadInput(f"{path}:{number}: not JSON ({e})")
            releases.append(Release(obj, len(releases)))
    return releases


# ---------------------------------------------------------------------------
# The truth: tables computed from case registers, or given

CASE_COLUMNS = ["case_id", "opened_on", "closed_on", "sex", "age_band", "residence_status",
                "sector", "stage", "grievances", "channel", "outcome", "compensation_usd"]


def read_register(paths):
    """The register after importing `paths` in order: case id -> record, a later row
    replacing an earlier one of the same id (as `remedy cases import` does)."""
    cases = {}
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as f:
            _read_cases(f, path, cases)
    return list(cases.values())


def read_register_text(text, name="<text>"):
    cases = {}
    _read_cases(io.StringIO(text), name, cases)
    return list(cases.values())


def _read_cases(f, path, cases):
    """The import format (node/core/src/case.rs): a header naming the columns, then
    one case per line; grievances separated by ';' (sorted, without repeats)."""
    reader = csv.reader(f)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise BadInput(f"{path}: empty")
    missing = [c for c in CASE_COLUMNS if c not in header]
    if missing:
        raise BadInput(f"{path}: no column {', '.join(missing)}")
    at = {c: header.index(c) for c in CASE_COLUMNS}
    for number, row in enumerate(reader, 2):
        if not row or all(not x.strip() for x in row):
            continue
        if len(row) != len(header):
            raise BadInput(f"{path}:{number}: {len(row)} fields, the header has {len(header)}")
        rec = {c: row[at[c]].strip() for c in CASE_COLUMNS}
        rec["grievances"] = sorted({g.strip() for g in rec["grievances"].split(";") if g.strip()})
        if not rec["grievances"]:
            raise BadInput(f"{path}:{number}: no grievance")
        for c in ("opened_on", "closed_on"):
            d = rec[c]
            if d and not (len(d) == 10 and d[4] == "-" and d[7] == "-" and d[:4].isdigit()
                          and d[5:7].isdigit() and d[8:].isdigit()):
                raise BadInput(f"{path}:{number}: {c} {d!r} is not YYYY-MM-DD")
        if not rec["opened_on"]:
            raise BadInput(f"{path}:{number}: no opened_on")
        if rec["compensation_usd"] and not rec["compensation_usd"].isdigit():
            raise BadInput(f"{path}:{number}: compensation_usd {rec['compensation_usd']!r}")
        cases[rec["case_id"]] = rec


def _days(date):
    import datetime
    return datetime.date(int(date[:4]), int(date[5:7]), int(date[8:10])).toordinal()


def compute_truth(pkey, cases):
    """Every figure of the period from the register (docs/release-format.md)."""
    t = defaultdict(int)
    days = defaultdict(list)
    for name, (rows, cols) in TABLES.items():
        for r in rows:
            for c in cols:
                t[("cell", name, r, c)] += 0
    for c in cases:
        if period_contains(pkey, c["opened_on"]):
            for g in c["grievances"]:
                t[("cell", GO, g, c["outcome"])] += 1
                t[("cell", SG, c["residence_status"], g)] += 1
            t[("cell", CO, c["channel"], c["outcome"])] += 1
            t[("cell", SS, c["sector"], c["sex"])] += 1
            t[(AUX, "status-cases", c["residence_status"])] += 1
        if c["closed_on"] and period_contains(pkey, c["closed_on"]):
            ch = c["channel"]
            t[("closed", ch)] += 1
            t[("comp", ch)] += int(c["compensation_usd"] or 0)
            days[ch].append(max(0, _days(c["closed_on"]) - _days(c["opened_on"])))
    for name, (rows, cols) in TABLES.items():
        for r in rows:
            t[("rowtot", name, r)] = sum(t[("cell", name, r, c)] for c in cols)
        for c in cols:
            t[("coltot", name, c)] = sum(t[("cell", name, r, c)] for r in rows)
        t[("total", name)] = sum(t[("rowtot", name, r)] for r in rows)
    for s in RESIDENCE_STATUS:
        t[(AUX, "status-cases", s)] += 0
    for ch in CHANNEL:
        t[("closed", ch)] += 0
        t[("comp", ch)] += 0
        d = sorted(days[ch])
        t[("median", ch)] = d[(len(d) - 1) // 2] if d else None
    return dict(t)


class Truth:
    """The true figures of each release, from register states or given tables."""

    def __init__(self):
        self.states = []      # (label, cases, seq or None)
        self.given = {}       # (period, revision) -> figures
        self.by_release = {}  # release index -> figures
        self.source = {}      # release index -> description
        self.problems = []    # releases without a truth, and why
        self._cache = {}

    def add_state(self, spec):
        seq = None
        if "@" in spec:
            spec, s = spec.rsplit("@", 1)
            if not s.isdigit():
                raise BadInput(f"--cases {spec}@{s}: the part after @ must be a private_seq")
            seq = int(s)
        paths = spec.split("+")
        for p in paths:
            if not os.path.exists(p):
                raise BadInput(f"--cases: no file {p}")
        self.states.append((spec, read_register(paths), seq))

    def add_given(self, path):
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    period, revision = obj["period"], int(obj["revision"])
                except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                    raise BadInput(f"{path}:{number}: not a truth line ({e})")
                figs = {}
                for name, cells in (obj.get("tables") or {}).items():
                    if isinstance(cells, dict):   # {"rows": [...], "columns": [...], "cells": [[...]]}
                        rows, cols, cells = cells.get("rows"), cells.get("columns"), cells.get("cells")
                    elif name in TABLES:          # a bare matrix in the code lists' order
                        rows, cols = TABLES[name]
                    else:
                        continue
                    if not isinstance(cells, list) or len(cells) != len(rows) or \
                            any(len(r) != len(cols) for r in cells):
                        raise BadInput(f"{path}:{number}: table {name} has the wrong shape")
                    for i, r in enumerate(rows):
                        for j, c in enumerate(cols):
                            figs[("cell", name, r, c)] = int(cells[i][j])
                        figs[("rowtot", name, r)] = sum(int(x) for x in cells[i])
                    for j, c in enumerate(cols):
                        figs[("coltot", name, c)] = sum(int(cells[i][j]) for i in range(len(rows)))
                    figs[("total", name)] = sum(figs[("rowtot", name, r)] for r in rows)
                for k, entry in enumerate(obj.get("resolution") or []):
                    if isinstance(entry, dict):
                        ch = entry.get("channel", CHANNEL[k] if k < len(CHANNEL) else str(k))
                        for field, kind in (("closed", "closed"), ("total_compensation_usd", "comp"),
                                            ("median_days", "median")):
                            if entry.get(field) is not None:
                                figs[(kind, ch)] = int(entry[field])
                    elif entry is not None:
                        figs[("closed", CHANNEL[k])] = int(entry)
                for s, v in (obj.get("status_cases") or {}).items():
                    figs[(AUX, "status-cases", s)] = int(v)
                self.given[(period, revision)] = figs

    def _state_truth(self, i, pkey):
        if (i, pkey) not in self._cache:
            self._cache[(i, pkey)] = compute_truth(pkey, self.states[i][1])
        return self._cache[(i, pkey)]

    @staticmethod
    def _mismatch(rel, figs):
        """The first published figure the truth contradicts, or None."""
        for key, v in rel.figs.items():
            if v is None:
                continue
            if key not in figs:
                continue
            if figs[key] != v:
                return f"{key_describe(key)}: published {v}, register {figs[key]}"
        return None

    def match(self, releases):
        """Maps each exact release to its true figures."""
        for rel in releases:
            if rel.noised:
                continue
            if (rel.period, rel.revision) in self.given:
                figs = self.given[(rel.period, rel.revision)]
                bad = self._mismatch(rel, figs)
                if bad:
                    self.problems.append(f"{rel.label}: --truth disagrees with the release: {bad}")
                    continue
                self.by_release[rel.index] = figs
                self.source[rel.index] = "--truth"
                continue
            if not self.states:
                continue
            explicit = [i for i, s in enumerate(self.states) if s[2] is not None and s[2] == rel.seq]
            candidates = explicit or [i for i, s in enumerate(self.states) if s[2] is None]
            fits, misses = [], []
            for i in candidates:
                figs = self._state_truth(i, rel.pkey)
                bad = self._mismatch(rel, figs)
                (misses if bad else fits).append((i, bad))
            if explicit and misses:
                self.problems.append(
                    f"{rel.label}: register {self.states[explicit[0]][0]} (given for private_seq "
                    f"{rel.seq}) disagrees with the release: {misses[0][1]}")
                continue
            if not fits:
                why = "; ".join(f"{self.states[i][0]}: {bad}" for i, bad in misses[:3])
                self.problems.append(f"{rel.label} (private_seq {rel.seq}): no register given reproduces "
                                     f"its published figures ({why})")
                continue
            figs0 = self._state_truth(fits[0][0], rel.pkey)
            if all(self._state_truth(i, rel.pkey) == figs0 for i, _ in fits[1:]):
                self.by_release[rel.index] = figs0
                self.source[rel.index] = self.states[fits[0][0]][0]
            else:
                self.problems.append(
                    f"{rel.label}: registers {', '.join(self.states[i][0] for i, _ in fits)} all "
                    f"reproduce its published figures but differ in hidden ones; give one with "
                    f"FILE@{rel.seq}")


# ---------------------------------------------------------------------------
# The model

def lin(coefs=None, const=0):
    return (dict(coefs or {}), const)


def lin_add(a, b, sign=1):
    coefs = dict(a[0])
    for v, c in b[0].items():
        coefs[v] = coefs.get(v, 0) + sign * c
        if coefs[v] == 0:
            del coefs[v]
    return (coefs, a[1] + sign * b[1])


def lin_sum(exprs):
    out = lin()
    for e in exprs:
        out = lin_add(out, e)
    return out


def lin_scale(a, k):
    return ({v: c * k for v, c in a[0].items()}, a[1] * k)


class Node:
    """A period computed from one register state (private_seq): the true figures
    are the same for every release of it."""

    def __init__(self, pkey, seq):
        self.pkey, self.seq = pkey, seq
        self.figs = {}       # key -> int (published by some release) or None
        self.tables = {}     # name -> (rows, columns)
        self.channels = []
        self.releases = []
        self.conflicts = []

    def add(self, rel):
        self.releases.append(rel)
        for name, rc in rel.tables.items():
            self.tables.setdefault(name, rc)
        for ch in rel.channels:
            if ch not in self.channels:
                self.channels.append(ch)
        for key, v in rel.figs.items():
            old = self.figs.get(key)
            if key not in self.figs or old is None:
                self.figs[key] = v
            elif v is not None and v != old:
                self.conflicts.append(f"{key_describe(key)}: {old} and {v}")


class Model:
    def __init__(self, releases, additions_only=False):
        self.releases = releases
        self.additions_only = additions_only
        self.var_lb, self.var_ub, self.var_info = [], [], []
        self.var_of = {}
        self.rows = []          # (coefs dict, lo, hi, family, label)
        self.refuted = []       # (family, label): constant constraints the figures break
        self.nodes = {}
        self.dropped_pairs = []
        self.noised = [r for r in releases if r.noised]
        for rel in releases:
            if rel.noised:
                continue
            seq = rel.seq if rel.seq is not None else ("release", rel.index)
            node = self.nodes.setdefault((rel.pkey, seq), Node(rel.pkey, seq))
            node.add(rel)
        self._build()

    # -- variables and terms
    def term(self, node, key):
        """The figure as a linear expression, or None if the node does not hold it."""
        if node is None or key not in node.figs:
            return None
        v = node.figs[key]
        if v is not None:
            return lin(const=v)
        idx = self.var_of.get((node.pkey, node.seq, key))
        if idx is None:
            idx = len(self.var_lb)
            lb, ub = 0, math.inf
            ks = [r.k for r in node.releases if key in r.figs and r.figs[key] is None]
            if key[0] == "closed" and ks:
                # F_RULE: a null closed count is 1..K-1 (no complement in resolution);
                # every release of this register state that hid it says so
                lb, ub = 1, min(ks) - 1
            if key[0] == "comp":
                closed = node.figs.get(("closed", key[1]))
                if closed == 0:
                    ub = 0                   # nothing closed, nothing recovered
            self.var_of[(node.pkey, node.seq, key)] = idx
            self.var_lb.append(lb)
            self.var_ub.append(ub)
            self.var_info.append((node, key))
        return lin({idx: 1})

    def add(self, lhs, sense, rhs, family, label):
        e = lin_add(lhs, rhs, -1)
        coefs, c = e
        lo, hi = {"=": (-c, -c), "<=": (-math.inf, -c), ">=": (-c, math.inf)}[sense]
        if not coefs:
            if not (lo <= 0 <= hi):
                self.refuted.append((family, label))
            return
        self.rows.append((coefs, lo, hi, family, label))

    # -- building
    def _build(self):
        for node in self.nodes.values():
            if node.conflicts:
                raise BadInput(f"two releases of {period_text(node.pkey)} at private_seq {node.seq} "
                               f"publish different figures: {node.conflicts[0]}")
            self._margins(node)
            self._linked(node)
        self._nested()

    def _margins(self, node):
        name_of = period_text(node.pkey)
        for name, (rows, cols) in node.tables.items():
            T = lambda key: self.term(node, key)  # noqa: E731
            lab = f"{name_of}@{node.seq} {name}"
            for r in rows:
                self.add(lin_sum(T(("cell", name, r, c)) for c in cols), "=", T(("rowtot", name, r)),
                         F_MARGINS, f"{lab} row {r}")
            for c in cols:
                self.add(lin_sum(T(("cell", name, r, c)) for r in rows), "=", T(("coltot", name, c)),
                         F_MARGINS, f"{lab} column {c}")
            self.add(lin_sum(T(("rowtot", name, r)) for r in rows), "=", T(("total", name)),
                     F_MARGINS, f"{lab} rows add up to the total")
            self.add(lin_sum(T(("coltot", name, c)) for c in cols), "=", T(("total", name)),
                     F_MARGINS, f"{lab} columns add up to the total")

    def _linked(self, node):
        lab = f"{period_text(node.pkey)}@{node.seq}"
        T = lambda key: self.term(node, key)  # noqa: E731
        has = node.tables
        if CO in has and SS in has:
            self.add(T(("total", CO)), "=", T(("total", SS)), F_LINKED, f"{lab} cases: channel-outcome = sector-sex")
        cases = T(("total", CO)) if CO in has else (T(("total", SS)) if SS in has else None)
        if GO in has and SG in has:
            for g in has[GO][0]:
                if g in has[SG][1]:
                    self.add(T(("rowtot", GO, g)), "=", T(("coltot", SG, g)), F_LINKED,
                             f"{lab} mentions of {g}: grievance-outcome = status-grievance")
            self.add(T(("total", GO)), "=", T(("total", SG)), F_LINKED, f"{lab} mentions: grievance tables agree")
        n_griev = len(has[GO][0]) if GO in has else (len(has[SG][1]) if SG in has else len(GRIEVANCE))
        if GO in has and CO in has:
            for o in has[GO][1]:
                if o not in has[CO][1]:
                    continue
                cases_o = T(("coltot", CO, o))
                for g in has[GO][0]:
                    self.add(T(("cell", GO, g, o)), "<=", cases_o, F_LINKED,
                             f"{lab} {g} x {o}: a case names a grievance once")
                mentions_o = T(("coltot", GO, o))
                self.add(mentions_o, ">=", cases_o, F_LINKED, f"{lab} {o}: every case names a grievance")
                self.add(mentions_o, "<=", lin_scale(cases_o, n_griev), F_LINKED,
                         f"{lab} {o}: a case names at most {n_griev} grievances")
        if cases is not None:
            for name in (GO, SG):
                if name in has:
                    m = T(("total", name))
                    self.add(m, ">=", cases, F_LINKED, f"{lab} {name} total: at least one grievance a case")
                    self.add(m, "<=", lin_scale(cases, n_griev), F_LINKED,
                             f"{lab} {name} total: at most {n_griev} grievances a case")
            if GO in has:
                for g in has[GO][0]:
                    self.add(T(("rowtot", GO, g)), "<=", cases, F_LINKED,
                             f"{lab} mentions of {g}: at most one a case")
            if SG in has:
                # Hidden figures: cases opened per residence status.
                statuses = has[SG][0]
                aux = {}
                for s in statuses:
                    node.figs.setdefault((AUX, "status-cases", s), None)
                    aux[s] = T((AUX, "status-cases", s))
                self.add(lin_sum(aux.values()), "=", cases, F_LINKED, f"{lab} cases by status add up")
                for s in statuses:
                    m = T(("rowtot", SG, s))
                    self.add(m, ">=", aux[s], F_LINKED, f"{lab} {s}: every case names a grievance")
                    self.add(m, "<=", lin_scale(aux[s], n_griev), F_LINKED,
                             f"{lab} {s}: at most {n_griev} grievances a case")
                    for g in has[SG][1]:
                        self.add(T(("cell", SG, s, g)), "<=", aux[s], F_LINKED,
                                 f"{lab} {s} x {g}: a case names a grievance once")

    def _nested(self):
        """Periods of one register state add up; with --assume-additions-only, a
        later register state holds at least what an earlier one did."""
        chains = defaultdict(list)   # (seq, later seq) -> [(low, up, label)]
        by_year = defaultdict(lambda: defaultdict(dict))   # year -> seq -> pkey -> node
        for (pkey, seq), node in self.nodes.items():
            by_year[pkey[1]][seq][pkey] = node
        for year, by_seq in sorted(by_year.items()):
            tree = [("Y", year)] + [("Q", year, q) for q in range(1, 5)] + \
                   [("M", year, m) for m in range(1, 13)]
            seqs = sorted(by_seq, key=lambda s: (isinstance(s, tuple), s if not isinstance(s, tuple) else 0))
            keys = set()
            for s in seqs:
                for node in by_seq[s].values():
                    keys.update(node.figs)
            keys.discard(None)
            keys = sorted(k for k in keys if k[0] != "median")
            for key in keys:
                family_nested = F_NESTED
                down_low_up = {}
                for s in seqs:
                    present = by_seq[s]
                    down, low, up = {}, {}, {}
                    for p in reversed(tree):  # months first
                        node = present.get(p)
                        t = self.term(node, key) if node is not None else None
                        if t is None:
                            kids = period_children(p)
                            if kids and all(down[k] is not None for k in kids):
                                t = lin_sum(down[k] for k in kids)
                        down[p] = t
                        kids = period_children(p)
                        low[p] = t if t is not None else lin_sum(low[k] for k in kids)
                    for p in tree:           # year first
                        if down[p] is not None:
                            up[p] = down[p]
                        else:
                            par = period_parent(p)
                            if par is None or up[par] is None:
                                up[p] = None
                            else:
                                sib = [k for k in period_children(par) if k != p]
                                up[p] = lin_add(up[par], lin_sum(low[k] for k in sib), -1)
                    down_low_up[s] = (down, low, up)
                    if isinstance(s, tuple):
                        continue  # a release without private_seq: no register state to share
                    for p in tree:
                        node = present.get(p)
                        if node is None or key not in node.figs or not period_children(p):
                            continue
                        kids = period_children(p)
                        whole = self.term(node, key)
                        lab = f"{period_text(p)}@{s} {key_describe(key)}"
                        if all(down[k] is not None for k in kids):
                            self.add(whole, "=", lin_sum(down[k] for k in kids), family_nested,
                                     f"{lab} = sum of its {'quarters' if p[0] == 'Y' else 'months'}")
                        else:
                            parts = lin_sum(low[k] for k in kids)
                            if parts[0] or parts[1]:
                                self.add(whole, ">=", parts, family_nested,
                                         f"{lab} >= its published parts")
                if not self.additions_only:
                    continue
                real = [s for s in seqs if not isinstance(s, tuple)]
                for p in tree:
                    for i, s in enumerate(real):
                        low_s = down_low_up[s][1][p]
                        if not (low_s[0] or low_s[1]):
                            continue
                        for s2 in real[i + 1:]:
                            up_s2 = down_low_up[s2][2][p]
                            if up_s2 is None:
                                continue
                            chains[(s, s2)].append((low_s, up_s2, f"{period_text(p)} {key_describe(key)}: "
                                                                  f"@{s} <= @{s2} (cases only added)"))
        if not self.additions_only:
            return
        # The attacker drops the assumption between two register states whenever the
        # published figures alone show it false there (a figure that went down):
        # then, and for every longer span holding that one.
        shown_false = set()
        for pair, items in chains.items():
            for low, up, label in items:
                diff = lin_add(low, up, -1)
                if not diff[0] and diff[1] > 0:
                    shown_false.add(pair)
                    self.refuted.append((F_REVISIONS, label))
                    break
        self.dropped_pairs = sorted(
            (a, b) for (a, b) in chains if any(a <= x and y <= b for (x, y) in shown_false))
        for pair, items in sorted(chains.items()):
            if pair in self.dropped_pairs:
                continue
            for low, up, label in items:
                self.add(low, "<=", up, F_REVISIONS, label)

    # -- what is attacked
    def targets(self):
        """(release, key, expression) for every suppressed figure of every exact release."""
        out = []
        for rel in self.releases:
            if rel.noised:
                continue
            seq = rel.seq if rel.seq is not None else ("release", rel.index)
            node = self.nodes[(rel.pkey, seq)]
            for key, v in rel.figs.items():
                if v is not None or key[0] in ("median", AUX):
                    continue
                if key[0] == "comp" and rel.figs.get(("closed", key[1])) == 0:
                    continue  # no case closed: 0 by definition, nothing withheld
                out.append((rel, key, self.term(node, key)))
        return out


# ---------------------------------------------------------------------------
# Solving

class Solver:
    """Exact integer bounds of figures over the model, one connected component at a time."""

    TOL = 1e-6

    def __init__(self, model, time_limit=60.0, use_pool=True):
        self.m = model
        self.time_limit = time_limit
        self.use_pool = use_pool
        self.stats = defaultdict(int)
        n = len(model.var_lb)
        parent = list(range(n))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        for coefs, *_ in model.rows:
            vs = list(coefs)
            for v in vs[1:]:
                a, b = find(vs[0]), find(v)
                if a != b:
                    parent[a] = b
        comp_vars = defaultdict(list)
        for v in range(n):
            comp_vars[find(v)].append(v)
        comp_rows = defaultdict(list)
        for i, (coefs, *_) in enumerate(model.rows):
            comp_rows[find(next(iter(coefs)))].append(i)
        self.comp_of = {v: find(v) for v in range(n)}
        self.comp_vars = comp_vars
        self.comp_rows = comp_rows
        self._built = {}
        self.results = {}  # var -> (lo, hi, lp_lo, lp_hi, status)
        self.checks = {}   # var -> the questions asked of it (see settle)

    def _component(self, var, families=None):
        """The smallest independent sub-problem holding `var`: the connected
        component of the model, restricted to `families`, with the bounds tightened,
        the figures those bounds fix substituted, and split again."""
        root = self.comp_of[var]
        ck = (root, families)
        if ck not in self._built:
            self._built[ck] = self._split(root, families)
        return self._built[ck][var]

    def _split(self, root, families):
        m = self.m
        vs = self.comp_vars[root]
        local = {v: i for i, v in enumerate(vs)}
        rows = [i for i in self.comp_rows[root] if families is None or m.rows[i][3] in families]
        data, ri, ci, lo, hi = [], [], [], [], []
        for k, i in enumerate(rows):
            coefs, l, h, fam, lab = m.rows[i]
            for v, c in coefs.items():
                data.append(c)
                ri.append(k)
                ci.append(local[v])
            lo.append(l)
            hi.append(h)
        A = sparse.csr_matrix((np.array(data, float), (ri, ci)), shape=(len(rows), len(vs)))
        lo, hi = np.array(lo, float), np.array(hi, float)
        lb = np.array([m.var_lb[v] for v in vs], float)
        ub = np.array([m.var_ub[v] for v in vs], float)
        lb, ub = self._propagate(A, lo, hi, lb, ub)
        result = {}
        if (lb > ub).any():
            infeasible = dict(infeasible=True)
            return {v: infeasible for v in vs}
        fixed = lb == ub
        # rows over the free figures, constants moved to the bounds of the row
        parent = list(range(len(vs)))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        A = A.tocsr()
        free_rows = []
        for k in range(A.shape[0]):
            s, e = A.indptr[k], A.indptr[k + 1]
            terms = [(j, c) for j, c in zip(A.indices[s:e], A.data[s:e]) if not fixed[j]]
            const = sum(c * lb[j] for j, c in zip(A.indices[s:e], A.data[s:e]) if fixed[j])
            if not terms:
                if not (lo[k] - 1e-9 <= const <= hi[k] + 1e-9):
                    infeasible = dict(infeasible=True)
                    return {v: infeasible for v in vs}
                continue
            free_rows.append((terms, lo[k] - const, hi[k] - const))
            for j, _ in terms[1:]:
                a, b = find(terms[0][0]), find(j)
                if a != b:
                    parent[a] = b
        groups = defaultdict(list)
        for j in range(len(vs)):
            if fixed[j]:
                result[vs[j]] = dict(infeasible=False, fixed=int(lb[j]))
            else:
                groups[find(j)].append(j)
        group_rows = defaultdict(list)
        for row in free_rows:
            group_rows[find(row[0][0][0])].append(row)
        for g, js in groups.items():
            sub = {j: i for i, j in enumerate(js)}
            data, ri, ci, glo, ghi = [], [], [], [], []
            for k, (terms, l, h) in enumerate(group_rows[g]):
                for j, c in terms:
                    data.append(c)
                    ri.append(k)
                    ci.append(sub[j])
                glo.append(l)
                ghi.append(h)
            nr = len(glo)
            GA = sparse.csr_matrix((np.array(data, float), (ri, ci)), shape=(nr, len(js)))
            glo, ghi = np.array(glo, float), np.array(ghi, float)
            glb, gub = lb[js], ub[js]
            eq = glo == ghi
            le = np.isfinite(ghi) & ~eq
            ge = np.isfinite(glo) & ~eq
            A_ub = sparse.vstack([GA[le], -GA[ge]]).tocsr() if (le.any() or ge.any()) else None
            b_ub = np.concatenate([ghi[le], -glo[ge]]) if A_ub is not None else None
            comp = dict(vs=[vs[j] for j in js], local={vs[j]: i for i, j in enumerate(js)}, A=GA,
                        lo=glo, hi=ghi, lb=glb, ub=gub, A_ub=A_ub, b_ub=b_ub,
                        A_eq=GA[eq] if eq.any() else None, b_eq=ghi[eq] if eq.any() else None,
                        Aint=GA.astype(np.int64), pool_min=None, pool_max=None, infeasible=False,
                        bounds=np.column_stack([glb, gub]))
            for j in js:
                result[vs[j]] = comp
        return result

    @staticmethod
    def _propagate(A, lo, hi, lb, ub, rounds=50):
        """Integer bound tightening over the rows (sound: every figure is a whole
        number). Pure Python: the rows are short."""
        A = A.tocsr()
        indptr, indices, data = A.indptr.tolist(), A.indices.tolist(), A.data.tolist()
        rows = [(list(zip(indices[indptr[r]:indptr[r + 1]], data[indptr[r]:indptr[r + 1]])),
                 float(lo[r]), float(hi[r])) for r in range(A.shape[0])]
        lb, ub = [float(x) for x in lb], [float(x) for x in ub]
        inf = math.inf
        eps = 1e-9
        for _ in range(rounds):
            changed = False
            for terms, l, h in rows:
                # activity bounds: finite part and the number of infinite terms
                mn, mn_inf, mx, mx_inf = 0.0, 0, 0.0, 0
                for v, c in terms:
                    a, b = (c * lb[v], c * ub[v]) if c > 0 else (c * ub[v], c * lb[v])
                    if a == -inf:
                        mn_inf += 1
                    else:
                        mn += a
                    if b == inf:
                        mx_inf += 1
                    else:
                        mx += b
                for v, c in terms:
                    a, b = (c * lb[v], c * ub[v]) if c > 0 else (c * ub[v], c * lb[v])
                    if h != inf:
                        if a == -inf:
                            rest = mn if mn_inf == 1 else -inf
                        else:
                            rest = mn - a if mn_inf == 0 else -inf
                        if rest != -inf:
                            bound = (h - rest) / c
                            if c > 0:
                                nb = math.floor(bound + eps)
                                if nb < ub[v]:
                                    ub[v] = float(nb)
                                    changed = True
                            else:
                                nb = math.ceil(bound - eps)
                                if nb > lb[v]:
                                    lb[v] = float(nb)
                                    changed = True
                    if l != -inf:
                        if b == inf:
                            rest = mx if mx_inf == 1 else inf
                        else:
                            rest = mx - b if mx_inf == 0 else inf
                        if rest != inf:
                            bound = (l - rest) / c
                            if c > 0:
                                nb = math.ceil(bound - eps)
                                if nb > lb[v]:
                                    lb[v] = float(nb)
                                    changed = True
                            else:
                                nb = math.floor(bound + eps)
                                if nb < ub[v]:
                                    ub[v] = float(nb)
                                    changed = True
            if not changed:
                break
        return np.array(lb), np.array(ub)

    def _witness(self, comp, x):
        """Adds an LP/MILP point to the pool if it is an exact integer solution."""
        if x is None:
            return False
        xi = np.round(x)
        if np.abs(x - xi).max(initial=0) > self.TOL:
            return False
        if (xi < comp["lb"]).any() or (xi > comp["ub"]).any():
            return False
        xi = xi.astype(np.int64)
        ax = comp["Aint"] @ xi
        if (ax < comp["lo"]).any() or (ax > comp["hi"]).any():
            return False
        if comp["pool_min"] is None:
            comp["pool_min"], comp["pool_max"] = xi.copy(), xi.copy()
        else:
            np.minimum(comp["pool_min"], xi, out=comp["pool_min"])
            np.maximum(comp["pool_max"], xi, out=comp["pool_max"])
        return True

    SEEDS = 4
    # HiGHS as shipped with scipy 1.10 (Debian bookworm) can call a feasible MILP
    # infeasible with its presolve on (seen on this model); bounds are solved without it.
    PRESOLVE = False
    FAST_LIMIT = 1.0   # seconds for the quick attempt with presolve

    def _seed(self, comp):
        """A few integer solutions of varied objectives, so that many bounds are
        shown by a known solution without a solve of their own (deterministic)."""
        comp["seeded"] = True
        n = len(comp["vs"])
        rng = np.random.default_rng(n)
        objectives = [np.ones(n), -np.ones(n)]
        while len(objectives) < max(2, self.SEEDS if n >= 3 else 2):
            objectives.append(rng.choice([-1.0, 1.0], size=n))
        for c in objectives:
            self.stats["seed"] += 1
            x = self._find(comp, c, min(5.0, self.time_limit))
            if x is not None:
                self._witness(comp, x)

    BATCH_ROUNDS = 20

    def _batch(self, comp):
        """Witnesses for many figures at once: repeatedly, one MILP whose objective
        pushes every figure still lacking the witness it needs (a value 0, for
        'not pinned'; a second value, for 'not exact') that way."""
        if not self.checks:
            return
        n = len(comp["vs"])
        targets = [(j, sorted(self.checks.get(v, ()))) for j, v in enumerate(comp["vs"]) if v in self.checks]
        for _ in range(self.BATCH_ROUNDS):
            pmin, pmax = comp["pool_min"], comp["pool_max"]
            if pmin is None:
                return
            c = np.zeros(n)
            for j, checks in targets:
                if comp["lb"][j] == comp["ub"][j]:
                    continue
                if pmin[j] == pmax[j]:
                    # one value seen: ask for another (down if it can go down)
                    c[j] = 1.0 if pmin[j] > comp["lb"][j] else -1.0
                elif any(w == "count" for _, _, w in checks) and comp["lb"][j] <= 0 < pmin[j] \
                        and all(pmax[j] < k for k, _, w in checks if w == "count"):
                    c[j] = 1.0       # not pinned needs a 0 (or K or more)
            if not c.any():
                return
            before = (pmin.copy(), pmax.copy())
            self.stats["batch"] += 1
            x = self._find(comp, c, min(5.0, self.time_limit))
            if x is None or not self._witness(comp, x):
                return
            if (comp["pool_min"] == before[0]).all() and (comp["pool_max"] == before[1]).all():
                return

    def _lp(self, comp, j, sense):
        n = len(comp["vs"])
        c = np.zeros(n)
        c[j] = sense
        self.stats["lp"] += 1
        bounds = comp["bounds"]
        r = linprog(c, A_ub=comp["A_ub"], b_ub=comp["b_ub"], A_eq=comp["A_eq"], b_eq=comp["b_eq"],
                    bounds=bounds, method="highs-ds")
        if r.status == 0:
            return "ok", sense * r.fun, r.x
        if r.status == 3:
            return "unbounded", None, None
        if r.status == 2:
            return "infeasible", None, None
        raise RuntimeError(f"linprog: {r.message}")

    def _find(self, comp, c, time_limit):
        """An integer solution that does well on objective c (for witnesses): HiGHS
        with presolve (fast), again without it when that claims there is none."""
        st, r, x = self._solve_milp(comp, c, gap=1e-4, presolve=True, time_limit=time_limit)
        if r.status in (0, 1) and x is not None:
            return x
        self.stats["retry_without_presolve"] += 1
        st, r, x = self._solve_milp(comp, c, gap=1e-4, presolve=False, time_limit=time_limit)
        return x if r.status in (0, 1) else None

    def _solve_milp(self, comp, c, gap=0.0, presolve=None, time_limit=None):
        """One HiGHS MILP over the component. Its solution is only ever used after an
        exact check (_witness); its optimum only without presolve, unless attained."""
        n = len(comp["vs"])
        t0 = time.perf_counter()
        cons = LinearConstraint(comp["A"], comp["lo"], comp["hi"]) if comp["A"].shape[0] else None
        r = milp(c, integrality=np.ones(n), bounds=Bounds(comp["lb"], comp["ub"]), constraints=cons,
                 options={"mip_rel_gap": gap, "disp": False,
                          "time_limit": self.time_limit if time_limit is None else time_limit,
                          "presolve": self.PRESOLVE if presolve is None else presolve})
        self.stats["milp_seconds"] += time.perf_counter() - t0
        return ("ok" if r.status == 0 else "other"), r, r.x

    def _milp(self, comp, j, sense, proven=None):
        """The exact integer bound of figure j (sense 1: minimum, -1: maximum).

        `proven` is the best bound already proven (the LP bound, rounded). A fast
        solve with HiGHS's presolve comes first: its solution is checked exactly,
        and when it attains `proven` that settles it whatever the solver claims. Only
        otherwise is the bound taken from a solve without presolve (see PRESOLVE)."""
        n = len(comp["vs"])
        c = np.zeros(n)
        c[j] = sense
        self.stats["milp"] += 1
        if proven is not None and math.isfinite(proven):
            _, r, _ = self._solve_milp(comp, c, presolve=True, time_limit=min(self.FAST_LIMIT, self.time_limit))
            if r.status in (0, 1) and r.x is not None and self._witness(comp, r.x) \
                    and round(r.x[j]) == proven:
                self.stats["milp_fast"] += 1
                return "ok", int(proven), r.x
        _, r, _ = self._solve_milp(comp, c)
        if r.status == 0:
            val = round(sense * r.fun)
            dual = getattr(r, "mip_dual_bound", None)
            if dual is not None and abs(sense * dual - val) >= 0.5:
                # not proven optimal: keep the proven bound (outer, sound)
                val = math.ceil(sense * dual - self.TOL) if sense > 0 else math.floor(sense * dual + self.TOL)
            self._witness(comp, r.x)
            return "ok", val, r.x
        if r.status == 1:  # time limit: the dual bound is still a valid outer bound
            self.stats["milp_timeouts"] += 1
            dual = getattr(r, "mip_dual_bound", None)
            if r.x is not None:
                self._witness(comp, r.x)
            if dual is None or not math.isfinite(dual):
                return "limit", None, None
            val = math.ceil(sense * dual - self.TOL) if sense > 0 else math.floor(sense * dual + self.TOL)
            return "limit", val, None
        if r.status == 2:
            if comp["pool_min"] is not None:
                # a known integer solution says otherwise: the solver is wrong here
                self.stats["solver_errors"] += 1
                return "error", None, None
            return "infeasible", None, None
        return "unbounded-or-infeasible", None, None

    def bound(self, var, families=None, use_pool=None):
        """(lo, hi, lp_lo, lp_hi, status) of one variable; hi None means unbounded."""
        use_pool = self.use_pool if use_pool is None else use_pool
        key = (var, families)
        if key in self.results:
            return self.results[key]
        comp = self._component(var, families)
        if comp["infeasible"]:
            res = (None, None, None, None, "infeasible")
            self.results[key] = res
            return res
        if "fixed" in comp:
            self.stats["by_bounds"] += 1
            v = comp["fixed"]
            res = (v, v, float(v), float(v), "ok")
            self.results[key] = res
            return res
        j = comp["local"][var]
        if use_pool and not comp.get("seeded"):
            self._seed(comp)
        out = []
        lps = []
        status = "ok"
        for sense in (1, -1):
            bound0 = comp["lb"][j] if sense > 0 else comp["ub"][j]
            pool = comp["pool_min"] if sense > 0 else comp["pool_max"]
            if use_pool and pool is not None and math.isfinite(bound0) and pool[j] == bound0:
                self.stats["by_pool_bound"] += 1
                out.append(int(bound0))
                lps.append(float(bound0))
                continue
            st, val, x = self._lp(comp, j, sense)
            if st == "infeasible":
                res = (None, None, None, None, "infeasible")
                self.results[key] = res
                return res
            if st == "unbounded":
                # LP unbounded and (see below) integer-feasible: the integer problem is
                # unbounded too (rational data, Meyer 1974)
                lps.append(None)
                out.append(None)
                continue
            lps.append(val)
            target = math.ceil(val - self.TOL) if sense > 0 else math.floor(val + self.TOL)
            if self._witness(comp, x):
                self.stats["by_lp"] += 1
                out.append(target)
                continue
            pool = comp["pool_min"] if sense > 0 else comp["pool_max"]
            if use_pool and pool is not None and pool[j] == target:
                self.stats["by_pool_lp"] += 1
                out.append(target)
                continue
            st, ival, _ = self._milp(comp, j, sense, proven=target)
            if st == "infeasible":
                res = (None, None, None, None, "infeasible")
                self.results[key] = res
                return res
            if st == "limit":
                status = "time-limit"
            if ival is None:
                out.append(target)
                status = "time-limit"
            else:
                out.append(ival)
        lo, hi = out
        if lo is None:  # unbounded below cannot happen (every figure >= 0)
            lo = 0
        res = (lo, hi, lps[0], lps[1], status)
        self.results[key] = res
        return res


    def _raw(self, root, families):
        """The component as the model states it: no bound tightening, no substitution
        (for verify, so that it does not share that code either)."""
        ck = ("raw", root, families)
        if ck in self._built:
            return self._built[ck]
        m = self.m
        vs = self.comp_vars[root]
        local = {v: i for i, v in enumerate(vs)}
        rows = [i for i in self.comp_rows[root] if families is None or m.rows[i][3] in families]
        data, ri, ci = [], [], []
        for k, i in enumerate(rows):
            for v, c in m.rows[i][0].items():
                data.append(c)
                ri.append(k)
                ci.append(local[v])
        A = sparse.csr_matrix((np.array(data, float), (ri, ci)), shape=(len(rows), len(vs)))
        lo = np.array([m.rows[i][1] for i in rows], float)
        hi = np.array([m.rows[i][2] for i in rows], float)
        eq = lo == hi
        le = np.isfinite(hi) & ~eq
        ge = np.isfinite(lo) & ~eq
        raw = dict(local=local, A=A, lo=lo, hi=hi, Aint=A.astype(np.int64),
                   lb=np.array([m.var_lb[v] for v in vs], float),
                   ub=np.array([m.var_ub[v] for v in vs], float),
                   A_ub=sparse.vstack([A[le], -A[ge]]).tocsr() if (le.any() or ge.any()) else None,
                   b_ub=np.concatenate([hi[le], -lo[ge]]) if (le.any() or ge.any()) else None,
                   A_eq=A[eq] if eq.any() else None, b_eq=hi[eq] if eq.any() else None)
        self._built[ck] = raw
        return raw

    def verify(self, var, lo, hi, families=None):
        """A second opinion on a disclosing interval [lo, hi]: looks for an integer
        solution outside it by other means than found it (the model as stated, without
        this program's bound tightening; an interior-point LP, then HiGHS's MILP with
        presolve). 'confirmed' when neither finds one, 'refuted' when one is found (it
        is checked exactly), 'unconfirmed' on a time limit."""
        raw = self._raw(self.comp_of[var], families)
        j = raw["local"][var]
        n = len(raw["lb"])
        outcome = "confirmed"
        for side in ("below", "above"):
            lb, ub = raw["lb"].copy(), raw["ub"].copy()
            if side == "below":
                if lo is None or lo - 1 < lb[j]:
                    continue
                ub[j] = lo - 1
            else:
                if hi is None:
                    continue
                if hi + 1 > ub[j]:
                    continue
                lb[j] = hi + 1
            self.stats["verify"] += 1
            r = linprog(np.zeros(n), A_ub=raw["A_ub"], b_ub=raw["b_ub"], A_eq=raw["A_eq"],
                        b_eq=raw["b_eq"], bounds=np.column_stack([lb, ub]), method="highs-ipm")
            if r.status == 2:
                continue
            cons = LinearConstraint(raw["A"], raw["lo"], raw["hi"]) if raw["A"].shape[0] else None
            r = milp(np.zeros(n), integrality=np.ones(n), bounds=Bounds(lb, ub), constraints=cons,
                     options={"disp": False, "time_limit": self.time_limit, "presolve": True})
            if r.status in (0, 1) and r.x is not None:
                xi = np.round(r.x)
                ax = raw["Aint"] @ xi.astype(np.int64)
                if np.abs(r.x - xi).max(initial=0) <= self.TOL and (xi >= lb).all() and (xi <= ub).all() \
                        and (ax >= raw["lo"]).all() and (ax <= raw["hi"]).all():
                    return "refuted"
            if r.status != 2:
                outcome = "unconfirmed"
        return outcome

    def settle(self, var, checks, families=None):
        """Bounds of one figure, tightened only until every check is decided.

        Keeps a proven outer interval [lo, hi] (hi None: unbounded) and the
        witnessed values [wlo, whi] of integer solutions found (the true integer
        interval lies between). A check (K, W, what) asks: is the figure exact?
        pinned inside 1..K-1 (counts)? narrower than W (W > 0)? A question is
        decided by the outer interval (the answer is yes) or by witnesses (two
        different values: not exact; a value 0 or >= K: not pinned; values W apart:
        not narrow). LP bounds are tried first, then an exact MILP bound of the side
        that can decide. Returns a dict with lo, hi, wlo, whi, lp_lo, lp_hi, status."""
        comp = self._component(var, families)
        if comp["infeasible"]:
            return dict(lo=None, hi=None, wlo=None, whi=None, lp_lo=None, lp_hi=None, status="infeasible")
        if "fixed" in comp:
            self.stats["by_bounds"] += 1
            v = comp["fixed"]
            return dict(lo=v, hi=v, wlo=v, whi=v, lp_lo=v, lp_hi=v, status="ok")
        j = comp["local"][var]
        if not comp.get("seeded"):
            self._seed(comp)
            self._batch(comp)
        st = dict(lo=int(comp["lb"][j]), hi=None if not math.isfinite(comp["ub"][j]) else int(comp["ub"][j]),
                  lp_lo=None, lp_hi=None, status="ok", lo_done=False, hi_done=False)

        def inner():
            if comp["pool_min"] is None:
                return None, None
            return int(comp["pool_min"][j]), int(comp["pool_max"][j])

        def need():
            """None when every check is decided, else 'lo', 'hi' or 'both'."""
            wlo, whi = inner()
            lo, hi = st["lo"], st["hi"]
            for k, w, what in checks:
                exact = hi is not None and lo == hi
                if hi is None and st["hi_done"]:
                    continue   # unbounded above: neither exact, pinned nor narrow
                if not exact and not (wlo is not None and wlo < whi):
                    return "both"
                if exact:
                    continue
                if what == "count":
                    pinned = lo >= 1 and hi is not None and hi <= k - 1
                    free = wlo is not None and (wlo <= 0 or whi >= k)
                    if not (pinned or free):
                        return "lo" if lo < 1 else "hi"
                if w and what in ("count", "closed"):
                    narrow = hi is not None and hi - lo < w
                    wide = wlo is not None and whi - wlo >= w
                    if not (narrow or wide):
                        return "both"
            return None

        for stage in ("lp", "milp"):
            while True:
                side = need()
                if side is None:
                    break
                wlo, whi = inner()
                sides = ["lo", "hi"] if side == "both" else [side]
                # a side already exact (proven and witnessed) cannot help
                sides = [x for x in sides if not st[x + "_done"]
                         and not (x == "lo" and wlo is not None and wlo == st["lo"])
                         and not (x == "hi" and whi is not None and whi == st["hi"])]
                if stage == "lp":
                    sides = [x for x in sides if st["lp_" + x] is None]
                if not sides:
                    break
                x_side = sides[0]
                sense = 1 if x_side == "lo" else -1
                if stage == "lp":
                    res, val, x = self._lp(comp, j, sense)
                    if res == "infeasible":
                        st["status"] = "infeasible"
                        return dict(lo=None, hi=None, wlo=None, whi=None, lp_lo=None, lp_hi=None,
                                    status="infeasible")
                    if res == "unbounded":
                        st["lp_hi"] = math.inf
                        st["hi"], st["hi_done"] = None, True   # integer-feasible: unbounded too
                        continue
                    st["lp_" + x_side] = val
                    if sense > 0:
                        st["lo"] = max(st["lo"], math.ceil(val - self.TOL))
                    else:
                        b = math.floor(val + self.TOL)
                        st["hi"] = b if st["hi"] is None else min(st["hi"], b)
                    if self._witness(comp, x):
                        self.stats["by_lp"] += 1
                        st[x_side + "_done"] = True
                else:
                    proven = st["lo"] if sense > 0 else st["hi"]
                    res, ival, _ = self._milp(comp, j, sense, proven=proven)
                    if res == "infeasible":
                        return dict(lo=None, hi=None, wlo=None, whi=None, lp_lo=None, lp_hi=None,
                                    status="infeasible")
                    if res == "ok":
                        st[x_side] = ival
                        st[x_side + "_done"] = True
                    elif res == "limit":
                        st["status"] = "time-limit"
                        if ival is not None:
                            st[x_side] = max(st["lo"], ival) if sense > 0 else min(st["hi"], ival)
                        st[x_side + "_done"] = True   # nothing better to be had
                    else:
                        if res == "error":
                            st["status"] = "solver-error"
                        st[x_side + "_done"] = True
        wlo, whi = inner()
        if need() is not None and st["status"] != "solver-error":
            st["status"] = "undecided"
        return dict(lo=st["lo"], hi=st["hi"], wlo=wlo, whi=whi, lp_lo=st["lp_lo"], lp_hi=st["lp_hi"],
                    status=st["status"])


# ---------------------------------------------------------------------------
# Verdicts

def verdict(key, lo, hi, k, width):
    if lo is None:
        return "infeasible"
    if hi is not None and lo == hi:
        return "exact"
    if key[0] == "comp":
        return "protected"   # a sum of dollars: only an exact value gives a case away
    if key[0] == "closed" and hi is not None and lo >= 1 and hi <= k - 1:
        # The publication rule itself says a null closed count is 1..K-1 (the
        # resolution table has no total, so no complement is suppressed there).
        if width and hi - lo < width:
            return "narrow"
        return "rule-pinned"
    if hi is not None and lo >= 1 and hi <= k - 1:
        return "pinned"
    if width and hi is not None and hi - lo < width:
        return "narrow"
    return "protected"


DISCLOSED = ("exact", "pinned", "narrow")
SEVERITY = {"exact": 3, "pinned": 2, "narrow": 1}

STAGES = [
    ("margins", frozenset({F_MARGINS, F_RULE})),
    ("linked tables", frozenset({F_MARGINS, F_RULE, F_LINKED})),
    ("nested periods", frozenset({F_MARGINS, F_RULE, F_NESTED})),
    ("linked tables + nested periods", frozenset({F_MARGINS, F_RULE, F_LINKED, F_NESTED})),
    ("revisions (assumes cases only added)", None),
]


def figure_kind(key):
    return "sum" if key[0] == "comp" else ("closed" if key[0] == "closed" else "count")


def attack(releases, args, truth=None):
    """Builds the model and bounds every suppressed figure. Returns the model, the
    solver, one dict per attacked figure of a release, and the timing."""
    t0 = time.perf_counter()
    model = Model(releases, additions_only=args.assume_additions_only)
    t_build = time.perf_counter() - t0
    solver = Solver(model, time_limit=args.time_limit, use_pool=not args.no_pool)
    targets = model.targets()
    width = args.protection_width
    checks = defaultdict(set)
    for rel, key, (coefs, _) in targets:
        if coefs:
            checks[next(iter(coefs))].add((rel.k, width, figure_kind(key)))

    solver.checks = {v: sorted(c) for v, c in checks.items()}

    def solve(var, families=None):
        if args.exact_bounds:
            lo, hi, lplo, lphi, status = solver.bound(var, families)
            return dict(lo=lo, hi=hi, wlo=lo, whi=hi, lp_lo=lplo, lp_hi=lphi, status=status)
        return solver.settle(var, sorted(checks[var]), families)

    t1 = time.perf_counter()
    results = {}
    for var in sorted(checks):
        r = solve(var)
        if r["status"] == "infeasible" and args.assume_additions_only:
            # The published figures refute the assumption here: drop it.
            r = solve(var, ALL_FACTS)
            if r["status"] != "infeasible":
                r["status"] = "assumption-refuted"
        results[var] = r
    cells = []
    for rel, key, (coefs, const) in targets:
        if not coefs:
            r = dict(lo=const, hi=const, wlo=const, whi=const, lp_lo=const, lp_hi=const, status="ok")
            var, how = None, "published in another release of the same register state"
        else:
            var, how = next(iter(coefs)), None
            r = results[var]
        cells.append(dict(rel=rel, key=key, var=var, cause=how, **r))
    t_solve = time.perf_counter() - t1
    # truth and soundness
    for c in cells:
        figs = truth.by_release.get(c["rel"].index) if truth else None
        c["truth"] = figs.get(c["key"]) if figs else None
        if c["truth"] is not None and c["lo"] is not None:
            c["sound"] = c["lo"] <= c["truth"] and (c["hi"] is None or c["truth"] <= c["hi"])
        else:
            c["sound"] = None
        c["verdict"] = verdict(c["key"], c["lo"], c["hi"], c["rel"].k, width)
        if c["status"] in ("undecided", "solver-error") and c["verdict"] not in DISCLOSED:
            c["verdict"] = c["status"]
    # causes of disclosures: the smallest set of constraint families that gives it
    t2 = time.perf_counter()
    for c in cells:
        if c["verdict"] not in DISCLOSED or c["cause"] is not None or c["var"] is None:
            continue
        for name, fams in STAGES:
            if fams is None:
                c["cause"] = name
                break
            r = solve(c["var"], fams)
            v = verdict(c["key"], r["lo"], r["hi"], c["rel"].k, width) if r["lo"] is not None else None
            if SEVERITY.get(v, 0) >= SEVERITY[c["verdict"]]:
                c["cause"] = name
                break
    t_cause = time.perf_counter() - t2
    # a second opinion on every disclosure that rests on a solver's bound
    t3 = time.perf_counter()
    verified = {}
    for c in cells:
        c["check"] = None
        if c["verdict"] not in DISCLOSED or c["var"] is None:
            continue
        fams = ALL_FACTS if c["status"] == "assumption-refuted" else None
        key = (c["var"], c["lo"], c["hi"], fams)
        if key not in verified:
            verified[key] = solver.verify(c["var"], c["lo"], c["hi"], fams)
        c["check"] = verified[key]
        if c["check"] == "refuted":
            c["verdict"] = "solver-error"
    t_verify = time.perf_counter() - t3
    timing = dict(build=t_build, solve=t_solve, causes=t_cause, verify=t_verify,
                  total=time.perf_counter() - t0)
    return model, solver, cells, timing


def truth_checks(model, truth):
    """Does the truth satisfy every constraint (per family)? Does it respect 'only added'?"""
    if truth is None:
        return [], None
    # the truth of every variable (per node: any release of the node with a truth)
    var_truth = {}
    for idx, (node, key) in enumerate(model.var_info):
        for rel in node.releases:
            figs = truth.by_release.get(rel.index)
            if figs and figs.get(key) is not None:
                var_truth[idx] = figs[key]
                break
    broken = []
    for coefs, lo, hi, fam, lab in model.rows:
        if not all(v in var_truth for v in coefs):
            continue
        val = sum(c * var_truth[v] for v, c in coefs.items())
        if not (lo <= val <= hi):
            broken.append((fam, lab))
    # additions only, on the truth: later register states of a period hold at least as much
    violations = 0
    compared = 0
    by_period = defaultdict(list)
    for (pkey, seq), node in model.nodes.items():
        if isinstance(seq, tuple):
            continue
        figs = None
        for rel in node.releases:
            figs = truth.by_release.get(rel.index) or figs
        if figs:
            by_period[pkey].append((seq, figs))
    examples = []
    for pkey, lst in by_period.items():
        lst.sort(key=lambda t: t[0])
        for (s1, f1), (s2, f2) in zip(lst, lst[1:]):
            compared += 1
            for key, v in f1.items():
                if key[0] == "median" or v is None or f2.get(key) is None:
                    continue
                if f2[key] < v:
                    violations += 1
                    if len(examples) < 5:
                        examples.append(f"{period_text(pkey)} {key_describe(key)}: {v} @{s1} -> {f2[key]} @{s2}")
                    break
    return broken, dict(pairs=compared, pairs_broken=violations, examples=examples)


# ---------------------------------------------------------------------------
# Report

def fmt_iv(lo, hi):
    if lo is None:
        return "infeasible"
    return f"[{lo}, {'inf' if hi is None else hi}]"


def report(releases, model, solver, cells, timing, truth, broken, added, args, notes, out):
    p = lambda *a: print(*a, file=out)  # noqa: E731
    exact_rel = [r for r in releases if not r.noised]
    p("remedy-net disclosure attack")
    origins = sorted({r.origin for r in releases if r.origin})
    p(f"releases: {len(releases)} of {', '.join(origins) or 'one member'}; {len(exact_rel)} with exact counts, "
      f"{len(model.noised)} noised")
    if model.noised:
        p("  noised (figures not used: discrete Laplace noise is unbounded, so no exact constraint): " +
          ", ".join(f"{r.label}" for r in model.noised))
    seqs = sorted({r.seq for r in exact_rel if r.seq is not None})
    p(f"register states (private_seq): {', '.join(map(str, seqs)) or '-'}; thresholds: "
      f"{', '.join(str(k) for k in sorted({r.k for r in exact_rel})) or '-'}")
    for n in notes:
        p(n)
    fam_count = defaultdict(int)
    for row in model.rows:
        fam_count[row[3]] += 1
    p(f"model: {len(model.var_lb)} integer variables, {len(model.rows)} constraints (" +
      ", ".join(f"{f} {n}" for f, n in sorted(fam_count.items())) + f"), "
      f"{sum(1 for r in solver.comp_vars if any(True for _ in solver.comp_vars[r]))} components; "
      f"assumption 'cases only added': {'ON' if args.assume_additions_only else 'off'}")
    if model.dropped_pairs:
        p("  'cases only added' dropped between register states " +
          ", ".join(f"{a}->{b}" for a, b in model.dropped_pairs) +
          ": the published figures show a figure that went down")
    if model.refuted:
        fams = defaultdict(int)
        for fam, _ in model.refuted:
            fams[fam] += 1
        p("published figures themselves break: " + ", ".join(f"{f} ({n})" for f, n in fams.items()) +
          "; first: " + model.refuted[0][1])
    if truth is not None:
        n_truth = sum(1 for r in exact_rel if r.index in truth.by_release)
        p(f"truth: {n_truth} of {len(exact_rel)} exact releases matched to a register"
          + (f"; unmatched: {len(truth.problems)}" if truth.problems else ""))
        for prob in truth.problems[:10]:
            p(f"  {prob}")
        if broken:
            fams = defaultdict(int)
            for fam, _ in broken:
                fams[fam] += 1
            p("  the truth breaks model constraints: " + ", ".join(f"{f} ({n})" for f, n in fams.items()))
            for fam, lab in broken[:5]:
                p(f"    [{fam}] {lab}")
        else:
            p("  the truth satisfies every constraint of the model that it can be checked against")
        if added is not None:
            p(f"  'cases only added' on the truth: {added['pairs']} pairs of register states of a period, "
              f"{added['pairs_broken']} break it" + (": " + "; ".join(added["examples"]) if added["examples"] else ""))
    counts = defaultdict(int)
    for c in cells:
        counts[c["verdict"]] += 1
    unsound = [c for c in cells if c["sound"] is False]
    disclosed = [c for c in cells if c["verdict"] in DISCLOSED and c["sound"] is not False]
    p(f"suppressed figures attacked: {len(cells)} "
      f"(count cells {sum(1 for c in cells if c['key'][0] == 'cell')}, totals "
      f"{sum(1 for c in cells if c['key'][0] in ('rowtot', 'coltot', 'total'))}, closed counts "
      f"{sum(1 for c in cells if c['key'][0] == 'closed')}, compensation sums "
      f"{sum(1 for c in cells if c['key'][0] == 'comp')})")
    p("verdicts: " + ", ".join(f"{v} {counts[v]}" for v in
                               ("exact", "pinned", "narrow", "rule-pinned", "protected", "undecided",
                                "solver-error", "infeasible")
                               if counts[v] or v in ("exact", "pinned")
                               or (v == "narrow" and args.protection_width)))
    if counts["undecided"] or counts["solver-error"]:
        p("  undecided / solver-error: a time limit, or a solver answer an exact check refuted; such a "
          "figure cannot be certified protected (exit status 1)")
    if counts["rule-pinned"]:
        p(f"  rule-pinned: null 'closed' counts of the resolution table, 1..K-1 by the publication rule "
          f"itself (no complementary suppression there); not counted unless --count-rule-pinned")
    if unsound:
        p(f"UNSOUND: {len(unsound)} intervals miss the truth (an assumption the data breaks); never counted "
          f"as disclosed")
        for c in unsound[:5]:
            p(f"  {c['rel'].label} {key_describe(c['key'])}: {fmt_iv(c['lo'], c['hi'])}, truth {c['truth']}")
    st = solver.stats
    exact_iv = sum(1 for c in cells if c["lo"] is not None and c["lo"] == c["wlo"] and c["hi"] == c["whi"])
    p(f"time: {timing['total']:.2f} s (model {timing['build']:.2f} s, bounds {timing['solve']:.2f} s, "
      f"causes {timing['causes']:.2f} s, second opinions {timing['verify']:.2f} s); "
      f"HiGHS: {st['lp']} LPs, {st['milp']} bound MILPs, {st['seed'] + st['batch']} witness MILPs "
      f"({st['milp_seconds']:.2f} s in MILPs"
      f"{', time limits hit ' + str(st['milp_timeouts']) if st['milp_timeouts'] else ''}); "
      f"{exact_iv} of {len(cells)} intervals exact"
      f"{'' if args.exact_bounds else ' (the others: proven bounds around witnessed values, enough for the verdict; --exact-bounds for all)'}")
    checks = defaultdict(int)
    for c in cells:
        if c.get("check"):
            checks[c["check"]] += 1
    if checks:
        p("second opinion on each disclosure (another solver path, the model without this program's "
          "bound tightening): " + ", ".join(f"{k} {v}" for k, v in sorted(checks.items())))
    # per release and table
    per = defaultdict(lambda: defaultdict(int))
    for c in cells:
        per[(c["rel"].index, key_table(c["key"]))]["n"] += 1
        per[(c["rel"].index, key_table(c["key"]))][c["verdict"]] += 1
    p("per release and table (attacked / exact / pinned / narrow):")
    for rel in sorted(exact_rel, key=lambda r: (period_sort_key(r.pkey), r.revision)):
        parts = []
        for t in list(TABLES) + [RESOLUTION]:
            d = per.get((rel.index, t))
            if d:
                parts.append(f"{t} {d['n']}/{d['exact']}/{d['pinned']}/{d['narrow']}")
        p(f"  {rel.label:12s} K={rel.k:<3d} seq={rel.seq}: " + ("; ".join(parts) or "nothing suppressed"))
    if disclosed:
        causes = defaultdict(lambda: defaultdict(int))
        for c in disclosed:
            causes[c["cause"] or "?"][c["verdict"]] += 1
        p("disclosed, by the least the attacker needs:")
        for cause, d in sorted(causes.items()):
            p(f"  {cause}: " + ", ".join(f"{v} {n}" for v, n in sorted(d.items())))
        p(f"first {min(20, len(disclosed))} disclosed figures:")
        for c in disclosed[:20]:
            t = "" if c["truth"] is None else f", truth {c['truth']}"
            p(f"  {c['rel'].label} (K={c['rel'].k}) {key_describe(c['key'])}: {c['verdict']} "
              f"{fmt_iv(c['lo'], c['hi'])}{t} [{c['cause']}]")
    else:
        p("nothing disclosed")


def write_json(path, releases, model, solver, cells, timing, truth, broken, added, args):
    def num(x):
        if x is None:
            return None
        if isinstance(x, float) and not math.isfinite(x):
            return None
        return x
    counts = defaultdict(int)
    for c in cells:
        counts[c["verdict"]] += 1
    doc = {
        "format": "remedy-net attack result",
        "version": 1,
        "assume_additions_only": bool(args.assume_additions_only),
        "protection_width": args.protection_width,
        "summary": {
            "releases": len(releases),
            "noised_releases": [r.label for r in model.noised],
            "attacked": len(cells),
            "verdicts": dict(counts),
            "unsound": sum(1 for c in cells if c["sound"] is False),
            "variables": len(model.var_lb),
            "constraints": len(model.rows),
            "lp": solver.stats["lp"],
            "milp": solver.stats["milp"],
            "seconds": {k: round(v, 3) for k, v in timing.items()},
        },
        "refuted_by_published_figures": [{"family": f, "constraint": l} for f, l in model.refuted],
        "truth": None if truth is None else {
            "matched": sorted(r.label for r in releases if r.index in truth.by_release),
            "sources": {r.label: truth.source[r.index] for r in releases if r.index in truth.source},
            "problems": truth.problems,
            "broken_constraints": [{"family": f, "constraint": l} for f, l in broken],
            "additions_only": added,
        },
        "cells": [],
    }
    for c in cells:
        rel = c["rel"]
        d = {"period": rel.period, "revision": rel.revision, "private_seq": rel.seq,
             "event_seq": rel.event_seq, "threshold": rel.k}
        d.update(key_json(c["key"]))
        exact = c["lo"] is not None and c["lo"] == c["wlo"] and c["hi"] == c["whi"]
        d.update(interval=[num(c["lo"]), num(c["hi"])], exact_interval=exact,
                 witnessed=[num(c["wlo"]), num(c["whi"])],
                 lp_interval=[num(c["lp_lo"]), num(c["lp_hi"])],
                 verdict=c["verdict"], cause=c["cause"], second_opinion=c.get("check"),
                 truth=c["truth"], sound=c["sound"], status=c["status"])
        doc["cells"].append(d)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


# ---------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Bound every suppressed figure of one member's statistics releases with an "
                    "integer-programming solver, and say which can be worked out.",
        epilog="Exit status: 0 no figure disclosed; 1 a figure is exact or pinned inside 1..K-1 "
               "(or narrow, with --protection-width; or undecided); 2 bad input, or releases no "
               "table agrees with. The model: tests/attack/README.md.")
    ap.add_argument("bundle", nargs="?", help="an audit bundle (remedy audit export)")
    ap.add_argument("--releases", action="append", default=[],
                    help="JSON Lines, one release JSON object (the payload) per line; repeatable")
    ap.add_argument("--cases", action="append", default=[], metavar="CSV[+CSV...][@SEQ]",
                    help="the true register at one state: CSV files imported in order (a later row "
                         "replaces an earlier one of the same case id); @SEQ ties it to the releases of "
                         "that private_seq, otherwise it is matched by the published figures; repeatable")
    ap.add_argument("--truth", action="append", default=[],
                    help='the true figures: JSON Lines {"period","revision","tables":{name:[[...]] or '
                         '{"rows","columns","cells"}},"resolution":[{"channel","closed",'
                         '"total_compensation_usd"}]}; matched by period and revision')
    ap.add_argument("--assume-additions-only", action="store_true",
                    help="the attacker assumes cases are only ever added between register states")
    ap.add_argument("--protection-width", type=int, default=0, metavar="W",
                    help="also count a count figure whose interval is narrower than W (0: off)")
    ap.add_argument("--count-rule-pinned", action="store_true",
                    help="count null 'closed' counts (1..K-1 by the rule itself) as disclosed")
    ap.add_argument("--json", metavar="OUT", help="write every figure's interval here")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per MILP (default 60)")
    ap.add_argument("--no-pool", action="store_true",
                    help="with --exact-bounds: never reuse known solutions (slower; for checks)")
    ap.add_argument("--exact-bounds", action="store_true",
                    help="compute the exact integer minimum and maximum of every figure (slower); by "
                         "default a bound is made exact only where the verdict depends on it")
    ap.add_argument("--require-truth", action="store_true",
                    help="exit 2 unless every exact release is matched to a truth")
    ap.add_argument("--quiet", action="store_true")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    notes = []
    try:
        releases = []
        if args.bundle:
            releases += load_bundle(args.bundle, notes)
        for path in args.releases:
            more = load_releases_jsonl(path)
            for r in more:
                r.index = len(releases)
                releases.append(r)
        if not args.bundle and not args.releases:
            raise BadInput("give an audit bundle or --releases FILE")
        for r in releases:
            if r.unknown_tables:
                notes.append(f"note: {r.label}: tables not in the format ignored: {', '.join(r.unknown_tables)}")
        truth = None
        if args.cases or args.truth:
            truth = Truth()
            for spec in args.cases:
                truth.add_state(spec)
            for path in args.truth:
                truth.add_given(path)
            truth.match(releases)
            if args.require_truth and truth.problems:
                raise BadInput("no truth for: " + "; ".join(truth.problems))
        model, solver, cells, timing = attack(releases, args, truth)
    except BadInput as e:
        print(f"attack: bad input: {e}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as e:
        print(f"attack: cannot read input: {e}", file=sys.stderr)
        return 2
    broken, added = truth_checks(model, truth)
    out = io.StringIO() if args.quiet else sys.stdout
    report(releases, model, solver, cells, timing, truth, broken, added, args, notes, out)
    if args.json:
        write_json(args.json, releases, model, solver, cells, timing, truth, broken, added, args)
    if any(c["verdict"] == "infeasible" for c in cells):
        print("attack: the releases contradict the model (see above): no table agrees with all of them",
              file=sys.stderr)
        return 2
    counted = set(DISCLOSED) | {"undecided", "solver-error"} | \
        ({"rule-pinned"} if args.count_rule_pinned else set())
    hit = [c for c in cells if c["verdict"] in counted and c["sound"] is not False]
    return 1 if hit else 0


if __name__ == "__main__":
    sys.exit(main())
