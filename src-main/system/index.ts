export { SystemService, parseBackendName, type SystemServiceOptions } from './system-service'
export { SettingsStore, SETTINGS_FILE } from './settings-store'
export { buildDoctorReport, sqliteVersion } from './doctor'
export { APP_VERSION } from './app-version'
