/**
 * A small, strict unpickler for exactly what the CIFAR-10 python batches hold: protocol 2 (as written
 * by Python 2's cPickle, or by Python 3 with protocol 2–4), a dict of bytes/str keys to bytes, ints,
 * lists and one numpy uint8 array rebuilt through numpy's `_reconstruct`. Any other global is refused,
 * so loading a pickle can never run code.
 */

export class PickleError extends Error {}

/** A numpy array as the pickle describes it. */
export class NdArray {
  shape: number[] = []
  dtype: NpDtype | null = null
  fortranOrder = false
  data: Buffer = Buffer.alloc(0)
}

export class NpDtype {
  constructor(public readonly name: string) {}
  byteOrder = '|'
}

/** A tuple, kept apart from lists so BUILD/REDUCE arguments are recognisable. */
class Tuple {
  constructor(public readonly items: PickleValue[]) {}
}

class Global {
  constructor(
    public readonly module: string,
    public readonly name: string,
  ) {}
}

export type PickleValue =
  null | boolean | number | string | Buffer | PickleValue[] | Map<string, PickleValue> | NdArray | NpDtype | Tuple | Global

const MARK = Symbol('mark')
type StackItem = PickleValue | typeof MARK

const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  '_codecs.encode',
])

export function unpickle(bytes: Buffer): PickleValue {
  let pos = 0
  const stack: StackItem[] = []
  const memo = new Map<number, PickleValue>()

  const need = (n: number) => {
    if (pos + n > bytes.length) throw new PickleError(`truncated pickle at byte ${pos}`)
  }
  const u8 = () => {
    need(1)
    return bytes[pos++]!
  }
  const u16 = () => {
    need(2)
    const v = bytes.readUInt16LE(pos)
    pos += 2
    return v
  }
  const u32 = () => {
    need(4)
    const v = bytes.readUInt32LE(pos)
    pos += 4
    return v
  }
  const take = (n: number) => {
    need(n)
    const out = bytes.subarray(pos, pos + n)
    pos += n
    return out
  }
  const line = () => {
    const end = bytes.indexOf(0x0a, pos)
    if (end < 0) throw new PickleError(`truncated pickle at byte ${pos}`)
    const text = bytes.toString('latin1', pos, end)
    pos = end + 1
    return text
  }
  const pop = (): PickleValue => {
    const v = stack.pop()
    if (v === undefined || v === MARK) throw new PickleError(`stack underflow at byte ${pos}`)
    return v
  }
  const top = (): PickleValue => {
    const v = stack[stack.length - 1]
    if (v === undefined || v === MARK) throw new PickleError(`empty stack at byte ${pos}`)
    return v
  }
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK)
    if (at < 0) throw new PickleError(`missing MARK at byte ${pos}`)
    const items = stack.splice(at) as PickleValue[]
    items.shift()
    return items
  }
  const key = (k: PickleValue): string => {
    if (typeof k === 'string') return k
    if (Buffer.isBuffer(k)) return k.toString('latin1')
    if (typeof k === 'number') return String(k)
    throw new PickleError(`unsupported dict key at byte ${pos}`)
  }
  const setItems = (dict: PickleValue, items: PickleValue[]) => {
    if (!(dict instanceof Map)) throw new PickleError(`SETITEM on a non-dict at byte ${pos}`)
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(key(items[i]!), items[i + 1]!)
  }

  for (;;) {
    const op = u8()
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 4) throw new PickleError('pickle protocol above 4 is not supported')
        break
      case 0x95: // FRAME (protocol 4): framing only
        take(8)
        break
      case 0x2e: // STOP
        return pop()
      case 0x7d: // EMPTY_DICT
        stack.push(new Map())
        break
      case 0x5d: // EMPTY_LIST
        stack.push([])
        break
      case 0x29: // EMPTY_TUPLE
        stack.push(new Tuple([]))
        break
      case 0x28: // MARK
        stack.push(MARK)
        break
      case 0x75: {
        // SETITEMS
        const items = popMark()
        setItems(top(), items)
        break
      }
      case 0x73: {
        // SETITEM
        const v = pop()
        const k = pop()
        setItems(top(), [k, v])
        break
      }
      case 0x65: {
        // APPENDS
        const items = popMark()
        const list = top()
        if (!Array.isArray(list)) throw new PickleError(`APPENDS on a non-list at byte ${pos}`)
        for (const item of items) list.push(item)
        break
      }
      case 0x61: {
        // APPEND
        const v = pop()
        const list = top()
        if (!Array.isArray(list)) throw new PickleError(`APPEND on a non-list at byte ${pos}`)
        list.push(v)
        break
      }
      case 0x74: // TUPLE
        stack.push(new Tuple(popMark()))
        break
      case 0x85: // TUPLE1
        stack.push(new Tuple([pop()]))
        break
      case 0x86: {
        const b = pop()
        const a = pop()
        stack.push(new Tuple([a, b]))
        break
      }
      case 0x87: {
        const c = pop()
        const b = pop()
        const a = pop()
        stack.push(new Tuple([a, b, c]))
        break
      }
      case 0x71: // BINPUT
        memo.set(u8(), top())
        break
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top())
        break
      case 0x94: // MEMOIZE
        memo.set(memo.size, top())
        break
      case 0x70: // PUT
        memo.set(Number(line()), top())
        break
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const id = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line())
        const v = memo.get(id)
        if (v === undefined) throw new PickleError(`memo ${id} is not defined (byte ${pos})`)
        stack.push(v)
        break
      }
      case 0x4b: // BININT1
        stack.push(u8())
        break
      case 0x4d: // BININT2
        stack.push(u16())
        break
      case 0x4a: // BININT
        need(4)
        stack.push(bytes.readInt32LE(pos))
        pos += 4
        break
      case 0x8a: {
        // LONG1 (small values only)
        const n = u8()
        if (n > 6) throw new PickleError(`integer too large at byte ${pos}`)
        stack.push(n === 0 ? 0 : take(n).readIntLE(0, n))
        break
      }
      case 0x4e: // NONE
        stack.push(null)
        break
      case 0x88:
        stack.push(true)
        break
      case 0x89:
        stack.push(false)
        break
      case 0x55: // SHORT_BINSTRING (py2 str)
      case 0x43: // SHORT_BINBYTES
        stack.push(Buffer.from(take(u8())))
        break
      case 0x54: // BINSTRING
      case 0x42: // BINBYTES
        stack.push(Buffer.from(take(u32())))
        break
      case 0x58: // BINUNICODE
        stack.push(take(u32()).toString('utf8'))
        break
      case 0x8c: // SHORT_BINUNICODE
        stack.push(take(u8()).toString('utf8'))
        break
      case 0x63: // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        let module: string
        let name: string
        if (op === 0x63) {
          module = line()
          name = line()
        } else {
          const n = pop()
          const m = pop()
          if (typeof m !== 'string' || typeof n !== 'string') throw new PickleError('STACK_GLOBAL needs two strings')
          module = m
          name = n
        }
        if (!ALLOWED_GLOBALS.has(`${module}.${name}`)) throw new PickleError(`refusing pickle global ${module}.${name}`)
        stack.push(new Global(module, name))
        break
      }
      case 0x52: {
        // REDUCE
        const args = pop()
        const fn = pop()
        if (!(fn instanceof Global) || !(args instanceof Tuple)) throw new PickleError(`unsupported REDUCE at byte ${pos}`)
        stack.push(reduce(fn, args.items))
        break
      }
      case 0x62: {
        // BUILD
        const state = pop()
        build(top(), state)
        break
      }
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${pos - 1}`)
    }
  }
}

function reduce(fn: Global, args: PickleValue[]): PickleValue {
  switch (fn.name) {
    case '_reconstruct':
      return new NdArray()
    case 'dtype': {
      const name = args[0]
      const text = Buffer.isBuffer(name) ? name.toString('latin1') : name
      if (typeof text !== 'string') throw new PickleError('numpy dtype without a name')
      return new NpDtype(text)
    }
    case 'encode': {
      // Python 3 writes bytes under protocol 2 as _codecs.encode(text, 'latin1').
      const [text, encoding] = args
      if (typeof text !== 'string' || encoding !== 'latin1') throw new PickleError('unsupported _codecs.encode call')
      return Buffer.from(text, 'latin1')
    }
    default:
      throw new PickleError(`unsupported call ${fn.module}.${fn.name}`)
  }
}

function build(target: PickleValue, state: PickleValue): void {
  if (!(state instanceof Tuple)) throw new PickleError('BUILD state is not a tuple')
  const s = state.items
  if (target instanceof NpDtype) {
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
    const order = s[1]
    target.byteOrder = Buffer.isBuffer(order) ? order.toString('latin1') : typeof order === 'string' ? order : '|'
    return
  }
  if (target instanceof NdArray) {
    // (version, shape, dtype, is_fortran, raw data)
    const [, shape, dtype, fortran, raw] = s
    if (!(shape instanceof Tuple) || !shape.items.every((d) => typeof d === 'number'))
      throw new PickleError('ndarray shape is not a tuple of ints')
    if (!(dtype instanceof NpDtype)) throw new PickleError('ndarray without a dtype')
    if (!Buffer.isBuffer(raw)) throw new PickleError('ndarray data is not raw bytes (object arrays are not supported)')
    target.shape = shape.items
    target.dtype = dtype
    target.fortranOrder = fortran === true || fortran === 1
    target.data = raw
    return
  }
  throw new PickleError('BUILD on an unsupported object')
}
