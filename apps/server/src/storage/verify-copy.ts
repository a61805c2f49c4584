/**
 * The check that ends every move between stores (`migrate-store.ts`): the two stores must hold the
 * same documents, each loaded through its store's own `load` (or, for a document in the trash, which
 * stores do not load, read as stored) to the same state byte for byte, with the same times and a log
 * numbering that does not go back; every copied table must hold the same rows; and each numbered
 * table's next id must come after every id the source handed out.
 */
import type { DocumentStore } from './document-store.js'
import {
  canonicalJson,
  COPIED_TABLES,
  merged,
  type MigrationSide,
  NUMBERED_TABLES,
  type Row,
  sameBytes,
  type TableSpec,
} from './migration-side.js'

/** Differences listed at most; past that, only counted. */
const MAX_LISTED = 50
/** Rows named per table when they differ. */
const EXAMPLES_PER_TABLE = 5

/**
 * Everything that differs between `source` and `destination`, one line each; empty when the copy is whole.
 * `step` hears how far it is.
 */
export async function verifyCopy(
  source: MigrationSide,
  destination: MigrationSide,
  step: (label: string, done: number, total: number) => void,
): Promise<string[]> {
  const differences: string[] = []
  let unlisted = 0
  const differ = (line: string): void => {
    if (differences.length < MAX_LISTED) differences.push(line)
    else unlisted++
  }

  const [names, held] = await Promise.all([source.documentNames(), destination.documentNames()])
  const heldNames = new Set(held)
  const sourceNames = new Set(names)
  for (const name of names) if (!heldNames.has(name)) differ(`document ${name}: missing at the destination`)
  for (const name of held) if (!sourceNames.has(name)) differ(`document ${name}: only at the destination`)
  for (const [index, name] of names.entries()) {
    if (heldNames.has(name)) for (const line of await compareDocument(source, destination, name)) differ(line)
    step('verifying documents', index + 1, names.length)
  }

  for (const table of COPIED_TABLES) {
    const line = await compareTable(source, destination, table, (done, total) => step(`verifying ${table.name}`, done, total))
    if (line) differ(line)
  }

  const [from, to] = await Promise.all([source.idFloors(), destination.idFloors()])
  for (const table of NUMBERED_TABLES) {
    if (to[table] < from[table])
      differ(`${table}: new ids at the destination would start at ${to[table] + 1}, reusing ids up to ${from[table]}`)
  }
  if (unlisted > 0) differences.push(`… and ${unlisted} more`)
  return differences
}

/** What differs about one document held by both. */
async function compareDocument(source: MigrationSide, destination: MigrationSide, name: string): Promise<string[]> {
  const [fromLoaded, toLoaded, from, to] = await Promise.all([
    loadedState(source.documents, name),
    loadedState(destination.documents, name),
    source.readDocument(name),
    destination.readDocument(name),
  ])
  if (!from || !to) return [`document ${name}: gone from the ${from ? 'destination' : 'source'} while verifying`]
  const lines: string[] = []
  if ((fromLoaded === undefined) !== (toLoaded === undefined)) {
    lines.push(`document ${name}: the ${fromLoaded === undefined ? 'destination' : 'source'}'s store loads it, the other's does not`)
  }
  const fromState = fromLoaded === undefined ? merged(from.parts) : fromLoaded
  const toState = toLoaded === undefined ? merged(to.parts) : toLoaded
  if (!sameBytes(fromState, toState)) {
    lines.push(
      `document ${name}: states differ (${fromState?.byteLength ?? 0} bytes at the source, ${toState?.byteLength ?? 0} at the destination)`,
    )
  }
  for (const fact of ['createdAt', 'updatedAt', 'trashedAt', 'trashedBy'] as const) {
    if (from[fact] !== to[fact])
      lines.push(`document ${name}: ${fact} differs (${from[fact]} at the source, ${to[fact]} at the destination)`)
  }
  if (to.head < from.head)
    lines.push(`document ${name}: its log numbering would go back (${from.head} at the source, ${to.head} at the destination)`)
  return lines
}

/** The state `store.load` gives, merged into one update (`null` for no state); `undefined` when it loads nothing. */
async function loadedState(store: DocumentStore, name: string): Promise<Uint8Array | null | undefined> {
  const stored = await store.load(name)
  if (!stored) return undefined
  return merged(stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates)
}

/** One line saying how `table` differs between the two, or `null` when it does not. */
async function compareTable(
  source: MigrationSide,
  destination: MigrationSide,
  table: TableSpec,
  step: (done: number, total: number) => void,
): Promise<string | null> {
  const total = await source.countRows(table)
  const fromRows = rowsOf(source, table)
  const toRows = rowsOf(destination, table)
  let from = await fromRows.next()
  let to = await toRows.next()
  const counts = { missing: 0, extra: 0, different: 0 }
  const examples: string[] = []
  const note = (kind: keyof typeof counts, row: Row): void => {
    counts[kind]++
    if (examples.length < EXAMPLES_PER_TABLE) examples.push(`${describeKey(table, row)} ${kind}`)
  }
  let done = 0
  while (!from.done || !to.done) {
    const order = from.done ? 1 : to.done ? -1 : compareKeys(table, from.value, to.value)
    if (order < 0 && !from.done) note('missing', from.value)
    else if (order > 0 && !to.done) note('extra', to.value)
    else if (!from.done && !to.done && !sameRow(table, from.value, to.value)) note('different', from.value)
    if (order <= 0) {
      from = await fromRows.next()
      step(++done, total)
    }
    if (order >= 0) to = await toRows.next()
  }
  if (counts.missing + counts.extra + counts.different === 0) return null
  return (
    `${table.name}: ${counts.missing} rows missing at the destination, ${counts.extra} only there, ${counts.different} different` +
    ` (${examples.join('; ')})`
  )
}

/** Every row of `table` at `side`, in key order, a page at a time. */
async function* rowsOf(side: MigrationSide, table: TableSpec): AsyncGenerator<Row> {
  let after: Array<number | string> | null = null
  for (;;) {
    const rows = await side.readRows(table, after)
    yield* rows
    if (rows.length < table.pageRows) return
    const last = rows.at(-1)!
    after = table.key.map((key) => last[key] as number | string)
  }
}

/** Key order as both stores read it: numbers by value, text by its UTF-8 bytes. */
function compareKeys(table: TableSpec, a: Row, b: Row): number {
  for (const key of table.key) {
    const [x, y] = [a[key], b[key]]
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : Buffer.compare(Buffer.from(String(x)), Buffer.from(String(y)))
    if (order !== 0) return order
  }
  return 0
}

function sameRow(table: TableSpec, a: Row, b: Row): boolean {
  return table.columns.every(({ name, kind }) => {
    const [x, y] = [a[name] ?? null, b[name] ?? null]
    if (x === null || y === null) return x === y
    if (kind === 'bytes') return Buffer.isBuffer(x) && Buffer.isBuffer(y) && x.equals(y)
    if (kind === 'json') return canonicalJson(String(x)) === canonicalJson(String(y))
    return x === y
  })
}

function describeKey(table: TableSpec, row: Row): string {
  return table.key.map((key) => `${key} ${String(row[key])}`).join(', ')
}
