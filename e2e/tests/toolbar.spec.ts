/** The formatting toolbar as one person uses it: by mouse and by keyboard alone. */
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('the Link button works like Ctrl+K: the address typed goes into the form and links the selection', async ({ users }) => {
  const ann = await users.open('Ann')
  await ann.editor.open(uniqueRoom('link-button'))
  await ann.editor.typeAtEnd('read the manual first')
  // Select "manual" (9 characters from the start, 6 long).
  await ann.editor.cursorAfter('read the ')
  for (let i = 0; i < 'manual'.length; i++) await ann.page.keyboard.press('Shift+ArrowRight')

  await ann.editor.tool('Link').click()
  const address = ann.page.getByRole('textbox', { name: 'Link address' })
  // Before: focus went back to the document, and the address typed replaced the selected word.
  await expect(address).toBeFocused()
  await ann.page.keyboard.type('example.com/manual')
  await ann.page.keyboard.press('Enter')

  await expect(ann.editor.document.getByRole('link', { name: 'manual' })).toHaveAttribute('href', 'https://example.com/manual')
  await expect.poll(() => ann.editor.blocks()).toEqual(['read the manual first'])
  await expect(ann.page.getByRole('form', { name: 'Link' })).toBeHidden()
})

test('a divider inserted at the end of the document leaves the caret in a new paragraph after it', async ({ users }) => {
  const ann = await users.open('Ann')
  await ann.editor.open(uniqueRoom('divider'))
  await ann.editor.typeAtEnd('above')
  await ann.editor.tool('Divider').click()
  // Before: the divider stayed selected and this replaced it.
  await ann.page.keyboard.type('below')
  await expect(ann.editor.document.locator('hr')).toHaveCount(1)
  await expect.poll(() => ann.editor.blocks()).toEqual(['above', '', 'below'])
})

test('on a fresh document the toolbar is reachable by keyboard: Shift+Tab from the text, arrows inside', async ({ users }) => {
  const ann = await users.open('Ann')
  await ann.editor.open(uniqueRoom('keyboard'))
  // Nothing typed yet: Undo and Redo are disabled, so the toolbar's tab stop must be another button.
  await expect(ann.editor.tool('Undo')).toBeDisabled()
  await ann.editor.document.focus()
  await ann.page.keyboard.press('Shift+Tab')
  const focused = ann.editor.toolbar.locator('button:focus')
  await expect(focused).toHaveCount(1)
  await expect(focused).toBeEnabled()
  const first = await focused.getAttribute('aria-label')
  await ann.page.keyboard.press('ArrowRight')
  await expect(focused).not.toHaveAttribute('aria-label', first!)
  await expect(ann.editor.toolbar.locator('button[tabindex="0"]')).toHaveCount(1)

  // Bold by keyboard, then back into the text to type in bold.
  await ann.page.keyboard.press('Home')
  while ((await focused.getAttribute('aria-label')) !== 'Bold') await ann.page.keyboard.press('ArrowRight')
  await ann.page.keyboard.press('Enter')
  await expect(ann.editor.tool('Bold')).toHaveAttribute('aria-pressed', 'true')
  await expect(ann.editor.document).toBeFocused()
  await ann.page.keyboard.type('strong start')
  await expect(ann.editor.document.locator('strong')).toHaveText('strong start')
})

test('Enter twice at the end of a code block leaves it, as the hint under the block says', async ({ users }) => {
  const ann = await users.open('Ann')
  await ann.editor.open(uniqueRoom('code-exit'))
  await ann.editor.cursorToEnd()
  await ann.editor.tool('Code block').click()
  await ann.page.keyboard.type('let answer = 42')
  const block = ann.editor.document.locator('.code-block')
  await expect(block).toHaveAttribute('data-hint', /Shift\+Enter/)
  await ann.page.keyboard.press('Enter')
  await ann.page.keyboard.press('Enter')
  // Before: each Enter added a line to the code block, with no way out but a shortcut nobody knew.
  await ann.page.keyboard.type('back to prose')
  await expect(block.locator('pre')).toHaveText('let answer = 42')
  await expect(ann.editor.document.locator('p')).toHaveText('back to prose')
  await expect(block).not.toHaveAttribute('data-hint')
})

