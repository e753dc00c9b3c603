import pg from 'pg';
import type { ObserverConfigOf } from '../config/observer-schema.js';
import { errorMessage, ObserverUnavailableError } from '../core/errors.js';
import type { HostConfig } from '../config/lab-schema.js';
import { hostNames } from './correlate.js';
import { mapRecord } from './fields.js';
import type { Observer, ObserverContext, ObserverOutput, WatchRequest } from './observer.js';
import { compileQuery, quoteIdentifier, ruleKind, type CompiledQuery, type QueryParameter } from './postgres-query.js';
import { Reconnector, Waker } from './retry.js';

type PostgresConfig = ObserverConfigOf<'postgres'>;

/** How far before the skew-corrected injection time the first query reaches back, so edge rows are judged, not missed. */
const CURSOR_LEAD_MS = 5_000;

/** SQLSTATE classes that no retry fixes: bad credentials (28), missing database (3D), a wrong query (42). */
function isPermanent(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(28|3D|42)/.test(code);
}

/**
 * `:host_names`: every name of the host as the inventory writes it, then
 * lower-cased. The stack's column may keep capitals (`Web-1`) or not; binding only
 * the lower-cased names made `hostname = ANY(:host_names)` match nothing, silently.
 */
export function hostNameParameter(host: HostConfig): string[] {
  const written = [host.name, ...host.aliases];
  if (host.address && host.address !== '127.0.0.1' && host.address !== 'localhost') written.push(host.address);
  return [...new Set([...written.map((name) => name.trim()), ...hostNames(host)])];
}

type QueryFor = Pick<WatchRequest, 'host' | 'checkType' | 'since' | 'skewMs' | 'runId'>;

/**
 * The `postgres` observer: runs the inventory's parameterised query on a
 * poll interval, from a cursor column, and wakes at once on LISTEN/NOTIFY.
 * One pool (and one LISTEN connection) per observer serves every attempt.
 * Rows become events through `rules` (column values → kind) and `fields`.
 */
export class PostgresObserver implements Observer {
  readonly kind = 'postgres';
  readonly name: string;
  private readonly query: CompiledQuery;
  private readonly waker = new Waker();
  private pool: pg.Pool | undefined;
  private listener: Promise<pg.Client> | undefined;
  private closed = false;

  constructor(private readonly config: PostgresConfig, private readonly context: ObserverContext) {
    this.name = config.name;
    this.query = compileQuery(config.name, config.query);
  }

  /** Shown in pg_stat_activity, so the stack's DBAs can tell chaoslab's read-only sessions apart. */
  applicationName(): string {
    return `chaoslab:${this.name}`;
  }

  private async connectionUrl(): Promise<string> {
    try {
      return await this.context.resolveSecret(this.config.url);
    } catch (error) {
      throw new ObserverUnavailableError(this.name, `cannot resolve its connection URL: ${errorMessage(error)}`, { cause: error });
    }
  }

