/**
 * Lowers the CPU priority of the calling thread only (Linux: setpriority on the thread's id, read from
 * /proc/thread-self). The service worker does this so that, on a busy machine, the bot's thread (which must
 * acknowledge Slack within 3 s) gets a core first and the service's work waits instead.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Returns whether the priority was changed; elsewhere than Linux (no /proc/thread-self) nothing happens. */
export function lowerThisThreadPriority(niceness: number): boolean {
  if (niceness <= 0) return false;
  let threadId: number;
  try {
    threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return false;
  }
  if (!Number.isInteger(threadId) || threadId <= 0) return false;
  try {
    setPriority(threadId, Math.min(19, niceness));
    return true;
  } catch {
    return false;
  }
}