test("a pasted table stays a table, another page's image is said to be left out, and an SVG file is refused", async ({ users }) => {
  const ann = await users.open('Ann')
  await ann.editor.open(uniqueRoom('paste'))
  await ann.editor.typeAtEnd('Team:')
  await ann.page.keyboard.press('Enter')
  const html =
    '<table><thead><tr><th>Name</th><th>Role</th></tr></thead><tbody><tr><td><p>Ada</p></td><td>Engineer <b>lead</b></td></tr>' +
    '<tr><td>Grace</td><td>Admiral</td></tr></tbody></table><p>Logo: <img src="https://example.com/logo.png" alt="logo"></p>'
  // What a browser does on Ctrl+V: a paste event carrying the clipboard's HTML and text.
  await ann.editor.document.evaluate((element, html) => {
    const data = new DataTransfer()
    data.setData('text/html', html)
    data.setData('text/plain', 'Name Role Ada Engineer lead Grace Admiral Logo:')
    element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, html)
  // Long ago: "NameRole", "AdaEngineer lead"... with the image dropped without a word.
  const cells = (): Promise<string[][]> =>
    ann.editor.document.evaluate((root) =>
      [...root.querySelectorAll('table tr')].map((row) => [...row.children].map((cell) => cell.textContent ?? '')),
    )
  await expect.poll(cells).toEqual([
    ['Name', 'Role'],
    ['Ada', 'Engineer lead'],
    ['Grace', 'Admiral'],
  ])
  await expect(ann.editor.document.locator('th')).toHaveCount(2)
  await expect(ann.editor.document.locator('td strong')).toHaveText('lead')
  expect(await ann.editor.blocks()).toEqual(['Team:', 'NameRoleAdaEngineer leadGraceAdmiral', 'Logo:'])
  const notice = ann.page.getByRole('status').filter({ hasText: 'left out: paste or drop the picture itself' })
  await expect(notice).toHaveText(/^An image from another page was left out/)
  await notice.getByRole('button', { name: 'Dismiss' }).click()
  await expect(notice).toBeHidden()

  // An SVG on the clipboard is refused before anything is uploaded.
  await ann.editor.document.evaluate((element) => {
    const data = new DataTransfer()
    data.items.add(new File(['<svg xmlns="http://www.w3.org/2000/svg"/>'], 'logo.svg', { type: 'image/svg+xml' }))
    element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  })
  await expect(ann.page.getByRole('status').filter({ hasText: 'logo.svg' })).toHaveText(/only PNG, JPEG, GIF and WebP images can be added/)
})

test('on a phone every tool is in sight, and the status says in words what is going on', async ({ users }) => {
  const ann = await users.open('Ann', { viewport: { width: 390, height: 800 } })
  await ann.editor.open(uniqueRoom('phone'))
  // Before: one row scrolled sideways, with the lists, quote, code block and divider out of sight.
  const tools = ann.editor.toolbar.getByRole('button')
  expect(await tools.count()).toBeGreaterThan(15)
  for (const tool of await tools.all()) {
    await expect(tool).toBeInViewport({ ratio: 1 })
  }
  const phoneStatus = ann.page.locator('.status-short')
  await ann.editor.typeAtEnd('on the move')
  await expect(phoneStatus).toHaveText('Saved')
  await expect(phoneStatus).toBeVisible()

  // Before: only a red dot said the page had lost its connection.
  await ann.context.setOffline(true)
  await ann.editor.typeAtEnd(', in a tunnel')
  await expect(phoneStatus).toHaveText('Offline, unsaved')
  await expect(phoneStatus).toBeInViewport({ ratio: 1 })
  await ann.context.setOffline(false)
  await expect(phoneStatus).toHaveText('Saved')
})

test('tables and checklists from the toolbar: Tab moves between cells, rows are added in place, Enter adds an item', async ({ users }) => {
  const ann = await users.open('Ann')
  const bob = await users.open('Bob')
  const room = uniqueRoom('table')
  await ann.editor.open(room)
  await bob.editor.open(room)
  const tool = (name: string) => ann.editor.toolbar.getByRole('button', { name, exact: true })
  // Row and column tools appear only inside a table.
  await expect(tool('Add row below')).toBeHidden()
  await ann.editor.document.click()
  await tool('Insert table').click()
  await expect(tool('Add row below')).toBeVisible()
  await ann.page.keyboard.type('Name')
  await ann.page.keyboard.press('Tab')
  await ann.page.keyboard.type('Role')
  await ann.page.keyboard.press('Tab')
  await ann.page.keyboard.press('Tab')
  await ann.page.keyboard.type('Ada')
  await tool('Add row below').click()
  const rows = (page: typeof ann.page) =>
    page.getByRole('textbox', { name: 'Document' }).evaluate((root) =>
      [...root.querySelectorAll('table tr')].map((row) =>
        [...row.children].map((cell) => {
          // Other people's cursor labels are widgets inside the text, not part of it.
          const copy = cell.cloneNode(true) as Element
          for (const widget of copy.querySelectorAll('.ProseMirror-widget')) widget.remove()
          return copy.textContent ?? ''
        }),
      ),
    )
  await expect
    .poll(() => rows(bob.page))
    .toEqual([
      ['Name', 'Role', ''],
      ['Ada', '', ''],
      ['', '', ''],
      ['', '', ''],
    ])
  await tool('Delete table').click()
  await expect(ann.editor.document.locator('table')).toHaveCount(0)

  await ann.page.keyboard.type('[ ] call the venue')
  await ann.page.keyboard.press('Enter')
  await ann.page.keyboard.type('order food')
  await expect(bob.editor.document.getByRole('checkbox')).toHaveCount(2)
  // (Ann's cursor label may follow the text she typed.)
  await expect(bob.editor.document.locator('li.task-item')).toHaveText([/^call the venue/, /^order food/])
  await expect(tool('Checklist')).toHaveAttribute('aria-pressed', 'true')
})
