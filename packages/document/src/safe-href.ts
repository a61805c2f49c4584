/**
 * Link targets the editor will render. A link's href comes from whoever edited the document, and a
 * `javascript:` or `data:` URL in an `<a>` runs in this page when followed, so only web, mail and
 * phone links survive; anything else is kept in the document but rendered without an href.
 */

const allowedProtocols = new Set(['http:', 'https:', 'mailto:', 'tel:'])

/**
 * `href` if it is a safe link target, with a missing scheme completed (`example.com` becomes
 * `https://example.com`), or `null`.
 */
export function safeHref(href: string): string | null {
  const trimmed = href.trim()
  if (trimmed === '') return null
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    return null
  }
  return allowedProtocols.has(url.protocol) ? withScheme : null
}
