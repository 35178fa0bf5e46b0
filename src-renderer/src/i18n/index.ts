import { createI18n } from 'vue-i18n'
import type { Locale } from '@shared/domain/system'
import { en } from './en'
import { es } from './es'

/** The OS/browser language when supported (navigator.languages follows the OS in Electron). */
export function systemLocale(languages: readonly string[] = navigator.languages ?? [navigator.language]): Locale {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0]
    if (base === 'es' || base === 'en') return base
  }
  return 'en'
}

export const i18n = createI18n({
  legacy: false,
  locale: systemLocale(),
  fallbackLocale: 'en',
  messages: { en, es },
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(locale: Locale | null): void {
  const chosen = locale ?? systemLocale()
  i18n.global.locale.value = chosen
  document.documentElement.lang = chosen
}
