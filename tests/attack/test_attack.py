#!/usr/bin/python3
"""Self-test of attack.py on tiny hand-made releases whose answer is known.

    /usr/bin/python3 tests/attack/test_attack.py        (or: cd tests/attack && python3 -m unittest)

Standard library, numpy and scipy only; no remedy binaries needed.
"""

import base64
import contextlib
import hashlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attack  # noqa: E402


def table(name, rows, columns, values, hidden=None, k=5, null_totals=False):
    """A published table from true values: cells from 1 to k-1 are suppressed
    (primary), and so is every (row, column) index pair in `hidden`."""
    hidden = set(hidden or ())
    cells = []
    for i, row in enumerate(values):
        cells.append([None if (1 <= v <= k - 1 or (i, j) in hidden) else v for j, v in enumerate(row)])
    rt = [sum(r) for r in values]
    ct = [sum(values[i][j] for i in range(len(rows))) for j in range(len(columns))]
    t = {"name": name, "rows": rows, "columns": columns, "cells": cells,
         "row_totals": rt, "column_totals": ct, "total": sum(rt)}
    if null_totals:
        t["row_totals"] = [None] * len(rows)
        t["total"] = None
    return t


def release(period, tables, seq=1, revision=1, k=5, resolution=None, privacy=None):
    r = {"period": period, "revision": revision,
         "source": {"private_seq": seq, "private_hash": ""},
         "rules": {"threshold": k, "dominance_percent": 85, "complementary": "cycle"},
         "tables": tables, "resolution": resolution or []}
    if privacy:
        r["privacy"] = privacy
        r["rules"]["complementary"] = "none: counts noised"
    return r


SS_ROWS, SS_COLS = ["agriculture", "fishery"], ["female", "male"]


class Run:
    """Runs attack.main on releases (and truths) written to a temporary folder."""

    def __init__(self, releases, *options, truth=None, bundle=None, cases=None):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        args = []
        if bundle is not None:
            path = os.path.join(d, "x.bundle")
            with open(path, "w") as f:
                f.write(bundle)
            args.append(path)
        if releases is not None:
            path = os.path.join(d, "releases.jsonl")
            with open(path, "w") as f:
                for r in releases:
                    f.write(json.dumps(r) + "\n")
            args += ["--releases", path]
        if truth is not None:
            path = os.path.join(d, "truth.jsonl")
            with open(path, "w") as f:
                for t in truth:
                    f.write(json.dumps(t) + "\n")
            args += ["--truth", path]
        if cases is not None:
            path = os.path.join(d, "cases.csv")
            with open(path, "w") as f:
                f.write(cases)
            args += ["--cases", path]
        out = os.path.join(d, "out.json")
        args += ["--json", out] + list(options)
        self.stdout = io.StringIO()
        with contextlib.redirect_stdout(self.stdout), contextlib.redirect_stderr(io.StringIO()):
            self.code = attack.main(args)
        self.result = None
        if os.path.exists(out):
            with open(out) as f:
                self.result = json.load(f)
        self.dir.cleanup()

    def cells(self, **match):
        return [c for c in self.result["cells"] if all(c.get(k) == v for k, v in match.items())]

    def cell(self, **match):
        found = self.cells(**match)
        assert len(found) == 1, (match, found)
        return found[0]


