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
//!
//! Beyond exactness, [`exposed`] asks how far: the least and the most each
//! suppressed cell can hold in any table that agrees with the publication (its
//! [`Interval`], a max-flow around it). A cell is protected when the interval is
//! not a single value and does not lie inside 1..K−1: a reader must not be able
//! to prove "between 1 and 4 cases". Cells may also have upper bounds a reader
//! knows from a linked table ([`Caps`]): a case names a grievance once, so a
//! grievance × outcome cell holds at most the cases of that outcome, which the
//! channel × outcome table publishes. The intervals take them into account; the
//! table with caps is still a transportation problem, so the max-flow answer is
//! exact over whole numbers.

/// Upper bounds on cells that a reader knows besides the totals, row-major
/// (`None`: no bounds but the totals).
pub type Caps<'a> = Option<&'a [u64]>;

/// No cap: larger than any sum of figures a release may hold.
const UNBOUNDED: u64 = u64::MAX / 4;

fn cap_of(caps: Caps<'_>, i: usize) -> u64 {
    caps.and_then(|c| c.get(i).copied()).unwrap_or(UNBOUNDED)
}

/// The least and the most a suppressed cell can hold in any table that agrees
/// with the publication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub low: u64,
    pub high: u64,
}

impl Interval {
    /// Whether a reader learns too much from this interval under threshold `k`
    /// (`None`: exactness only): a single value, or a range inside 1..k−1.
    pub fn discloses(self, k: Option<u64>) -> bool {
        self.low == self.high || k.is_some_and(|k| self.low >= 1 && self.high < k)
    }
}

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
/// previous revision published, until no suppressed cell is [`exposed`] under `k`
/// and `caps` and the difference with the previous revision gives no hidden
/// count away.
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
    caps: Caps<'_>,
    previous: Option<Earlier<'_>>,
) -> Result<Vec<bool>, Vec<usize>> {
    let n = grid.values.len();
    let mut suppressed = primary(grid, k);
    let mut avoid = vec![false; n];
    // Every suppressed cell protected under k and the caps; where nothing will
    // do, the pattern reached (and the caller finds what is still exposed).
    let protected = |suppressed: Vec<bool>, avoid: &[bool]| {
        complementary_protecting(grid, suppressed, avoid, caps, k).unwrap_or_else(|reached| reached)
    };
    let Some(earlier) = previous.filter(|e| e.cells.len() == n) else {
        return Ok(protected(suppressed, &avoid));
    };
    for (i, cell) in earlier.cells.iter().enumerate() {
        match cell {
            None => suppressed[i] = true,
            Some(_) => avoid[i] = true,
        }
    }
    loop {
        suppressed = protected(suppressed, &avoid);
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
        match protect(&difference, suppressed.clone(), &avoid, None, None, |i| {
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
    protect(grid, suppressed, avoid, None, None, |_| true)
        .unwrap_or_else(|_| vec![true; grid.values.len()])
}

/// Complementary suppression under threshold `k` and `caps`: until no
/// suppressed cell is [`exposed`]. A cell of 1..k−1 needs a cycle along which it
/// can reach 0 or k (every cell that loses on it holds at least that much, every
/// cell that gains has that much room under its cap); any other suppressed cell
/// needs a cycle that moves it by 1. `Err` with the pattern reached when no cycle
/// will do.
pub fn complementary_protecting(
    grid: &Grid,
    suppressed: Vec<bool>,
    avoid: &[bool],
    caps: Caps<'_>,
    k: u64,
) -> Result<Vec<bool>, Vec<bool>> {
    protect(grid, suppressed, avoid, caps, Some(k), |_| true)
}

/// Complementary suppression for the cells `which` selects.
fn protect(
    grid: &Grid,
    mut suppressed: Vec<bool>,
    avoid: &[bool],
    caps: Caps<'_>,
    k: Option<u64>,
    which: impl Fn(usize) -> bool,
) -> Result<Vec<bool>, Vec<bool>> {
    let penalty = grid.values.iter().sum::<u64>() + grid.values.len() as u64 + 1;
    let cost = |suppressed: &[bool], i: usize| match (suppressed[i], avoid.get(i)) {
        (true, _) => 0,
        (false, Some(true)) => penalty + grid.values[i] + 1,
        (false, _) => grid.values[i] + 1,
    };
    loop {
        let cell = match k {
            // Exactness alone: the reachability test, cheaper than intervals.
            None => determined(grid, &suppressed)
                .into_iter()
                .find(|&i| which(i)),
            Some(_) => first_exposed(grid, &suppressed, caps, k, &which).map(|(i, _)| i),
        };
        let Some(cell) = cell else {
            return Ok(suppressed);
        };
        let (r, c) = (cell / grid.columns, cell % grid.columns);
        let column = grid.rows + c;
        let v = grid.values[cell];
        // How far the cell must be able to move: to 0 or to k for a small count,
        // by 1 otherwise.
        let (gain_by, lose_by) = match k {
            Some(k) if (1..k).contains(&v) => (k - v, v),
            _ => (1, 1),
        };
        // A cycle on which the cell gains (back from its column to its row), or one
        // on which it loses (from its row to its column).
        let gain = (cap_of(caps, cell).saturating_sub(v) >= gain_by)
            .then(|| cheapest_path(grid, &suppressed, &cost, caps, gain_by, cell, column, r))
            .flatten();
        let lose = (v >= lose_by)
            .then(|| cheapest_path(grid, &suppressed, &cost, caps, lose_by, cell, r, column))
            .flatten();
        let cheaper = match (gain, lose) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        };
        match cheaper.map(|(_, path)| path) {
            Some(path) if path.iter().any(|&i| !suppressed[i]) => {
                for i in path {
                    suppressed[i] = true;
                }
            }
            // No single cycle carries enough (several together may): hide the
            // cheapest published cell of the cell's row or column, and look again.
            _ => {
                let line = (0..grid.columns)
                    .map(|j| grid.at(r, j))
                    .chain((0..grid.rows).map(|i| grid.at(i, c)));
                match line
                    .filter(|&i| !suppressed[i])
                    .min_by_key(|&i| cost(&suppressed, i))
                {
                    Some(i) => suppressed[i] = true,
                    // Row and column all hidden: nothing more to hide here.
                    None => return Err(suppressed),
                }
            }
        }
    }
}

/// The cost and cells of the cheapest alternating path from node `start` to node
/// `target` that avoids cell `e` and can carry `by` (Dijkstra over rows and
/// columns; a row is left by a cell that gains `by`, which needs that much room
/// under its cap, a column by a cell that loses `by` and so must hold at least
/// that much).
#[allow(clippy::too_many_arguments)]
fn cheapest_path(
    grid: &Grid,
    suppressed: &[bool],
    cost: &impl Fn(&[bool], usize) -> u64,
    caps: Caps<'_>,
    by: u64,
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
                .filter(|&(_, cell)| cap_of(caps, cell).saturating_sub(grid.values[cell]) >= by)
                .collect()
        } else {
            let j = node - grid.rows;
            (0..grid.rows)
                .map(|i| (i, grid.at(i, j)))
                .filter(|&(_, cell)| grid.values[cell] >= by)
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

/// The suppressed cells a reader learns too much about, with their intervals:
/// those whose [`Interval`] [`Interval::discloses`] under `k`. `grid` must agree
/// with the publication and respect `caps` (the true table, or a
/// [`completion`] with the same caps).
pub fn exposed(grid: &Grid, suppressed: &[bool], caps: Caps<'_>, k: u64) -> Vec<(usize, Interval)> {
    (0..grid.values.len())
        .filter(|&e| suppressed[e])
        .map(|e| (e, interval(grid, suppressed, caps, e)))
        .filter(|(_, iv)| iv.discloses(Some(k)))
        .collect()
}

fn first_exposed(
    grid: &Grid,
    suppressed: &[bool],
    caps: Caps<'_>,
    k: Option<u64>,
    which: &impl Fn(usize) -> bool,
) -> Option<(usize, Interval)> {
    (0..grid.values.len())
        .filter(|&e| suppressed[e] && which(e))
        .map(|e| (e, interval(grid, suppressed, caps, e)))
        .find(|(_, iv)| iv.discloses(k))
}

/// The interval of suppressed cell `e`: its value in `grid`, plus the most that
/// can flow around a cycle through it in either direction (a max-flow from its
/// column back to its row over the other suppressed cells, each able to gain up
/// to its cap and to lose what it holds; and from its row to its column), and
/// within its own cap and 0.
pub fn interval(grid: &Grid, suppressed: &[bool], caps: Caps<'_>, e: usize) -> Interval {
    let (r, c) = (e / grid.columns, e % grid.columns);
    let v = grid.values[e];
    let column = grid.rows + c;
    let room = cap_of(caps, e).saturating_sub(v);
    let gain = max_flow(grid, suppressed, caps, e, column, r, room);
    let lose = max_flow(grid, suppressed, caps, e, r, column, v);
    Interval {
        low: v - lose,
        high: v.saturating_add(gain),
    }
}

/// The maximum flow from node `from` to node `to`, up to `limit`, in the residual
/// graph of the suppressed cells other than `skip` (rows 0..R, columns R..R+C; a
/// cell is an arc row → column with its room under its cap, and an arc column →
/// row with what it holds). Edmonds–Karp: shortest augmenting paths, each
/// pushing its bottleneck, so the work does not grow with the figures.
#[allow(clippy::too_many_arguments)]
fn max_flow(
    grid: &Grid,
    suppressed: &[bool],
    caps: Caps<'_>,
    skip: usize,
    from: usize,
    to: usize,
    limit: u64,
) -> u64 {
    let n = grid.rows + grid.columns;
    let mut residual = vec![0u64; n * n];
    for r in 0..grid.rows {
        for c in 0..grid.columns {
            let i = grid.at(r, c);
            if i == skip || !suppressed[i] {
                continue;
            }
            let column = grid.rows + c;
            let room = cap_of(caps, i).saturating_sub(grid.values[i]);
            residual[r * n + column] = residual[r * n + column].saturating_add(room);
            residual[column * n + r] = residual[column * n + r].saturating_add(grid.values[i]);
        }
    }
    let mut flow = 0u64;
    while flow < limit {
        let mut parent = vec![usize::MAX; n];
        parent[from] = from;
        let mut queue = std::collections::VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            if node == to {
                break;
            }
            for next in 0..n {
                if parent[next] == usize::MAX && residual[node * n + next] > 0 {
                    parent[next] = node;
                    queue.push_back(next);
                }
            }
        }
        if parent[to] == usize::MAX {
            break;
        }
        let mut push = limit - flow;
        let mut node = to;
        while node != from {
            let prev = parent[node];
            push = push.min(residual[prev * n + node]);
            node = prev;
        }
        let mut node = to;
        while node != from {
            let prev = parent[node];
            residual[prev * n + node] -= push;
            residual[node * n + prev] = residual[node * n + prev].saturating_add(push);
            node = prev;
        }
        flow += push;
    }
    flow
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
    completion_capped(rows, columns, published, row_totals, column_totals, None)
}

/// [`completion`] with every suppressed cell at most its cap: `None` when no
/// table agrees with the publication within the caps (say, a grievance × outcome
/// cell would need more cases than the outcome has).
pub fn completion_capped(
    rows: usize,
    columns: usize,
    published: &[Option<u64>],
    row_totals: &[u64],
    column_totals: &[u64],
    caps: Caps<'_>,
) -> Option<Grid> {
    let at = |r: usize, c: usize| r * columns + c;
    let mut values: Vec<u64> = published.iter().map(|v| v.unwrap_or(0)).collect();
    if values.iter().enumerate().any(|(i, v)| *v > cap_of(caps, i)) {
        return None;
    }
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
        // with remaining need. Forward edges: suppressed cells (up to their caps); backward
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
                    .filter(|&c| {
                        let i = at(node, c);
                        published[i].is_none() && values[i] < cap_of(caps, i)
                    })
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
            } else {
                amount = amount.min(cap_of(caps, cell) - values[cell]);
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

    /// Every value each suppressed cell takes over all tables that agree with the
    /// publication and the caps, by brute force: the reference for intervals.
    fn brute_force_intervals(
        grid: &Grid,
        suppressed: &[bool],
        caps: &[u64],
    ) -> Vec<(usize, Interval)> {
        let cells: Vec<usize> = (0..grid.values.len()).filter(|&i| suppressed[i]).collect();
        let (rt, ct) = (grid.row_totals(), grid.column_totals());
        let max = rt.iter().copied().max().unwrap_or(0);
        let mut out: Vec<Option<Interval>> = vec![None; cells.len()];
        let mut values = grid.values.clone();
        let mut stack = vec![0u64; cells.len()];
        // Odometer over 0..=max for every suppressed cell.
        loop {
            for (i, &cell) in cells.iter().enumerate() {
                values[cell] = stack[i];
            }
            let g = Grid::new(grid.rows, grid.columns, values.clone());
            let within = cells.iter().all(|&i| values[i] <= caps[i]);
            if within && g.row_totals() == rt && g.column_totals() == ct {
                for (i, &cell) in cells.iter().enumerate() {
                    let v = values[cell];
                    let iv = out[i].get_or_insert(Interval { low: v, high: v });
                    iv.low = iv.low.min(v);
                    iv.high = iv.high.max(v);
                }
            }
            let Some(i) = (0..stack.len()).find(|&i| stack[i] < max) else {
                break;
            };
            stack[i] += 1;
            for s in &mut stack[..i] {
                *s = 0;
            }
        }
        cells
            .into_iter()
            .zip(out)
            .map(|(c, iv)| (c, iv.unwrap()))
            .collect()
    }

    /// The max-flow interval of every suppressed cell equals the brute-force one,
    /// with and without caps, from the true table and from a receiver's
    /// completion alike.
    #[test]
    fn intervals_agree_with_brute_force_on_random_small_tables() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(12);
        let mut checked = 0;
        for _ in 0..400 {
            let (rows, columns) = (rng.gen_range(2..=3), rng.gen_range(2..=3));
            let values: Vec<u64> = (0..rows * columns).map(|_| rng.gen_range(0..5)).collect();
            let grid = Grid::new(rows, columns, values);
            let suppressed: Vec<bool> = (0..rows * columns).map(|_| rng.gen_bool(0.5)).collect();
            if suppressed.iter().filter(|s| **s).count() > 5 {
                continue;
            }
            // Caps at or above each true value, sometimes tight.
            let capped = rng.gen_bool(0.5);
            let caps: Vec<u64> = grid
                .values
                .iter()
                .map(|v| {
                    if capped {
                        v + rng.gen_range(0..3)
                    } else {
                        UNBOUNDED
                    }
                })
                .collect();
            let expected = brute_force_intervals(&grid, &suppressed, &caps);
            let caps = capped.then_some(&caps[..]);
            let receiver = completion_capped(
                rows,
                columns,
                &publication(&grid, &suppressed),
                &grid.row_totals(),
                &grid.column_totals(),
                caps,
            )
            .unwrap();
            for (cell, iv) in &expected {
                assert_eq!(
                    interval(&grid, &suppressed, caps, *cell),
                    *iv,
                    "{grid:?} {suppressed:?} {caps:?}"
                );
                assert_eq!(interval(&receiver, &suppressed, caps, *cell), *iv);
            }
            checked += expected.len();
        }
        assert!(checked > 500, "{checked}");
    }

    /// The linked-table case: an outcome with one case (channel-outcome's
    /// column total 1) caps every grievance cell of that outcome at 1, so three
    /// suppressed cells of a column of mentions totalling 3 are each exactly 1,
    /// although the grievance table alone leaves them free. Complementary
    /// suppression under the caps protects them; without the caps it does not.
    #[test]
    fn caps_from_a_linked_table_pin_cells_that_the_table_alone_leaves_free() {
        // Rows: grievances; columns: outcome A (1 case), outcome B (40 cases).
        let grid = Grid::new(3, 2, vec![1, 20, 1, 15, 1, 12]);
        let caps = vec![1, 40, 1, 40, 1, 40];
        let suppressed = primary(&grid, 5);
        let alone = complementary(&grid, suppressed.clone());
        assert!(exposed(&grid, &alone, None, 5).is_empty());
        let pinned = exposed(&grid, &alone, Some(&caps), 5);
        assert!(!pinned.is_empty(), "{alone:?}");
        // The three ones exactly (and with them their complements in column B).
        for cell in [0, 2, 4] {
            assert!(
                pinned.contains(&(cell, Interval { low: 1, high: 1 })),
                "{pinned:?}"
            );
        }
        // The protected pattern under the caps hides more, and a receiver
        // recomputing from the publication finds nothing exposed.
        match complementary_protecting(&grid, suppressed, &[false; 6], Some(&caps), 5) {
            Ok(pattern) => {
                let receiver = completion_capped(
                    3,
                    2,
                    &publication(&grid, &pattern),
                    &grid.row_totals(),
                    &grid.column_totals(),
                    Some(&caps),
                )
                .unwrap();
                assert!(exposed(&receiver, &pattern, Some(&caps), 5).is_empty());
            }
            // With column A capped at 1 per cell and holding 3, no cycle can move
            // them: a release must not publish this table exactly.
            Err(pattern) => assert!(!exposed(&grid, &pattern, Some(&caps), 5).is_empty()),
        }
    }

    /// Cells of 1..K−1 are protected to reach 0 or K, not only to move.
    #[test]
    fn protected_cells_reach_zero_or_the_threshold() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(21);
        for _ in 0..200 {
            let (rows, columns) = (rng.gen_range(3..=8), rng.gen_range(3..=8));
            let values: Vec<u64> = (0..rows * columns)
                .map(|_| {
                    if rng.gen_bool(0.3) {
                        rng.gen_range(0..5)
                    } else {
                        rng.gen_range(5..40)
                    }
                })
                .collect();
            let grid = Grid::new(rows, columns, values);
            let caps: Vec<u64> = grid
                .values
                .iter()
                .map(|v| v + rng.gen_range(0..10))
                .collect();
            let Ok(pattern) = complementary_protecting(
                &grid,
                primary(&grid, 5),
                &vec![false; rows * columns],
                Some(&caps),
                5,
            ) else {
                continue;
            };
            for e in (0..grid.values.len()).filter(|&e| pattern[e]) {
                let iv = interval(&grid, &pattern, Some(&caps), e);
                assert!(iv.low < iv.high, "{grid:?} cell {e}: {iv:?}");
                assert!(iv.low == 0 || iv.high >= 5, "{grid:?} cell {e}: {iv:?}");
            }
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
            let p1 = pattern(&g1, 5, None, None);
            let p1 = p1.unwrap();
            let pub1 = publication(&g1, &p1);
            let Ok(p2) = pattern(
                &g2,
                5,
                None,
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
