/**
 * Server-Sent Events framing. Every frame is the same JSON a WebSocket subscriber gets, as the data of
 * a default (`message`) event; message frames also carry `id:` so a browser's automatic reconnect
 * sends `Last-Event-ID` and resumes. Data is split on every line terminator the SSE grammar knows
 * (CRLF, LF, CR) and the id is a number, so no payload can start a second event.
 */
import type { ServerChannelFrame } from '@tandem/protocol'

/** The text of one SSE event carrying `frame` (serialized as `json` when the caller has it already). */
export function formatSseFrame(frame: ServerChannelFrame, json: string = JSON.stringify(frame)): string {
  const lines = json.split(/\r\n|\r|\n/)
  const id = frame.type === 'message' ? `id: ${Math.trunc(frame.id)}\n` : ''
  return `${id}${lines.map((line) => `data: ${line}`).join('\n')}\n\n`
}

/** An SSE comment line, ignored by clients; used as a heartbeat. Newlines are stripped. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`
}
