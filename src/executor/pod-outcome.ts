// Reading a step's end from its pod: when the step has ended (its outcome container terminated, and the wait
// container too when it prints saved outputs; for a containerSet every member), and how each member of a
// containerSet pod ended. Pure functions of the pod object, used by the pod executor's wait().
import { OMITTED_MARK, SAVED_MARK } from './pod-agent.js';
import { ANNOTATION_KILLED } from './pod-manifest.js';
import { containerStatus } from './pod-watch.js';
import type { Pod } from './pod-watch.js';
import type { MemberResult } from './types.js';

/** Waiting reasons after which a container will never start on its own. */
export const FATAL_WAITING = new Set([
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export type Ended = { pod: Pod | undefined; why?: string; exitCode?: number };

/** Which containers of the pod decide its step: the outcome container and, for a containerSet, every member. */
export interface PodShape {
  podName: string;
  main: string;
  members?: string[];
}

/** The step's end as seen in `pod` (undefined: not ended yet). */
export function endOf(pod: Pod | undefined, shape: PodShape): Ended | undefined {
  if (!pod) return { pod: undefined, why: 'pod deleted' };
  const main = containerStatus(pod, shape.main)?.state;
  // Deleted (kubectl delete, a drain) or evicted by someone else: Argo's Error, which retryPolicy OnError retries.
  const mine = pod.metadata.annotations?.[ANNOTATION_KILLED] !== undefined;
  if (pod.metadata.deletionTimestamp && !mine && main?.terminated?.exitCode !== 0) return { pod: undefined, why: 'pod deleted' };
  if (pod.status?.reason === 'Evicted' && !mine) return { pod: undefined, why: pod.status.message || 'pod evicted' };
  const membersDone = (shape.members ?? []).every((m) => containerStatus(pod, m)?.state?.terminated !== undefined);
  if (main?.terminated && membersDone) {
    const saved = (main.terminated.message ?? '').startsWith(SAVED_MARK);
    const wait = containerStatus(pod, 'wait');
    if (!saved || !wait || wait.state?.terminated) return { pod };
    return undefined;
  }
  const init = pod.status?.initContainerStatuses?.find((c) => (c.state?.terminated?.exitCode ?? 0) !== 0);
  const code = init?.state?.terminated?.exitCode;
  if (init && code !== undefined) return { pod: undefined, exitCode: code, why: `init container ${init.name} failed` };
  if (main?.waiting?.reason && FATAL_WAITING.has(main.waiting.reason))
    return { pod, why: `${main.waiting.reason}: ${main.waiting.message ?? ''}`.trim() };
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded')
    return { pod, why: `pod ${pod.status.phase}${pod.status.reason ? ` (${pod.status.reason})` : ''}: ${pod.status.message ?? ''}` };
  if (pod.metadata.deletionTimestamp && !pod.spec?.nodeName)
    return { pod, why: `pod ${shape.podName} was deleted before it was scheduled` };
  return undefined;
}

/** How each member of a containerSet pod ended (a member that never terminated: no exit code, `why` as message). */
export function memberResults(pod: Pod | undefined, members: readonly string[], fallback: Date, why?: string): MemberResult[] {
  return members.map((name) => {
    const t = containerStatus(pod, name)?.state?.terminated;
    if (!t) return { name, exitCode: null, startedAt: fallback, finishedAt: fallback, message: why ?? 'the container did not run' };
    const startedAt = t.startedAt ? new Date(t.startedAt) : fallback;
    let finishedAt = t.finishedAt ? new Date(t.finishedAt) : fallback;
    if (finishedAt < startedAt) finishedAt = startedAt;
    const msg = (t.message ?? '').split('\n').filter((l) => l !== SAVED_MARK && l !== '');
    if (msg[0] === OMITTED_MARK) return { name, exitCode: null, omitted: true, startedAt, finishedAt };
    return { name, exitCode: t.exitCode, startedAt, finishedAt, ...(msg.length ? { message: msg.join('\n') } : {}) };
  });
}
