import { ContractError } from '@shared/contract/define'

/** One readable line for any error (ContractError issues included). */
export function errorMessage(error: unknown): string {
  if (error instanceof ContractError) {
    const issues = error.issues?.map((i) => `${i.path || 'input'}: ${i.message}`).join('; ')
    return issues ? `${error.message} (${issues})` : error.message
  }
  if (error instanceof Error) return error.message
  return String(error)
}

export function pct(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(digits)}%`
}

export function num(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits)
}

export function int(value: number | null | undefined, locale = 'en'): string {
  return value === null || value === undefined ? '—' : Math.round(value).toLocaleString(locale)
}

export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = value
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

export function dateTime(iso: string | null | undefined, locale = 'en'): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' })
}
