import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';

/**
 * Whether an inventory address names the machine chaoslab runs on. Names are
 * compared, not looked up: validation sends no DNS query. Loopback (127/8, ::1,
 * localhost), the unspecified address, this machine's host name and the
 * addresses of its own interfaces all count.
 */
export function isControllerAddress(address: string): boolean {
  const normalized = address.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (normalized === 'localhost' || normalized.endsWith('.localhost')) return true;
  if (isIP(normalized) === 4 && (normalized.startsWith('127.') || normalized === '0.0.0.0')) return true;
  if (normalized === '::1' || normalized === '::' || normalized.startsWith('::ffff:127.')) return true;
  const name = hostname().toLowerCase();
  if (!isIP(normalized) && (normalized === name || normalized.startsWith(`${name}.`))) return true;
  return ownAddresses().has(normalized);
}

function ownAddresses(): Set<string> {
  const found = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const entry of list ?? []) found.add(entry.address.toLowerCase().replace(/%.*$/, ''));
  return found;
}
