// Placeholder during bootstrap; the real script prepares better-sqlite3 for Electron's ABI.
