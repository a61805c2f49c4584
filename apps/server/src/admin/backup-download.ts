/**
 * The answer of `GET /api/admin/backup`: a consistent copy of the SQLite database as an attachment,
 * or why there is none.
 */
import { HttpError } from '../errors.js'
import { BackupInProgressError, type SqliteBackup } from '../storage/sqlite-backup.js'

/** The media type of a SQLite database file (IANA). */
const SQLITE_MEDIA_TYPE = 'application/vnd.sqlite3'

/**
 * The attachment's name: `tandem-20250102T030405Z.sqlite`, the time in ISO 8601's basic format,
 * which has no `:` (browsers and Windows replace it in file names).
 */
function backupFileName(at: Date): string {
  return `tandem-${at.toISOString().replace(/[-:]|\.\d+/g, '')}.sqlite`
}

/**
 * A copy of the database made now, with the headers of its download; the copy is removed once the
 * body is read or abandoned.
 * @throws {HttpError} 409 `backup_unsupported` without a SQLite database (PostgreSQL: use pg_dump),
 * 409 `backup_in_progress` while another backup is made or downloaded.
 */
export async function backupDownload(
  backup: SqliteBackup | undefined,
  now: Date = new Date(),
): Promise<{ body: ReadableStream<Uint8Array>; headers: Record<string, string> }> {
  if (!backup) {
    throw new HttpError(
      409,
      'backup_unsupported',
      'this server keeps its data in PostgreSQL (DATABASE_URL), not in a SQLite file: back it up with pg_dump -Fc (see "Backups" in the README)',
    )
  }
  let file
  try {
    file = await backup.snapshot()
  } catch (error) {
    if (error instanceof BackupInProgressError) throw new HttpError(409, 'backup_in_progress', error.message)
    throw error
  }
  const headers = {
    'Content-Type': SQLITE_MEDIA_TYPE,
    'Content-Length': String(file.bytes),
    'Content-Disposition': `attachment; filename="${backupFileName(now)}"`,
  }
  return { body: file.stream(), headers }
}
