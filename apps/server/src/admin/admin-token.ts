/**
 * The administrator token when `ADMIN_TOKEN` is not set: generated once at first start, kept in
 * `DATA_DIR/admin-token` (readable by the server's user only), and reused afterwards.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The token, where it came from, and whether it was created just now (then its URL is printed). */
export interface AdminTokenSource {
  token: string
  origin: 'environment' | 'file'
  file: string | null
  generated: boolean
}

/**
 * The configured token, or the one stored under `dataDir`, created if missing.
 * @throws when the stored file is unreadable or too short to be a real token.
 */
export function resolveAdminToken(configured: string | null, dataDir: string): AdminTokenSource {
  if (configured) return { token: configured, origin: 'environment', file: null, generated: false }
  const file = join(dataDir, 'admin-token')
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim()
    if (token.length < 16) throw new Error(`${file} does not hold a valid admin token; delete it to generate a new one`)
    return { token, origin: 'file', file, generated: false }
  }
  mkdirSync(dataDir, { recursive: true })
  const token = randomBytes(24).toString('base64url')
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' })
  return { token, origin: 'file', file, generated: true }
}
