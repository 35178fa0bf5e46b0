import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ContractError, RunBundle } from '@shared/contract'
import { mapDiskFull } from '../core/disk-full'
import { checkInput } from './schema-check'

export const MANIFEST_NAME = 'manifest.json'

export function epochCsvName(runId: string): string {
  return `${runId}-epochs.csv`
}

/**
 * Writes a bundle as one JSON file (`*.json`), or as a folder holding manifest.json plus one
 * `<id>-epochs.csv` per run (the CSVs then live beside the manifest, not inside it).
 * Every file is written aside and renamed into place once all of them are whole: a failed write (a
 * full disk) leaves no partial file and no earlier bundle half replaced. Returns the files written.
 */
export function writeBundle(bundle: RunBundle, out: string): string[] {
  const asFile = out.toLowerCase().endsWith('.json') && !(existsSync(out) && statSync(out).isDirectory())
  const files: Array<{ path: string; text: string }> = asFile
    ? [{ path: out, text: `${JSON.stringify(bundle, null, 2)}\n` }]
    : [
        { path: join(out, MANIFEST_NAME), text: `${JSON.stringify({ ...bundle, epochCsv: {} }, null, 2)}\n` },
        ...Object.entries(bundle.epochCsv).map(([id, csv]) => ({ path: join(out, epochCsvName(id)), text: csv })),
      ]
  const createdDir = !asFile && !existsSync(out)
  const temps: string[] = []
  try {
    if (!asFile) mkdirSync(out, { recursive: true })
    for (const f of files) {
      const tmp = `${f.path}.${process.pid}.tmp`
      temps.push(tmp)
      writeFileSync(tmp, f.text)
    }
    files.forEach((f, i) => renameSync(temps[i]!, f.path))
  } catch (error) {
    for (const tmp of temps) rmSync(tmp, { force: true })
    if (createdDir) rmSync(out, { recursive: true, force: true })
    throw mapDiskFull(error, dirname(resolve(out)), Buffer.byteLength(files.map((f) => f.text).join('')))
  }
  return files.map((f) => f.path)
}

/** Reads a bundle written by writeBundle (file or folder) and validates it; errors name the file. */
export function readBundle(path: string): RunBundle {
  if (!existsSync(path)) throw new ContractError('not_found', `${path} does not exist`)
  const isDir = statSync(path).isDirectory()
  const manifest = isDir ? join(path, MANIFEST_NAME) : path
  if (isDir && !existsSync(manifest))
    throw new ContractError('invalid_input', `${path} has no ${MANIFEST_NAME}; is it an exported run bundle?`)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(manifest, 'utf8'))
  } catch (error) {
    throw new ContractError('invalid_input', `${manifest} is not valid JSON: ${(error as Error).message}`)
  }
  const bundle = checkInput(RunBundle, raw, 'run bundle', `${manifest} is not a CIFAR Workbench run bundle`)
  if (isDir) {
    const files = new Set(readdirSync(path))
    for (const run of bundle.runs) {
      const name = epochCsvName(run.id)
      if (files.has(name)) bundle.epochCsv[run.id] = readFileSync(join(path, name), 'utf8')
    }
  }
  return bundle
}
