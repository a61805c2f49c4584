/** Size on disk of the server's SQLite database: main file plus write-ahead log. */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'

/** Bytes of `tandem.db` and `tandem.db-wal`; a missing file counts as 0 (the WAL is removed on clean close). */
export interface DatabaseSize {
  mainBytes: number
  walBytes: number
  totalBytes: number
}

/** Measure the database the server keeps in `dataDir` (file name fixed by `apps/server/src/main.ts`). */
export async function databaseSize(dataDir: string): Promise<DatabaseSize> {
  const size = async (file: string): Promise<number> => {
    try {
      return (await stat(join(dataDir, file))).size
    } catch {
      return 0
    }
  }
  const [mainBytes, walBytes] = await Promise.all([size('tandem.db'), size('tandem.db-wal')])
  return { mainBytes, walBytes, totalBytes: mainBytes + walBytes }
}
