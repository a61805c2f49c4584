/** An open Server-Sent Events stream (`GET /api/events`), held until closed. */
import { request } from 'node:http'

/** The server refused the stream. */
export class StreamRefused extends Error {
  override name = 'StreamRefused'
  constructor(
    readonly status: number,
    readonly code: string | null,
  ) {
    super(`SSE stream refused with HTTP ${status} ${code ?? ''}`)
  }
}

/** A stream whose response headers have arrived. */
export class SseStream {
  readonly #close: () => void
  #text = ''

  private constructor(close: () => void) {
    this.#close = close
  }

  /**
   * Open `/api/events` with `query` (e.g. `channel=news`), from `localAddress` if given (any
   * 127.x.y.z address works on Linux, which lets one test act as many clients).
   * @throws {StreamRefused} when the answer is not 200.
   */
  static open(
    serverUrl: string,
    query: string,
    options: { headers?: Record<string, string>; localAddress?: string } = {},
  ): Promise<SseStream> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        `${serverUrl}/api/events?${query}`,
        { headers: options.headers ?? {}, ...(options.localAddress ? { localAddress: options.localAddress } : {}) },
        (response) => {
          if (response.statusCode !== 200) {
            let body = ''
            response.on('data', (chunk: Buffer) => (body += chunk.toString()))
            response.on('end', () => {
              let code: string | null = null
              try {
                code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? null
              } catch {
                // not JSON
              }
              reject(new StreamRefused(response.statusCode ?? 0, code))
            })
            return
          }
          const stream = new SseStream(() => outgoing.destroy())
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => (stream.#text += chunk))
          response.on('error', () => {})
          resolve(stream)
        },
      )
      outgoing.on('error', reject)
      outgoing.end()
    })
  }

  /** Everything received so far. */
  get text(): string {
    return this.#text
  }

  /** Drop the connection. */
  close(): void {
    this.#close()
  }
}

/** Expect `/api/events?query` to be refused; returns the refusal. */
export async function expectStreamRefused(serverUrl: string, query: string): Promise<StreamRefused> {
  try {
    const stream = await SseStream.open(serverUrl, query)
    stream.close()
  } catch (error) {
    if (error instanceof StreamRefused) return error
    throw error
  }
  throw new Error(`expected /api/events?${query} to be refused, but it streamed`)
}
