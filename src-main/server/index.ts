export { startBrowserServer, type BrowserServer } from './browser-server'
