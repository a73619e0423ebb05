// The Kubernetes NodeResourcesFit plugin, in TypeScript: its Filter (a pod's requests must fit in
// what the node has left) and its LeastAllocated Score. It needs no SDK and no permissions, so the
// same module runs compiled into a host or sandboxed from its folder.

/** CPU in millicores, memory in MiB. */
export interface Resources {
  cpu: number;
  memory: number;
}

/** The part of a pod the plugin looks at. */
export interface PodInfo {
  name: string;
  requests: Resources;
}

/** The part of a node the plugin looks at. */
export interface NodeInfo {
  name: string;
  allocatable: Resources;
  requested: Resources;
}

const KINDS = ["cpu", "memory"] as const;

/** Filter: nothing when the pod's requests fit in what the node has left, else which do not. */
export function Filter(pod: PodInfo, node: NodeInfo): string | undefined {
  const short = KINDS.filter((kind) =>
    node.requested[kind] + pod.requests[kind] > node.allocatable[kind]
  );
  return short.length === 0 ? undefined : short.map((kind) => `Insufficient ${kind}`).join(", ");
}

/** Score (LeastAllocated): the share of the node left free once the pod runs, 0–100. */
export function Score(pod: PodInfo, node: NodeInfo): number {
  const free = KINDS.map((kind) => {
    const left = node.allocatable[kind] - node.requested[kind] - pod.requests[kind];
    return Math.max(0, left) / node.allocatable[kind];
  });
  return Math.round((100 * (free[0] + free[1])) / 2);
}
