/**
 * One WebSocket connection attempt with the `ws` client, reporting how the server answered: 101 and
 * the open socket, the close code of a socket refused right after it opened (how document
 * connections are refused for who is asking), or the HTTP status and `error.code` of a refusal
 * before any socket. Open sockets are terminated when the test finishes.
 */
import { onTestFinished } from 'vitest'
import { WebSocket } from 'ws'

/** How an upgrade attempt ended: `ws` is the open socket after a 101, `null` after a refusal. */
export interface UpgradeOutcome {
  status: number
  code?: string | undefined
  /** The close code of a socket the server closed before sending anything else. */
  close?: number
  ws: WebSocket | null
}

/**
 * Try to open `path` on the server at `baseUrl` (`http://host:port`).
 * @example
 * expect(answer(await upgradeAttempt(server.url, '/collab/a'))).toEqual({ status: 101 })
 */
export function upgradeAttempt(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<UpgradeOutcome> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`, { headers })
  ws.on('error', () => {})
  onTestFinished(() => ws.terminate())
  return new Promise((resolve) => {
    let opened = false
    // A document socket is greeted at once (sync step 1); one refused is closed instead. The events
    // endpoint greets no one, so it counts as open as soon as it opens.
    const greeted = path.startsWith('/collab/') ? 'message' : 'open'
    ws.once('open', () => (opened = true))
    ws.once(greeted, () => resolve({ status: 101, ws }))
    ws.once('close', (code) => {
      if (opened) resolve({ status: 101, close: code, ws: null })
    })
    ws.once('unexpected-response', (_request, response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => {
        let code: string | undefined
        try {
          code = (JSON.parse(body) as { error?: { code?: string } }).error?.code
        } catch {
          code = undefined
        }
        resolve({ status: response.statusCode ?? 0, code, ws: null })
      })
    })
    ws.once('close', () => resolve({ status: 0, code: 'closed without an answer', ws: null }))
  })
}

/**
 * The status and code of an outcome, or its close code, for `toEqual` (the open socket left out).
 * @example
 * expect(answer(await upgradeAttempt(url, '/collab/a'))).toEqual({ close: CloseCode.RateLimited })
 */
export function answer(outcome: UpgradeOutcome): { status: number; code?: string | undefined } | { close: number } {
  if (outcome.close !== undefined) return { close: outcome.close }
  return outcome.ws ? { status: outcome.status } : { status: outcome.status, code: outcome.code }
}
