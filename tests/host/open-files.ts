// Test helper: which files this process holds open (Linux /proc), to prove sources are closed.
import { existsSync, readdirSync, readlinkSync } from 'node:fs';

/** Whether /proc/self/fd can be read here. */
export const canListOpenFiles = existsSync('/proc/self/fd');

/** Whether this process has `path` open. */
export function isOpen(path: string): boolean {
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) return true;
    } catch {
      // The fd of the directory listing itself is gone by now.
    }
  }
  return false;
}