class Margins(unittest.TestCase):
    def test_one_suppressed_cell_is_given_away_by_its_totals(self):
        t = table("sector-sex", SS_ROWS, SS_COLS, [[3, 7], [6, 8]])  # only the 3 is suppressed
        run = Run([release("2024-Q1", [t])])
        self.assertEqual(run.code, 1)
        c = run.cell(row="agriculture", column="female")
        self.assertEqual((c["interval"], c["verdict"], c["cause"]), ([3, 3], "exact", "margins"))

    def test_a_protected_table_discloses_nothing(self):
        # all four hidden: (0,0) is anywhere in 1..7, the others are 0..6 or 2..8
        t = table("sector-sex", SS_ROWS, SS_COLS, [[3, 4], [6, 2]], hidden={(1, 0)})
        run = Run([release("2024-Q1", [t])])
        self.assertEqual(run.code, 0, run.stdout.getvalue())
        self.assertEqual(run.cell(row="agriculture", column="female")["interval"], [1, 7])
        self.assertTrue(all(c["verdict"] == "protected" for c in run.result["cells"]))

    def test_pinned_inside_one_to_k_minus_one(self):
        # rows 4, 1; columns 4, 1: x00 is 3 or 4 whatever the others are
        t = table("sector-sex", SS_ROWS, SS_COLS, [[3, 1], [1, 0]], hidden={(1, 1)})
        run = Run([release("2024-Q1", [t])])
        c = run.cell(row="agriculture", column="female")
        self.assertEqual((c["interval"], c["verdict"]), ([3, 4], "pinned"))
        self.assertEqual(run.code, 1)

    def test_narrow_only_with_a_width(self):
        t = table("sector-sex", SS_ROWS, SS_COLS, [[5, 7], [6, 5]], hidden={(0, 0), (0, 1), (1, 0), (1, 1)}, k=5)
        # rows 12, 11; columns 11, 12: x00 in 0..11, wide
        self.assertEqual(Run([release("2024-Q1", [t])]).code, 0)
        run = Run([release("2024-Q1", [t])], "--protection-width", "20")
        self.assertEqual(run.code, 1)
        self.assertEqual(run.cell(row="agriculture", column="female")["verdict"], "narrow")


class NestedPeriods(unittest.TestCase):
    # January and February publish every cell; March hides all four; the quarter
    # publishes every cell: March = quarter - January - February.
    JAN = [[6, 5], [7, 9]]
    FEB = [[5, 6], [5, 8]]
    MAR = [[1, 7], [8, 6]]
    Q1 = [[12, 18], [20, 23]]

    def releases(self, mar_seq=1):
        return [
            release("2024-Q1", [table("sector-sex", SS_ROWS, SS_COLS, self.Q1)]),
            release("2024-01", [table("sector-sex", SS_ROWS, SS_COLS, self.JAN)]),
            release("2024-02", [table("sector-sex", SS_ROWS, SS_COLS, self.FEB)]),
            release("2024-03", [table("sector-sex", SS_ROWS, SS_COLS, self.MAR,
                                      hidden={(0, 1), (1, 0), (1, 1)})], seq=mar_seq),
        ]

    def test_quarter_minus_two_months(self):
        run = Run(self.releases())
        self.assertEqual(run.code, 1)
        for (r, c), v in {(0, 0): 1, (0, 1): 7, (1, 0): 8, (1, 1): 6}.items():
            cell = run.cell(period="2024-03", row=SS_ROWS[r], column=SS_COLS[c])
            self.assertEqual((cell["interval"], cell["verdict"], cell["cause"]), ([v, v], "exact", "nested periods"))

    def test_no_nesting_across_register_states(self):
        # March computed from another register state: the quarter says nothing about it
        run = Run(self.releases(mar_seq=2))
        self.assertEqual(run.code, 0, run.stdout.getvalue())

    def test_a_missing_month_still_bounds(self):
        # without February the quarter only bounds March from above
        rel = [r for r in self.releases() if r["period"] != "2024-02"]
        run = Run(rel)
        cell = run.cell(period="2024-03", row="agriculture", column="female")
        self.assertEqual(cell["interval"][0], 0)
        self.assertLessEqual(cell["interval"][1], 6)   # 12 - 6 (January) at most

    def test_resolution_closed_counts_nest(self):
        res = lambda counts: [{"channel": ch, "closed": n, "median_days": None,  # noqa: E731
                               "total_compensation_usd": None} for ch, n in counts]
        rel = [
            release("2024-Q1", [], resolution=res([("mrc", 7)])),
            release("2024-01", [], resolution=res([("mrc", 0)])),
            release("2024-02", [], resolution=res([("mrc", 5)])),
            release("2024-03", [], resolution=res([("mrc", None)])),
        ]
        run = Run(rel)
        cell = run.cell(period="2024-03", figure="closed")
        self.assertEqual((cell["interval"], cell["verdict"]), ([2, 2], "exact"))
        # alone, a null closed count is 1..K-1 by the rule: reported, not counted
        run = Run(rel[3:])
        cell = run.cell(period="2024-03", figure="closed")
        self.assertEqual((cell["interval"], cell["verdict"]), ([1, 4], "rule-pinned"))
        self.assertEqual(run.code, 0)
        self.assertEqual(Run(rel[3:], "--count-rule-pinned").code, 1)

    def test_compensation_sums_nest(self):
        res = lambda usd: [{"channel": "mrc", "closed": 9, "median_days": 3,  # noqa: E731
                            "total_compensation_usd": usd}]
        rel = [release("2024-Q1", [], resolution=res(5000)), release("2024-01", [], resolution=res(1000)),
               release("2024-02", [], resolution=res(None)), release("2024-03", [], resolution=res(2500))]
        cell = Run(rel).cell(period="2024-02", figure="comp")
        self.assertEqual((cell["interval"], cell["verdict"]), ([1500, 1500], "exact"))
        cell = Run(rel[2:]).cell(period="2024-02", figure="comp")
        self.assertEqual((cell["interval"], cell["verdict"]), ([0, None], "protected"))


