import { app, shell, type Session } from 'electron'

/**
 * Electron's security checklist, applied app-wide: no permissions, no remote requests, no new
 * windows, no navigation away from the app, no <webview>. Links to the web open in the OS browser.
 */
export function hardenApp(
  session: Session,
  options: { isAppUrl: (url: string) => boolean; csp: string; devServer: URL | null },
): void {
  const { isAppUrl, csp, devServer } = options

  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)

  // "No remote content": only the app itself (and data:/blob: it creates) may be requested.
  session.webRequest.onBeforeRequest((details, callback) => {
    const url = details.url
    const allowed =
      isAppUrl(url) ||
      url.startsWith('data:') ||
      url.startsWith('blob:') ||
      url.startsWith('devtools:') ||
      (devServer !== null && url.startsWith(`ws://${devServer.host}`))
    if (!allowed) console.warn(`blocked request to ${url}`)
    callback({ cancel: !allowed })
  })

  // The dev server's responses get the same CSP the packaged protocol handler sets.
  if (devServer) {
    session.webRequest.onHeadersReceived((details, callback) => {
      const headers = { ...details.responseHeaders, 'Content-Security-Policy': [csp] }
      callback({ responseHeaders: headers })
    })
  }

  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (/^https:\/\//i.test(url)) void shell.openExternal(url)
      return { action: 'deny' }
    })
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault()
    })
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}
