import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadTfjsFolder } from '../../../src-main/engine/architectures/tfjs-folder'

const squeezenet = resolve(__dirname, '../../../resources/bases/squeezenet1.1-imagenet')
const root = mkdtempSync(join(tmpdir(), 'hostile-model-json-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** The shipped SqueezeNet with one layer's config edited. */
function withLayerConfig(name: string, field: string, value: unknown): string {
  const dir = join(root, `${name}-${field}-${String(value).slice(0, 12)}`)
  cpSync(squeezenet, dir, { recursive: true })
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: { config: { layers: Array<{ name: string; config: Record<string, unknown> }> } }
  }
  json.modelTopology.config.layers.find((l) => l.name === name)!.config[field] = value
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json))
  return dir
}

describe('a model.json that declares absurd layer sizes or a broken graph', () => {
  it.each([
    ['filters', 2 ** 31],
    ['filters', 1e308],
    ['kernel_size', [3, 1.5]],
    ['strides', [-2, 2]],
  ])('is refused by name before anything is built: conv1 %s %j', async (field, value) => {
    await expect(loadTfjsFolder(withLayerConfig('conv1', field, value))).rejects.toThrow(
      new RegExp(`layer "conv1" has ${field} .*not a layer size`),
    )
  })

  it.each([
    ['an empty input list', [[]], /layer "pool3" has malformed inbound_nodes/],
    [
      'an input from a layer that does not exist',
      [[['nowhere', 0, 0, {}]]],
      /layer "pool3" takes its input from "nowhere", which is not an earlier layer/,
    ],
  ])('with %s is refused instead of hanging while tfjs rebuilds the graph', async (_what, nodes, message) => {
    const dir = join(root, `graph-${String(_what).replace(/\W+/g, '-')}`)
    cpSync(squeezenet, dir, { recursive: true })
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      modelTopology: { config: { layers: Array<{ name: string; inbound_nodes: unknown }> } }
    }
    json.modelTopology.config.layers.find((l) => l.name === 'pool3')!.inbound_nodes = nodes
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json))
    await expect(loadTfjsFolder(dir)).rejects.toThrow(message)
  })

  it('a plausible but wrong size fails on the weights, not in initialisation', async () => {
    await expect(loadTfjsFolder(withLayerConfig('conv1', 'filters', 4096))).rejects.toThrow(
      /cannot build the model from model\.json/,
    )
  })
})
