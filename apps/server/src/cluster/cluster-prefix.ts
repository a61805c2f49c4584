/**
 * The prefix of a cluster's Redis channels and keys: `name` (`CLUSTER_NAME`, by default the
 * database's name and schema), so clusters on other databases can share a Redis. It must not start
 * with `REDIS_PREFIX`, or the `PUBLISH` bridge would take the cluster's own traffic for
 * notifications (`config.ts` checks).
 */
export function clusterPrefix(name: string): string {
  return `${CLUSTER_PREFIX}${name}:`
}

/** What every cluster's channels and keys start with. */
export const CLUSTER_PREFIX = 'tandem-cluster:'
