import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { DEFAULT_CACHE_MEMORY_MB, type DoctorReport, type Settings } from '@shared/domain/system'
import { api, connect } from '../api'
import { setLocale } from '../i18n'
import { errorMessage } from '../format'

type Connection = 'connecting' | 'ready' | 'error'

/** Connection, doctor report, settings; applies theme and language to the document. */
export const useSystemStore = defineStore('system', () => {
  const connection = ref<Connection>('connecting')
  const connectionError = ref<string | null>(null)
  const doctor = ref<DoctorReport | null>(null)
  const doctorError = ref<string | null>(null)
  const settings = ref<Settings>({
    backend: null,
    threads: null,
    locale: null,
    theme: 'system',
    cacheMemoryMb: DEFAULT_CACHE_MEMORY_MB,
  })
  const prefersDark = ref(window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false)
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', (e) => {
    prefersDark.value = e.matches
    applyTheme()
  })

  const theme = computed<'light' | 'dark'>(() =>
    settings.value.theme === 'system' ? (prefersDark.value ? 'dark' : 'light') : settings.value.theme,
  )

  function applyTheme(): void {
    document.documentElement.dataset.theme = theme.value
  }

  async function start(): Promise<void> {
    connection.value = 'connecting'
    connectionError.value = null
    try {
      await connect()
      // The first call proves the token was accepted (a refused socket fails here).
      settings.value = await api()
        ['system.getSettings']({})
        .catch(() => settings.value)
      setLocale(settings.value.locale)
      applyTheme()
      connection.value = 'ready'
      void loadDoctor()
    } catch (error) {
      connection.value = 'error'
      connectionError.value = errorMessage(error)
    }
  }

  async function loadDoctor(): Promise<void> {
    doctorError.value = null
    try {
      doctor.value = await api()['system.doctor']({})
    } catch (error) {
      doctorError.value = errorMessage(error)
    }
  }

  async function updateSettings(patch: Partial<Settings>): Promise<void> {
    // Apply locally first so language/theme react at once; the core is the source of truth after.
    settings.value = { ...settings.value, ...patch }
    setLocale(settings.value.locale)
    applyTheme()
    settings.value = await api()['system.updateSettings'](patch)
    setLocale(settings.value.locale)
    applyTheme()
  }

  applyTheme()
  return { connection, connectionError, doctor, doctorError, settings, theme, start, loadDoctor, updateSettings }
})
