/**
 * `h()`: build a DOM element in one expression. The app has no framework; this keeps view code
 * declarative enough to read while staying plain DOM.
 */

type Child = Node | string | null | undefined | false

/** Attributes and properties for {@link h}: `class`, `aria-*`/`data-*` and other attributes as strings, `on*` handlers as functions. */
export type Props = Record<string, string | number | boolean | null | undefined | ((event: never) => void)>

/**
 * Create `<tag>` with `props` and `children`. Handlers are given as `onclick`, `oninput`...;
 * `false`, `null` and `undefined` props and children are skipped.
 * @example
 * h('button', { class: 'primary', onclick: () => save() }, 'Save')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(key.slice(2), value as EventListener)
    else element.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    element.append(child)
  }
  return element
}

/** Create an SVG icon from its inner markup (paths drawn on a 24×24 grid, stroked in `currentColor`). */
export function icon(paths: string): SVGSVGElement {
  const template = document.createElement('template')
  template.innerHTML = `<svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${paths}</svg>`
  return template.content.firstElementChild as SVGSVGElement
}