class LinkedTables(unittest.TestCase):
    """One case with outcome `withdrawn` names three grievances: the channel-outcome
    total of 1 bounds each of the three suppressed grievance-outcome cells by 1, and
    they add up to 3."""

    G = ["unpaid-wages", "housing", "harassment-violence", "other"]
    O = ["withdrawn", "pending"]

    def releases(self, with_cases=True):
        go = table("grievance-outcome", self.G, self.O, [[1, 10], [1, 9], [1, 8], [0, 12]],
                   hidden={(0, 1), (1, 1), (2, 1)})
        co = table("channel-outcome", ["mrc", "otit"], self.O, [[1, 5], [0, 6]],
                   hidden={(0, 1), (1, 0), (1, 1)})
        ss = table("sector-sex", SS_ROWS, SS_COLS, [[6, 6], [0, 0]])
        sg = table("status-grievance", ["titp"], self.G, [[11, 10, 9, 12]])
        tables = [go, co, ss, sg] if with_cases else [go, ss, sg]
        return [release("2024-Q1", tables)]

    def test_outcome_total_of_one_gives_three_cells_away(self):
        run = Run(self.releases())
        self.assertEqual(run.code, 1)
        for g, rest in zip(self.G[:3], (10, 9, 8)):
            one = run.cell(table="grievance-outcome", row=g, column="withdrawn")
            self.assertEqual((one["interval"], one["verdict"], one["cause"]), ([1, 1], "exact", "linked tables"))
            other = run.cell(table="grievance-outcome", row=g, column="pending")
            self.assertEqual((other["interval"], other["verdict"]), ([rest, rest], "exact"))

    def test_without_the_case_table_they_are_protected(self):
        run = Run(self.releases(with_cases=False))
        one = run.cell(table="grievance-outcome", row="unpaid-wages", column="withdrawn")
        self.assertEqual((one["interval"], one["verdict"]), ([0, 3], "protected"))


class Revisions(unittest.TestCase):
    R1 = [[6, 7], [8, 9]]          # all published
    R2 = [[7, 7], [8, 9]]          # one case added to (0, 0); all hidden

    def releases(self, r2_truth=None):
        r2 = table("sector-sex", SS_ROWS, SS_COLS, r2_truth or self.R2, hidden={(0, 0), (0, 1), (1, 0), (1, 1)})
        return [release("2024-Q1", [table("sector-sex", SS_ROWS, SS_COLS, self.R1)], seq=1),
                release("2024-Q1", [r2], seq=2, revision=2)]

    def truth(self, r2):
        given = lambda v: {"sector-sex": {"rows": SS_ROWS, "columns": SS_COLS, "cells": v}}  # noqa: E731
        return [{"period": "2024-Q1", "revision": 1, "tables": given(self.R1)},
                {"period": "2024-Q1", "revision": 2, "tables": given(r2)}]

    def test_only_with_the_assumption(self):
        self.assertEqual(Run(self.releases()).code, 0)
        run = Run(self.releases(), "--assume-additions-only", truth=self.truth(self.R2))
        self.assertEqual(run.code, 1)
        c = run.cell(revision=2, row="agriculture", column="female")
        self.assertEqual((c["interval"], c["verdict"], c["cause"], c["sound"]),
                         ([7, 7], "exact", "revisions (assumes cases only added)", True))

    def test_an_assumption_the_truth_breaks_is_never_a_disclosure(self):
        # a case moved from (0, 0) to (0, 1) and one added to (1, 0): the totals are
        # those of an addition-only revision, the cells are not
        moved = [[5, 9], [9, 8]]
        run = Run(self.releases(moved), "--assume-additions-only", truth=self.truth(moved))
        c = run.cell(revision=2, row="agriculture", column="female")
        self.assertFalse(c["sound"])
        self.assertEqual(run.result["summary"]["unsound"] > 0, True)
        self.assertIn("UNSOUND", run.stdout.getvalue())
        self.assertEqual(run.code, 0)   # every "disclosure" rests on the broken assumption

    def test_published_figures_that_go_down_drop_the_assumption(self):
        r1 = table("sector-sex", SS_ROWS, SS_COLS, [[6, 7], [8, 9]])
        r2 = table("sector-sex", SS_ROWS, SS_COLS, [[5, 7], [8, 10]], hidden={(0, 0), (0, 1), (1, 0), (1, 1)})
        # row total 0 went from 13 to 12, published: cases were not only added
        run = Run([release("2024-Q1", [r1], seq=1), release("2024-Q1", [r2], seq=2, revision=2)],
                  "--assume-additions-only")
        self.assertEqual(run.code, 0, run.stdout.getvalue())
        self.assertIn("dropped between register states 1->2", run.stdout.getvalue())

    def test_a_second_release_of_one_register_state_hides_nothing(self):
        t1 = table("sector-sex", SS_ROWS, SS_COLS, [[6, 7], [8, 9]], k=5)
        t2 = table("sector-sex", SS_ROWS, SS_COLS, [[6, 7], [8, 9]], k=8)   # 6 and 7 now hidden
        run = Run([release("2024-Q1", [t1], k=5), release("2024-Q1", [t2], k=8, revision=2)])
        c = run.cell(revision=2, row="agriculture", column="female")
        self.assertEqual((c["interval"], c["verdict"]), ([6, 6], "exact"))
        self.assertIn("same register state", c["cause"])


