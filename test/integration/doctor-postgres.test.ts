import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runDoctorCommand } from '../../harness/cli/commands/doctor.js';
import type { DoctorReport } from '../../harness/engine/doctor.js';
import { freePort } from '../support/ports.js';
import { startPostgres, type PostgresFixture } from '../support/postgres.js';
import { CONTROLLER_HOST_LINES } from '../support/sshd.js';
import { tempDir } from '../support/tmp.js';

/**
 * `chaoslab doctor` on a lab whose postgres observer filters on host names (issue #25):
 * a filter that matches no host is a warning in the observer's row, against a real
 * PostgreSQL. The lab's one host is unreachable on purpose (a closed port): doctor
 * still checks every observer.
 */
let db: PostgresFixture;
beforeAll(async () => {
  db = await startPostgres();
  await db.sql('CREATE TABLE heals (hostname text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
});
afterAll(async () => {
  await db?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.CHAOSLAB_DOCTOR_PG;
  delete process.env.CHAOSLAB_DOCTOR_PASSWORD;
});

async function doctorObserverRow(): Promise<{ ok: boolean; detail: string }> {
  await using dir = await tempDir('doctor-pg-');
  const file = join(dir.path, 'lab.yaml');
  await writeFile(file, `kind: lab
name: doctor-pg
hosts:
  - name: db-1
    platform: linux
    aliases: [DB-1.Lab.Example]
${CONTROLLER_HOST_LINES.join('\n')}
    transport: { kind: ssh, port: ${await freePort()}, user: root, password: env:CHAOSLAB_DOCTOR_PASSWORD, insecure_host_key: true }
observers:
  - name: telemetry
    kind: postgres
    url: env:CHAOSLAB_DOCTOR_PG
    query: SELECT hostname, created_at FROM heals WHERE created_at >= :cursor AND hostname = ANY(:host_names) ORDER BY created_at
    fields: { host: hostname, at: created_at }
`);
  process.env.CHAOSLAB_DOCTOR_PG = db.url;
  process.env.CHAOSLAB_DOCTOR_PASSWORD = 'unused';
  const output: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (output.push(String(chunk)), true));
  await runDoctorCommand({ lab: file, json: true });
  const report = JSON.parse(output.join('')) as DoctorReport;
  const row = report.checks.find((check) => check.subject === 'telemetry')!;
  return { ok: row.ok, detail: row.detail };
}

describe('chaoslab doctor and a postgres observer that sees no host', () => {
  it('warns when the query matches rows for no host of the lab, and not once a row matches a name as written', async () => {
    await db.sql("INSERT INTO heals (hostname) VALUES ('DB-1.LAB.EXAMPLE')");
    const none = await doctorObserverRow();
    expect(none).toEqual({
      ok: true,
      detail: 'postgres reachable; WARNING: the query matches no row for any of the lab\'s 1 host(s), from the start of the table: if the stack has reported on them, its host filter matches none of their names (:host_names for db-1 is ["db-1","DB-1.Lab.Example","db-1.lab.example"])',
    });
    await db.sql("INSERT INTO heals (hostname) VALUES ('DB-1.Lab.Example')");
    expect(await doctorObserverRow()).toEqual({ ok: true, detail: 'postgres reachable' });
  });
});
