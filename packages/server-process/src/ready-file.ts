/**
 * Reading the server's ready file (`READY_FILE`, written by `apps/server/src/ready-file.ts`): the
 * server writes it beside its final name and renames it, so a file that exists is whole.
 */
import { readFile } from 'node:fs/promises'

/** Where a started server listens, as its ready file says. */
export interface ReadyInfo {
  /** `http://host:port` */
  url: string
  port: number
  pid: number
  /** `HOST` as the server was configured. */
  host: string
}

/**
 * The ready file's contents, or `null` while there is none.
 * @throws when the file exists but is not a ready file: a server that writes something else is broken.
 */
export async function readReadyFile(file: string): Promise<ReadyInfo | null> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const info = parseReadyInfo(text)
  if (!info) throw new Error(`${file} is not a ready file ({ url, port, pid, host }): ${text.slice(0, 500)}`)
  return info
}

function parseReadyInfo(text: string): ReadyInfo | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { url, port, pid, host } = value as Record<string, unknown>
  const isPort = typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65_536
  const isPid = typeof pid === 'number' && Number.isInteger(pid) && pid > 0
  if (typeof url !== 'string' || !url.startsWith('http') || !isPort || !isPid || typeof host !== 'string' || host === '') return null
  return { url, port, pid, host }
}