class Modes(unittest.TestCase):
    def test_exact_bounds_give_the_same_verdicts(self):
        sets = [NestedPeriods().releases(), LinkedTables().releases(), LinkedTables().releases(False)]
        for releases in sets:
            quick, full = Run(releases), Run(releases, "--exact-bounds")
            self.assertEqual([c["verdict"] for c in quick.result["cells"]],
                             [c["verdict"] for c in full.result["cells"]])
            self.assertTrue(all(c["exact_interval"] for c in full.result["cells"]))
            for q, f in zip(quick.result["cells"], full.result["cells"]):
                # the quick interval holds the exact one, which holds what was witnessed
                self.assertLessEqual(q["interval"][0], f["interval"][0])
                self.assertLessEqual(f["interval"][0], q["witnessed"][0])
                self.assertGreaterEqual(f["interval"][1], q["witnessed"][1])

    def test_deterministic(self):
        later = [dict(r, period="2024-Q2") for r in Revisions().releases()]
        releases = NestedPeriods().releases() + later
        a = Run(releases, "--assume-additions-only").result["cells"]
        b = Run(releases, "--assume-additions-only").result["cells"]
        self.assertEqual(a, b)


class Formats(unittest.TestCase):
    def test_null_totals_and_unknown_fields(self):
        t = table("sector-sex", SS_ROWS, SS_COLS, [[6, 12], [7, 8]], hidden={(0, 1)}, null_totals=True)
        t["future_field"] = {"anything": [1, 2]}
        r = release("2024-Q1", [t, {"name": "a-new-table", "rows": ["x"], "columns": ["y"], "cells": [[3]]}])
        r["future"] = 1
        run = Run([r])
        self.assertEqual(run.cell(row="agriculture", column="male")["interval"], [12, 12])
        self.assertEqual(run.cell(figure="rowtot", row="agriculture")["interval"], [18, 18])
        self.assertEqual(run.cell(figure="total")["interval"], [33, 33])

    def test_noised_releases_are_listed_not_used(self):
        noisy = release("2024-Q1", [table("sector-sex", SS_ROWS, SS_COLS, [[3, 7], [6, 8]], k=1)],
                        privacy={"mechanism": "discrete-laplace", "epsilon": "0.5", "tables": []})
        run = Run([noisy])
        self.assertEqual(run.result["summary"]["noised_releases"], ["2024-Q1 r1"])
        self.assertEqual(run.result["cells"], [])
        self.assertEqual(run.code, 0)

    def test_bad_input_exits_2(self):
        self.assertEqual(Run(None, bundle="not json\n").code, 2)
        self.assertEqual(Run([{"period": "2024-Q5", "revision": 1, "tables": []}]).code, 2)
        bad = release("2024-Q1", [table("sector-sex", SS_ROWS, SS_COLS, [[3, 7], [6, 8]])])
        bad["tables"][0]["cells"] = [[1]]
        self.assertEqual(Run([bad]).code, 2)

    def test_bundle_events_are_decoded_from_the_documented_envelope(self):
        rel = release("2024-Q1", [table("sector-sex", SS_ROWS, SS_COLS, [[3, 7], [6, 8]])])
        events, prev = [], b"\0" * 32
        for seq, (kind, payload) in enumerate([(1, b"a note"), (4, json.dumps(rel).encode())], 1):
            body = (b"\xfe\x01\x02KH\x01" + seq.to_bytes(8, "big") + prev + (0).to_bytes(8, "big")
                    + kind.to_bytes(2, "big") + (1).to_bytes(2, "big") + len(payload).to_bytes(4, "big")
                    + payload)
            raw = body + b"\0" * 64   # signature bytes: not checked by the attacker
            prev = hashlib.sha256(body).digest()
            events.append(json.dumps({"event": {"seq": seq, "raw": base64.b64encode(raw).decode()}}))
        bundle = "\n".join([json.dumps({"bundle": {"format": "remedy-net audit bundle", "version": 1,
                                                   "origin": "KH"}}),
                            json.dumps({"manifest": {"text": ""}}), json.dumps({"checkpoint": {"text": ""}})]
                           + events) + "\n"
        run = Run(None, bundle=bundle)
        c = run.cell(row="agriculture", column="female")
        self.assertEqual((c["interval"], c["event_seq"]), ([3, 3], 2))


