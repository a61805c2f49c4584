/**
 * prosemirror-markdown's serializer state, writing in linear time.
 *
 * The stock state appends to one string and reads its last character before every line
 * (`atBlank`). V8 keeps a string built by `+=` as a rope and flattens it, copying all of it, on
 * such a read, so a block of n lines costs O(n²): a 20,000-line code block took 15 s to export, and
 * the export runs on the server's event loop. This state keeps the output as a list of chunks and
 * remembers its last two characters; the five methods that touch the output are rewritten on it,
 * with the stock logic otherwise unchanged. They are internal to prosemirror-markdown, so its
 * version is pinned to 1.13 in package.json and `linear-serializer-state.test.ts` compares this
 * state's output with the stock one's.
 */
import { type MarkdownSerializer, MarkdownSerializerState } from 'prosemirror-markdown'
import type { Node } from 'prosemirror-model'

/** The stock state's internal fields this one reads. */
interface Internals {
  delim: string
  closed: Node | null
  atBlockStart: boolean
}

interface Output {
  chunks: string[]
  /** The last two characters written. */
  tail: string
}

// Not private members: the base constructor assigns `out` before a subclass's own members exist.
const outputs = new WeakMap<object, Output>()

function output(state: object): Output {
  let found = outputs.get(state)
  if (!found) outputs.set(state, (found = { chunks: [], tail: '' }))
  return found
}

function append(state: object, text: string): void {
  if (text === '') return
  const out = output(state)
  out.chunks.push(text)
  out.tail = text.length >= 2 ? text.slice(-2) : out.tail.slice(-1) + text
}

class LinearSerializerState extends MarkdownSerializerState {
  get out(): string {
    return output(this).chunks.join('')
  }

  set out(value: string) {
    outputs.set(this, { chunks: [], tail: '' })
    append(this, value)
  }

  atBlank(): boolean {
    const { tail } = output(this)
    return tail === '' || tail.endsWith('\n')
  }

  override ensureNewLine(): void {
    if (!this.atBlank()) append(this, '\n')
  }

  flushClose(size = 2): void {
    const state = this as unknown as Internals
    if (!state.closed) return
    if (!this.atBlank()) append(this, '\n')
    if (size > 1) {
      const delimMin = state.delim.replace(/\s+$/, '')
      for (let i = 1; i < size; i++) append(this, `${delimMin}\n`)
    }
    state.closed = null
  }

  override write(content?: string): void {
    this.flushClose()
    const { delim } = this as unknown as Internals
    if (delim && this.atBlank()) append(this, delim)
    if (content) append(this, content)
  }

  override text(text: string, escape = true): void {
    const lines = text.split('\n')
    for (let i = 0; i < lines.length; i++) {
      this.write()
      const line = lines[i]!
      // Escape an exclamation mark in front of a link, as the stock state does.
      if (!escape && line[0] === '[' && /(^|[^\\])!$/.test(output(this).tail)) {
        const { chunks } = output(this)
        chunks[chunks.length - 1] = `${chunks[chunks.length - 1]!.slice(0, -1)}\\!`
        output(this).tail = '\\!'
      }
      append(this, escape ? this.esc(line, (this as unknown as Internals).atBlockStart) : line)
      if (i !== lines.length - 1) append(this, '\n')
    }
  }
}

/** `doc` written by `serializer` in linear time (`serializer.serialize` is quadratic in long blocks). */
export function serializeLinear(serializer: MarkdownSerializer, doc: Node, options: { tightLists?: boolean } = {}): string {
  // The state's constructor is internal to prosemirror-markdown, so its typings show none.
  const State = LinearSerializerState as unknown as new (
    nodes: MarkdownSerializer['nodes'],
    marks: MarkdownSerializer['marks'],
    options: object,
  ) => LinearSerializerState
  const state = new State(serializer.nodes, serializer.marks, { ...serializer.options, ...options })
  state.renderContent(doc)
  return state.out
}
