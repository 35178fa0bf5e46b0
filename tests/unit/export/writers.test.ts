import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import yauzl from 'yauzl'
import { describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { kerasSnakeCase } from '../../../src-main/engine/export/keras'
import { readModelGraph } from '../../../src-main/engine/export/model-graph'
import { exportOnnx } from '../../../src-main/engine/export/onnx'
import { crc32, writeZip } from '../../../src-main/engine/export/zip'

function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('no zip file'))
      const out = new Map<string, Buffer>()
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no entry stream'))
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks))
            zip.readEntry()
          })
        })
      })
      zip.on('end', () => resolve(out))
      zip.on('error', reject)
      zip.readEntry()
    })
  })
}

const onnxOptions = { producerVersion: 'test', metadata: {}, docString: '' }

describe('export writers', () => {
  it('writes a store-only zip that yauzl reads back byte for byte (CRC checked)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zip-'))
    try {
      const big = new Uint8Array(70_000).map((_, i) => (i * 31) % 251)
      const file = join(dir, 'a.zip')
      writeFileSync(
        file,
        writeZip([
          { name: 'config.json', data: new TextEncoder().encode('{"a":1}') },
          { name: 'dir/weights.bin', data: big },
        ]),
      )
      const entries = await readZip(file)
      expect([...entries.keys()]).toEqual(['config.json', 'dir/weights.bin'])
      expect(entries.get('config.json')!.toString()).toBe('{"a":1}')
      expect(Buffer.compare(entries.get('dir/weights.bin')!, Buffer.from(big))).toBe(0)
      expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("names weight groups as Keras' to_snake_case does", () => {
    expect(
      ['Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'ReLU', 'ZeroPadding2D', 'GlobalAveragePooling2D', 'InputLayer'].map(
        kerasSnakeCase,
      ),
    ).toEqual([
      'conv2d',
      'depthwise_conv2d',
      'batch_normalization',
      're_lu',
      'zero_padding2d',
      'global_average_pooling2d',
      'input_layer',
    ])
  })

  it('refuses what it cannot export with an error naming the layer', () => {
    const input = tf.input({ shape: [8, 8, 3], name: 'input' })
    const leaky = tf.layers.leakyReLU({ alpha: 0.1, name: 'leaky' }).apply(input) as tf.SymbolicTensor
    const model = tf.model({ inputs: input, outputs: tf.layers.flatten({ name: 'flat' }).apply(leaky) as tf.SymbolicTensor })
    expect(() => exportOnnx(readModelGraph(model), onnxOptions)).toThrow('layer "leaky" (LeakyReLU) cannot be exported to ONNX')
    const dynamic = tf.input({ shape: [null, null, 3], name: 'input' })
    const conv = tf.model({
      inputs: dynamic,
      outputs: tf.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c' }).apply(dynamic) as tf.SymbolicTensor,
    })
    expect(() => readModelGraph(conv)).toThrow(/has no static shape .*export needs a fixed input size/)
    model.dispose()
    conv.dispose()
  })
})
