/** Two people editing one document: typing at once, formatting, and undo that is personal. */
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('two people typing at the same time into one paragraph end with the same text', async ({ users }) => {
  const room = uniqueRoom('concurrent')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room)
  await bob.editor.open(room)

  await alice.editor.typeAtEnd('middle')
  await expect.poll(() => bob.editor.blocks()).toEqual(['middle'])

  // Alice at the start of the paragraph, Bob at its end, both typing character by character at once.
  await alice.editor.cursorToStart()
  await bob.editor.cursorToEnd()
  await Promise.all([alice.page.keyboard.type('alice was here, ', { delay: 20 }), bob.page.keyboard.type(', bob was here', { delay: 20 })])

  const expected = ['alice was here, middle, bob was here']
  await expect.poll(() => alice.editor.blocks()).toEqual(expected)
  await expect.poll(() => bob.editor.blocks()).toEqual(expected)
  await alice.editor.expectSaved()
  await bob.editor.expectSaved()
})

/**
 * Two people typing at the very same spot, keystrokes interleaved (each sent before the other's
 * previous one arrived): each must keep typing after their own last character, so both words stay
 * whole. Before the caret kept to the text on its left (editor/caret-anchor.ts), "alphaword" and
 * "bravoterm" typed at the end of a paragraph came out as "ablrpahvaowtoerrdm".
 */
for (const [where, existing, before] of [
  ['in an empty document', '', ''],
  ['at the start of a paragraph', 'left right', ''],
  ['in the middle of a paragraph', 'left right', 'left '],
  ['at the end of a paragraph', 'left right', 'left right'],
] as const) {
  test(`two people typing at the same spot ${where} keep their words whole`, async ({ users }) => {
    const room = uniqueRoom('same-spot')
    const alice = await users.open('Alice')
    const bob = await users.open('Bob')
    await alice.editor.open(room)
    await bob.editor.open(room)
    if (existing) {
      await alice.editor.typeAtEnd(existing)
      await expect.poll(() => bob.editor.blocks()).toEqual([existing])
    }
    await alice.editor.cursorAfter(before)
    await bob.editor.cursorAfter(before)

    const [aliceWord, bobWord] = ['alphaword', 'bravoterm']
    for (let i = 0; i < aliceWord.length; i++) {
      await Promise.all([alice.page.keyboard.type(aliceWord[i]!), bob.page.keyboard.type(bobWord[i]!)])
      // Human speed: long enough for each keystroke to reach the other browser before the next.
      await alice.page.waitForTimeout(40)
    }

    await bob.editor.expectSameDocumentAs(alice.editor)
    const blocks = await alice.editor.blocks()
    // In an empty document there is no paragraph yet: each first keystroke makes one, so the words
    // may land in two paragraphs, each whole. Anywhere else they share the paragraph they were typed in.
    if (existing) expect(blocks).toHaveLength(1)
    const text = blocks.join('\n')
    expect(text).toContain(aliceWord)
    expect(text).toContain(bobWord)
    expect(text.replaceAll('\n', '')).toHaveLength(existing.length + aliceWord.length + bobWord.length)
    expect(text.startsWith(before)).toBe(true)
    await alice.editor.expectSaved()
    await bob.editor.expectSaved()
  })
}

test('headings, bold and lists made by one person appear with the same structure for the other', async ({ users }) => {
  const room = uniqueRoom('formatting')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room)
  await bob.editor.open(room)

  await alice.editor.cursorToEnd()
  const { keyboard } = alice.page
  await keyboard.type('# Agenda\n')
  await keyboard.type('## Decisions\n')
  await keyboard.type('We ship ')
  await keyboard.press('ControlOrMeta+b')
  await keyboard.type('on Friday')
  await keyboard.press('ControlOrMeta+b')
  await keyboard.type('.\n- write the notes\nsend the invite\n')
  // A toolbar button too: the pressed state follows the selection.
  await keyboard.press('Enter')
  await keyboard.type('Quiet ')
  await alice.editor.tool('Italic').click()
  await expect(alice.editor.tool('Italic')).toHaveAttribute('aria-pressed', 'true')
  await keyboard.type('please')

  const doc = bob.editor.document
  await expect(doc.locator('h1')).toHaveText('Agenda')
  await expect(doc.locator('h2')).toHaveText('Decisions')
  await expect(doc.locator('p strong')).toHaveText('on Friday')
  await expect(doc.locator('ul > li')).toHaveText(['write the notes', 'send the invite'])
  await expect(doc.locator('p em')).toHaveText('please')
  await bob.editor.expectSameDocumentAs(alice.editor)
})

test('undo removes only your own change, never a collaborator’s', async ({ users }) => {
  const room = uniqueRoom('undo')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room)
  await bob.editor.open(room)

  await alice.editor.typeAtEnd('Alice wrote this')
  await expect.poll(() => bob.editor.blocks()).toEqual(['Alice wrote this'])
  await bob.editor.typeAtEnd('\nBob wrote this')
  await expect.poll(() => alice.editor.blocks()).toEqual(['Alice wrote this', 'Bob wrote this'])

  // Undo takes Alice's words and the paragraph she started, a word (or, when typing stalled, part of
  // one) at a time, and nothing of Bob's at any step. The exact step count is the other test's subject.
  await alice.editor.document.focus()
  let undos = 0
  await expect
    .poll(
      async () => {
        await alice.page.keyboard.press('ControlOrMeta+z')
        undos++
        const blocks = await alice.editor.blocks()
        expect(blocks.at(-1)).toBe('Bob wrote this')
        return blocks
      },
      { intervals: [200] },
    )
    .toEqual(['Bob wrote this'])
  expect(undos).toBeGreaterThanOrEqual(3)
  await expect.poll(() => bob.editor.blocks()).toEqual(['Bob wrote this'])

  for (let i = 0; i < undos; i++) await alice.page.keyboard.press('ControlOrMeta+Shift+z')
  await expect.poll(() => bob.editor.blocks()).toEqual(['Alice wrote this', 'Bob wrote this'])
})

test('undo goes back a word at a time and at every Enter, even when typing without pauses', async ({ users }) => {
  const ann = await users.open('Ann')
  await ann.editor.open(uniqueRoom('undo-steps'))
  await ann.editor.cursorToEnd()
  // An ordinary typing pace: before, everything typed like this undid as one step.
  await ann.page.keyboard.type('first line\nsecond one', { delay: 120 })
  await expect.poll(() => ann.editor.blocks()).toEqual(['first line', 'second one'])

  const afterEachUndo = [['first line', 'second '], ['first line', ''], ['first line'], ['first '], ['']]
  for (const blocks of afterEachUndo) {
    await ann.page.keyboard.press('ControlOrMeta+z')
    await expect.poll(() => ann.editor.blocks()).toEqual(blocks)
  }
  await expect(ann.editor.tool('Undo')).toBeDisabled()
  for (const blocks of [...afterEachUndo.slice(0, -1)].reverse()) {
    await ann.page.keyboard.press('ControlOrMeta+Shift+z')
    await expect.poll(() => ann.editor.blocks()).toEqual(blocks)
  }
  await ann.page.keyboard.press('ControlOrMeta+Shift+z')
  await expect.poll(() => ann.editor.blocks()).toEqual(['first line', 'second one'])
})