  private async connection(): Promise<pg.Pool> {
    if (this.pool) return this.pool;
    const url = await this.connectionUrl();
    // a second caller may have created it while the secret was resolved
    if (!this.pool) {
      const pool = new pg.Pool({ connectionString: url, application_name: this.applicationName(), max: 4, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
      pool.on('error', (error) => this.context.logger.warn({ observer: this.name, err: error.message }, 'idle postgres connection failed'));
      this.pool = pool;
    }
    return this.pool;
  }

  /** One LISTEN connection for the observer; a notification wakes every watch's poll. */
  private listen(): Promise<pg.Client> | undefined {
    const channel = this.config.listen;
    if (channel === undefined || this.closed) return undefined;
    this.listener ??= (async () => {
      const client = new pg.Client({ connectionString: await this.connectionUrl(), application_name: this.applicationName(), connectionTimeoutMillis: 5_000 });
      const forget = (error?: Error) => {
        if (error) this.context.logger.warn({ observer: this.name, err: error.message }, 'LISTEN connection lost; polling until it is back');
        this.listener = undefined;
        client.end().catch(() => undefined);
      };
      client.on('notification', () => this.waker.wake());
      client.on('error', forget);
      try {
        await client.connect();
        await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (error) {
        forget();
        throw error;
      }
      return client;
    })();
    return this.listener;
  }

  private parameters(request: QueryFor, cursor: unknown): unknown[] {
    const values: Record<QueryParameter, unknown> = {
      host: request.host.name,
      host_names: hostNameParameter(request.host),
      check_type: request.checkType,
      since: new Date(request.since + request.skewMs),
      run_id: request.runId,
      cursor,
    };
    return this.query.order.map((name) => values[name]);
  }

  /** A row as an event: the rules decide the kind, `fields` name the columns. */
  mapRow(row: Record<string, unknown>): ObserverOutput {
    const kind = ruleKind(this.config.rules, row);
    return mapRecord(row, { source: this.name, fields: this.config.fields, kinds: this.config.kinds, ...(kind && { kind }) });
  }

  async *watch(request: WatchRequest): AsyncIterable<ObserverOutput> {
    const pool = await this.connection();
    const reconnector = new Reconnector(this.name, this.context.clock);
    const cursor: unknown = new Date(request.since + request.skewMs - CURSOR_LEAD_MS);
    // rows at the cursor come back on the next poll (the query uses >=); they are not new records
    const delivered = new Set<string>();
    const seen = { polls: 0, rows: 0 };
    try {
      yield* this.poll(request, pool, reconnector, cursor, delivered, seen);
    } finally {
      const filtersHosts = this.query.order.includes('host') || this.query.order.includes('host_names');
      if (filtersHosts && seen.polls > 0 && seen.rows === 0) {
        request.note?.(`the query returned no rows for ${request.host.name} in ${seen.polls} poll(s) (:host_names = ${JSON.stringify(hostNameParameter(request.host))}); if the stack reported on this host, the query's host filter matches none of these names`);
      }
    }
  }

  private async *poll(request: WatchRequest, pool: pg.Pool, reconnector: Reconnector, start: unknown, delivered: Set<string>, seen: { polls: number; rows: number }): AsyncIterable<ObserverOutput> {
    let cursor = start;
    while (!request.signal.aborted) {
      // polls start every poll_interval (not poll_interval after the previous one ended)
      const started = this.context.clock.now();
      // a NOTIFY for a row committed after this query's snapshot still cuts the next sleep short
      const mark = this.waker.mark();
      try {
        await this.listen()?.catch((error: unknown) => {
          if (isPermanent(error)) throw error;
        });
        const result = await pool.query<Record<string, unknown>>(this.query.text, this.parameters(request, cursor));
        reconnector.succeeded();
        seen.polls += 1;
        seen.rows += result.rows.length;
        for (const row of result.rows) {
          const value = row[this.config.cursor_column];
          if (value !== undefined && value !== null) cursor = value;
          const key = JSON.stringify(row);
          if (delivered.has(key)) continue;
          delivered.add(key);
          yield this.mapRow(row);
        }
      } catch (error) {
        if (request.signal.aborted) return;
        if (error instanceof ObserverUnavailableError) throw error;
        if (isPermanent(error)) throw new ObserverUnavailableError(this.name, `query refused: ${errorMessage(error)}`, { cause: error });
        this.context.logger.warn({ observer: this.name, err: errorMessage(error) }, 'postgres poll failed; retrying from the same cursor');
        try {
          await reconnector.failed(error, request.signal);
        } catch (failure) {
          if (request.signal.aborted) return;
          throw failure;
        }
        continue;
      }
      try {
        await this.waker.sleep(this.context.clock, this.config.poll_interval - (this.context.clock.now() - started), request.signal, mark);
      } catch (error) {
        if (!request.signal.aborted) throw error;
      }
    }
  }

  /**
   * Rows the query matches per host of the lab, from the start of the table. A
   * query that also filters on :check_type or :run_id cannot be counted without a
   * scenario: then nothing is said.
   */
  async coverage(hosts: readonly HostConfig[]): Promise<string | undefined> {
    const order = this.query.order;
    if (hosts.length === 0 || !(order.includes('host') || order.includes('host_names')) || order.includes('check_type') || order.includes('run_id')) return undefined;
    const pool = await this.connection();
    const counted = `SELECT count(*)::int AS n FROM (${this.query.text.replace(/;\s*$/, '')}) AS chaoslab_rows`;
    let matched = 0;
    for (const host of hosts) {
      const result = await pool.query<{ n: number }>(counted, this.parameters({ host, checkType: '', since: 0, skewMs: 0, runId: '' }, new Date(0)));
      if ((result.rows[0]?.n ?? 0) > 0) matched += 1;
    }
    if (matched > 0) return undefined;
    const example = hostNameParameter(hosts[0]!);
    return `the query matches no row for any of the lab's ${hosts.length} host(s), from the start of the table: if the stack has reported on them, its host filter matches none of their names (:host_names for ${hosts[0]!.name} is ${JSON.stringify(example)})`;
  }

  async probe(): Promise<void> {
    try {
      await (await this.connection()).query('SELECT 1');
    } catch (error) {
      if (error instanceof ObserverUnavailableError) throw error;
      throw new ObserverUnavailableError(this.name, `cannot reach the database: ${errorMessage(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waker.wake();
    const listener = this.listener;
    this.listener = undefined;
    const pool = this.pool;
    this.pool = undefined;
    await listener?.then((client) => client.end()).catch(() => undefined);
    await pool?.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
