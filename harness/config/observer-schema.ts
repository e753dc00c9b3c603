import { z } from 'zod';
import { duration, identifier, secretRef } from './fields.js';

/** Event kinds chaoslab understands from any healing stack. */
export const signalKind = z.enum(['detected', 'claimed_healed', 'heal_failed', 'escalated', 'suppressed']);

/**
 * How a stack's record maps onto a chaoslab signal. Each value is a field path
 * into the record (JSON path like `details.hostname` or a column name).
 */
export const fieldMap = z.strictObject({
  kind: z.string().default('kind'),
  at: z.string().default('at'),
  host: z.string().default('host'),
  check_type: z.string().default('check_type'),
  runbook: z.string().optional(),
  tier: z.string().optional(),
  run_id: z.string().optional(),
  id: z.string().optional(),
  /** The healer's own words (why a heal failed, what it did); default: the first text field of message, detail, error_message, error, reason, msg. */
  message: z.string().optional(),
  /**
   * Not a path: the check type of a record that has none at `check_type`.
   * `*` makes such records host-wide (a convergence run's summary names no check).
   */
  check_type_default: z.string().min(1).optional(),
});

/** Maps the stack's own kind values (e.g. `healed`, `L3 ESCALATION`) to chaoslab kinds. */
export const kindMap = z.record(z.string(), signalKind);

const observerBase = {
  name: identifier,
  fields: fieldMap.prefault({}),
  kinds: kindMap.default({}),
  /**
   * Aliases the stack uses for check types, stack name → scenario check_type;
   * `*` makes the name host-wide (a convergence run's summary: it may be about any drift on the host).
   */
  check_type_aliases: z.record(z.string(), z.string()).default({}),
  /**
   * How long after the SLA a claim stamped inside it may still reach chaoslab
   * and count as on time. Default: 1s, plus the poll interval for kinds that poll.
   */
  delivery_allowance: duration.optional(),
};

export const logObserverSchema = z.strictObject({
  ...observerBase,
  kind: z.literal('log'),
  /** Host whose file is tailed; `$target` (default) means the attempt's target host. */
  host: z.string().default('$target'),
  path: z.string().min(1),
  format: z.enum(['jsonl', 'regex']).default('jsonl'),
  /** For format regex: named groups kind, at, host, check_type, runbook, tier. */
  pattern: z.string().optional(),
});

/** Credentials of an HTTP API, as `env:`/`file:` references. */
const httpAuth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), token: secretRef }),
  z.strictObject({ type: z.literal('basic'), username: z.string(), password: secretRef }),
]);
export const reportFileObserverSchema = z.strictObject({
  ...observerBase,
  kind: z.literal('report-file'),
  /** Host whose file is read; `$target` (default) means the attempt's target host. */
  host: z.string().default('$target'),
  /** A structured report the stack rewrites whole (e.g. after every run). */
  path: z.string().min(1),
  format: z.enum(['yaml', 'json']).default('yaml'),
  /**
   * Path of the event records in the document; `*` takes every value of a
   * mapping or list (`resource_statuses.*.events[*]`). Field paths may start with
   * `$parent.` (the object holding the list or mapping a record came from) or
   * `$root.` (the document); `$key` is a record's key in a mapping.
   */
  events: z.string().min(1),
  /** How often the file is checked for a new version. */
  poll_interval: duration.default(1000),
  /**
   * Field paths → kind rules, tried in order; the first whose every value matches
   * decides. `ignore` means the record is no signal (e.g. a change the policy made on
   * purpose). Without a matching rule the `fields.kind` value is mapped by `kinds`.
   */
  rules: z
    .array(z.strictObject({ when: z.record(z.string(), z.unknown()), kind: z.union([signalKind, z.literal('ignore')]) }))
    .default([]),
});

export const httpObserverSchema = z.strictObject({
  ...observerBase,
  kind: z.literal('http'),
  url: z.string().url(),
  mode: z.enum(['poll', 'sse']).default('poll'),
  /** JSON path of the array of events in a poll response (empty: the body is the array). */
  items: z.string().default(''),
  since_param: z.string().default('since'),
  /** How the `since` cursor is written when it is an event time (not the body's `cursor`). */
  since_format: z.enum(['iso', 'epoch_ms', 'epoch_s']).default('iso'),
  /** JSON path of the cursor to send next time; default: the newest event's `at`. */
  cursor: z.string().optional(),
  poll_interval: duration.default(1000),
  auth: httpAuth.optional(),
  timeout: duration.default(5000),
});

