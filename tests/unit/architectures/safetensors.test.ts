import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadTimmBase, readSafetensors, timmResnet18 } from '../../../src-main/engine/architectures/timm'
import { tempDir } from '../data/fixtures'
import { f32, safetensorsBytes, timmStateDict, writeSafetensors, type FixtureTensor } from './safetensors-fixtures'

const dir = tempDir('cwb-safetensors-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const floats = (t: FixtureTensor) => Array.from({ length: t.data.length / 4 }, (_, i) => t.data.readFloatLE(i * 4))

let n = 0
function file(bytes: Buffer): string {
  const path = join(dir, `case-${n++}.safetensors`)
  writeFileSync(path, bytes)
  return path
}

/** A header written by hand (the writer in the fixtures only writes valid ones). */
function withHeader(header: unknown, data = Buffer.alloc(16)): Buffer {
  const json = Buffer.from(JSON.stringify(header))
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(json.length))
  return Buffer.concat([length, json, data])
}

describe('the safetensors reader', () => {
  it('reads F32, F16 and BF16 tensors and the metadata', async () => {
    const half = Buffer.alloc(6)
    ;[0x3c00, 0xc000, 0x3555].forEach((h, i) => half.writeUInt16LE(h, i * 2)) // 1, -2, 0.33325195
    const bf16 = Buffer.alloc(4)
    ;[0x3fc0, 0xc120].forEach((h, i) => bf16.writeUInt16LE(h, i * 2)) // 1.5, -10
    const tensors: Record<string, FixtureTensor> = {
      a: f32([1.25, -3, 0.5, 7, 8, 9], [2, 3]),
      h: { dtype: 'F16', shape: [3], data: half },
      b: { dtype: 'BF16', shape: [2], data: bf16 },
    }
    const read = await readSafetensors(file(safetensorsBytes(tensors, { format: 'pt' })))
    expect(read.metadata).toEqual({ format: 'pt' })
    expect(read.tensors.get('a')).toMatchObject({ dtype: 'F32', shape: [2, 3] })
    expect([...read.float32('a')]).toEqual([1.25, -3, 0.5, 7, 8, 9])
    expect([...read.float32('h')]).toEqual([1, -2, 0.333251953125])
    expect([...read.float32('b')]).toEqual([1.5, -10])
  })

  const bad: Array<[string, Buffer, RegExp]> = [
    ['shorter than its length field', Buffer.from([1, 2, 3]), /not a safetensors file \(shorter than its 8-byte header length\)/],
    [
      'a header length beyond the file',
      Buffer.concat([Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]),
      /header length 65535 exceeds the file's 2 remaining bytes/,
    ],
    [
      'a header that is not JSON',
      Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{{{{')]),
      /header is not valid JSON/,
    ],
    ['a header that is a list', withHeader([1, 2]), /header is not a JSON object/],
    [
      'an unknown dtype',
      withHeader({ w: { dtype: 'F31', shape: [4], data_offsets: [0, 16] } }),
      /tensor "w": unknown dtype "F31"/,
    ],
    [
      'a negative dimension',
      withHeader({ w: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }),
      /tensor "w": shape \[-4\] is not a list/,
    ],
    [
      'offsets outside the data',
      withHeader({ w: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }),
      /tensor "w": data_offsets \[0, 32\] lie outside the 16 data bytes/,
    ],
    [
      'a shape that does not fit its bytes',
      withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }),
      /tensor "w": shape \[3\] of F32 needs 12 bytes but data_offsets give 16/,
    ],
    [
      'overlapping tensors',
      withHeader({
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      }),
      /tensors "a" and "b" overlap/,
    ],
    ['metadata that is not strings', withHeader({ __metadata__: { epoch: 3 } }), /__metadata__ must map names to strings/],
  ]
  for (const [what, bytes, message] of bad) {
    it(`refuses ${what} with a one-line error naming the problem`, async () => {
      const path = file(bytes)
      const error = await readSafetensors(path).then(
        () => null,
        (e: unknown) => e as Error,
      )
      expect(error?.message).toMatch(message)
      expect(error?.message.startsWith(`${path}: `)).toBe(true)
      expect(error?.message).not.toContain('\n')
    })
  }

  it('a tensor of an integer dtype is refused as weights, naming it', async () => {
    const read = await readSafetensors(file(safetensorsBytes({ steps: { dtype: 'I64', shape: [], data: Buffer.alloc(8) } })))
    expect(() => read.float32('steps')).toThrow(/tensor "steps" has dtype I64, expected a float type/)
  })
})

describe('a timm state_dict loaded into our architecture', () => {
  const model = timmResnet18(null)
  const tensors = timmStateDict(model, 1)
  afterAll(() => model.dispose())

  it('puts every tensor where PyTorch had it: OIHW kernels become HWIO, BatchNorm by parameter name', async () => {
    const { model: loaded, arch } = await loadTimmBase(writeSafetensors(join(dir, 'resnet18.safetensors'), tensors))
    try {
      expect(arch).toBe('resnet18')
      const conv = loaded.getLayer('layer2.0.downsample.0').getWeights()[0]!
      expect(conv.shape).toEqual([1, 1, 64, 128])
      const torch = tensors['layer2.0.downsample.0.weight']!
      expect(torch.shape).toEqual([128, 64, 1, 1])
      // tfjs [0, 0, in=5, out=7] is PyTorch [out=7, in=5, 0, 0].
      expect((conv.arraySync() as number[][][][])[0]![0]![5]![7]).toBe(torch.data.readFloatLE((7 * 64 + 5) * 4))
      const [gamma, beta, mean, variance] = loaded.getLayer('layer4.1.bn2').getWeights()
      expect([...(mean!.dataSync() as Float32Array)]).toEqual(floats(tensors['layer4.1.bn2.running_mean']!))
      expect(gamma!.shape).toEqual([512])
      expect(beta!.shape).toEqual([512])
      expect(variance!.shape).toEqual([512])
      expect((loaded.getLayer('bn1') as unknown as { epsilon: number }).epsilon).toBe(1e-5)
    } finally {
      loaded.dispose()
    }
  })

  it('a missing tensor is an error naming it', async () => {
    const { ['layer3.1.bn1.running_var']: _dropped, ...rest } = tensors
    const path = writeSafetensors(join(dir, 'missing.safetensors'), rest)
    await expect(loadTimmBase(path, 'resnet18')).rejects.toThrow(
      `${path}: tensor "layer3.1.bn1.running_var" is missing (for layer "layer3.1.bn1")`,
    )
  })

  it('a mis-shaped tensor is an error naming it and both shapes', async () => {
    const path = writeSafetensors(join(dir, 'misshaped.safetensors'), {
      ...tensors,
      'layer1.0.conv2.weight': f32(new Float32Array(64 * 64 * 9), [64, 64, 9, 1]),
    })
    await expect(loadTimmBase(path, 'resnet18')).rejects.toThrow(
      `${path}: tensor "layer1.0.conv2.weight" has shape [64, 64, 9, 1] but the model expects [64, 64, 3, 3]`,
    )
  })

  it('a state_dict of another network names what it found', async () => {
    const path = writeSafetensors(join(dir, 'other.safetensors'), { 'encoder.weight': f32([1, 2], [2]) })
    await expect(loadTimmBase(path)).rejects.toThrow(/not a state_dict of timm's resnet18, .*\(tensors found: encoder\.weight\)/)
  })
})
