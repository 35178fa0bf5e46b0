#!/usr/bin/env node
// The cifar-workbench CLI: the same core as the app, headless.
import { register } from 'tsx/esm/api'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join } from 'node:path'

register()
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { main } = await import(pathToFileURL(join(root, 'src-main/cli/main.ts')).href)
process.exitCode = await main(process.argv.slice(2))
