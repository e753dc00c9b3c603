import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MIN_PLAIN_SECRET_CHARS, MIN_WHSEC_KEY_BYTES, weakWebhookSecret } from '../../harness/config/validate-webhook.js';

/** Issue #25: an empty secret (`file:` at an empty file) or `whsec_QQ==` was accepted silently. */
describe('webhook signing secrets too weak to sign with', () => {
  it('an empty secret is refused, saying what is expected', () => {
    expect(weakWebhookSecret('')).toMatch(/^is empty: expected whsec_ and the base64 of at least 24 random bytes .*, or a random string of at least 32 characters$/);
  });

  it('whsec_QQ== is a key of one byte', () => {
    expect(weakWebhookSecret('whsec_QQ==')).toMatch(/^is a key of 1 byte: expected whsec_/);
  });

  it('whsec_ with a short, patterned or non-base64 key is refused; 24 random bytes or more are accepted', () => {
    expect(weakWebhookSecret(`whsec_${randomBytes(MIN_WHSEC_KEY_BYTES - 1).toString('base64')}`)).toMatch(/^is a key of 23 bytes/);
    expect(weakWebhookSecret(`whsec_${Buffer.alloc(32, 7).toString('base64')}`)).toMatch(/^is a key of 1 distinct byte values, a pattern/);
    expect(weakWebhookSecret('whsec_not base64!')).toMatch(/^is whsec_ followed by something that is not base64/);
    expect(weakWebhookSecret(`whsec_${randomBytes(MIN_WHSEC_KEY_BYTES).toString('base64')}`)).toBeUndefined();
    expect(weakWebhookSecret(`whsec_${randomBytes(64).toString('base64')}`)).toBeUndefined();
  });

  it('a plain secret needs 32 characters and is not a repeated pattern', () => {
    expect(weakWebhookSecret('webhook-shared-secret')).toMatch(/^has 21 characters: expected/);
    expect(weakWebhookSecret('ab'.repeat(MIN_PLAIN_SECRET_CHARS))).toMatch(/^has 2 distinct characters, a pattern/);
    expect(weakWebhookSecret(randomBytes(24).toString('base64'))).toBeUndefined();
  });
});
