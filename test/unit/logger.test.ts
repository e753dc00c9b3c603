import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretResolver } from '../../harness/config/secrets.js';
import { createLogger } from '../../harness/core/logger.js';
import { tempDir } from '../support/tmp.js';

/** chaoslab.log: every line passes the same redaction as the event log, through pino's streamWrite hook. */
describe('logger redaction', () => {
  it('hides secrets in messages, error text and bindings, escaped or not, even when resolved after the logger was made', async () => {
    await using dir = await tempDir('chaoslab-logger-');
    const file = join(dir.path, 'chaoslab.log');
    const logger = createLogger(file);
    const token = 'to"k\\en\nline-two-of-the-token';
    const password = '31337';
    const resolver = new SecretResolver(dir.path, { API_TOKEN: token, PIN: password });
    await resolver.resolve('env:API_TOKEN');

    const child = logger.child({ host: 'web1', banner: `login as ${token}` });
    child.warn({ err: new Error(`Headers.append: "Bearer ${token}" is an invalid header value.`), stderr: `API_TOKEN=${token}` }, `remote said ${token}`);
    await resolver.resolve('env:PIN');
    child.info({ attempts: 31337, detail: `pin ${password} refused` }, 'later');

    const text = await readFile(file, 'utf8');
    for (const form of [token, JSON.stringify(token).slice(1, -1), 'line-two-of-the-token', `pin ${password}`]) expect(text).not.toContain(form);
    const [first, second] = text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ host: 'web1', banner: 'login as [redacted]', stderr: 'API_TOKEN=[redacted]', msg: 'remote said [redacted]' });
    expect(first!.err).toMatchObject({ message: 'Headers.append: "Bearer [redacted]" is an invalid header value.' });
    expect(String((first!.err as { stack: string }).stack)).not.toContain('line-two');
    // a secret that looks like a number leaves numbers, and the line's JSON, intact
    expect(second).toMatchObject({ attempts: 31337, detail: 'pin [redacted] refused', msg: 'later' });
  });

  it('still censors the keys pino knows by name', async () => {
    await using dir = await tempDir('chaoslab-logger-');
    const file = join(dir.path, 'chaoslab.log');
    createLogger(file).info({ config: { password: 'never-resolved-value' } }, 'loaded');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ config: { password: '[redacted]' } });
  });
});
