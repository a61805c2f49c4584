import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { toProseMirrorJson } from './document-export.js'
import { DocumentImporter, ImportBusyError } from './document-importer.js'
import { ImportError } from './import-error.js'

describe('DocumentImporter', () => {
  it('imports in a worker thread, one at a time, and turns away imports past its queue', async () => {
    const importer = new DocumentImporter({ maxWaiting: 1 })
    const first = importer.import({ format: 'markdown', text: '# One' })
    // The second waits while the first runs; a third finds the queue full.
    const second = importer.import({ format: 'text', text: 'two' })
    await expect(importer.import({ format: 'text', text: 'three' })).rejects.toBeInstanceOf(ImportBusyError)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, await first)
    expect(toProseMirrorJson(doc).content).toEqual([{ type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'One' }] }])
    Y.applyUpdate(doc, await second)
    expect(doc.getXmlFragment('prosemirror').length).toBe(2)
    // The queue is free again.
    await expect(importer.import({ format: 'text', text: 'four' })).resolves.toBeInstanceOf(Uint8Array)
  })

  it('stops an import that runs past its time, as a document too costly to read', async () => {
    const importer = new DocumentImporter({ timeoutMs: 1 })
    await expect(importer.import({ format: 'text', text: 'slow enough' })).rejects.toThrow(ImportError)
    await expect(new DocumentImporter().import({ format: 'text', text: 'fine' })).resolves.toBeInstanceOf(Uint8Array)
  })
})
