import { appendFileSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A small real healing agent for engine tests and the observe-lag benchmark.
 * It runs as its own process (`node --import tsx test/support/file-healer.ts
 * <config.json>`), watches files, repairs them according to each rule's
 * behaviour and appends JSONL events `{at, kind, host, check_type, runbook, tier}`
 * that chaoslab's `log` observer tails over SSH. It writes `ready` to stdout
 * once it watches everything.
 */
export type HealerBehaviour = 'heal' | 'heal-late' | 'claim-without-fix' | 'fix-without-claim' | 'flap' | 'escalate' | 'ignore';

export interface HealerRule {
  /** The watched file; drifted whenever its content differs from `baseline` (or it is missing). */
  readonly file: string;
  readonly baseline: string;
  readonly checkType: string;
  readonly behaviour: HealerBehaviour;
  readonly runbook?: string;
  readonly tier?: string;
  /** Delay between noticing the drift and acting (heal-late: longer than the scenario's SLA). */
  readonly delayMs?: number;
  /** flap: how long after the heal the drift comes back (once). */
  readonly flapAfterMs?: number;
}

export interface HealerConfig {
  readonly host: string;
  readonly log: string;
  readonly rules: readonly HealerRule[];
  /** Fallback scan besides file-system notifications. */
  readonly scanIntervalMs?: number;
  /** Log lines without the host, as most agents' local logs are (the host is implied). */
  readonly omitHost?: boolean;
}

type EventKind = 'detected' | 'healed' | 'escalated' | 'heal_failed' | 'suppressed';

class RuleState {
  /** Set while a drift episode is being handled; cleared once the file is back at baseline. */
  handling = false;
  flapsLeft = 1;

  constructor(readonly rule: HealerRule) {}
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export class FileHealer {
  private readonly states: RuleState[];
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly config: HealerConfig) {
    this.states = config.rules.map((rule) => new RuleState(rule));
  }

  start(): void {
    for (const dir of new Set(this.config.rules.map((r) => dirname(r.file)))) {
      this.watchers.push(watch(dir, () => this.scan()));
    }
    this.timer = setInterval(() => this.scan(), this.config.scanIntervalMs ?? 200);
    this.scan();
  }

  stop(): void {
    for (const watcher of this.watchers) watcher.close();
    clearInterval(this.timer);
  }

  private log(state: RuleState, kind: EventKind, tier = state.rule.tier): void {
    const { rule } = state;
    const event = { at: Date.now(), kind, ...(!this.config.omitHost && { host: this.config.host }), check_type: rule.checkType, ...(rule.runbook && { runbook: rule.runbook }), ...(tier && { tier }) };
    appendFileSync(this.config.log, `${JSON.stringify(event)}\n`);
  }

  private scan(): void {
    for (const state of this.states) {
      const drifted = read(state.rule.file) !== state.rule.baseline;
      if (!drifted) state.handling = false;
      else if (!state.handling) {
        state.handling = true;
        this.react(state);
      }
    }
  }

  private fix(state: RuleState): void {
    writeFileSync(state.rule.file, state.rule.baseline);
  }

  private react(state: RuleState): void {
    const { rule } = state;
    const later = (fn: () => void) => setTimeout(fn, rule.delayMs ?? 0);
    switch (rule.behaviour) {
      case 'heal':
      case 'heal-late':
        this.log(state, 'detected');
        later(() => {
          this.fix(state);
          this.log(state, 'healed');
        });
        break;
      case 'claim-without-fix':
        this.log(state, 'detected');
        later(() => this.log(state, 'healed'));
        break;
      case 'fix-without-claim':
        later(() => this.fix(state));
        break;
      case 'flap':
        this.log(state, 'detected');
        later(() => {
          const drifted = read(rule.file) ?? '';
          this.fix(state);
          this.log(state, 'healed');
          if (state.flapsLeft > 0) {
            state.flapsLeft -= 1;
            // the drift comes back (a policy re-applies it), and is healed again on the next scan
            setTimeout(() => writeFileSync(rule.file, drifted), rule.flapAfterMs ?? 500);
          }
        });
        break;
      case 'escalate':
        this.log(state, 'detected');
        later(() => this.log(state, 'escalated', 'L3'));
        break;
      case 'ignore':
        break;
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1]) && process.argv[2]) {
  const config = JSON.parse(readFileSync(process.argv[2], 'utf8')) as HealerConfig;
  const healer = new FileHealer(config);
  healer.start();
  process.stdout.write('ready\n');
  const stop = () => {
    healer.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
