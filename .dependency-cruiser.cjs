/** Dependency rules checked by `npm run lint` (dependency-cruiser). */
module.exports = {
  forbidden: [
    // The server's folders depend one way: composition root (main.ts, server.ts, config.ts, cli/) →
    // transports and routes (http/, collab/, sockets/, admission/, admin/) → domain (cluster/, versions/, comments/ →
    // rooms/, notifications/, auth/) → storage/ → shared helpers (errors.ts, logger.ts, threads/) and the
    // packages. Tests and test-support may reach anywhere.
    {
      name: 'storage-is-below-the-domain',
      severity: 'error',
      from: { path: '^apps/server/src/storage/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^apps/server/src/(auth|rooms|versions|comments|notifications|cluster|http|collab|sockets|admission|admin|cli)/|^apps/server/src/(server|main|app|config)\\.ts$',
      },
    },
    {
      name: 'domain-is-below-transports',
      severity: 'error',
      from: { path: '^apps/server/src/(auth|rooms|versions|comments|notifications|cluster)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^apps/server/src/(http|collab|sockets|admission|admin|cli)/|^apps/server/src/(server|main|app|config)\\.ts$' },
    },
    {
      name: 'notifications-do-not-know-rooms',
      severity: 'error',
      comment: 'Rooms publish their events through an interface; the hub knows nothing of rooms.',
      from: { path: '^apps/server/src/notifications/', pathNot: '\\.test\\.ts$' },
      to: { path: '^apps/server/src/rooms/' },
    },
    {
      name: 'rooms-do-not-know-the-cluster',
      severity: 'error',
      comment: 'The registry talks to other nodes through the RoomReplication interface; a single node has none.',
      from: { path: '^apps/server/src/(rooms|notifications)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^apps/server/src/cluster/' },
    },
    {
      name: 'transports-are-below-the-composition-root',
      severity: 'error',
      from: { path: '^apps/server/src/(http|collab|sockets|admission|admin)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^apps/server/src/(server|main|app)\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other in a circle cannot be understood or moved one at a time.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|test-results)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
}
