import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { issuesOf } from '@shared/contract'
import { Settings } from '@shared/domain/system'

export const SETTINGS_FILE = 'settings.json'

/**
 * User settings as JSON in the data directory. A damaged file never stops the app: defaults are used,
 * the problem is kept for the doctor report, and the original is backed up before it is overwritten.
 */
export class SettingsStore {
  readonly file: string
  private current: Settings
  /** Why the file on disk could not be used, or null. */
  problem: string | null = null

  constructor(dataDir: string) {
    this.file = join(dataDir, SETTINGS_FILE)
    this.current = this.load()
  }

  get(): Settings {
    return { ...this.current }
  }

  update(patch: Partial<Settings>): Settings {
    const next = Settings.parse({ ...this.current, ...patch })
    this.write(next)
    this.current = next
    return this.get()
  }

  private load(): Settings {
    if (!existsSync(this.file)) return Settings.parse({})
    let raw: unknown
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'))
    } catch (error) {
      this.problem = `${this.file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); using defaults`
      console.warn(this.problem)
      return Settings.parse({})
    }
    const parsed = Settings.safeParse(raw)
    if (!parsed.success) {
      const detail = issuesOf(parsed.error)
        .map((i) => `${i.path || '(root)'}: ${i.message}`)
        .join('; ')
      this.problem = `${this.file} has invalid settings (${detail}); using defaults`
      console.warn(this.problem)
      return Settings.parse({})
    }
    return parsed.data
  }

  private write(settings: Settings): void {
    mkdirSync(dirname(this.file), { recursive: true })
    if (this.problem && existsSync(this.file)) {
      // Keep the unreadable file the user may want back.
      copyFileSync(this.file, `${this.file}.invalid-${Date.now()}`)
      this.problem = null
    }
    const tmp = `${this.file}.${process.pid}.tmp`
    writeFileSync(tmp, `${JSON.stringify(settings, null, 2)}\n`)
    renameSync(tmp, this.file)
  }
}
