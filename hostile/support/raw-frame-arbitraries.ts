/**
 * fast-check generators of WebSocket framing attacks (RFC 6455 section 5): unknown opcodes, reserved
 * bits, unmasked client frames, fragmented or oversized control frames, continuation frames with no
 * message to continue, data frames inside a fragmented message, close frames with illegal codes or
 * reasons, invalid UTF-8 text, and lengths that lie (non-minimal forms, 2^63, more than is sent).
 */
import fc from 'fast-check'

import type { RawFrame } from './raw-websocket.js'

/** A sequence of frames written on one connection, possibly one byte per TCP write. */
export interface FrameAttack {
  kind: string
  frames: RawFrame[]
  chunkSize: number
}

const mask = fc.uint8Array({ minLength: 4, maxLength: 4 })
const opcode = fc.oneof(
  { arbitrary: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 15 }), weight: 2 },
)
const rsv = fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 7 }), weight: 1 })
const lies = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 53n, 2n ** 53n - 1n, 2n ** 32n, 2n ** 31n, 16_777_217n, 1_048_577n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
)

function frameFrom(fields: Partial<RawFrame> & { payload: Uint8Array }): RawFrame {
  return { fin: true, rsv: 0, opcode: 0x2, mask: new Uint8Array([1, 2, 3, 4]), ...fields }
}

/** Every framing attack, mixed; `corpus` supplies real y-websocket messages as payloads. */
export function frameAttack(corpus: readonly Uint8Array[]): fc.Arbitrary<FrameAttack> {
  const message = fc.oneof(fc.constantFrom(...corpus), fc.uint8Array({ maxLength: 300 }))
  const chunkSize = fc.oneof({ arbitrary: fc.constant(Infinity), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 7 }), weight: 1 })

  const anyFrame = fc
    .record({
      fin: fc.boolean(),
      rsv,
      opcode,
      masked: fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 }),
      mask,
      payload: message,
      lie: lies,
      lengthForm: fc.constantFrom(undefined, 7, 16, 64),
    })
    .map(({ masked, lie, lengthForm, mask, ...rest }) => {
      const frame: RawFrame = { ...rest, mask: masked ? mask : null }
      if (lie !== undefined) frame.declaredLength = lie
      // A 7-bit form cannot hold a long payload; only pick it where it fits or as a deliberate lie.
      if (lengthForm !== undefined && (lengthForm !== 7 || rest.payload.length < 126)) frame.lengthForm = lengthForm
      return frame
    })

  const attacks: Array<fc.Arbitrary<FrameAttack>> = [
    fc
      .tuple(fc.array(anyFrame, { minLength: 1, maxLength: 4 }), chunkSize)
      .map(([frames, size]) => ({ kind: 'random frames', frames, chunkSize: size })),
    // A real message split into fragments, with pings between them, sometimes with a broken sequence.
    fc
      .tuple(
        fc.constantFrom(...corpus),
        fc.integer({ min: 2, max: 6 }),
        fc.boolean(),
        fc.constantFrom('valid', 'no-final', 'restart', 'text-inside', 'control-between'),
        chunkSize,
      )
      .map(([bytes, parts, binary, variant, size]) => {
        const step = Math.max(1, Math.ceil(bytes.length / parts))
        const frames: RawFrame[] = []
        for (let i = 0, offset = 0; offset < bytes.length || i === 0; i++, offset += step) {
          const last = offset + step >= bytes.length
          frames.push(
            frameFrom({
              fin: last && variant !== 'no-final',
              opcode: i === 0 ? (binary ? 0x2 : 0x1) : 0x0,
              payload: bytes.subarray(offset, offset + step),
            }),
          )
          if (variant === 'control-between' && !last) frames.push(frameFrom({ opcode: 0x9, payload: new Uint8Array([7]) }))
          if (variant === 'restart' && i === 0) frames.push(frameFrom({ opcode: 0x2, fin: false, payload: bytes.subarray(0, 1) }))
          if (variant === 'text-inside' && i === 0) frames.push(frameFrom({ opcode: 0x1, payload: new Uint8Array([0x61]) }))
        }
        return { kind: `fragmented message (${variant})`, frames, chunkSize: size }
      }),
    fc.array(message, { minLength: 1, maxLength: 3 }).map((payloads) => ({
      kind: 'continuation without a start',
      frames: payloads.map((payload, i) => frameFrom({ opcode: 0x0, fin: i === payloads.length - 1, payload })),
      chunkSize: Infinity,
    })),
    fc.tuple(fc.constantFrom(0x8, 0x9, 0xa), fc.uint8Array({ maxLength: 200 }), fc.boolean()).map(([code, payload, fin]) => ({
      kind: fin ? 'oversized control frame' : 'fragmented control frame',
      frames: [frameFrom({ opcode: code, fin, payload: fin ? new Uint8Array([...payload, ...new Uint8Array(126)]) : payload })],
      chunkSize: Infinity,
    })),
    fc
      .tuple(
        fc.oneof(fc.constantFrom(0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535), fc.integer({ min: 0, max: 65535 })),
        fc.uint8Array({ maxLength: 60 }),
        fc.boolean(),
      )
      .map(([code, reason, oneByte]) => ({
        kind: 'close frame with a bad code or reason',
        frames: [
          frameFrom({
            opcode: 0x8,
            payload: oneByte ? new Uint8Array([code & 0xff]) : new Uint8Array([code >> 8, code & 0xff, 0xc3, 0x28, ...reason]),
          }),
        ],
        chunkSize: Infinity,
      })),
    fc
      .oneof(
        fc.uint8Array({ maxLength: 100 }),
        fc.constant(new Uint8Array([0xed, 0xa0, 0x80])),
        fc.constant(new Uint8Array([0xf4, 0x90, 0x80, 0x80])),
      )
      .map((payload) => ({
        kind: 'text frame (invalid UTF-8 or not y-websocket)',
        frames: [frameFrom({ opcode: 0x1, payload })],
        chunkSize: Infinity,
      })),
    fc
      .tuple(
        fc.constantFrom(0x1, 0x2, 0x0, 0x9),
        lies.filter((lie) => lie !== undefined),
        fc.constantFrom<16 | 64>(16, 64),
      )
      .map(([code, length, form]) => ({
        kind: 'huge declared length',
        frames: [frameFrom({ opcode: code, payload: new Uint8Array([0, 1, 2]), declaredLength: length, lengthForm: form })],
        chunkSize: Infinity,
      })),
    fc.tuple(message, mask).map(([payload, key]) => ({
      kind: 'unmasked or zero-masked frame',
      frames: [
        frameFrom({ payload, mask: key.every((b) => b === 0) ? null : new Uint8Array([0, 0, 0, 0]) }),
        frameFrom({ payload, mask: null }),
      ],
      chunkSize: Infinity,
    })),
  ]
  return fc.oneof(...attacks)
}