export const postgresObserverSchema = z.strictObject({
  ...observerBase,
  kind: z.literal('postgres'),
  url: secretRef,
  /** Parameterised SQL with :host, :check_type, :since, :run_id, :cursor placeholders. */
  query: z.string().min(1),
  poll_interval: duration.default(1000),
  listen: z.string().optional().meta({ description: 'LISTEN channel that signals new rows' }),
  /** Column → kind rules evaluated in order, e.g. {when: {success: true}, kind: claimed_healed}. */
  rules: z
    .array(z.strictObject({ when: z.record(z.string(), z.unknown()), kind: signalKind }))
    .default([]),
  cursor_column: z.string().default('created_at'),
});

export const webhookObserverSchema = z
  .strictObject({
    ...observerBase,
    kind: z.literal('webhook'),
    listen: z.strictObject({ host: z.literal('127.0.0.1').default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(0) }).prefault({}),
    path: z.string().default('/chaoslab/events'),
    /** Standard Webhooks signing secret: whsec_<base64 key>, or any string (its UTF-8 bytes are the key). */
    secret: secretRef.optional(),
    signature_header: z.string().default('webhook-signature'),
    insecure_unsigned: z.boolean().default(false).meta({ description: 'Lab only: accept unsigned events (any local process can post a heal); validate warns and every report shows it' }),
  })
  .refine((c) => c.secret !== undefined || c.insecure_unsigned, {
    message: 'needs `secret` (requests are signed, Standard Webhooks scheme), or `insecure_unsigned: true` to accept unsigned events in a lab',
    path: ['secret'],
  });

export const browserObserverSchema = z.strictObject({
  ...observerBase,
  kind: z.literal('browser'),
  url: z.string().url(),
  login: z
    .strictObject({
      url: z.string().url().optional(),
      username_selector: z.string(),
      password_selector: z.string(),
      submit_selector: z.string(),
      username: z.string(),
      password: secretRef,
      success_selector: z.string().optional(),
    })
    .optional(),
  /** URL of the incident view; {host} and {check_type} are URL-encoded into it. */
  incident_url: z.string(),
  selectors: z.strictObject({
    status: z.string(),
    tier: z.string().optional(),
    runbook: z.string().optional(),
    updated_at: z.string().optional(),
    /** When the page shows them: the host and check type as the dashboard names them (else the attempt's). */
    host: z.string().optional(),
    check_type: z.string().optional(),
  }),
  /**
   * reload: every reading loads the incident view again (pages that show a snapshot);
   * live: the view is loaded once and re-read whenever its DOM changes (pages that update themselves).
   */
  mode: z.enum(['reload', 'live']).default('reload'),
  /** reload: a page load each; live: a re-read at least this often, besides one on every DOM change. */
  poll_interval: duration.default(2000),
  /** live: load the view again this often anyway, in case the page's own updates stopped. */
  reload_interval: duration.default(60_000),
  /** Limit for each navigation and selector wait. */
  timeout: duration.default(10_000),
  executable_path: z.string().default('/usr/bin/chromium'),
});

/**
 * A stack that exposes counters (e.g. `remediations_total{host,check,result}`)
 * instead of events: each increase of a series returned by the PromQL query
 * after the injection is one signal. `fields` name the labels that carry the
 * host, check type, kind (its values mapped by `kinds`), runbook and tier.
 */
export const prometheusObserverSchema = z.strictObject({
  ...observerBase,
  kind: z.literal('prometheus'),
  url: z.string().url().meta({ description: 'Base URL of the Prometheus HTTP API, e.g. http://127.0.0.1:9090' }),
  query: z.string().min(1).meta({ description: 'PromQL instant-vector query of counters' }),
  /** The signal of series that have no kind label (e.g. a `remediations_succeeded_total` counter). */
  default_signal: signalKind.optional(),
  poll_interval: duration.default(1000),
  auth: httpAuth.optional(),
  timeout: duration.default(5000),
});

export const observerSchema = z.discriminatedUnion('kind', [
  logObserverSchema,
  reportFileObserverSchema,
  httpObserverSchema,
  postgresObserverSchema,
  webhookObserverSchema,
  browserObserverSchema,
  prometheusObserverSchema,
]);
export type ObserverConfig = z.infer<typeof observerSchema>;
export type ObserverKind = ObserverConfig['kind'];
export type ObserverConfigOf<K extends ObserverKind> = Extract<ObserverConfig, { kind: K }>;
