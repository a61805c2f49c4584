/**
 * Documents in and out for everyone: a Markdown file imported from the home page becomes a
 * formatted document others see, downloads from the editor's menu carry it back out, and Markdown
 * pasted into the editor arrives formatted.
 */
import { readFile } from 'node:fs/promises'

import { docxFile } from '../fixtures/docx.js'
import { expect, test, uniqueRoom } from '../fixtures/test.js'

const MARKDOWN = [
  '# Launch',
  '',
  'Ship **on Monday**, see [the plan](https://example.com/plan).',
  '',
  '- write the notes',
  '- tell the team',
  '',
  'Checklist:',
  '',
  '- [x] book the room',
  '- [ ] send the invite',
  '',
  '| Who | What |',
  '| --- | --- |',
  '| Ann | **budget** |',
  '| Bob | hiring |',
  '',
  '<script>alert("never")</script>',
  '',
].join('\n')

test('a Markdown file becomes a formatted document, and downloads carry it back out', async ({ users }) => {
  const room = uniqueRoom('import')
  const ann = await users.open('Ann')
  await ann.home.open()
  await ann.page.locator('input[type=file]').setInputFiles({ name: `${room}.md`, mimeType: 'text/markdown', buffer: Buffer.from(MARKDOWN) })
  await expect(ann.page).toHaveURL(new RegExp(`/d/${room}$`))
  await expect(ann.editor.connectionStatus).toHaveText('Live')
  const document = ann.editor.document
  await expect(document.getByRole('heading', { level: 1, name: 'Launch' })).toBeVisible()
  await expect(document.locator('p:not(td p) > strong')).toHaveText('on Monday')
  await expect(document.getByRole('link', { name: 'the plan' })).toHaveAttribute('href', 'https://example.com/plan')
  await expect(document.locator('ul:not(.task-list) > li')).toHaveText(['write the notes', 'tell the team'])
  // The checklist, ticked as the file says, and the table with its header row and formatting.
  const boxes = document.getByRole('checkbox')
  await expect(boxes).toHaveCount(2)
  await expect(boxes.nth(0)).toBeChecked()
  await expect(boxes.nth(1)).not.toBeChecked()
  await expect(document.locator('th')).toHaveText(['Who', 'What'])
  await expect(document.locator('td')).toHaveText(['Ann', 'budget', 'Bob', 'hiring'])
  await expect(document.locator('td strong')).toHaveText('budget')
  // Markup in the file is text in the document.
  await expect(document.getByText('<script>alert("never")</script>')).toBeVisible()

  const bob = await users.open('Bob')
  await bob.editor.open(room)
  await expect(bob.editor.document.getByRole('heading', { level: 1, name: 'Launch' })).toBeVisible()
  // Ticking an item is one change everyone sees.
  await bob.editor.document.getByRole('checkbox').nth(1).click()
  await expect(boxes.nth(1)).toBeChecked()
  await bob.editor.expectSaved()

  // Download from the menu: the same Markdown comes back.
  const download = async (format: RegExp): Promise<string> => {
    await ann.page.getByRole('button', { name: 'Download' }).click()
    const started = ann.page.waitForEvent('download')
    await ann.page.getByRole('menuitem', { name: format }).click()
    const file = await started
    return `${file.suggestedFilename()}\n${await readFile(await file.path(), 'utf8')}`
  }
  const markdown = await download(/Markdown/)
  expect(markdown).toContain(`${room}.md\n`)
  expect(markdown).toContain('# Launch')
  expect(markdown).toContain('Ship **on Monday**, see [the plan](https://example.com/plan).')
  expect(markdown).toMatch(/- write the notes\n- tell the team/)
  expect(markdown).toContain('- [x] book the room\n- [x] send the invite')
  expect(markdown).toContain('| Who | What |\n| --- | --- |\n| Ann | **budget** |\n| Bob | hiring |')
  const html = await download(/Web page/)
  expect(html).toContain('<h1>Launch</h1>')
  expect(html).toContain('<th><p>Who</p></th>')
  expect(html).not.toContain('<script>')
  // The keyboard reaches the formats too.
  await ann.page.getByRole('button', { name: 'Download' }).focus()
  await ann.page.keyboard.press('ArrowDown')
  await expect(ann.page.getByRole('menuitem', { name: /Markdown/ })).toBeFocused()
  await ann.page.keyboard.press('ArrowDown')
  await expect(ann.page.getByRole('menuitem', { name: /Web page/ })).toBeFocused()
  await ann.page.keyboard.press('Escape')
  await expect(ann.page.getByRole('menu')).toBeHidden()
  await expect(ann.page.getByRole('button', { name: 'Download' })).toBeFocused()
})

test('a Word file becomes a document with its headings and bold text', async ({ users }) => {
  const room = uniqueRoom('word')
  const ann = await users.open('Ann')
  await ann.home.open()
  const buffer = await docxFile([
    { style: 'Heading1', runs: [{ text: 'Quarterly report' }] },
    { runs: [{ text: 'Revenue ' }, { text: 'grew', bold: true }, { text: ' by a third.' }] },
  ])
  await ann.page.locator('input[type=file]').setInputFiles({
    name: `${room}.docx`,
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    buffer,
  })
  await expect(ann.page).toHaveURL(new RegExp(`/d/${room}$`))
  await expect(ann.editor.document.getByRole('heading', { level: 1, name: 'Quarterly report' })).toBeVisible()
  await expect(ann.editor.document.locator('strong')).toHaveText('grew')
  expect(await ann.editor.blocks()).toEqual(['Quarterly report', 'Revenue grew by a third.'])

  // A file that is not one says so, and nothing is created.
  await ann.home.open()
  await ann.page
    .locator('input[type=file]')
    .setInputFiles({ name: 'broken.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('not a zip') })
  await expect(ann.page.getByRole('alert')).toHaveText('broken.docx could not be read as a Word document')
  await expect(ann.page).toHaveURL(/\/$/)
})

test('Markdown pasted into the editor arrives formatted; other text stays as it is', async ({ users }) => {
  const room = uniqueRoom('paste')
  const ann = await users.open('Ann')
  await ann.context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await ann.editor.open(room)
  await ann.editor.typeAtEnd('Intro.')
  await ann.page.keyboard.press('Enter')
  await ann.page.evaluate(() => navigator.clipboard.writeText('## Agenda\n\n- budget\n- hiring'))
  await ann.page.keyboard.press('ControlOrMeta+V')
  await expect(ann.editor.document.getByRole('heading', { level: 2, name: 'Agenda' })).toBeVisible()
  await expect(ann.editor.document.getByRole('listitem')).toHaveText(['budget', 'hiring'])

  await ann.editor.cursorToEnd()
  await ann.page.keyboard.press('Enter')
  await ann.page.keyboard.press('Enter')
  await ann.page.evaluate(() => navigator.clipboard.writeText('5 * 3 = 15, not a list.'))
  await ann.page.keyboard.press('ControlOrMeta+V')
  await expect(ann.editor.document.getByText('5 * 3 = 15, not a list.')).toBeVisible()
})
