/**
 * One WebSocket connection attempt with the `ws` client, reporting how the server answered: 101 and
 * the open socket, or the HTTP status and `error.code` of its refusal. Open sockets are terminated
 * when the test finishes.
 */
import { onTestFinished } from 'vitest'
import { WebSocket } from 'ws'

/** How an upgrade attempt ended: `ws` is the open socket after a 101, `null` after a refusal. */
export interface UpgradeOutcome {
  status: number
  code?: string | undefined
  ws: WebSocket | null
}

/**
 * Try to open `path` on the server at `baseUrl` (`http://host:port`).
 * @example
 * expect((await upgradeAttempt(server.url, '/collab/a')).status).toBe(101)
 */
export function upgradeAttempt(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<UpgradeOutcome> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`, { headers })
  ws.on('error', () => {})
  onTestFinished(() => ws.terminate())
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ status: 101, ws }))
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

/** The status and code of an outcome, for `toEqual` (the open socket left out). */
export function answer(outcome: UpgradeOutcome): { status: number; code?: string | undefined } {
  return outcome.ws ? { status: outcome.status } : { status: outcome.status, code: outcome.code }
}
