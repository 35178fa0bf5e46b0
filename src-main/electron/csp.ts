/**
 * The desktop window's Content-Security-Policy. Only the app's own scripts run; nothing is fetched
 * from the network. In development the Vite dev server (and its HMR socket) counts as "self".
 */
export function contentSecurityPolicy(devServer: URL | null): string {
  const connect = devServer ? `'self' ws://${devServer.host} ${devServer.origin}` : "'self'"
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "object-src 'none'",
  ].join('; ')
}
