//! Disclosure control for two-way count tables published with their row and column
//! totals: primary suppression of small counts, complementary suppression, and an
//! exact check that no suppressed cell can be worked out from what is published.
//!
//! What a reader knows: every published cell, every row and column total, and that
//! counts are whole numbers, at least 0 (a suppressed cell may be 0). The tables
//! that agree with that differ from each other by integer circulations on the
//! suppressed cells: adding 1 and taking 1 alternately around a cycle of suppressed
//! cells (row, column, row, ...) keeps every total. A suppressed cell is therefore
//! determined exactly when no such cycle passes through it along which the cells
//! that would lose 1 all hold at least 1 — in either direction. (If another table
//! agreeing with the publication existed with a different value in the cell, the
//! difference would be a circulation; a conformal decomposition of it holds a
//! simple cycle through the cell, and that cycle alone is such a cycle.) The check
//! searches for those cycles as paths in a small directed graph, so it is exact,
//! not a heuristic, and it needs only a table that agrees with the publication:
//! the publisher uses the true one, a receiver builds one from the published
//! figures by a max-flow ([`completion`]).

/// A table's cell values and its suppression pattern, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub rows: usize,
    pub columns: usize,
    pub values: Vec<u64>,
}

impl Grid {
    pub fn new(rows: usize, columns: usize, values: Vec<u64>) -> Self {
        assert_eq!(values.len(), rows * columns, "values must fill the grid");
        Self {
            rows,
            columns,
            values,
        }
    }

    fn at(&self, r: usize, c: usize) -> usize {
        r * self.columns + c
    }

    pub fn row_totals(&self) -> Vec<u64> {
        (0..self.rows)
            .map(|r| (0..self.columns).map(|c| self.values[self.at(r, c)]).sum())
            .collect()
    }

    pub fn column_totals(&self) -> Vec<u64> {
        (0..self.columns)
            .map(|c| (0..self.rows).map(|r| self.values[self.at(r, c)]).sum())
            .collect()
    }
}

/// Primary suppression: every count from 1 to `k - 1`.
pub fn primary(grid: &Grid, k: u64) -> Vec<bool> {
    grid.values.iter().map(|v| (1..k).contains(v)).collect()
}

/// What an earlier revision of a table published.
#[derive(Clone, Copy, Debug)]
pub struct Earlier<'a> {
    /// Row-major; `None` is suppressed.
    pub cells: &'a [Option<u64>],
    pub row_totals: &'a [u64],
    pub column_totals: &'a [u64],
}

/// The suppression pattern of a table, given what the previous revision of the
/// same table published, if there was one: every count from 1 to `k - 1`, every
/// cell the previous revision suppressed, and complements, avoiding cells the
/// previous revision published, until neither this revision nor its difference
/// with the previous one gives a hidden count away.
///
/// The difference: a reader who holds both revisions and knows that cases were
/// only added in between knows that each cell of this revision is the earlier
/// value plus a count d ≥ 0. The d form a table of their own whose totals are the
/// differences of the published totals and whose cells published in both
/// revisions are the differences of the published values; it is independent of
/// the earlier revision's unknowns. So a cell suppressed in both revisions is
/// safe, as its earlier value cannot be worked out, and a cell the earlier revision
/// published and this one hides is safe exactly when its d cannot be worked out
/// from the difference table (or is 0: then its value is the one already
/// published). Such cells are protected in the difference table like any other.
///
/// `Err` names the cells whose additions the difference gives away whatever is
/// suppressed (say, the only new cases of a row all fell in one cell that the
/// earlier revision published): a revision of exact counts would disclose them.
pub fn pattern(
    grid: &Grid,
    k: u64,
    previous: Option<Earlier<'_>>,
) -> Result<Vec<bool>, Vec<usize>> {
    let n = grid.values.len();
    let mut suppressed = primary(grid, k);
    let mut avoid = vec![false; n];
    let Some(earlier) = previous.filter(|e| e.cells.len() == n) else {
        return Ok(complementary(grid, suppressed));
    };
    for (i, cell) in earlier.cells.iter().enumerate() {
        match cell {
            None => suppressed[i] = true,
            Some(_) => avoid[i] = true,
        }
    }
    loop {
        suppressed = complementary_avoiding(grid, suppressed, &avoid);
        // The difference table as a reader sees it; none if the publications
        // contradict "only added" (the reader's assumption is then refuted).
        let cells: Option<Vec<Option<u64>>> = (0..n)
            .map(|i| match (suppressed[i], earlier.cells[i]) {
                (true, _) => Some(None),
                (false, Some(before)) => grid.values[i].checked_sub(before).map(Some),
                (false, None) => None,
            })
            .collect();
        let minus = |now: Vec<u64>, before: &[u64]| -> Option<Vec<u64>> {
            now.iter()
                .zip(before)
                .map(|(a, b)| a.checked_sub(*b))
                .collect()
        };
        let difference = cells.and_then(|cells| {
            let rows = minus(grid.row_totals(), earlier.row_totals)?;
            let columns = minus(grid.column_totals(), earlier.column_totals)?;
            completion(grid.rows, grid.columns, &cells, &rows, &columns)
        });
        let Some(difference) = difference else {
            return Ok(suppressed);
        };
        let at_risk: Vec<usize> = determined(&difference, &suppressed)
            .into_iter()
            .filter(|&i| earlier.cells[i].is_some() && difference.values[i] > 0)
            .collect();
        if at_risk.is_empty() {
            return Ok(suppressed);
        }
        match protect(&difference, suppressed.clone(), &avoid, |i| {
            at_risk.contains(&i)
        }) {
            Ok(more) if more != suppressed => suppressed = more,
            _ => return Err(at_risk),
        }
    }
}

