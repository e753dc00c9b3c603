import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Webhook signatures in the Standard Webhooks scheme: the sender puts a unique
 * `webhook-id`, the send time `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">`
 * on every POST (several space-separated signatures are allowed, for key
 * rotation). A secret written `whsec_<base64>` is the base64 of the key; any
 * other secret is the key's UTF-8 bytes. The timestamp bounds how long a
 * captured request stays usable, and the id makes it usable once.
 */
export const ID_HEADER = 'webhook-id';
export const TIMESTAMP_HEADER = 'webhook-timestamp';
export const DEFAULT_SIGNATURE_HEADER = 'webhook-signature';
/** How far a request's timestamp may be from chaoslab's clock, either way. */
export const REPLAY_WINDOW_MS = 5 * 60_000;
const MAX_ID_LENGTH = 256;

function keyOf(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

function hmac(id: string, timestamp: string, body: Buffer | string, secret: string): Buffer {
  return createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The `v1,<base64>` signature of one request. */
export function signWebhook(id: string, timestamp: string, body: Buffer | string, secret: string): string {
  return `v1,${hmac(id, timestamp, body, secret).toString('base64')}`;
}

/** The three headers a sender puts on a POST (for test stacks, benches and examples). */
export function webhookHeaders(body: Buffer | string, secret: string, options: { id?: string; nowMs?: number; signatureHeader?: string } = {}): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = String(Math.floor((options.nowMs ?? Date.now()) / 1000));
  return { [ID_HEADER]: id, [TIMESTAMP_HEADER]: timestamp, [options.signatureHeader ?? DEFAULT_SIGNATURE_HEADER]: signWebhook(id, timestamp, body, secret) };
}

/** Remembers the ids seen inside the replay window: a second request with a seen id is a replay. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** True the first time an id is offered inside the window. */
  firstUse(id: string, nowMs: number): boolean {
    for (const [known, expiresAt] of this.seen) if (expiresAt <= nowMs) this.seen.delete(known);
    if (this.seen.has(id)) return false;
    this.seen.set(id, nowMs + 2 * REPLAY_WINDOW_MS);
    return true;
  }
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Why a request is refused, or undefined when its signature, time and id are good. */
export function verifyWebhook(
  headers: IncomingHttpHeaders,
  body: Buffer,
  secret: string,
  options: { signatureHeader: string; nowMs: number; replays: ReplayGuard },
): string | undefined {
  const id = single(headers, ID_HEADER);
  const timestamp = single(headers, TIMESTAMP_HEADER);
  const signatures = single(headers, options.signatureHeader);
  const expected = `needs ${ID_HEADER}, ${TIMESTAMP_HEADER} (Unix seconds) and ${options.signatureHeader}: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`;
  if (!id || !timestamp || !signatures) return `missing signature headers: ${expected}`;
  if (id.length > MAX_ID_LENGTH) return `${ID_HEADER} longer than ${MAX_ID_LENGTH} characters`;
  if (!/^\d{1,12}$/.test(timestamp)) return `${TIMESTAMP_HEADER} is not Unix seconds: ${expected}`;
  const skewMs = Math.abs(options.nowMs - Number(timestamp) * 1000);
  if (skewMs > REPLAY_WINDOW_MS) return `${TIMESTAMP_HEADER} is ${Math.round(skewMs / 1000)} s from chaoslab's clock (at most ${REPLAY_WINDOW_MS / 1000} s): an old or replayed request`;
  const want = hmac(id, timestamp, body, secret);
  const matches = signatures.split(' ').some((entry) => {
    if (!entry.startsWith('v1,')) return false;
    const given = Buffer.from(entry.slice(3), 'base64');
    return given.length === want.length && timingSafeEqual(given, want);
  });
  if (!matches) return `bad signature: ${expected}`;
  if (!options.replays.firstUse(id, options.nowMs)) return `${ID_HEADER} ${id} was already delivered: a replayed request`;
  return undefined;
}
