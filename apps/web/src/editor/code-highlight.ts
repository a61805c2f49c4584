/**
 * Syntax highlighting of code blocks: prosemirror-highlight draws decorations from lowlight
 * (highlight.js grammars for the ~35 common languages) for blocks whose `language` names one it
 * knows; a block without a language stays plain (no guessing: guesses flicker as you type). The
 * language comes from a Markdown fence (```ts) or from the picker on the block ({@link codeBlockView}).
 */
import { common, createLowlight } from 'lowlight'
import { createHighlightPlugin } from 'prosemirror-highlight'
import { createParser } from 'prosemirror-highlight/lowlight'
import type { Node } from 'prosemirror-model'
import type { Plugin } from 'prosemirror-state'
import type { EditorView, NodeView } from 'prosemirror-view'

const lowlight = createLowlight(common)
const parse = createParser(lowlight)

/** Languages the picker offers, by the name highlight.js registers them under. */
const CODE_LANGUAGES: { id: string; label: string }[] = [
  { id: '', label: 'Plain text' },
  ...[
    ['bash', 'Bash'],
    ['c', 'C'],
    ['cpp', 'C++'],
    ['csharp', 'C#'],
    ['css', 'CSS'],
    ['diff', 'Diff'],
    ['go', 'Go'],
    ['java', 'Java'],
    ['javascript', 'JavaScript'],
    ['json', 'JSON'],
    ['kotlin', 'Kotlin'],
    ['markdown', 'Markdown'],
    ['php', 'PHP'],
    ['python', 'Python'],
    ['ruby', 'Ruby'],
    ['rust', 'Rust'],
    ['sql', 'SQL'],
    ['swift', 'Swift'],
    ['typescript', 'TypeScript'],
    ['xml', 'HTML / XML'],
    ['yaml', 'YAML'],
  ].map(([id, label]) => ({ id: id!, label: label! })),
]

/** Names the picker lists for aliases people write after a fence (```ts). */
const ALIASES: Readonly<Record<string, string>> = {
  ts: 'typescript',
  js: 'javascript',
  py: 'python',
  sh: 'bash',
  shell: 'bash',
  yml: 'yaml',
  html: 'xml',
  md: 'markdown',
  rb: 'ruby',
  rs: 'rust',
  kt: 'kotlin',
  'c++': 'cpp',
  cs: 'csharp',
}

/** Whether `language` (a name or an alias such as `ts`) is one the highlighter knows. */
export function isHighlighted(language: string): boolean {
  return language !== '' && lowlight.registered(language)
}

/** The plugin. */
export function codeHighlightPlugin(): Plugin {
  return createHighlightPlugin({
    parser: (options) => (options.language && isHighlighted(options.language) ? parse(options) : []),
  })
}

/**
 * A code block with a language picker in its corner (not part of the text). Picking sets the
 * block's `language`, one change everyone sees; a read-only editor shows the language only.
 */
export function codeBlockView(node: Node, view: EditorView, getPos: () => number | undefined): NodeView {
  const dom = document.createElement('div')
  dom.className = 'code-block'
  const picker = document.createElement('select')
  picker.className = 'code-language'
  picker.contentEditable = 'false'
  picker.setAttribute('aria-label', 'Code language')
  for (const { id, label } of CODE_LANGUAGES) picker.append(new Option(label, id))
  const pre = document.createElement('pre')
  const code = document.createElement('code')
  pre.append(code)
  dom.append(picker, pre)

  let current = node
  const render = (): void => {
    const language = current.attrs.language as string
    const listed = ALIASES[language.toLowerCase()] ?? language.toLowerCase()
    // A language the picker does not list (from a fence, say) is offered as it is.
    if (![...picker.options].some((option) => option.value === listed)) picker.append(new Option(language, listed))
    picker.value = listed
    picker.disabled = !view.editable
    pre.dataset.language = language
  }
  picker.addEventListener('change', () => {
    const pos = getPos()
    if (pos === undefined || !view.editable) return render()
    view.dispatch(view.state.tr.setNodeMarkup(pos, undefined, { ...current.attrs, language: picker.value }))
    view.focus()
  })
  render()
  return {
    dom,
    contentDOM: code,
    update(next) {
      if (next.type !== current.type) return false
      current = next
      render()
      return true
    },
    ignoreMutation: (mutation) => mutation.type !== 'selection' && !code.contains(mutation.target),
    stopEvent: (event) => event.target === picker,
  }
}
