import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../harness/core/clock.js';
import { ObserverUnavailableError } from '../../harness/core/errors.js';
import { waitFor } from '../../harness/core/wait.js';
import { hostNameParameter, PostgresObserver } from '../../harness/observers/postgres.js';
import { startPostgres, type PostgresFixture } from '../support/postgres.js';
import { labHost, observerContext, parseObserver, startWatch, type RunningWatch } from '../support/observer-watch.js';

const SCHEMA = join(import.meta.dirname, '../../lab/examples/telemetry-schema.sql');
const host = labHost('lin-web-1', { aliases: ['lin-web-1.lab.example'] });
let db: PostgresFixture;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  db = await startPostgres();
  await db.sql(await readFile(SCHEMA, 'utf8'));
});
afterAll(async () => {
  await db?.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const BASE_CONFIG = {
  kind: 'postgres' as const,
  name: 'telemetry-db',
  url: 'env:TELEMETRY_DB_URL',
  query: `SELECT id, hostname, incident_type, runbook_id, success, resolution_level, completed_at, campaign_id, created_at
          FROM execution_telemetry
          WHERE created_at >= :cursor AND incident_type = :check_type
          ORDER BY created_at, id`,
  listen: 'execution_telemetry',
  poll_interval: '30s',
  rules: [
    { when: { success: true }, kind: 'claimed_healed' as const },
    { when: { success: false, resolution_level: 'L3' }, kind: 'escalated' as const },
    { when: { success: false }, kind: 'heal_failed' as const },
  ],
  fields: { host: 'hostname', check_type: 'incident_type', at: 'completed_at', runbook: 'runbook_id', tier: 'resolution_level', run_id: 'campaign_id', id: 'id' },
};

function observer(overrides: Record<string, unknown> = {}, url = db.url): PostgresObserver {
  const created = new PostgresObserver(parseObserver({ ...BASE_CONFIG, ...overrides }), observerContext({ env: { TELEMETRY_DB_URL: url } }));
  cleanups.push(() => created.close());
  return created;
}

function watch(target: PostgresObserver, since: number, checkType = 'firewall'): RunningWatch {
  const running = startWatch(target, { host, checkType, since, runId: 'campaign-7' });
  cleanups.push(() => running.stop());
  return running;
}

/** The stack's writer: a separate psql process inserting one telemetry row. */
async function insertTelemetry(row: { hostname?: string; success: boolean; level?: string; runbook?: string; completedAt: number; campaign?: string | null; checkType?: string }): Promise<void> {
  const sql = `INSERT INTO execution_telemetry (hostname, incident_type, runbook_id, success, resolution_level, started_at, completed_at, campaign_id)
               VALUES (:'host', :'check', :'runbook', :'success', :'level', to_timestamp(:'done' / 1000.0) - interval '2 seconds', to_timestamp(:'done' / 1000.0), NULLIF(:'campaign', ''))`;
  await psql([db.url, '-v', 'ON_ERROR_STOP=1', '-q', '-f', '-',
    '-v', `host=${row.hostname ?? 'lin-web-1'}`, '-v', `check=${row.checkType ?? 'firewall'}`, '-v', `runbook=${row.runbook ?? 'L1-LIN-FW-001'}`,
    '-v', `success=${row.success}`, '-v', `level=${row.level ?? 'L1'}`, '-v', `done=${row.completedAt}`, '-v', `campaign=${row.campaign ?? ''}`,
  ], sql);
}

function psql(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

describe('postgres observer', () => {
  it('turns telemetry rows into signals and rejects stale, foreign, duplicate and other-campaign rows', async () => {
    const since = Date.now();
    const running = watch(observer(), since);
    const t = (offset: number) => since + offset;
    await insertTelemetry({ success: true, completedAt: t(-3_600_000) }); // before the injection
    await insertTelemetry({ success: true, completedAt: t(1_000), hostname: 'lin-web-2' }); // the wrong VM
    await insertTelemetry({ success: true, completedAt: t(1_100), checkType: 'dns_config' }); // another check: filtered by the query
    await insertTelemetry({ success: false, level: 'L1', completedAt: t(2_000) });
    await insertTelemetry({ success: true, runbook: 'RB-WIN-SEC-007', completedAt: t(3_000) }); // the wrong runbook, recorded as claimed
    await insertTelemetry({ success: true, runbook: 'RB-WIN-SEC-007', completedAt: t(3_000) }); // the same report inserted twice
    await insertTelemetry({ success: true, completedAt: t(3_500), campaign: 'campaign-6' }); // an earlier campaign's row
    await insertTelemetry({ success: false, level: 'L3', completedAt: t(4_000) });
    await insertTelemetry({ success: true, completedAt: t(5_000), hostname: 'LIN-WEB-1.lab.example', campaign: 'campaign-7' });

    await running.until('every row judged', () => running.accepted.length + running.rejected.length >= 8, 10_000);
    expect(running.accepted.map((s) => [s.kind, s.at, s.runbook, s.tier])).toEqual([
      ['heal_failed', 2_000, 'L1-LIN-FW-001', 'L1'],
      ['claimed_healed', 3_000, 'RB-WIN-SEC-007', 'L1'],
      ['escalated', 4_000, 'L1-LIN-FW-001', 'L3'],
      ['claimed_healed', 5_000, 'L1-LIN-FW-001', 'L1'],
    ]);
    expect(running.rejected.map((r) => r.reason)).toEqual(['stale', 'other_host', 'duplicate', 'other_run']);
    expect(running.rejected[3]!.detail).toBe('event carries run id campaign-6, this run is campaign-7');
  });

  it('wakes on NOTIFY instead of waiting for the next poll', async () => {
    const since = Date.now();
    // its own check type, so rows of the other tests do not reach this watch
    const running = watch(observer({ poll_interval: '10m' }), since, 'audit');
    await insertTelemetry({ success: true, completedAt: since - 10, checkType: 'audit' }); // inside the tolerance: proves the first poll ran
    await running.until('first poll', () => running.accepted.length === 1, 10_000);
    const inserted = Date.now();
    await insertTelemetry({ success: false, level: 'L3', completedAt: Date.now(), checkType: 'audit' });
    await running.until('row delivered by NOTIFY', () => running.accepted.length === 2, 5_000);
    expect(Date.now() - inserted).toBeLessThan(5_000);
  });

  it('does not lose a NOTIFY that arrives while a poll query is still running', async () => {
    // The poll query waits on a row lock the test holds. Its snapshot is taken before it waits, so a row
    // committed meanwhile is invisible to it: only the NOTIFY, which lands mid-query, can bring it in time.
    await db.sql('CREATE TABLE IF NOT EXISTS poll_gate (id int PRIMARY KEY); INSERT INTO poll_gate VALUES (1) ON CONFLICT DO NOTHING');
    // its own check type, so rows of the other tests do not reach this watch
    const gate = await db.client();
    cleanups.push(() => gate.end());
    await gate.query('BEGIN');
    await gate.query('SELECT id FROM poll_gate FOR UPDATE');
    // an uncorrelated EXISTS is a one-time filter: it runs (and waits) before any telemetry row is read
    const gatedQuery = `SELECT id, hostname, incident_type, runbook_id, success, resolution_level, completed_at, campaign_id, created_at
                        FROM execution_telemetry
                        WHERE EXISTS (SELECT 1 FROM poll_gate FOR SHARE) AND created_at >= :cursor AND incident_type = :check_type
                        ORDER BY created_at, id`;
    const target = observer({ poll_interval: '10m', query: gatedQuery });
    const running = watch(target, Date.now(), 'logging');
    const blocked = async () => ((await db.sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [target.applicationName()])).rowCount ? true : undefined);
    await waitFor(blocked, { clock: systemClock, timeoutMs: 10_000, intervalMs: 20, description: 'the poll query waiting on the gate' });
    await insertTelemetry({ success: true, completedAt: Date.now(), checkType: 'logging' });
    await gate.query('ROLLBACK');
    // the gated query finds nothing; without the wake the next poll would be 10 minutes away
    await running.until('row delivered by the NOTIFY that came mid-query', () => running.accepted.length === 1, 10_000);
    expect(running.accepted[0]).toMatchObject({ kind: 'claimed_healed', checkType: 'logging' });
  });

  it('serves concurrent attempts on several hosts from one pool and one LISTEN connection', async () => {
    const shared = observer({ poll_interval: '200ms' });
    const since = Date.now();
    const hosts = ['lin-web-1', 'lin-web-2', 'lin-web-3'];
    const watches = hosts.map((name) => {
      const running = startWatch(shared, { host: labHost(name), checkType: 'cron', since, runId: 'campaign-7' });
      cleanups.push(() => running.stop());
      return running;
    });
    for (const name of hosts) await insertTelemetry({ hostname: name, success: true, completedAt: Date.now(), checkType: 'cron', runbook: `RB-${name}` });
    for (const running of watches) await running.until('its host\'s heal and the two others', () => running.outputs.length === 3, 10_000);
    expect(watches.map((running) => running.accepted.map((s) => s.runbook))).toEqual(hosts.map((name) => [`RB-${name}`]));
    expect(watches.map((running) => running.rejected.map((r) => r.reason))).toEqual(hosts.map(() => ['other_host', 'other_host']));
    const sessions = await db.sql('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [shared.applicationName()]);
    expect(sessions.rows[0].n).toBeGreaterThanOrEqual(2);
    expect(sessions.rows[0].n).toBeLessThanOrEqual(5);
  });

  it('is unavailable at once with a wrong password or a broken query', async () => {
    const wrongPassword = db.url.replace(db.password, 'not-the-password');
    const denied = watch(observer({}, wrongPassword), Date.now());
    await denied.done;
    expect(denied.error()).toBeInstanceOf(ObserverUnavailableError);
    expect(String(denied.error())).toMatch(/password authentication failed/);
    await expect(observer({}, wrongPassword).probe()).rejects.toThrow(/cannot reach the database: password authentication failed/);

    const badQuery = watch(observer({ query: 'SELECT * FROM no_such_table WHERE created_at >= :cursor', listen: undefined }), Date.now());
    await badQuery.done;
    expect(String(badQuery.error())).toMatch(/query refused: relation "no_such_table" does not exist/);
  });

  it('binds :host_names as written and lower-cased, so a column that keeps the stack\'s capitals matches (issue #25)', async () => {
    const since = Date.now();
    // inventory names are lower-case; aliases are written as the stack writes them
    const capitalised = labHost('lin-db-1', { aliases: ['LIN-DB-1.Lab.Example'] });
    expect(hostNameParameter(capitalised)).toEqual(['lin-db-1', 'LIN-DB-1.Lab.Example', 'lin-db-1.lab.example']);
    const target = observer({ query: 'SELECT * FROM execution_telemetry WHERE created_at >= :cursor AND hostname = ANY(:host_names) ORDER BY created_at, id' });
    const running = startWatch(target, { host: capitalised, checkType: 'firewall', since, runId: 'campaign-7' });
    cleanups.push(() => running.stop());
    await insertTelemetry({ success: true, completedAt: since + 1_000, hostname: 'LIN-DB-1.Lab.Example' });
    await running.until('the row written with capitals', () => running.accepted.length === 1, 10_000);
    expect(running.accepted[0]).toMatchObject({ kind: 'claimed_healed', host: 'LIN-DB-1.Lab.Example' });
  });

  it('a watch whose host-filtered query returned no rows at all says so in the evidence, naming the names it bound', async () => {
    const lonely = labHost('lonely-1', { aliases: ['Lonely-1'] });
    const target = observer({ query: 'SELECT * FROM execution_telemetry WHERE created_at >= :cursor AND upper(hostname) = ANY(:host_names) ORDER BY created_at, id', poll_interval: '200ms' });
    const running = startWatch(target, { host: lonely, checkType: 'firewall', since: Date.now(), runId: 'campaign-7' });
    cleanups.push(() => running.stop());
    await insertTelemetry({ success: true, completedAt: Date.now() + 100, hostname: 'Lonely-1' });
    // a poll has completed when the observer's session shows the query as its last one, and is idle
    const polled = async () => (await db.sql("SELECT 1 FROM pg_stat_activity WHERE application_name = 'chaoslab:telemetry-db' AND state = 'idle' AND query LIKE '%upper(hostname)%'")).rowCount;
    await waitFor(async () => ((await polled()) ? true : undefined), { clock: systemClock, timeoutMs: 10_000, intervalMs: 50, description: 'a completed poll' });
    await running.stop();
    expect(running.accepted).toEqual([]);
    expect(running.notes).toEqual([expect.stringMatching(/^the query returned no rows for lonely-1 in \d+ poll\(s\) \(:host_names = \["lonely-1","Lonely-1"\]\); if the stack reported on this host, the query's host filter matches none of these names$/)]);
  });

  it('doctor\'s coverage: a query that matches rows for no host of the lab says so; one row for one host is enough', async () => {
    const query = 'SELECT * FROM execution_telemetry WHERE created_at >= :cursor AND hostname = ANY(:host_names) ORDER BY created_at, id LIMIT 500';
    const hosts = [labHost('cov-1', { aliases: ['Cov-1'] }), labHost('cov-2')];
    const target = observer({ query });
    expect(await target.coverage(hosts)).toBe('the query matches no row for any of the lab\'s 2 host(s), from the start of the table: if the stack has reported on them, its host filter matches none of their names (:host_names for cov-1 is ["cov-1","Cov-1"])');
    await insertTelemetry({ success: true, completedAt: Date.now(), hostname: 'COV-2' });
    expect(await target.coverage(hosts)).toMatch(/matches no row for any/);
    await insertTelemetry({ success: true, completedAt: Date.now(), hostname: 'Cov-1' });
    expect(await target.coverage(hosts)).toBeUndefined();
    // a query that also needs a scenario's check type cannot be counted: nothing is said
    expect(await observer().coverage(hosts)).toBeUndefined();
  });

  it('refuses an unknown named parameter when the observer is created', () => {
    expect(() => observer({ query: 'SELECT 1 WHERE :hostname IS NULL' })).toThrow(/unknown parameter :hostname \(known: :host, :host_names/);
  });

  it('is unavailable promptly when the database is down', async () => {
    const other = await startPostgres();
    const url = other.url;
    await other.close();
    const started = Date.now();
    const refused = watch(observer({ listen: undefined }, url), Date.now());
    await refused.done;
    expect(refused.error()).toBeInstanceOf(ObserverUnavailableError);
    expect(String(refused.error())).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
