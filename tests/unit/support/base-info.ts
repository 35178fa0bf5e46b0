import { BaseModelInfo } from '@shared/domain/model'

/** A registered base as the registry would list it, for tests of the rules that choose among bases. */
export const baseInfo = (
  id: string,
  family: BaseModelInfo['family'],
  format: BaseModelInfo['format'],
  registeredAt: string,
): BaseModelInfo =>
  BaseModelInfo.parse({
    id,
    name: id,
    family,
    format,
    path: `models/${id}`,
    sha256: '0'.repeat(64),
    preprocessing: 'imagenet-mean-std',
    defaultCutLayer: 'out',
    minInputSize: 32,
    source: 'test',
    summary: null,
    registeredAt,
  })
