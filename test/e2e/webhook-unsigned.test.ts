import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../harness/events/fold.js';
import { asEvents } from '../fixtures/runs/residue.js';
import { runCli } from '../support/engine-cli.js';
import { tempDir } from '../support/tmp.js';

const LAB = (webhook: string) => `kind: lab
name: webhook-lab
hosts:
  - name: web-1
    platform: linux
    roles: [web]
    address: 10.0.0.5
    transport: { kind: ssh, user: root, key: "env:LAB_KEY", insecure_host_key: true }
observers:
  - name: stack-hook
    kind: webhook
${webhook}
`;

/** An unsigned webhook is a choice a user must make explicitly, and one every output shows. */
describe('webhook observers without a secret', () => {
  it('validate refuses a webhook without a secret (exit 2), and warns about insecure_unsigned: true (exit 0)', async () => {
    await using dir = await tempDir();
    const missing = join(dir.path, 'missing.yaml');
    await writeFile(missing, LAB('    path: /hook'));
    const refused = await runCli(['validate', 'test/fixtures/config/steps-only', '--lab', missing], { cwd: process.cwd() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${missing}:10:5 observers[0].secret: needs \`secret\` (requests are signed, Standard Webhooks scheme), or \`insecure_unsigned: true\``);

    const unsigned = join(dir.path, 'unsigned.yaml');
    await writeFile(unsigned, LAB('    insecure_unsigned: true'));
    const warned = await runCli(['validate', 'test/fixtures/config/steps-only', '--lab', unsigned], { cwd: process.cwd(), env: { LAB_KEY: 'not-a-real-key' } });
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout).toContain(`warning: ${unsigned}:12:24 observers[0].insecure_unsigned: webhook observer stack-hook accepts unsigned events`);
  });

  it('validate refuses an empty or trivially weak signing secret (exit 2, file:line, what is expected), and takes a strong one', async () => {
    await using dir = await tempDir();
    const lab = join(dir.path, 'lab.yaml');
    await writeFile(lab, LAB('    secret: file:hook-secret'));
    const validate = async (secret: string) => {
      await writeFile(join(dir.path, 'hook-secret'), secret);
      return runCli(['validate', 'test/fixtures/config/steps-only', '--lab', lab], { cwd: process.cwd(), env: { LAB_KEY: 'not-a-real-key' } });
    };
    const empty = await validate('');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`${lab}:12:13 observers[0].secret: secret file:hook-secret is empty: expected whsec_ and the base64 of at least 24 random bytes`);
    const weak = await validate('whsec_QQ==\n');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain(`${lab}:12:13 observers[0].secret: secret file:hook-secret is a key of 1 byte: expected whsec_`);
    const strong = await validate(`whsec_${Buffer.from('k7Q2#fZ9!mW4@pL8^rT1&vX6*yB3%nD5').toString('base64')}\n`);
    expect(strong.code, strong.stderr).toBe(0);
  });

  it('the run model carries the unsigned webhooks from the run_started event', () => {
    const model = foldEvents(asEvents([{ type: 'run_started', lab: 'l', argv: [], hosts: [], chaoslabVersion: 't', unsignedWebhooks: ['stack-hook'] }]));
    expect(model.unsignedWebhooks).toEqual(['stack-hook']);
    expect(foldEvents(asEvents([{ type: 'run_started', lab: 'l', argv: [], hosts: [], chaoslabVersion: 't' }]))).not.toHaveProperty('unsignedWebhooks');
  });
});
