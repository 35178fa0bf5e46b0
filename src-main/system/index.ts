export { SystemService } from './system-service'
export { SettingsStore } from './settings-store'
