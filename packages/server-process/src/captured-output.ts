/**
 * What a child process prints on stdout and stderr, kept (interleaved, in arrival order) for failure
 * messages and for tests that look for a log line, and handed line by line to a listener from the
 * first byte on.
 */
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

/** Called with each line a server prints, without its line break. */
export type LineListener = (line: string, stream: 'stdout' | 'stderr') => void

/** Past this, the oldest output is dropped: a server under a long attack may log for hours. */
const MAX_KEPT_CHARS = 16 * 1024 * 1024

/** Output of one child process. */
export class CapturedOutput {
  #text = ''
  #dropped = 0

  /** Start capturing `child`'s piped stdout and stderr; call before anything is read from them. */
  constructor(child: ChildProcess, onLine?: LineListener) {
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name]
      if (!stream) throw new Error(`the child's ${name} is not piped`)
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => this.#append(chunk))
      if (onLine) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => onLine(line, name))
    }
  }

  /** Everything printed so far (the last 16 MiB of it). */
  text(): string {
    return this.#dropped > 0 ? `[${this.#dropped} earlier characters dropped]\n${this.#text}` : this.#text
  }

  /** The last `chars` characters printed, for an error message. */
  tail(chars: number): string {
    return this.#text.length > chars || this.#dropped > 0 ? `…${this.#text.slice(-chars)}` : this.#text
  }

  #append(chunk: string): void {
    this.#text += chunk
    if (this.#text.length <= MAX_KEPT_CHARS) return
    const excess = this.#text.length - MAX_KEPT_CHARS / 2
    this.#text = this.#text.slice(excess)
    this.#dropped += excess
  }
}