/// Adds complementary suppressions to `suppressed` until [`determined`] finds no
/// cell. For each cell that can still be worked out, the cheapest cycle through it
/// is completed: a shortest path between its column and its row (in the direction
/// in which the cell gains 1, or the one in which it loses 1), alternating a cell
/// that would gain 1 and a cell that would lose 1 (which must hold at least 1),
/// where a cell already suppressed costs nothing and another costs its count plus one.
/// That makes the cell movable, so it cannot be determined, at the least total
/// count hidden for it (the network heuristic of cell suppression in two-way
/// tables). Returns the final pattern.
pub fn complementary(grid: &Grid, suppressed: Vec<bool>) -> Vec<bool> {
    let avoid = vec![false; grid.values.len()];
    complementary_avoiding(grid, suppressed, &avoid)
}

/// [`complementary`], taking a cell marked in `avoid` (one an earlier revision
/// published) only when no cycle without such cells exists: each costs more than
/// all other cells together.
pub fn complementary_avoiding(grid: &Grid, suppressed: Vec<bool>, avoid: &[bool]) -> Vec<bool> {
    // Where no cycle exists at all (a table of one row or column), everything
    // is hidden that the totals do not already give away.
    protect(grid, suppressed, avoid, |_| true).unwrap_or_else(|_| vec![true; grid.values.len()])
}

/// Complementary suppression for the cells `which` selects.
fn protect(
    grid: &Grid,
    mut suppressed: Vec<bool>,
    avoid: &[bool],
    which: impl Fn(usize) -> bool,
) -> Result<Vec<bool>, Vec<bool>> {
    let penalty = grid.values.iter().sum::<u64>() + grid.values.len() as u64 + 1;
    let cost = |suppressed: &[bool], i: usize| match (suppressed[i], avoid.get(i)) {
        (true, _) => 0,
        (false, Some(true)) => penalty + grid.values[i] + 1,
        (false, _) => grid.values[i] + 1,
    };
    loop {
        let exposed = determined(grid, &suppressed);
        let Some(&cell) = exposed.iter().find(|&&i| which(i)) else {
            return Ok(suppressed);
        };
        let (r, c) = (cell / grid.columns, cell % grid.columns);
        let column = grid.rows + c;
        // A cycle on which the cell gains (back from its column to its row), or one
        // on which it loses (from its row to its column; it must hold at least 1).
        let gain = cheapest_path(grid, &suppressed, &cost, cell, column, r);
        let lose = (grid.values[cell] >= 1)
            .then(|| cheapest_path(grid, &suppressed, &cost, cell, r, column))
            .flatten();
        let cheaper = match (gain, lose) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        };
        match cheaper.map(|(_, path)| path) {
            Some(path) => {
                for i in path {
                    suppressed[i] = true;
                }
            }
            // No cycle exists at all (a table of one row or column).
            None => return Err(suppressed),
        }
    }
}

