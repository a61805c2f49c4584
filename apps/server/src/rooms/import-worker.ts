/**
 * Worker side of {@link DocumentImporter}: turns one imported content into a document's first
 * update, off the event loop (a 2 MB Markdown file takes the better part of a second).
 */
import { parentPort, workerData } from 'node:worker_threads'

import type { ImportContent } from '@tandem/protocol'

import { ImportError } from './import-error.js'
import { importedDocumentUpdate } from './imported-document.js'

/** What the worker answers: the update, or why the content cannot be a document. */
export type ImportReply = { update: Uint8Array } | { refused: string } | { failed: string }

const content = (workerData as { content: ImportContent }).content
let reply: ImportReply
try {
  reply = { update: importedDocumentUpdate(content) }
} catch (error) {
  reply = error instanceof ImportError ? { refused: error.message } : { failed: String(error) }
}
parentPort!.postMessage(reply)
