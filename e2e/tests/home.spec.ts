/** The home page: making documents and seeing what others are working on. */
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('people on the home page see a new document appear when someone creates it', async ({ users }) => {
  const [ann, ben, cy] = await Promise.all(['Ann', 'Ben', 'Cy'].map((name) => users.open(name)))
  await Promise.all([ann!, ben!, cy!].map((user) => user.home.open()))
  const room = uniqueRoom('fresh')
  for (const user of [ann!, ben!, cy!]) await expect(user.home.recentDocuments).toBeVisible()
  await expect(ben!.home.documentLink(room)).toHaveCount(0)

  await ann!.home.createDocument(room)
  await expect(ann!.page).toHaveURL(`/d/${room}`)
  await expect(ann!.editor.connectionStatus).toHaveText('Live')

  // Pushed: the list polls only every 30 s, three times longer than these expectations wait.
  for (const user of [ben!, cy!]) {
    const link = user.home.documentLink(room)
    await expect(link).toBeVisible()
    await expect(link.getByLabel('Here now: Ann')).toBeVisible()
  }
  await ben!.home.documentLink(room).click()
  await expect(ben!.editor.connectionStatus).toHaveText('Live')
  await expect(ben!.editor.person('Ann')).toBeVisible()

  // The page address is the share link: "Copy link" puts it on the clipboard.
  await ann!.context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await ann!.page.getByRole('button', { name: 'Copy link' }).click()
  await expect(ann!.page.getByRole('button', { name: 'Copied!' })).toBeVisible()
  const shared = await ann!.page.evaluate(() => navigator.clipboard.readText())
  expect(shared).toBe(ann!.page.url())
  await cy!.page.goto(shared)
  await expect(cy!.editor.person('Ann')).toBeVisible()
  await expect(cy!.editor.person('Ben')).toBeVisible()
})

test('a new document gets a readable random name when none is typed', async ({ users }) => {
  const dana = await users.open('Dana')
  await dana.home.open()
  const suggested = await dana.home.nameField.getAttribute('placeholder')
  expect(suggested).toMatch(/^[a-z]+-[a-z]+-\d{2}$/)
  await dana.home.createDocument()
  await expect(dana.page).toHaveURL(`/d/${suggested}`)
  await expect(dana.page).toHaveTitle(`${suggested} · Tandem`)
})

test('a typed name that cannot be a document is explained before anything is created', async ({ users }) => {
  const dana = await users.open('Dana')
  await dana.home.open()
  await dana.home.nameField.fill('team notes!')
  await expect(dana.home.nameError).toHaveText(/may only contain/)
  await dana.home.createButton.click()
  await expect(dana.page).toHaveURL('/')
  await dana.home.nameField.fill('team-notes')
  await expect(dana.home.nameError).toBeHidden()
  await expect(dana.page.getByText('Leave it empty to use the suggested name', { exact: false })).toBeVisible()
})

test('an address with an impossible document name shows why, and the way home', async ({ users }) => {
  const dana = await users.open('Dana')
  await dana.page.goto('/d/has%20a%20space')
  await expect(dana.page.getByRole('heading', { name: 'That is not a document address' })).toBeVisible()
  await expect(dana.page.getByText(/may only contain/)).toBeVisible()
  await dana.page.getByRole('link', { name: 'Go to your documents' }).click()
  await expect(dana.page).toHaveURL('/')
})

test('a new document stays listed even if nobody types in it, and its name cannot be taken twice', async ({ users }) => {
  const [ann, ben] = await Promise.all(['Ann', 'Ben'].map((name) => users.open(name)))
  const room = uniqueRoom('kept')
  await ann!.home.open()
  await ann!.home.createDocument(room)
  await expect(ann!.editor.connectionStatus).toHaveText('Live')
  // Stored on creation: the server answers for it although nothing was typed.
  const listed = (await (await ann!.page.request.get('/api/rooms?limit=500')).json()) as { rooms: Array<{ name: string; bytes: number }> }
  expect(listed.rooms.find((listing) => listing.name === room)?.bytes).toBeGreaterThan(0)

  // Before: Ben landed silently in Ann's document. Now he is told, and offered both ways on.
  await ben!.home.open()
  await ben!.home.createDocument(room)
  await expect(ben!.home.nameError).toContainText(`A document named ${room} already exists`)
  await expect(ben!.page).toHaveURL('/')
  await expect(ben!.home.nameField).toBeFocused()
  await ben!.home.nameError.getByRole('link', { name: `open ${room}` }).click()
  await expect(ben!.page).toHaveURL(`/d/${room}`)
  await expect(ben!.editor.person('Ann')).toBeVisible()
})