/// The cost and cells of the cheapest alternating path from node `start` to node
/// `target` that avoids cell `e` (Dijkstra over rows and columns; a row is left by
/// a cell that gains 1, a column by a cell that loses 1 and so must hold at least 1).
fn cheapest_path(
    grid: &Grid,
    suppressed: &[bool],
    cost: &impl Fn(&[bool], usize) -> u64,
    e: usize,
    start: usize,
    target: usize,
) -> Option<(u64, Vec<usize>)> {
    let nodes = grid.rows + grid.columns;
    let mut best = vec![u64::MAX; nodes];
    let mut via: Vec<Option<(usize, usize)>> = vec![None; nodes];
    let mut done = vec![false; nodes];
    best[start] = 0;
    loop {
        let node = (0..nodes)
            .filter(|&n| !done[n] && best[n] < u64::MAX)
            .min_by_key(|&n| best[n])?;
        if node == target {
            break;
        }
        done[node] = true;
        let edges: Vec<(usize, usize)> = if node < grid.rows {
            (0..grid.columns)
                .map(|j| (grid.rows + j, grid.at(node, j)))
                .collect()
        } else {
            let j = node - grid.rows;
            (0..grid.rows)
                .map(|i| (i, grid.at(i, j)))
                .filter(|&(_, cell)| grid.values[cell] >= 1)
                .collect()
        };
        for (next, cell) in edges {
            if cell == e || done[next] {
                continue;
            }
            let through = best[node] + cost(suppressed, cell);
            if through < best[next] {
                best[next] = through;
                via[next] = Some((node, cell));
            }
        }
    }
    let mut path = Vec::new();
    let mut node = target;
    while let Some((prev, cell)) = via[node] {
        path.push(cell);
        node = prev;
    }
    Some((best[target], path))
}

/// The suppressed cells whose value follows exactly from the published cells and
/// totals. `grid` must agree with the publication (the true table, or a
/// [`completion`]).
pub fn determined(grid: &Grid, suppressed: &[bool]) -> Vec<usize> {
    (0..grid.values.len())
        .filter(|&e| suppressed[e])
        .filter(|&e| !can_increase(grid, suppressed, e) && !can_decrease(grid, suppressed, e))
        .collect()
}

/// Nodes: rows 0..R, columns R..R+C. A cell that gains is an edge row → column; a
/// cell that loses (it must hold at least 1) an edge column → row. A cycle through
/// cell e that makes e gain is e (row → column) and then a path back from its
/// column to its row.
fn can_increase(grid: &Grid, suppressed: &[bool], e: usize) -> bool {
    let (r, c) = (e / grid.columns, e % grid.columns);
    reachable(grid, suppressed, e, grid.rows + c, r)
}

/// e loses (column → row), then a path from its row back to its column.
fn can_decrease(grid: &Grid, suppressed: &[bool], e: usize) -> bool {
    let (r, c) = (e / grid.columns, e % grid.columns);
    grid.values[e] >= 1 && reachable(grid, suppressed, e, r, grid.rows + c)
}

/// Whether `to` is reachable from `from` over suppressed cells other than `skip`.
fn reachable(grid: &Grid, suppressed: &[bool], skip: usize, from: usize, to: usize) -> bool {
    let nodes = grid.rows + grid.columns;
    let mut seen = vec![false; nodes];
    let mut stack = vec![from];
    seen[from] = true;
    while let Some(node) = stack.pop() {
        if node == to {
            return true;
        }
        let next: Vec<usize> = if node < grid.rows {
            // From a row: any suppressed cell in it can gain.
            (0..grid.columns)
                .filter(|&c| {
                    let i = grid.at(node, c);
                    i != skip && suppressed[i]
                })
                .map(|c| grid.rows + c)
                .collect()
        } else {
            // From a column: a suppressed cell in it that holds at least 1 can lose.
            let c = node - grid.rows;
            (0..grid.rows)
                .filter(|&r| {
                    let i = grid.at(r, c);
                    i != skip && suppressed[i] && grid.values[i] >= 1
                })
                .collect()
        };
        for n in next {
            if !seen[n] {
                seen[n] = true;
                stack.push(n);
            }
        }
    }
    false
}

