/**
 * An application permission webhook (`AUTH_WEBHOOK_URL`) that holds every answer until the test opens
 * the gate: admissions stay in progress for as long as a test needs, with no timing guesswork.
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { onTestFinished } from 'vitest'

/** The webhook and its gate. */
export interface GatedWebhook {
  url: string
  /** Requests received so far. */
  calls: Array<Record<string, unknown>>
  /** Requests waiting for an answer. */
  waiting(): number
  /** Answer every waiting request and every later one with `{ allow }` right away. */
  open(allow?: boolean): void
}

/** Start a webhook on a free port; closed when the test finishes. */
export async function gatedWebhook(): Promise<GatedWebhook> {
  const calls: Array<Record<string, unknown>> = []
  const held: ServerResponse[] = []
  let answer: boolean | null = null
  const reply = (response: ServerResponse, allow: boolean): void => {
    if (response.destroyed) return
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.end(JSON.stringify({ allow }))
  }
  const server = createServer((request, response) => {
    let text = ''
    request.on('data', (chunk: Buffer) => (text += chunk.toString()))
    request.on('end', () => {
      calls.push(JSON.parse(text) as Record<string, unknown>)
      if (answer === null) held.push(response)
      else reply(response, answer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(async () => {
    answer ??= false
    for (const response of held.splice(0)) reply(response, false)
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/can`,
    calls,
    waiting: () => held.filter((response) => !response.destroyed).length,
    open(allow = true) {
      answer = allow
      for (const response of held.splice(0)) reply(response, allow)
    },
  }
}
