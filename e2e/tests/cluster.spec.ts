/**
 * A cluster as people meet it: two people on two different nodes co-edit one document and see
 * each other's cursors; an administrator on a third node sees both of them in the room.
 */
import { AdminPage } from '../fixtures/admin-page.js'
import { type Cluster, clusterServices, startCluster } from '../fixtures/cluster.js'
import { E2E_ADMIN_TOKEN } from '../fixtures/secrets.js'
import { expect, test, uniqueRoom } from '../fixtures/test.js'

let cluster: Cluster | null = null

test.beforeAll(async () => {
  const services = await clusterServices()
  // Stated, not silent: without PostgreSQL and Redis there is no cluster to test.
  test.skip('missing' in services, 'missing' in services ? services.missing : '')
  if (!('missing' in services)) cluster = await startCluster(services)
})

test.afterAll(async () => {
  await cluster?.close()
})

test('two people on two nodes co-edit and see each other; an admin on a third node sees both', async ({ users }) => {
  test.slow()
  const [nodeA, nodeB, nodeC] = cluster!.nodes
  const room = uniqueRoom('cluster')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room, nodeA!.url)
  await bob.editor.open(room, nodeB!.url)

  await alice.editor.typeAtEnd('Alice writes on node A.')
  await expect.poll(() => bob.editor.blocks()).toEqual(['Alice writes on node A.'])
  await bob.editor.typeAtEnd(' Bob answers on node B.')
  await alice.editor.expectSameDocumentAs(bob.editor)
  await expect.poll(() => alice.editor.blocks()).toEqual(['Alice writes on node A. Bob answers on node B.'])
  await alice.editor.expectSaved()
  await bob.editor.expectSaved()

  await expect(bob.editor.remoteCursor('Alice')).toBeVisible()
  await expect(alice.editor.remoteCursor('Bob')).toBeVisible()
  await expect(alice.editor.person('Bob')).toBeVisible()
  await expect(bob.editor.person('Alice')).toBeVisible()

  const root = await users.open('Root')
  const console = new AdminPage(root.page)
  await console.open(E2E_ADMIN_TOKEN, nodeC!.url)
  await console.expectSignedIn()
  await expect(console.connections(room)).toHaveText('2', { timeout: 15_000 })
  await expect(console.people(room)).toHaveAccessibleName(/^Here now: (Alice, Bob|Bob, Alice)$/)
  // The console lists the three nodes, this one marked, with one connection on each of A and B.
  const nodes = root.page.getByRole('table', { name: 'Nodes' })
  await expect(nodes.getByRole('row')).toHaveCount(4)
  await expect(nodes.getByRole('row').filter({ hasText: 'this node' })).toContainText('e2e-node-3')
  await expect(nodes.getByRole('row').filter({ hasText: 'e2e-node-1' }).getByRole('cell').nth(1)).toHaveText('1')

  // Bob leaves: node C's console follows, and Alice's page stops showing him.
  await bob.page.close()
  await expect(console.connections(room)).toHaveText('1', { timeout: 15_000 })
  await expect(alice.editor.remoteCursor('Bob')).toHaveCount(0)
})