/// A table that agrees with a publication: the published cells, and suppressed
/// cells filled so that every row and column total holds (a max-flow from rows to
/// columns over the suppressed cells). `None` when no such table exists: the
/// publication contradicts itself.
pub fn completion(
    rows: usize,
    columns: usize,
    published: &[Option<u64>],
    row_totals: &[u64],
    column_totals: &[u64],
) -> Option<Grid> {
    let at = |r: usize, c: usize| r * columns + c;
    let mut values: Vec<u64> = published.iter().map(|v| v.unwrap_or(0)).collect();
    // What the suppressed cells of each line must add up to.
    let mut need_row = Vec::with_capacity(rows);
    for (r, total) in row_totals.iter().enumerate() {
        let shown: u64 = (0..columns).map(|c| values[at(r, c)]).sum();
        need_row.push(total.checked_sub(shown)?);
    }
    let mut need_column = Vec::with_capacity(columns);
    for (c, total) in column_totals.iter().enumerate() {
        let shown: u64 = (0..rows).map(|r| values[at(r, c)]).sum();
        need_column.push(total.checked_sub(shown)?);
    }
    if need_row.iter().sum::<u64>() != need_column.iter().sum::<u64>() {
        return None;
    }
    // Augmenting paths (Ford-Fulkerson): rows → suppressed cells → columns.
    while let Some(source) = (0..rows).find(|&r| need_row[r] > 0) {
        // Breadth-first search over the residual graph from `source` to a column
        // with remaining need. Forward edges: suppressed cells (unbounded); backward
        // edges: suppressed cells holding flow.
        let nodes = rows + columns;
        let mut parent: Vec<Option<(usize, usize)>> = vec![None; nodes];
        let mut seen = vec![false; nodes];
        let mut queue = std::collections::VecDeque::from([source]);
        seen[source] = true;
        let mut sink = None;
        while let Some(node) = queue.pop_front() {
            if node >= rows && need_column[node - rows] > 0 {
                sink = Some(node);
                break;
            }
            let edges: Vec<(usize, usize)> = if node < rows {
                (0..columns)
                    .filter(|&c| published[at(node, c)].is_none())
                    .map(|c| (rows + c, at(node, c)))
                    .collect()
            } else {
                let c = node - rows;
                (0..rows)
                    .filter(|&r| published[at(r, c)].is_none() && values[at(r, c)] > 0)
                    .map(|r| (r, at(r, c)))
                    .collect()
            };
            for (n, cell) in edges {
                if !seen[n] {
                    seen[n] = true;
                    parent[n] = Some((node, cell));
                    queue.push_back(n);
                }
            }
        }
        let sink = sink?;
        // Push as much as the path carries: what the source row and the sink
        // column still need, and what each cell taken back (column → row) holds.
        // Pushing one unit at a time would take time in proportion to the totals,
        // which a release may set up to 2^40: a hostile one would stall every peer.
        let mut amount = need_row[source].min(need_column[sink - rows]);
        let mut node = sink;
        while let Some((prev, cell)) = parent[node] {
            if prev >= rows {
                amount = amount.min(values[cell]);
            }
            node = prev;
        }
        let mut node = sink;
        while let Some((prev, cell)) = parent[node] {
            if prev < rows {
                values[cell] += amount;
            } else {
                values[cell] -= amount;
            }
            node = prev;
        }
        need_row[source] -= amount;
        need_column[sink - rows] -= amount;
    }
    need_column
        .iter()
        .all(|n| *n == 0)
        .then(|| Grid::new(rows, columns, values))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn publication(grid: &Grid, suppressed: &[bool]) -> Vec<Option<u64>> {
        grid.values
            .iter()
            .zip(suppressed)
            .map(|(v, s)| (!s).then_some(*v))
            .collect()
    }

    /// Every table with the same published figures, by brute force over small
    /// values: the reference the cycle test is checked against.
    fn brute_force_determined(grid: &Grid, suppressed: &[bool]) -> Vec<usize> {
        let cells: Vec<usize> = (0..grid.values.len()).filter(|&i| suppressed[i]).collect();
        let (rt, ct) = (grid.row_totals(), grid.column_totals());
        // No cell can exceed its row's total.
        let max = rt.iter().copied().max().unwrap_or(0);
        let mut seen: Vec<std::collections::BTreeSet<u64>> = vec![Default::default(); cells.len()];
        let mut values = grid.values.clone();
        #[allow(clippy::too_many_arguments)]
        fn walk(
            k: usize,
            cells: &[usize],
            values: &mut Vec<u64>,
            grid: &Grid,
            max: u64,
            rt: &[u64],
            ct: &[u64],
            seen: &mut [std::collections::BTreeSet<u64>],
        ) {
            if k == cells.len() {
                let g = Grid::new(grid.rows, grid.columns, values.clone());
                if g.row_totals() == rt && g.column_totals() == ct {
                    for (i, &cell) in cells.iter().enumerate() {
                        seen[i].insert(values[cell]);
                    }
                }
                return;
            }
            for v in 0..=max {
                values[cells[k]] = v;
                walk(k + 1, cells, values, grid, max, rt, ct, seen);
            }
        }
        walk(0, &cells, &mut values, grid, max, &rt, &ct, &mut seen);
        cells
            .iter()
            .zip(seen)
            .filter(|(_, s)| s.len() == 1)
            .map(|(c, _)| *c)
            .collect()
    }

    #[test]
    fn a_lone_suppressed_cell_in_a_line_is_determined_and_complements_fix_it() {
        let grid = Grid::new(3, 3, vec![2, 10, 12, 9, 8, 15, 11, 14, 6]);
        let primary = primary(&grid, 5);
        assert_eq!(determined(&grid, &primary), vec![0]);
        let pattern = complementary(&grid, primary);
        assert!(determined(&grid, &pattern).is_empty());
        assert!(
            pattern.iter().filter(|s| **s).count() >= 4,
            "a cycle needs four cells"
        );
    }

    #[test]
    fn ones_on_a_cycle_are_determined_because_counts_cannot_go_below_zero() {
        // A 2x2 block of suppressed cells, but no cell of it can lose 1 and stay a
        // count: row 1 must be 0, 0, and then cell (0, 0) must be 1.
        let grid = Grid::new(2, 3, vec![1, 0, 7, 0, 0, 9]);
        let suppressed = vec![true, true, false, true, true, false];
        let mut found = determined(&grid, &suppressed);
        found.sort();
        assert_eq!(found, brute_force_determined(&grid, &suppressed));
        assert_eq!(found.len(), 4);
    }

    #[test]
    fn the_cycle_test_agrees_with_brute_force_on_random_small_tables() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for _ in 0..300 {
            let (rows, columns) = (rng.gen_range(2..=3), rng.gen_range(2..=3));
            let values: Vec<u64> = (0..rows * columns).map(|_| rng.gen_range(0..4)).collect();
            let grid = Grid::new(rows, columns, values);
            let suppressed: Vec<bool> = (0..rows * columns).map(|_| rng.gen_bool(0.45)).collect();
            if suppressed.iter().filter(|s| **s).count() > 4 {
                continue;
            }
            let mut found = determined(&grid, &suppressed);
            found.sort();
            assert_eq!(
                found,
                brute_force_determined(&grid, &suppressed),
                "{grid:?} {suppressed:?}"
            );
            // A receiver reaches the same verdict from the publication alone.
            let other = completion(
                rows,
                columns,
                &publication(&grid, &suppressed),
                &grid.row_totals(),
                &grid.column_totals(),
            )
            .unwrap();
            let mut from_publication = determined(&other, &suppressed);
            from_publication.sort();
            assert_eq!(from_publication, found);
        }
    }

    #[test]
    fn complementary_suppression_protects_every_cell_of_random_tables() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for _ in 0..200 {
            let (rows, columns) = (rng.gen_range(2..=8), rng.gen_range(2..=7));
            let values: Vec<u64> = (0..rows * columns)
                .map(|_| {
                    if rng.gen_bool(0.3) {
                        rng.gen_range(0..5)
                    } else {
                        rng.gen_range(0..60)
                    }
                })
                .collect();
            let grid = Grid::new(rows, columns, values);
            let pattern = complementary(&grid, primary(&grid, 5));
            assert!(determined(&grid, &pattern).is_empty(), "{grid:?}");
            for (i, v) in grid.values.iter().enumerate() {
                if (1..5).contains(v) {
                    assert!(pattern[i], "a small count is published");
                }
            }
        }
    }

    /// Totals as large as a release may state (2^40), every cell hidden: the
    /// completion pushes whole path amounts, so it takes a handful of paths, not
    /// one per unit (which took 19 s at totals of 10^7, and would take weeks here).
    #[test]
    fn a_completion_of_huge_totals_takes_few_paths() {
        let (rows, columns) = (13, 7);
        let big = 1u64 << 40;
        let row_totals: Vec<u64> = (0..rows).map(|r| big / 16 + r as u64 * 977).collect();
        let total: u64 = row_totals.iter().sum();
        let mut column_totals = vec![total / columns as u64; columns];
        column_totals[0] += total % columns as u64;
        let hidden = vec![None; rows * columns];
        let grid = completion(rows, columns, &hidden, &row_totals, &column_totals).unwrap();
        assert_eq!(grid.row_totals(), row_totals);
        assert_eq!(grid.column_totals(), column_totals);
        let suppressed = vec![true; rows * columns];
        assert!(determined(&grid, &suppressed).is_empty());
    }

    #[test]
    fn a_contradictory_publication_has_no_completion() {
        assert!(completion(1, 2, &[None, Some(5)], &[3], &[0, 5]).is_none());
        assert!(completion(1, 2, &[None, None], &[3], &[1, 1]).is_none());
    }

    #[test]
    fn the_tables_of_a_synthetic_quarter_are_protected() {
        use crate::case::Date;
        use crate::tables::{Period, compute};
        for (member, count) in [("KH", 300), ("VN", 2000), ("JP", 40)] {
            let cases: Vec<_> = crate::synthetic::generate(
                &crate::MemberId::new(member).unwrap(),
                count,
                3,
                Date::parse("2024-01-01").unwrap(),
                Date::parse("2024-12-31").unwrap(),
            )
            .collect();
            let tables = compute(Period::parse("2024-Q3").unwrap(), &cases);
            for table in tables.counts() {
                let grid = Grid::new(table.rows.len(), table.columns.len(), table.cells.clone());
                let first = primary(&grid, 5);
                let pattern = complementary(&grid, first.clone());
                assert!(
                    determined(&grid, &pattern).is_empty(),
                    "{member} {}",
                    table.name
                );
                assert!(first.iter().zip(&pattern).all(|(p, q)| !p || *q));
                let receiver = completion(
                    grid.rows,
                    grid.columns,
                    &publication(&grid, &pattern),
                    &grid.row_totals(),
                    &grid.column_totals(),
                )
                .unwrap();
                assert!(determined(&receiver, &pattern).is_empty());
            }
        }
    }

    /// Every table agreeing with a publication whose cells are at least `lower`:
    /// an exact search, cell by cell, bounded by what is left of each row and
    /// column total.
    fn tables_agreeing(
        rows: usize,
        columns: usize,
        published: &[Option<u64>],
        (rt, ct): (&[u64], &[u64]),
        lower: &[u64],
    ) -> Vec<Vec<u64>> {
        fn walk(
            i: usize,
            shape: (usize, usize),
            published: &[Option<u64>],
            lower: &[u64],
            left: (&mut Vec<i64>, &mut Vec<i64>),
            values: &mut Vec<u64>,
            found: &mut Vec<Vec<u64>>,
        ) {
            let (rows, columns) = shape;
            if i == rows * columns {
                if left.0.iter().chain(left.1.iter()).all(|v| *v == 0) {
                    found.push(values.clone());
                }
                return;
            }
            let (r, c) = (i / columns, i % columns);
            let range = match published[i] {
                Some(v) => v..=v,
                None => lower[i]..=(left.0[r].min(left.1[c]).max(-1) as u64).min(1000),
            };
            if published[i].is_none() && (left.0[r].min(left.1[c]) < lower[i] as i64) {
                return;
            }
            for v in range {
                let v_i = v as i64;
                if v_i > left.0[r] || v_i > left.1[c] {
                    break;
                }
                // The last cell of a row or column must take what is left.
                if (c == columns - 1 && v_i != left.0[r]) || (r == rows - 1 && v_i != left.1[c]) {
                    continue;
                }
                left.0[r] -= v_i;
                left.1[c] -= v_i;
                values[i] = v;
                walk(
                    i + 1,
                    shape,
                    published,
                    lower,
                    (&mut *left.0, &mut *left.1),
                    values,
                    found,
                );
                left.0[r] += v_i;
                left.1[c] += v_i;
            }
        }
        let mut found = Vec::new();
        let mut left = (
            rt.iter().map(|v| *v as i64).collect::<Vec<_>>(),
            ct.iter().map(|v| *v as i64).collect::<Vec<_>>(),
        );
        walk(
            0,
            (rows, columns),
            published,
            lower,
            (&mut left.0, &mut left.1),
            &mut vec![0; rows * columns],
            &mut found,
        );
        found
    }

    /// The attack on revisions: a reader holds two revisions of one table and
    /// knows that cases were only added in between (no count went down), so every
    /// cell of the second is at least the same cell of the first. Searching every
    /// pair of tables that agrees with both publications and with that, no
    /// suppressed cell of either revision has only one possible value.
    #[test]
    fn two_revisions_together_determine_no_suppressed_cell() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(21);
        let (mut checked, mut refused) = (0, 0);
        for _ in 0..300 {
            let (rows, columns) = (3, rng.gen_range(3..=4));
            let first: Vec<u64> = (0..rows * columns)
                .map(|_| {
                    if rng.gen_bool(0.4) {
                        rng.gen_range(0..5)
                    } else {
                        rng.gen_range(5..12)
                    }
                })
                .collect();
            let second: Vec<u64> = first
                .iter()
                .map(|v| {
                    v + if rng.gen_bool(0.3) {
                        rng.gen_range(1..4)
                    } else {
                        0
                    }
                })
                .collect();
            let (g1, g2) = (
                Grid::new(rows, columns, first),
                Grid::new(rows, columns, second),
            );
            let p1 = pattern(&g1, 5, None);
            let p1 = p1.unwrap();
            let pub1 = publication(&g1, &p1);
            let Ok(p2) = pattern(
                &g2,
                5,
                Some(Earlier {
                    cells: &pub1,
                    row_totals: &g1.row_totals(),
                    column_totals: &g1.column_totals(),
                }),
            ) else {
                refused += 1;
                continue;
            };
            let pub2 = publication(&g2, &p2);
            assert!(
                p1.iter().zip(&p2).all(|(a, b)| !a || *b),
                "suppression lifted"
            );
            let (rt1, ct1, rt2, ct2) = (
                g1.row_totals(),
                g1.column_totals(),
                g2.row_totals(),
                g2.column_totals(),
            );
            let n = rows * columns;
            let mut seen1: Vec<std::collections::BTreeSet<u64>> = vec![Default::default(); n];
            let mut seen2 = seen1.clone();
            for x in tables_agreeing(rows, columns, &pub1, (&rt1, &ct1), &vec![0; n]) {
                let lower: Vec<u64> = (0..n).map(|i| x[i]).collect();
                let ys = tables_agreeing(rows, columns, &pub2, (&rt2, &ct2), &lower);
                if ys.is_empty() {
                    continue;
                }
                for i in 0..n {
                    seen1[i].insert(x[i]);
                }
                for y in ys {
                    for i in 0..n {
                        seen2[i].insert(y[i]);
                    }
                }
            }
            assert!(seen1[0].contains(&g1.values[0]), "the true tables agree");
            for i in 0..n {
                assert!(
                    !p1[i] || seen1[i].len() > 1,
                    "revision 1 cell {i} determined: {g1:?} {g2:?} {p1:?} {p2:?}"
                );
                // Hidden now, and not the value the first revision published.
                let secret = p2[i] && pub1[i] != Some(g2.values[i]);
                assert!(
                    !secret || seen2[i].len() > 1,
                    "revision 2 cell {i} determined: {g1:?} {g2:?} {p1:?} {p2:?}"
                );
            }
            checked += p2.iter().filter(|s| **s).count();
        }
        assert!(checked > 300, "the tables suppress cells: {checked}");
        assert!(refused < 30, "{refused} of 300 revisions refused");
        eprintln!("{refused} of 300 revisions refused as disclosive");
    }
}
