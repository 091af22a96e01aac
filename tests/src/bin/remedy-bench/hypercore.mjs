// The Hypercore side of `make bench`: the same work as remedy-net's figures, in
// one process. Usage: node hypercore.mjs WORK_DIR ENTRIES ENTRY_BYTES SINGLE_SECONDS
// Prints one JSON object. Hypercore signs one Merkle root per append call and does
// not fsync; entries are ENTRY_BYTES long, as remedy-net's payloads.
import Hypercore from 'hypercore'
import fs from 'fs'
import path from 'path'

const [dir, entriesArg, sizeArg, secondsArg] = process.argv.slice(2)
const entries = Number(entriesArg)
const size = Number(sizeArg)
const seconds = Number(secondsArg)
const BATCH = 1000

function entry (i) {
  const b = Buffer.alloc(size, 0xa5)
  b.writeUInt32BE(i >>> 0, 0)
  return b
}

function du (p) {
  let total = 0
  for (const name of fs.readdirSync(p)) {
    const full = path.join(p, name)
    const st = fs.statSync(full)
    total += st.isDirectory() ? du(full) : st.size
  }
  return total
}

async function fresh (name, key) {
  const core = new Hypercore(path.join(dir, name), key)
  await core.ready()
  return core
}

// The batches of n entries, built before any timing starts (as remedy-net's
// side builds its requests before its clock starts).
function batches (first, n) {
  const out = []
  for (let i = first; i < first + n; i += BATCH) {
    const batch = []
    for (let k = i; k < Math.min(first + n, i + BATCH); k++) batch.push(entry(k))
    out.push(batch)
  }
  return out
}

async function fill (core, prepared) {
  for (const batch of prepared) await core.append(batch)
}

// Batched appends: batches of 1,000, after a warm-up batch.
const a = await fresh('batched')
await fill(a, batches(0, BATCH))
const prepared = batches(BATCH, entries)
let t = process.hrtime.bigint()
await fill(a, prepared)
const batched = entries / (Number(process.hrtime.bigint() - t) / 1e9)

// Single appends for SINGLE_SECONDS, from entries built beforehand.
const pool = []
for (let i = 0; i < 4096; i++) pool.push(entry(i))
const s = await fresh('single')
await s.append(entry(0))
let n = 0
t = process.hrtime.bigint()
const until = Number(t) / 1e9 + seconds
while (Number(process.hrtime.bigint()) / 1e9 < until) {
  await s.append(pool[n++ % pool.length])
}
const single = n / (Number(process.hrtime.bigint() - t) / 1e9)
await s.close()

// Replication of every entry of the batched core (ENTRIES and the warm-up
// batch) to a second core on the same machine, over an in-process stream pair.
const total = a.length
const b = await fresh('replica', a.key)
const s1 = a.replicate(true)
const s2 = b.replicate(false)
s1.pipe(s2).pipe(s1)
t = process.hrtime.bigint()
await b.download({ start: 0, end: total }).done()
const replicate = total / (Number(process.hrtime.bigint() - t) / 1e9)
await a.close()
await b.close()
const bytesPerEntry = du(path.join(dir, 'batched')) / total

console.log(JSON.stringify({
  version: JSON.parse(fs.readFileSync(new URL('./node_modules/hypercore/package.json', import.meta.url))).version,
  node: process.version,
  entries,
  entry_bytes: size,
  batched_per_s: batched,
  single_per_s: single,
  replicate_per_s: replicate,
  replicated_entries: total,
  bytes_per_entry: bytesPerEntry
}))
