import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, extname, join, relative, resolve, sep } from 'node:path'
import { ContractError } from '@shared/contract/define'
import type { WrittenFile } from '@shared/report/schema'
import type { ReportFile } from './build'

/** A place the report writes to, checked before anything is written. */
export type Target = { kind: 'folder'; path: string } | { kind: 'zip'; path: string }

function kindOf(path: string): 'missing' | 'file' | 'empty-folder' | 'folder' {
  let stat
  try {
    stat = statSync(path)
  } catch {
    return 'missing'
  }
  if (!stat.isDirectory()) return 'file'
  return readdirSync(path).length === 0 ? 'empty-folder' : 'folder'
}

/** A folder that does not exist yet or is empty: a report never mixes its files with others'. */
export function folderTarget(path: string, what: string): Target {
  const full = resolve(path)
  const kind = kindOf(full)
  if (kind === 'file') throw new ContractError('conflict', `${what} ${full} is a file; give a new or empty folder`)
  if (kind === 'folder')
    throw new ContractError('conflict', `${what} ${full} already exists and is not empty; give a new or empty folder`)
  return { kind: 'folder', path: full }
}

/** The figure bundle: a .zip file (which must not exist) or a folder (new or empty). */
export function bundleTarget(path: string, reportFolder: string): Target {
  const full = resolve(path)
  if (extname(full).toLowerCase() === '.zip') {
    const kind = kindOf(full)
    if (kind !== 'missing') throw new ContractError('conflict', `bundle ${full} already exists; give a new .zip file name`)
    return { kind: 'zip', path: full }
  }
  const inside = relative(reportFolder, full)
  if (inside === '' || (!inside.startsWith('..') && inside.split(sep)[0] === 'figures'))
    throw new ContractError('invalid_input', `bundle ${full} would mix with the report's own files; give another folder`)
  return folderTarget(full, 'bundle folder')
}

/** Writes files under a folder, with a message that names the file and says what went wrong. */
export function writeFiles(folder: string, files: readonly ReportFile[], kindOfFile: (name: string) => string): WrittenFile[] {
  const written: WrittenFile[] = []
  for (const f of files) {
    const path = join(folder, f.name)
    try {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, f.data)
    } catch (error) {
      throw diskError(path, error)
    }
    written.push({ kind: kindOfFile(f.name), path, bytes: f.data.byteLength })
  }
  return written
}

export function writeOne(path: string, data: Uint8Array): void {
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, data)
  } catch (error) {
    throw diskError(path, error)
  }
}

/** ENOSPC, EACCES, EROFS… in words, with the path. */
export function diskError(path: string, error: unknown): ContractError {
  const code = (error as { code?: string }).code
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'a folder is in the way',
    ENAMETOOLONG: 'the path is too long',
  }
  const reason = (code && why[code]) ?? (error instanceof Error ? error.message : String(error))
  return new ContractError('failed', `cannot write ${path}: ${reason}`)
}
