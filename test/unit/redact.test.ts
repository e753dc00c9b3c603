import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemaFor } from '../../harness/config/json-schema.js';
import { labSchema } from '../../harness/config/lab-schema.js';
import { inventorySecretRefs, labSecrets, SecretResolver } from '../../harness/config/secrets.js';
import { generateKeyPairSync } from 'node:crypto';
import { excerpt, redact, redactDeep, rememberSecret, resolvedSecrets } from '../../harness/core/redact.js';

describe('redact', () => {
  it('hides a secret raw and as it reads inside a JSON string', () => {
    const secret = 'pa"ss\\word\nsecond-line';
    const text = `raw ${secret} | json ${JSON.stringify({ token: secret })}`;
    expect(redact(text, [secret])).toBe('raw [redacted] | json {"token":"[redacted]"}');
  });

  it('hides each long line of a multi-line secret on its own, and leaves short lines alone', () => {
    const key = '-----BEGIN KEY-----\nAAAAbbbbCCCCdddd\nEnd\n-----END KEY-----';
    expect(redact('line AAAAbbbbCCCCdddd and End', [key])).toBe('line [redacted] and End');
  });

  it('hides the longer of two overlapping secrets whole', () => {
    expect(redact('token abcd-efgh-ijkl', ['efgh', 'abcd-efgh-ijkl'])).toBe('token [redacted]');
  });

  it('hides base64 (standard and URL-safe, at any alignment inside a longer encoding), URL-encoded, case-changed and reversed forms', () => {
    const secret = 'S3cr3t/pa ss+wörd?';
    const forms = [
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(secret),
      secret.toUpperCase(),
      secret.toLowerCase(),
      [...secret].reverse().join(''),
    ];
    for (const form of forms) expect(redact(`before ${form} after`, [secret])).toBe('before [redacted] after');
    // a header or a config dump encodes the secret together with other bytes: user:password, JSON around it
    for (const prefix of ['', 'u', 'us', 'user:']) {
      const encoded = Buffer.from(`${prefix}${secret}!`).toString('base64');
      expect(redact(encoded, [secret])).not.toBe(encoded);
      const kept = redact(encoded, [secret]).split('[redacted]');
      // what is left of the encoding is only the bytes around the secret (at most 3 characters each side)
      expect(kept.join('').length).toBeLessThanOrEqual(encoded.length - Buffer.from(secret).toString('base64').length + 6);
    }
    expect(redact('nothing here: c2VjcmV0 YWJj', [secret])).toBe('nothing here: c2VjcmV0 YWJj');
  });

  it('redacts nested values', () => {
    expect(redactDeep({ a: ['x s3cr3t-value y'], b: { c: 's3cr3t-value' }, n: 1 }, ['s3cr3t-value'])).toEqual({ a: ['x [redacted] y'], b: { c: '[redacted]' }, n: 1 });
  });
});

describe('redact with a fleet of secrets', () => {
  // a lab of a hundred hosts: a hundred private keys, thousands of needles, every string of every event redacted
  const keys = Array.from({ length: 100 }, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());

  it('finds any key, any of its lines and their encoded forms among a hundred, and leaves other text as it is', () => {
    const [first, middle, last] = [keys[0]!, keys[50]!, keys[99]!];
    const line = middle.split('\n')[1]!;
    const text = `a ${first} b ${line} c ${Buffer.from(last).toString('base64')} d ${JSON.stringify(middle)}`;
    // the PEM's own last newline stays: a secret is found without its line breaks, and hidden from its first character to its last
    expect(redact(text, keys)).toBe('a [redacted]\n b [redacted] c [redacted] d "[redacted]"');
    expect(redact('nothing secret here, just a long enough line of output', keys)).toBe('nothing secret here, just a long enough line of output');
    expect(redact('ab', ['ab'])).toBe('[redacted]');
  });

  it('hands out the same list of remembered secrets until a new one arrives, so what is derived from it is kept', () => {
    const before = resolvedSecrets();
    expect(resolvedSecrets()).toBe(before);
    rememberSecret(before[0] ?? 'a-secret-for-the-list');
    rememberSecret('another-secret-for-the-list');
    const after = resolvedSecrets();
    expect(after).not.toBe(before);
    expect(after).toContain('another-secret-for-the-list');
    expect(resolvedSecrets()).toBe(after);
  });
});

