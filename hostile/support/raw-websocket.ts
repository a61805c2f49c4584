/**
 * WebSocket below the `ws` library: a real RFC 6455 handshake over `node:net`, then bytes written
 * exactly as given, so frames no compliant client would send (reserved bits, unknown opcodes,
 * unmasked or fragmented control frames, lying lengths) reach the server. Server frames are parsed
 * just enough to see pongs and the close code.
 */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

/** One client frame, any field allowed to be wrong. */
export interface RawFrame {
  fin: boolean
  /** RSV1-3 as a number 0-7. */
  rsv: number
  /** 0-15. */
  opcode: number
  /** The 4-byte masking key, or `null` for an (illegal) unmasked client frame. */
  mask: Uint8Array | null
  payload: Uint8Array
  /** Length written in the header, when it should lie about the payload. */
  declaredLength?: bigint
  /** Header length form: 7-bit, 16-bit or 64-bit (non-minimal forms are illegal). */
  lengthForm?: 7 | 16 | 64
}

/** Encode `frame` as bytes, lies included. */
export function encodeRawFrame(frame: RawFrame): Buffer {
  const length = frame.declaredLength ?? BigInt(frame.payload.length)
  const form = frame.lengthForm ?? (length < 126n ? 7 : length < 65_536n ? 16 : 64)
  const header: number[] = [(frame.fin ? 0x80 : 0) | ((frame.rsv & 7) << 4) | (frame.opcode & 0x0f)]
  const maskBit = frame.mask ? 0x80 : 0
  if (form === 7) header.push(maskBit | Number(length & 0x7fn))
  else if (form === 16) header.push(maskBit | 126, Number((length >> 8n) & 0xffn), Number(length & 0xffn))
  else {
    header.push(maskBit | 127)
    for (let shift = 56n; shift >= 0n; shift -= 8n) header.push(Number((length >> shift) & 0xffn))
  }
  const payload = Buffer.from(frame.payload)
  if (frame.mask) {
    header.push(...frame.mask)
    for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ frame.mask[i % 4]!
  }
  return Buffer.concat([Buffer.from(header), payload])
}

/** A masked ping with `payload`, the well-formed frame that asks "are you still reading?". */
function pingFrame(payload: Uint8Array = new Uint8Array([0x68, 0x69])): Buffer {
  return encodeRawFrame({ fin: true, rsv: 0, opcode: 0x9, mask: randomBytes(4), payload })
}

/** A TCP connection that completed the WebSocket handshake. */
export class RawWebSocket {
  readonly #socket: Socket
  #buffer = Buffer.alloc(0)
  #closeCode: number | null = null
  #ended = false
  readonly #waiters = new Set<() => void>()
  #pongs = 0

  private constructor(socket: Socket, leftover: Buffer) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => this.#read(chunk))
    const end = (): void => {
      this.#ended = true
      this.#wake()
    }
    socket.on('close', end)
    socket.on('error', end)
    if (leftover.length > 0) this.#read(leftover)
  }

  /**
   * Open `path` on `port` and complete the upgrade.
   * @throws when the server does not answer `101 Switching Protocols`.
   */
  static open(port: number, path: string): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1')
      let head = Buffer.alloc(0)
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk])
        const end = head.indexOf('\r\n\r\n')
        if (end === -1) return
        socket.off('data', onData)
        const status = head.subarray(0, end).toString('latin1').split('\r\n')[0] ?? ''
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          socket.destroy()
          reject(new Error(`handshake refused: ${status}`))
          return
        }
        resolve(new RawWebSocket(socket, head.subarray(end + 4)))
      }
      socket.on('data', onData)
      socket.once('error', reject)
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      )
    })
  }

  /** The close code the server sent, if it sent a close frame. */
  get closeCode(): number | null {
    return this.#closeCode
  }

  /** Whether the TCP connection is gone. */
  get ended(): boolean {
    return this.#ended
  }

  /** Write bytes as they are, in one or several TCP writes. */
  write(bytes: Buffer, chunkSize = Infinity): void {
    if (this.#ended || this.#socket.destroyed) return
    for (let offset = 0; offset < bytes.length; offset += chunkSize) this.#socket.write(bytes.subarray(offset, offset + chunkSize))
  }

  /**
   * Send a ping and wait: `alive` when the pong arrives, `closed` when the server closes (see
   * {@link closeCode}), `timeout` after `timeoutMs` (a lying length can leave the server waiting for
   * payload that never comes; that is not a failure).
   */
  async settle(timeoutMs: number): Promise<'alive' | 'closed' | 'timeout'> {
    const pongsBefore = this.#pongs
    this.write(pingFrame())
    const deadline = performance.now() + timeoutMs
    while (performance.now() < deadline) {
      if (this.#pongs > pongsBefore) return 'alive'
      if (this.#ended || this.#closeCode !== null) return 'closed'
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - performance.now()))
        this.#waiters.add(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return 'timeout'
  }

  /** Drop the connection. */
  destroy(): void {
    this.#socket.destroy()
  }

  #wake(): void {
    for (const wake of this.#waiters) wake()
    this.#waiters.clear()
  }

  #read(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk])
    for (;;) {
      const frame = parseServerFrame(this.#buffer)
      if (!frame) break
      this.#buffer = this.#buffer.subarray(frame.size)
      if (frame.opcode === 0xa) this.#pongs++
      if (frame.opcode === 0x8) this.#closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005
    }
    this.#wake()
  }
}

/** Parse one unmasked server frame from the start of `buffer`, or `null` if it is incomplete. */
function parseServerFrame(buffer: Buffer): { opcode: number; payload: Buffer; size: number } | null {
  if (buffer.length < 2) return null
  const opcode = buffer[0]! & 0x0f
  let length = buffer[1]! & 0x7f
  let offset = 2
  if (length === 126) {
    if (buffer.length < 4) return null
    length = buffer.readUInt16BE(2)
    offset = 4
  } else if (length === 127) {
    if (buffer.length < 10) return null
    length = Number(buffer.readBigUInt64BE(2))
    offset = 10
  }
  if (buffer.length < offset + length) return null
  return { opcode, payload: buffer.subarray(offset, offset + length), size: offset + length }
}
