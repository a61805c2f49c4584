/**
 * The Tandem document, shared by the editor and the server: the ProseMirror schema every editor
 * binds with y-prosemirror, a reader that turns any stored document into a valid node of it, and
 * the exports (standalone HTML, Markdown, plain text) the admin console and the editor offer.
 */
export { type DocumentFormat, EXPORT_FILE_EXTENSIONS, exportAs } from './export-as.js'
export { importDocument, type ImportFormat, nodeCount } from './import-document.js'
export type { PmNode } from './pm-json.js'
export { readDocument } from './read-document.js'
export { safeHref } from './safe-href.js'
export { DOCUMENT_FRAGMENT, HEADING_LEVELS, type HeadingLevel, IMAGE_SRC, schema } from './schema.js'
export { toHtml } from './to-html.js'
export { markdownParser, toMarkdown } from './to-markdown.js'
export { toText } from './to-text.js'