describe('excerpt', () => {
  it('redacts before it cuts, so no prefix of a secret survives the cut', async () => {
    await new SecretResolver('/', { CUT_TOKEN: 'tok-0123456789abcdef' }).resolve('env:CUT_TOKEN');
    const cut = excerpt('output: tok-0123456789abcdef and more', 14, (omitted) => ` (+${omitted})`);
    expect(cut).toBe('output: [redac (+13)');
    expect(cut).not.toContain('tok-');
  });
});

describe('secret resolution', () => {
  it('remembers every resolved value process-wide, and the password inside a connection URL on its own', async () => {
    const resolver = new SecretResolver('/', { DB_URL: 'postgres://chaoslab:p%40ss-w0rd@127.0.0.1:5432/telemetry' });
    await resolver.resolve('env:DB_URL');
    expect(resolvedSecrets()).toEqual(expect.arrayContaining(['postgres://chaoslab:p%40ss-w0rd@127.0.0.1:5432/telemetry', 'p%40ss-w0rd', 'p@ss-w0rd']));
    expect(redact('FATAL: password p@ss-w0rd rejected')).toBe('FATAL: password [redacted] rejected');
  });

  it('lists every secret field of the lab schema', () => {
    const lab = labSchema.parse({
      name: 'every-secret',
      hosts: [
        { name: 'lin', platform: 'linux', address: '192.0.2.1', transport: { kind: 'ssh', user: 'root', key: 'env:SSH_KEY', password: 'env:SSH_PASSWORD', passphrase: 'env:SSH_PASSPHRASE', insecure_host_key: true } },
        { name: 'win', platform: 'windows', address: '192.0.2.2', transport: { kind: 'winrm', user: 'admin', password: 'env:WINRM_PASSWORD' } },
      ],
      observers: [
        { name: 'bearer', kind: 'http', url: 'http://127.0.0.1/e', auth: { type: 'bearer', token: 'env:HTTP_TOKEN' } },
        { name: 'basic', kind: 'http', url: 'http://127.0.0.1/e', auth: { type: 'basic', username: 'u', password: 'env:HTTP_PASSWORD' } },
        { name: 'db', kind: 'postgres', url: 'env:DB_URL', query: 'select 1' },
        { name: 'hook', kind: 'webhook', secret: 'env:WEBHOOK_SECRET' },
        { name: 'metrics', kind: 'prometheus', url: 'http://127.0.0.1:9090', query: 'q', auth: { type: 'bearer', token: 'env:PROM_TOKEN' } },
        { name: 'metrics-basic', kind: 'prometheus', url: 'http://127.0.0.1:9090', query: 'q', auth: { type: 'basic', username: 'u', password: 'env:PROM_PASSWORD' } },
        { name: 'dash', kind: 'browser', url: 'http://127.0.0.1/', incident_url: '/i', selectors: { status: '#s' }, login: { username_selector: '#u', password_selector: '#p', submit_selector: '#b', username: 'u', password: 'env:DASH_PASSWORD' } },
      ],
    });
    const secretFieldsInSchema = JSON.stringify(jsonSchemaFor('lab')).split('"Secret reference: env:NAME or file:PATH"').length - 1;
    expect(inventorySecretRefs(lab)).toHaveLength(secretFieldsInSchema);
  });

  it('resolves an inventory\'s secrets up front, skipping the ones that do not resolve', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaoslab-lab-secrets-'));
    try {
      await writeFile(join(dir, 'api-token'), 'file-token-4f7a9c\n');
      const lab = labSchema.parse({
        name: 'up-front',
        hosts: [{ name: 'lin', platform: 'linux', address: '192.0.2.1', transport: { kind: 'ssh', user: 'root', password: 'env:CHAOSLAB_UNSET_PASSWORD', insecure_host_key: true } }],
        observers: [{ name: 'api', kind: 'http', url: 'http://127.0.0.1/e', auth: { type: 'bearer', token: 'file:api-token' } }],
      });
      await labSecrets(lab, join(dir, 'lab.yaml'));
      expect(redact('Bearer file-token-4f7a9c')).toBe('Bearer [redacted]');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
