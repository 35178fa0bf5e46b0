// Types for optional-downloads.mjs (a plain script: npm runs it before anything is built).
export type ElectronState = 'absent' | 'no-binary' | 'ready'
export interface OptionalDownload {
  name: string
  what: string
  host: string
  without: string
  later: string | ((version: string | null) => string)
}
export const OPTIONAL_DOWNLOADS: readonly OptionalDownload[]
export function pinnedVersion(root: string, name: string): string | null
export function electronState(nodeModules: string): ElectronState
export function missingDownloads(root: string, env?: Record<string, string | undefined>): string[]
