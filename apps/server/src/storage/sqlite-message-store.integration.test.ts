import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { selectorFor } from './message-store.js'
import { describeMessageStore } from './message-store.contract.js'
import { openSqliteDatabase } from './sqlite-database.js'
import { SqliteDocumentStore } from './sqlite-document-store.js'
import { SqliteMessageStore } from './sqlite-message-store.js'

const dir = mkdtempSync(join(tmpdir(), 'tandem-messages-'))
let counter = 0
const freshFile = (): string => join(dir, `store-${++counter}`, 'tandem.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeMessageStore('sqlite', async () => new SqliteMessageStore({ filename: freshFile() }))

describe('SqliteMessageStore', () => {
  it('continues ids after a restart and shares the database with documents', async () => {
    const filename = freshFile()
    const db = openSqliteDatabase({ filename })
    const messages = new SqliteMessageStore(db)
    const documents = new SqliteDocumentStore(db)
    const before = (await messages.append(['a'], '1', 1)).messages[0]!.id
    await documents.appendUpdates([{ name: 'doc', updates: [new Uint8Array([0, 0])] }])
    await messages.close()
    await documents.close()
    expect(db.open).toBe(true) // shared: the owner closes it
    db.close()

    const reopened = new SqliteMessageStore({ filename })
    const after = (await reopened.append(['a'], '2', 2)).messages[0]!.id
    expect(after).toBeGreaterThan(before)
    expect((await reopened.since(selectorFor(['a']), 0, 10)).map((m) => m.data)).toEqual([1, 2])
    await reopened.close()
  })
})
