/**
 * A checklist item in the editor: a real checkbox before its content. Ticking it sets the item's
 * `checked` (one change everyone sees); in a read-only editor the box is disabled.
 */
import type { Node } from 'prosemirror-model'
import type { EditorView, NodeView, ViewMutationRecord } from 'prosemirror-view'

/** The node view for `task_item`. */
export function taskItemView(node: Node, view: EditorView, getPos: () => number | undefined): NodeView {
  const dom = document.createElement('li')
  dom.className = 'task-item'
  const box = document.createElement('input')
  box.type = 'checkbox'
  box.contentEditable = 'false'
  box.setAttribute('aria-label', 'Done')
  const contentDOM = document.createElement('div')
  contentDOM.className = 'task-item-content'
  dom.append(box, contentDOM)

  let current = node
  const render = (): void => {
    box.checked = current.attrs.checked as boolean
    box.disabled = !view.editable
    dom.dataset.checked = String(current.attrs.checked as boolean)
  }
  box.addEventListener('mousedown', (event) => event.preventDefault())
  box.addEventListener('change', () => {
    const pos = getPos()
    if (pos === undefined || !view.editable) return render()
    view.dispatch(view.state.tr.setNodeMarkup(pos, undefined, { ...current.attrs, checked: box.checked }))
  })
  render()
  return {
    dom,
    contentDOM,
    update(next) {
      if (next.type !== current.type) return false
      current = next
      render()
      return true
    },
    // The checkbox is the view's own: its clicks are not edits of the text.
    ignoreMutation: (mutation: ViewMutationRecord) => mutation.type !== 'selection' && !contentDOM.contains(mutation.target),
    stopEvent: (event) => event.target === box,
  }
}
