// Window size and position kept between starts, in the data directory's desktop.json (with the save
// dialog's folder memory). Read with validation: a corrupt file or a window that would open off every
// display (a monitor unplugged since) falls back to the default, centred.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { OpenPurpose } from '@shared/contract'

export const DEFAULT_BOUNDS = { width: 1360, height: 880 }
export const MIN_SIZE = { width: 960, height: 640 }

const Bounds = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
})
export type Bounds = z.infer<typeof Bounds>

export const DesktopState = z.object({
  window: Bounds.extend({ maximized: z.boolean() }).nullable().default(null),
  lastSaveDir: z.string().nullable().default(null),
  lastOpenDir: z.partialRecord(OpenPurpose, z.string()).default({}),
})
export type DesktopState = z.infer<typeof DesktopState>

export function desktopStateFile(dataDir: string): string {
  return join(dataDir, 'desktop.json')
}

/** The saved state, or the empty state when the file is missing or does not validate. */
export function readDesktopState(file: string): DesktopState {
  try {
    const parsed = DesktopState.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    if (parsed.success) return parsed.data
  } catch {
    // Missing or unreadable: the defaults below.
  }
  return DesktopState.parse({})
}

/** Written through a temporary file so a crash mid-write keeps the previous state. */
export function writeDesktopState(file: string, state: DesktopState): void {
  mkdirSync(dirname(file), { recursive: true })
  const temp = `${file}.tmp`
  writeFileSync(temp, `${JSON.stringify(DesktopState.parse(state), null, 2)}\n`)
  renameSync(temp, file)
}

/**
 * Where the window opens: the saved bounds when at least a 100 × 50 px piece of the title bar area
 * lies on one of the work areas (so it can be grabbed), sized at least MIN_SIZE and at most that
 * display; otherwise the default size, with no position (the OS centres it).
 */
export function restoreBounds(
  saved: DesktopState['window'],
  workAreas: Bounds[],
): Partial<Bounds> & { width: number; height: number } {
  if (!saved) return { ...DEFAULT_BOUNDS }
  const area = workAreas.find(
    (a) => overlap(saved.x, saved.width, a.x, a.width) >= 100 && overlap(saved.y, 50, a.y, a.height) >= 50,
  )
  if (!area) return { ...DEFAULT_BOUNDS }
  const width = clamp(saved.width, MIN_SIZE.width, Math.max(MIN_SIZE.width, area.width))
  const height = clamp(saved.height, MIN_SIZE.height, Math.max(MIN_SIZE.height, area.height))
  return { x: saved.x, y: saved.y, width, height }
}

function overlap(start: number, length: number, areaStart: number, areaLength: number): number {
  return Math.min(start + length, areaStart + areaLength) - Math.max(start, areaStart)
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}
