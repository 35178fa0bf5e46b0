import type { Db } from './database'

/** Ids per `IN (...)` list: well under SQLite's limit on bound parameters. */
const CHUNK = 500

export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(',')
}

/** Runs `fn` on slices of `ids` small enough for SQLite's parameter limit and concatenates. */
export function chunked<T>(ids: readonly string[], fn: (part: string[]) => T[]): T[] {
  const out: T[] = []
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...fn(ids.slice(i, i + CHUNK)))
  return out
}

/** Rows of `sql(placeholders)` for `ids`, mapped and grouped by their run_id (query order kept). */
export function groupedByRun<R extends { run_id: string }, T>(
  db: Db,
  ids: readonly string[],
  sql: (ph: string) => string,
  map: (row: R) => T,
): Map<string, T[]> {
  const out = new Map<string, T[]>()
  const rows = chunked(ids, (part) => db.prepare(sql(placeholders(part.length))).all(...part) as R[])
  for (const row of rows) {
    const list = out.get(row.run_id)
    if (list) list.push(map(row))
    else out.set(row.run_id, [map(row)])
  }
  return out
}
