import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderJsonSchemas } from '../../harness/config/json-schema.js';

const SCHEMA_DIR = 'scenarios/schema';

async function committed(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(`${SCHEMA_DIR}/${name}`, 'utf8')) as Record<string, unknown>;
}

/** An independent validator (ajv), so the test checks the schema itself, not our loader again. */
async function validatorFor(kind: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(await committed(`${kind}.schema.json`));
}

describe('generated JSON Schema', () => {
  it('the committed files equal freshly generated ones (run `chaoslab schema` after changing a zod schema)', async () => {
    for (const [name, text] of Object.entries(renderJsonSchemas())) {
      expect(await readFile(`${SCHEMA_DIR}/${name}`, 'utf8'), name).toBe(text);
    }
  });

  it('a sample scenario that points its editor at the schema validates against that schema', async () => {
    const file = 'test/fixtures/config/catalogue/linux/lin-ssh-root-login.yaml';
    const text = await readFile(file, 'utf8');
    const pointer = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
    expect(pointer).toBeDefined();
    const schema = JSON.parse(await readFile(resolve(dirname(file), pointer!), 'utf8')) as Record<string, unknown>;
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('accepts every fixture of each kind, durations as strings or numbers', async () => {
    const cases: [string, string][] = [
      ['scenario', 'test/fixtures/config/catalogue/linux/lin-firewall.yaml'],
      ['scenario', 'test/fixtures/config/catalogue/windows/win-dc-firewall.yaml'],
      ['bundle', 'test/fixtures/config/catalogue/bundles/cascade.yaml'],
      ['suite', 'test/fixtures/config/catalogue/suites/full.yaml'],
      ['lab', 'test/fixtures/config/lab-mixed.yaml'],
    ];
    for (const [kind, file] of cases) {
      const validate = await validatorFor(kind);
      expect(validate(parse(await readFile(file, 'utf8'))), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const scenario = await validatorFor('scenario');
    const sample = parse(await readFile('test/fixtures/config/catalogue/linux/lin-firewall.yaml', 'utf8')) as Record<string, unknown>;
    expect(scenario({ ...sample, sla: 90 })).toBe(true);
  });

  it('rejects what the loader rejects: unknown keys, bad durations, inline secrets, a wrong enum', async () => {
    const scenario = await validatorFor('scenario');
    const sample = parse(await readFile('test/fixtures/config/catalogue/linux/lin-firewall.yaml', 'utf8')) as Record<string, unknown>;
    expect(scenario({ ...sample, windo: '5m' })).toBe(false);
    expect(scenario({ ...sample, sla: '90 seconds' })).toBe(false);
    expect(scenario({ ...sample, platform: 'mac' })).toBe(false);
    const lab = await validatorFor('lab');
    const inventory = parse(await readFile('test/fixtures/config/lab-mixed.yaml', 'utf8')) as { hosts: { transport: Record<string, unknown> }[] };
    inventory.hosts[2]!.transport.password = 'hunter2';
    expect(lab(inventory)).toBe(false);
  });
});
