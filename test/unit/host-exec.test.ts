import { describe, expect, it } from 'vitest';
import { TransportError } from '../../harness/core/errors.js';
import { execRecorded, hostLoss, HostExec, transportLost } from '../../harness/engine/host-exec.js';
import type { ExecOptions, ExecResult, Transport } from '../../harness/transport/transport.js';
import { MemorySink } from '../support/engine-scripted.js';
import { ManualClock } from '../support/manual-clock.js';

/** A transport that answers every command with `answer`, takes `takesMs` of the clock, and remembers the options it was given. */
class AnsweringTransport implements Pick<Transport, 'host' | 'shell' | 'exec' | 'probe'> {
  readonly host = 'web1';
  readonly shell = 'posix' as const;
  readonly options: ExecOptions[] = [];

  constructor(private readonly clock: ManualClock, private readonly answer: ExecResult | Error, private readonly takesMs = 0) {}

  async exec(_command: string, options: ExecOptions): Promise<ExecResult> {
    this.options.push(options);
    await this.clock.advance(this.takesMs);
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }

  readonly probes: unknown[] = [];

  async probe(options?: unknown): Promise<void> {
    this.probes.push(options);
    if (this.answer instanceof Error) throw this.answer;
  }
}

function setup(answer: ExecResult | Error, takesMs = 0) {
  const clock = new ManualClock();
  const sink = new MemorySink(clock);
  const transport = new AnsweringTransport(clock, answer, takesMs);
  const exec = new HostExec({ transport: transport as unknown as Transport, recorder: { sink, elapsed: () => clock.now() }, timeoutMs: 30_000, attemptId: 'a@web1#1' });
  return { clock, sink, transport, exec };
}

const ok: ExecResult = { stdout: 'fine\n', stderr: '', exitCode: 0, durationMs: 12.6 };

describe('HostExec: an attempt\'s commands on its host, each one evidence', () => {
  it('runs with the scenario\'s timeout and records the command under the attempt, at the run time it was sent', async () => {
    const { exec, sink, transport, clock } = setup(ok, 40);
    await clock.advance(500);
    await expect(exec.run('inject', 'chmod 777 /etc/app.conf')).resolves.toBe(ok);
    // an inject is never re-run across a reconnect: not read-only
    expect(transport.options).toEqual([{ timeoutMs: 30_000, readOnly: false }]);
    expect(sink.ofType('command')).toEqual([
      expect.objectContaining({ type: 'command', attemptId: 'a@web1#1', step: 'inject', host: 'web1', command: 'chmod 777 /etc/app.conf', exitCode: 0, stdout: 'fine\n', stderr: '', durationMs: 13, at: 500 }),
    ]);
    expect(sink.ofType('command')[0]).not.toHaveProperty('error');
  });

  it('passes the abort signal on, and records nothing when told not to (probes record their own transitions)', async () => {
    const { exec, sink, transport } = setup(ok);
    const signal = new AbortController().signal;
    await exec.run('probe', 'check', { signal, record: false });
    expect(transport.options).toEqual([{ timeoutMs: 30_000, signal, readOnly: true }]);
    expect(sink.events).toEqual([]);
    exec.record('probe', 'check', 7, ok);
    expect(sink.ofType('command')).toEqual([expect.objectContaining({ attemptId: 'a@web1#1', step: 'probe', command: 'check', at: 7, exitCode: 0 })]);
  });

  it('a lost transport is recorded with its error and no exit code, then rethrown', async () => {
    const lost = new TransportError('TRANSPORT_CLOSED', 'web1', 'connection reset');
    const { exec, sink, clock } = setup(lost, 250);
    await clock.advance(100);
    await expect(exec.run('probe', 'check', { record: false })).rejects.toBe(lost);
    expect(sink.ofType('command')).toEqual([
      expect.objectContaining({ attemptId: 'a@web1#1', step: 'probe', exitCode: null, stdout: '', stderr: '', durationMs: 250, at: 100, error: 'web1: connection reset' }),
    ]);
  });

  it('keeps at most 4000 characters of each output and says how many more there were', async () => {
    const { exec, sink } = setup({ stdout: 'x'.repeat(4005), stderr: 'e'.repeat(4000), exitCode: 1, durationMs: 1 });
    await exec.run('check', 'check');
    const [record] = sink.ofType('command');
    expect(record!.stdout).toBe(`${'x'.repeat(4000)}… [5 more characters]`);
    expect(record!.stderr).toBe('e'.repeat(4000));
  });
});

describe('execRecorded: run-level commands (the residue scan) belong to no attempt', () => {
  it('records them without an attempt id, whether the command ran or the transport failed', async () => {
    const ran = setup(ok);
    await execRecorded(ran.transport as unknown as Transport, { sink: ran.sink, elapsed: () => ran.clock.now() }, 'check', 'check', { timeoutMs: 5000 });
    const lost = setup(new TransportError('TRANSPORT_CLOSED', 'web1', 'connection reset'));
    await expect(execRecorded(lost.transport as unknown as Transport, { sink: lost.sink, elapsed: () => lost.clock.now() }, 'check', 'check', { timeoutMs: 5000 })).rejects.toThrow('connection reset');
    const records = [...ran.sink.ofType('command'), ...lost.sink.ofType('command')];
    expect(records.map((r) => [r.exitCode, 'attemptId' in r])).toEqual([[0, false], [null, false]]);
  });
});

describe('transportLost: the management-plane probe after an attempt', () => {
  it('probes with a deadline of ten seconds', async () => {
    const { transport } = setup(ok);
    await hostLoss(transport as unknown as Transport);
    expect(transport.probes).toEqual([{ timeoutMs: 10_000 }]);
  });

  it('is undefined while the host answers, else why it does not', async () => {
    expect(await transportLost(setup(ok).transport as unknown as Transport)).toBeUndefined();
    const gone = setup(new TransportError('TRANSPORT_UNREACHABLE', 'web1', 'no route')).transport;
    expect(await transportLost(gone as unknown as Transport)).toBe('web1: no route');
  });
});
