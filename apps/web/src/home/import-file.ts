/**
 * Reading a file someone picked to make a document from: Markdown and plain text go to the server as
 * they are (it reads them into the schema); HTML is read here, in an inert document (no script
 * runs, nothing loads), through the schema's own parse rules, so only known nodes and marks come
 * out; Word (.docx) is first turned into HTML by mammoth, loaded only when needed. The server reads
 * whatever arrives again and drops unsafe links, so nothing here is trusted either.
 */
import { schema } from '@tandem/document'
import { type ImportContent, MAX_IMPORT_CHARS, roomNameProblem } from '@tandem/protocol'
import { DOMParser as ProseMirrorParser } from 'prosemirror-model'

/** Largest file accepted (a Word file with pictures is mostly pictures, which are not imported yet). */
const MAX_IMPORT_FILE_BYTES = 20 * 1024 * 1024

/** The `accept` list of the file picker. */
export const IMPORT_ACCEPT = '.md,.markdown,.txt,.html,.htm,.docx,text/markdown,text/plain,text/html'

/** What a picked file becomes: a suggested document name, and its content. */
export interface ImportedFile {
  name: string
  content: ImportContent
}

type Kind = 'markdown' | 'text' | 'html' | 'docx'

function kindOf(file: { name: string; type: string }): Kind | null {
  const extension = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase()
  if (extension === 'md' || extension === 'markdown' || file.type === 'text/markdown') return 'markdown'
  if (extension === 'html' || extension === 'htm' || file.type === 'text/html') return 'html'
  if (extension === 'docx') return 'docx'
  if (extension === 'txt' || file.type === 'text/plain') return 'text'
  return null
}

/**
 * A room name made from a file name: `Q3 Plan (final).md` → `q3-plan-final`; `null` when nothing of
 * it is usable.
 */
export function roomNameFromFile(fileName: string): string | null {
  const base = fileName.replace(/\.[a-z0-9]+$/i, '')
  const name = base
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60)
    .replace(/[-.]+$/, '')
  return name !== '' && roomNameProblem(name) === null ? name : null
}

/** HTML read through the schema's parse rules, as ProseMirror JSON. */
export function documentFromHtml(html: string): Record<string, unknown> {
  // A document made by DOMParser has no browsing context: its scripts never run, its images never load.
  const dom = new DOMParser().parseFromString(html, 'text/html')
  return ProseMirrorParser.fromSchema(schema).parse(dom.body).toJSON() as Record<string, unknown>
}

/** A Word file as HTML, by mammoth (loaded on first use: it is large, and most people never import one). */
async function docxToHtml(file: Blob): Promise<string> {
  const mammoth = await import('mammoth')
  const { value } = await mammoth.convertToHtml({ arrayBuffer: await file.arrayBuffer() })
  return value
}

/**
 * Read `file` for import.
 * @throws an `Error` saying, for a person, why the file cannot be imported.
 */
export async function readImportFile(file: File): Promise<ImportedFile> {
  const kind = kindOf(file)
  if (!kind) throw new Error(`${file.name} is not a file Tandem can import: use Markdown (.md), text (.txt), HTML or Word (.docx)`)
  if (file.size > MAX_IMPORT_FILE_BYTES) throw new Error(`${file.name} is larger than ${MAX_IMPORT_FILE_BYTES / 1024 / 1024} MB`)
  const name = roomNameFromFile(file.name) ?? 'imported'
  if (kind === 'docx') {
    let html: string
    try {
      html = await docxToHtml(file)
    } catch {
      throw new Error(`${file.name} could not be read as a Word document`)
    }
    return { name, content: { format: 'json', document: documentFromHtml(html) } }
  }
  const text = await file.text()
  if (kind === 'html') return { name, content: { format: 'json', document: documentFromHtml(text) } }
  if (text.length > MAX_IMPORT_CHARS) throw new Error(`${file.name} is longer than ${MAX_IMPORT_CHARS.toLocaleString('en')} characters`)
  return { name, content: { format: kind, text } }
}
