import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type HealerEventKind = 'detected' | 'healed' | 'heal_failed' | 'escalated' | 'suppressed';

export interface HealerEvent {
  readonly id: string;
  readonly seq: number;
  /** ISO 8601 on the host's clock. */
  readonly at: string;
  /** The same instant in epoch ms, for cursors. */
  readonly ts: number;
  readonly host: string;
  readonly kind: HealerEventKind;
  readonly check_type: string;
  readonly rule_id: string;
  readonly runbook: string;
  readonly tier: string;
  readonly detail?: string;
  readonly duration_ms?: number;
}

export type EventInput = Omit<HealerEvent, 'id' | 'seq' | 'at' | 'ts' | 'host'>;

/**
 * The healer's event log: appended to a JSONL file (what a log observer tails),
 * kept in memory for `/events?since=`, and pushed to SSE subscribers.
 */
export class EventLog {
  private readonly events: HealerEvent[] = [];
  private readonly subscribers = new Set<(event: HealerEvent) => void>();
  private seq = 0;

  constructor(private readonly file: string, private readonly host: string, private readonly now: () => number = Date.now) {
    mkdirSync(dirname(file), { recursive: true });
  }

  emit(input: EventInput): HealerEvent {
    const ts = this.now();
    this.seq += 1;
    const event: HealerEvent = { id: `${this.host}-${ts}-${this.seq}`, seq: this.seq, at: new Date(ts).toISOString(), ts, host: this.host, ...input };
    this.events.push(event);
    appendFileSync(this.file, `${JSON.stringify(event)}\n`);
    for (const subscriber of this.subscribers) subscriber(event);
    return event;
  }

  /** Events strictly after `sinceMs` (epoch ms), oldest first. */
  since(sinceMs: number): HealerEvent[] {
    return this.events.filter((event) => event.ts > sinceMs);
  }

  afterSeq(seq: number): HealerEvent[] {
    return this.events.filter((event) => event.seq > seq);
  }

  subscribe(listener: (event: HealerEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  get count(): number {
    return this.events.length;
  }
}
