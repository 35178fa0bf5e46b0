import { defineStore } from 'pinia'
import { ref, toRaw } from 'vue'
import type { Preset } from '@shared/contract/methods'
import type { ExperimentConfig } from '@shared/domain/config'
import { chooseBase, type BaseModelInfo } from '@shared/domain/model'
import { api } from '../api'
import { errorMessage } from '../format'

/** Built-in presets and the user's saved configs, as the Experiments form offers them. */
export const usePresetsStore = defineStore('presets', () => {
  const presets = ref<Preset[]>([])
  const error = ref<string | null>(null)

  async function load(): Promise<void> {
    try {
      presets.value = await api()['training.presets']({})
      error.value = null
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  async function save(name: string, config: ExperimentConfig): Promise<boolean> {
    try {
      await api()['training.savePreset']({ name: name.trim(), config })
      await load()
      return true
    } catch (e) {
      error.value = errorMessage(e)
      return false
    }
  }

  async function remove(id: string): Promise<void> {
    try {
      await api()['training.deletePreset']({ id })
      await load()
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  return { presets, error, load, save, remove }
})

/**
 * A preset's config as the form edits it: a transfer preset gets the registered base the core would
 * pick for it (the same `chooseBase` rule), or keeps its own id when none is registered, so the form
 * says which base is missing.
 */
export function presetConfig(preset: Preset, bases: readonly BaseModelInfo[]): Preset['config'] {
  // structuredClone refuses reactive proxies: clone what the store holds underneath.
  const config = structuredClone(toRaw(preset).config)
  if (config.model.kind === 'transfer') {
    const base = chooseBase(bases, { id: config.model.baseId })
    if (base) config.model.baseId = base.id
  }
  return config
}
