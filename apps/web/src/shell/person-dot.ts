/** The small coloured dot beside a person's name in lists (versions' authors, comments, the mention picker). */
import { isHexColor } from '../identity/palette.js'
import { h } from './element.js'

/** A dot in `color`, or in the faint text colour when it is not a hex colour (names and colours come from clients). */
export function personDot(color: string | null): HTMLSpanElement {
  return h('span', {
    class: 'history-author-dot',
    style: `background:${isHexColor(color) ? color : 'var(--text-faint)'}`,
    'aria-hidden': 'true',
  })
}
