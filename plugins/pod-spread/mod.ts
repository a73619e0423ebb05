// A Score in the manner of the Kubernetes SelectorSpread plugin, in TypeScript: the fewer pods of the
// same app a node runs, the higher it scores, so that one node going down takes few of them along.
// It needs no SDK and no permissions.

/** The part of a pod the score looks at. */
export interface PodInfo {
  name: string;
  app: string;
}

/** The part of a node the score looks at: how many pods of each app it runs. */
export interface NodeInfo {
  name: string;
  apps: Record<string, number>;
}

/** The score of a node that runs no pod of the app; each pod of it there costs one point. */
export const MAX_SCORE = 10;

/** Score: `MAX_SCORE` less the pods of the same app the node runs, never below 0. */
export function Score(pod: PodInfo, node: NodeInfo): number {
  return Math.max(0, MAX_SCORE - (node.apps[pod.app] ?? 0));
}
