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

/// Adds complementary suppressions to `suppressed` until [`determined`] finds no
/// cell. For each cell that can still be worked out, the cheapest cycle through it
/// is completed: a shortest path between its column and its row (in the direction
/// in which the cell gains 1, or the one in which it loses 1), alternating a cell
/// that would gain 1 and a cell that would lose 1 (which must hold at least 1),
/// where a cell already suppressed costs nothing and another costs its count plus one.
/// That makes the cell movable, so it cannot be determined, at the least total
/// count hidden for it (the network heuristic of cell suppression in two-way
/// tables). Returns the final pattern.
pub fn complementary(grid: &Grid, mut suppressed: Vec<bool>) -> Vec<bool> {
    loop {
        let exposed = determined(grid, &suppressed);
        let Some(&cell) = exposed.first() else {
            return suppressed;
        };
        let (r, c) = (cell / grid.columns, cell % grid.columns);
        let column = grid.rows + c;
        // A cycle on which the cell gains (back from its column to its row), or one
        // on which it loses (from its row to its column; it must hold at least 1).
        let gain = cheapest_path(grid, &suppressed, cell, column, r);
        let lose = (grid.values[cell] >= 1)
            .then(|| cheapest_path(grid, &suppressed, cell, r, column))
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
            // No cycle exists at all (a table of one row or column): hide everything
            // the totals do not already give away.
            None => return vec![true; grid.values.len()],
        }
    }
}

/// The cost and cells of the cheapest alternating path from node `start` to node
/// `target` that avoids cell `e` (Dijkstra over rows and columns; a row is left by
/// a cell that gains 1, a column by a cell that loses 1 and so must hold at least 1).
fn cheapest_path(
    grid: &Grid,
    suppressed: &[bool],
    e: usize,
    start: usize,
    target: usize,
) -> Option<(u64, Vec<usize>)> {
    let nodes = grid.rows + grid.columns;
    let cost = |i: usize| if suppressed[i] { 0 } else { grid.values[i] + 1 };
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
            let through = best[node] + cost(cell);
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
        // Push one unit along the path (totals are small; one unit at a time is enough).
        let mut node = sink;
        while let Some((prev, cell)) = parent[node] {
            if prev < rows {
                values[cell] += 1;
            } else {
                values[cell] -= 1;
            }
            node = prev;
        }
        need_row[source] -= 1;
        need_column[sink - rows] -= 1;
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
}
