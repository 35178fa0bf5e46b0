/** The custom scheme the packaged renderer is served from (instead of file://, per Electron's checklist). */
export const APP_SCHEME = 'app'
export const APP_HOST = 'workbench'
export const APP_ENTRY = `${APP_SCHEME}://${APP_HOST}/index.html`

/**
 * Decides whether a URL belongs to the app: app://workbench/… or, in development, the Vite dev
 * server's origin. Everything else is remote content and is never loaded or trusted.
 */
export function createOriginCheck(devServer: URL | null): (url: string) => boolean {
  return (raw) => {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      return false
    }
    if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST) return true
    return devServer !== null && url.protocol === devServer.protocol && url.host === devServer.host
  }
}
