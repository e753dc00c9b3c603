import { open, readlink } from 'node:fs/promises';
import { vi } from 'vitest';

/**
 * Records which paths are fsynced, in order, by spying on FileHandle.sync (each
 * handle resolved to its path through /proc/self/fd); the syncs still happen.
 * Undo with vi.restoreAllMocks().
 */
export async function spyOnSyncs(): Promise<string[]> {
  const synced: string[] = [];
  const handle = await open('/dev/null', 'r');
  const prototype = Object.getPrototypeOf(handle) as { sync(): Promise<void> };
  await handle.close();
  const original = prototype.sync;
  vi.spyOn(prototype, 'sync').mockImplementation(async function (this: { fd: number }) {
    synced.push(await readlink(`/proc/self/fd/${this.fd}`));
    return original.call(this);
  });
  return synced;
}