class TruthFromCases(unittest.TestCase):
    CSV = ("case_id,opened_on,closed_on,sex,age_band,residence_status,sector,stage,grievances,channel,"
           "outcome,compensation_usd\n"
           "a,2024-07-01,2024-07-11,female,25-34,titp,agriculture,in-employment,unpaid-wages;housing,mrc,"
           "resolved-compensated,100\n"
           "b,2024-08-01,2024-08-31,male,25-34,ssw-1,fishery,in-employment,unpaid-wages,mrc,"
           "resolved-compensated,900\n"
           "c,2024-09-01,,female,15-24,titp,agriculture,in-employment,housing,hotline,pending,\n"
           "d,2024-06-01,2024-07-05,female,25-34,titp,agriculture,in-employment,other,mrc,withdrawn,\n"
           "e,2024-10-01,,male,25-34,titp,agriculture,return,other,mrc,pending,\n")

    def test_tables_from_a_register(self):
        cases = attack.read_register_text(self.CSV)
        t = attack.compute_truth(("Q", 2024, 3), cases)
        self.assertEqual(t[("cell", "grievance-outcome", "unpaid-wages", "resolved-compensated")], 2)
        self.assertEqual(t[("cell", "grievance-outcome", "housing", "pending")], 1)
        self.assertEqual(t[("total", "grievance-outcome")], 4)     # mentions
        self.assertEqual(t[("total", "channel-outcome")], 3)       # cases; d and e are outside
        self.assertEqual(t[("cell", "sector-sex", "agriculture", "female")], 2)
        self.assertEqual(t[("aux", "status-cases", "titp")], 2)
        # closed in the quarter through mrc: a (10 days), b (30), d (34, opened in June)
        self.assertEqual((t[("closed", "mrc")], t[("median", "mrc")], t[("comp", "mrc")]), (3, 30, 1000))

    def test_releases_are_matched_to_the_register(self):
        cases = attack.read_register_text(self.CSV)
        t = attack.compute_truth(("Q", 2024, 3), cases)
        rows, cols = attack.TABLES["sector-sex"]
        values = [[t[("cell", "sector-sex", r, c)] for c in cols] for r in rows]
        rel = release("2024-Q3", [table("sector-sex", rows, cols, values, k=2)], k=2)
        run = Run([rel], cases=self.CSV)
        self.assertEqual(run.result["truth"]["matched"], ["2024-Q3 r1"])
        self.assertTrue(all(c["sound"] for c in run.result["cells"]))
        # a register that does not reproduce the published figures is not used
        other = self.CSV.replace("b,2024-08-01", "b,2024-10-01")
        run = Run([rel], cases=other)
        self.assertEqual(run.result["truth"]["matched"], [])


if __name__ == "__main__":
    unittest.main()
