/**
 * The bystander every attack must not hurt: a stock `y-websocket` client typing into the attacked
 * room throughout, and a second stock client watching its edits arrive. Afterwards a late joiner
 * must see exactly what they see, with every edit the bystander made.
 */
import { eventually } from '@tandem/server/src/test-support/eventually.js'
import { connectClient, type TestClient } from '@tandem/server/src/test-support/stock-client.js'
import * as Y from 'yjs'

/** The shared text the bystander types into; the attacks' captured frames edit another one. */
const BYSTANDER_TEXT = 'bystander'
const MARKER = /h(\d+);/g

/** A typing client and a watching client in one room. Start inside a test body. */
export class HealthyEditor {
  readonly #editor: TestClient
  readonly #watcher: TestClient
  readonly #room: string
  readonly #sentAt: number[] = []
  readonly #seen = new Set<number>()
  readonly #closes: string[] = []
  #timer: NodeJS.Timeout | null = null
  #worstRelayMs = 0

  private constructor(editor: TestClient, watcher: TestClient, room: string) {
    this.#editor = editor
    this.#watcher = watcher
    this.#room = room
    for (const client of [editor, watcher]) {
      client.provider.on('connection-close', (event) =>
        this.#closes.push(event ? `${event.code} ${event.reason}`.trim() : 'closed locally'),
      )
    }
    watcher.doc.getText(BYSTANDER_TEXT).observe((event) => {
      const now = performance.now()
      for (const op of event.delta) {
        if (typeof op.insert !== 'string') continue
        for (const match of op.insert.matchAll(MARKER)) {
          const n = Number(match[1])
          if (this.#seen.has(n)) continue
          this.#seen.add(n)
          this.#worstRelayMs = Math.max(this.#worstRelayMs, now - (this.#sentAt[n] ?? now))
        }
      }
    })
  }

  /**
   * Connect both clients to `room` and start typing one marker every `intervalMs`.
   * @example
   * const bystander = await HealthyEditor.start(server, 'victim')
   * // ...attack...
   * await bystander.assertConverged(server)
   */
  static async start(server: { collabUrl: string }, room: string, intervalMs = 20): Promise<HealthyEditor> {
    const editor = await connectClient(server, room)
    const watcher = await connectClient(server, room)
    const bystander = new HealthyEditor(editor, watcher, room)
    bystander.#timer = setInterval(() => bystander.#type(), intervalMs)
    return bystander
  }

  /** Markers typed so far. */
  get edits(): number {
    return this.#sentAt.length
  }

  /** Close code and reason of every connection either client lost (stock clients reconnect on their own). */
  get disconnects(): readonly string[] {
    return this.#closes
  }

  /** Longest time from typing a marker to the watcher seeing it. */
  get worstRelayMs(): number {
    return this.#worstRelayMs
  }

  /** Stop typing, then check that neither client was disconnected and that a late joiner converges. */
  async assertConverged(server: { collabUrl: string }): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    if (this.#closes.length > 0) throw new Error(`the bystander lost its connection during the attack (${this.#closes.join('; ')})`)
    const expected = this.#editor.doc.getText(BYSTANDER_TEXT).toString()
    const markers = [...expected.matchAll(MARKER)].length
    if (markers !== this.#sentAt.length) throw new Error(`the bystander's own text holds ${markers} of its ${this.#sentAt.length} markers`)
    await eventually(
      () => {
        if (this.#seen.size !== this.#sentAt.length) throw new Error(`the watcher saw ${this.#seen.size} of ${this.#sentAt.length} markers`)
      },
      { timeout: 20_000 },
    )
    const late = await connectClient(server, this.#room)
    await eventually(
      () => {
        for (const [name, client] of [
          ['watcher', this.#watcher],
          ['late joiner', late],
        ] as const) {
          const text = client.doc.getText(BYSTANDER_TEXT).toString()
          if (text !== expected)
            throw new Error(`the ${name}'s text differs from the bystander's (${text.length} vs ${expected.length} characters)`)
          const theirs = Y.encodeStateVector(client.doc)
          const ours = Y.encodeStateVector(this.#editor.doc)
          if (Buffer.compare(Buffer.from(theirs), Buffer.from(ours)) !== 0) {
            const pending = (doc: Y.Doc): string =>
              doc.store.pendingStructs
                ? `pending ${[...doc.store.pendingStructs.missing].map(([c, k]) => `${c}@${k}`).join(',')}`
                : 'nothing pending'
            throw new Error(
              `the ${name}'s state vector differs from the bystander's: ${describeDifference(Y.decodeStateVector(theirs), Y.decodeStateVector(ours))} (${name}: ${pending(client.doc)}; bystander: ${pending(this.#editor.doc)})`,
            )
          }
        }
      },
      { timeout: 20_000 },
    )
  }

  #type(): void {
    const text = this.#editor.doc.getText(BYSTANDER_TEXT)
    const n = this.#sentAt.length
    this.#sentAt.push(performance.now())
    text.insert(text.length, `h${n};`)
  }
}

/** `client 123: 5 vs 7; ...` for the entries where two state vectors disagree. */
function describeDifference(theirs: Map<number, number>, ours: Map<number, number>): string {
  const clients = new Set([...theirs.keys(), ...ours.keys()])
  const lines = [...clients]
    .filter((client) => theirs.get(client) !== ours.get(client))
    .map((client) => `client ${client}: ${theirs.get(client) ?? '-'} vs ${ours.get(client) ?? '-'}`)
  return lines.slice(0, 10).join('; ')
}
