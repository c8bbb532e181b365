// Linux process helpers for detached steps: process start time (guards against pid reuse), boot id,
// liveness of a process group, and signalling a whole group.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTicks: string;
  /** Single-letter state; 'Z' (zombie) and 'X' (dead) count as gone. */
  state: string;
}

/** Reads /proc/<pid>/stat synchronously; undefined when the process does not exist. */
export function readProcInfo(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: fields after the LAST ')' are fixed.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  const state = rest[0] ?? '?';
  const startTicks = rest[19];
  if (startTicks === undefined) return undefined;
  return { startTicks, state };
}

let bootId: string | null | undefined;
/** The kernel's boot id (changes on every boot); null when unavailable. */
export function readBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/** True when at least one process of group `pgid` exists (EPERM counts as existing). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `sig` to every process of group `pgid`; false when the group no longer exists. */
export function signalGroup(pgid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

export interface GroupIdentity {
  /** Leader pid = process group id (steps are spawned detached, i.e. as session and group leaders). */
  pid: number;
  /** Leader start ticks recorded at launch, or null if it could not be read. */
  startTicks: string | null;
  bootId: string | null;
}

/**
 * Whether the step's process group still exists. A live leader with another start time means the pid was
 * reused, so our group is gone (Linux never reuses a pid while a group with that id exists).
 */
export function stepGroupAlive(id: GroupIdentity): boolean {
  const currentBoot = readBootId();
  if (id.bootId !== null && currentBoot !== null && id.bootId !== currentBoot) return false;
  const leader = readProcInfo(id.pid);
  if (leader !== undefined && leader.state !== 'Z' && leader.state !== 'X') {
    if (id.startTicks !== null && leader.startTicks !== id.startTicks) return false;
    return true;
  }
  // Leader gone (e.g. bwrap's monitor died of SIGTERM); members may still run in its group.
  return groupHasLiveMember(id.pid);
}

export interface GroupMember {
  pid: number;
  ppid: number;
}

/** Live (non-zombie) members of group `pgid`, from a scan of /proc. */
export function listGroupMembers(pgid: number): GroupMember[] {
  const out: GroupMember[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue;
    }
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ', 4); // state, ppid, pgrp, session
    if (Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X') out.push({ pid: Number(name), ppid: Number(rest[1]) });
  }
  return out;
}

/**
 * Whether group `pgid` has a member that is not a zombie. Zombies count as gone: a process whose parent
 * died is reaped by init, which may take its time. Scans /proc, so only used once the leader itself is gone.
 */
export function groupHasLiveMember(pgid: number): boolean {
  return groupExists(pgid) && listGroupMembers(pgid).length > 0;
}

/**
 * Signals a step. Unisolated: the whole process group. Isolated, the leader is bwrap's monitor and its child
 * the wrapper shell, pid 1 of the step's pid namespace: the monitor is spared so it stays alive to reap the
 * namespace (else its orphans become zombies of the host's init); SIGTERM spares the wrapper too (it would
 * only trap it); SIGKILL hits the wrapper, which takes every process of the namespace with it.
 */
export function signalStep(pgid: number, sig: NodeJS.Signals, isolated: boolean): boolean {
  if (!isolated) return signalGroup(pgid, sig);
  const members = listGroupMembers(pgid);
  const leaderAlive = members.some((m) => m.pid === pgid);
  if (!leaderAlive) return signalGroup(pgid, sig);
  let sent = false;
  for (const m of members) {
    if (m.pid === pgid || (sig !== 'SIGKILL' && m.ppid === pgid)) continue;
    try {
      process.kill(m.pid, sig);
      sent = true;
    } catch {
      // exited meanwhile
    }
  }
  return sent;
}
