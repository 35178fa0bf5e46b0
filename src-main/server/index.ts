export { startBrowserServer, DEFAULT_RENDERER_DIR, type BrowserServer, type BrowserServerOptions } from './browser-server'
