import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ContractError, RunBundle } from '@shared/contract'
import { checkInput } from './schema-check'

export const MANIFEST_NAME = 'manifest.json'

export function epochCsvName(runId: string): string {
  return `${runId}-epochs.csv`
}

/**
 * Writes a bundle as one JSON file (`*.json`), or as a folder holding manifest.json plus one
 * `<id>-epochs.csv` per run (the CSVs then live beside the manifest, not inside it).
 * Returns the files written.
 */
export function writeBundle(bundle: RunBundle, out: string): string[] {
  const asFile = out.toLowerCase().endsWith('.json') && !(existsSync(out) && statSync(out).isDirectory())
  if (asFile) {
    writeFileSync(out, `${JSON.stringify(bundle, null, 2)}\n`)
    return [out]
  }
  mkdirSync(out, { recursive: true })
  const written: string[] = []
  for (const [id, csv] of Object.entries(bundle.epochCsv)) {
    const file = join(out, epochCsvName(id))
    writeFileSync(file, csv)
    written.push(file)
  }
  const manifest = join(out, MANIFEST_NAME)
  writeFileSync(manifest, `${JSON.stringify({ ...bundle, epochCsv: {} }, null, 2)}\n`)
  return [manifest, ...written]
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
