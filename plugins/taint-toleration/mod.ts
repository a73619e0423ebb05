// The Filter of the Kubernetes TaintToleration plugin, in TypeScript: a node's NoSchedule taints keep
// off every pod that does not tolerate them. It needs no SDK and no permissions.

/** A node's taint. */
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** A pod's toleration: `Exists` matches any value of the key, `Equal` (the default) one value. */
export interface Toleration {
  key?: string;
  operator?: "Equal" | "Exists";
  value?: string;
  effect?: Taint["effect"];
}

/** The part of a pod the filter looks at. */
export interface PodInfo {
  name: string;
  tolerations?: Toleration[];
}

/** The part of a node the filter looks at. */
export interface NodeInfo {
  name: string;
  taints?: Taint[];
}

function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  // An empty key with Exists tolerates every taint.
  if (toleration.key === undefined) return toleration.operator === "Exists";
  if (toleration.key !== taint.key) return false;
  return toleration.operator === "Exists" || (toleration.value ?? "") === (taint.value ?? "");
}

/** Filter: nothing when the pod tolerates each NoSchedule taint of the node, else why not. */
export function Filter(pod: PodInfo, node: NodeInfo): string | undefined {
  const untolerated = (node.taints ?? []).find((taint) =>
    taint.effect === "NoSchedule" &&
    !(pod.tolerations ?? []).some((toleration) => tolerates(toleration, taint))
  );
  return untolerated === undefined
    ? undefined
    : `node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ""}}`;
}
