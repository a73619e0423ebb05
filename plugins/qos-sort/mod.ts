// The QueueSort plugin of the Kubernetes scheduler-plugins "qos" example, in TypeScript: it needs no
// SDK and no permissions, so the same module runs compiled into a host or sandboxed in a plugin folder.

/** A pod's QoS class, as Kubernetes derives it from its resource requests and limits. */
export type QOSClass = "Guaranteed" | "Burstable" | "BestEffort";

/** The part of a queued pod the sort looks at. */
export interface PodInfo {
  name: string;
  priority: number;
  qos: QOSClass;
}

/** Whether p1's QoS class should go before p2's: Guaranteed, then Burstable, then BestEffort. */
function compQOS(p1: PodInfo, p2: PodInfo): boolean {
  if (p1.qos === "Guaranteed") return true;
  if (p1.qos === "Burstable") return p2.qos !== "Guaranteed";
  return p2.qos === "BestEffort";
}

/** Less: the higher priority first; on equal priority, the better QoS class first. */
export function Less(pInfo1: PodInfo, pInfo2: PodInfo): boolean {
  const p1 = pInfo1.priority;
  const p2 = pInfo2.priority;
  return p1 > p2 || (p1 === p2 && compQOS(pInfo1, pInfo2));
}
