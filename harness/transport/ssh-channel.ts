import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel } from 'ssh2';
import { TransportError } from '../core/errors.js';
import { LineSplitter } from './line-splitter.js';

/** Opens one `exec` session channel on a live connection. */
export function openExecChannel(client: Client, host: string, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => {
      if (/Channel open failure/.test(error.message)) {
        reject(new TransportError('TRANSPORT_QUOTA', host, `the server refused a new channel: ${error.message}`, { cause: error }));
      } else if (/No response from server|Not connected/.test(error.message)) {
        reject(new TransportError('TRANSPORT_CLOSED', host, `connection lost while opening a channel: ${error.message}`, { cause: error }));
      } else {
        reject(new TransportError('TRANSPORT_PROTOCOL', host, `cannot start the command: ${error.message}`, { cause: error }));
      }
    };
    try {
      client.exec(command, (error, channel) => (error ? failed(error) : resolve(channel)));
    } catch (error) {
      failed(error as Error);
    }
  });
}

/**
 * Stops the remote command: OpenSSH delivers a `signal` request to the whole
 * process group of the session (killpg), so children of the command die too;
 * then the channel is closed. Servers without signal support just see the close.
 */
export function killChannel(channel: ClientChannel): void {
  try {
    channel.signal('KILL');
  } catch {
    // the channel is already half-closed: nothing to signal
  }
  channel.close();
}

export interface ChannelOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
}

/**
 * ssh2 passes the exit status (or null and the signal name) to 'close'. The
 * arguments are used rather than the 'exit' event: a fast command's exit status
 * can arrive in the same TCP read as the channel confirmation, before anyone
 * could listen. undefined means the channel closed without an exit status.
 */
function exitCodeOf(code: number | null | undefined, signalName: string | undefined): number | null | undefined {
  if (typeof code === 'number') return code;
  return signalName === undefined ? undefined : null;
}

/**
 * Collects a command's output until its channel closes. Abort (timeout or the
 * caller's signal) kills the command and rejects with the signal's reason; a
 * channel that closes without an exit status means the connection was lost.
 */
export function collectChannel(client: Client, channel: ClientChannel, host: string, signal: AbortSignal): Promise<ChannelOutcome> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      client.removeListener('close', onConnectionLost);
      action();
    };
    const onAbort = () =>
      settle(() => {
        killChannel(channel);
        reject(signal.reason);
      });
    const onConnectionLost = () => settle(() => reject(connectionLost(host)));
    channel.on('data', (chunk: Buffer) => stdout.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    channel.on('close', (code?: number | null, signalName?: string) =>
      settle(() => {
        const exitCode = exitCodeOf(code, signalName);
        if (exitCode === undefined) return reject(connectionLost(host));
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), exitCode });
      }),
    );
    client.once('close', onConnectionLost);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Lines buffered before the channel is paused, so a fast producer cannot exhaust memory. */
const HIGH_WATER_LINES = 10_000;

/**
 * Yields a command's stdout line by line (without the newline, unless
 * `keepLineEndings`: see LineSplitter) until the signal
 * aborts (the command is killed, the generator returns) or the command ends.
 * Losing the connection throws TRANSPORT_CLOSED after the lines already received.
 * `progress.ended` tells the caller afterwards whether the command ended by itself.
 */
export async function* channelLines(
  client: Client,
  channel: ClientChannel,
  host: string,
  signal: AbortSignal,
  progress: { ended?: 'exited' | 'lost' } = {},
  keepLineEndings = false,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  const splitter = new LineSplitter(keepLineEndings);
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const onConnectionLost = () => {
    progress.ended ??= 'lost';
    notify();
  };
  channel.on('data', (chunk: Buffer) => {
    lines.push(...splitter.push(decoder.write(chunk)));
    if (lines.length >= HIGH_WATER_LINES) channel.pause();
    notify();
  });
  // stderr shares the channel window: drain it or the command stalls.
  channel.stderr.resume();
  channel.on('close', (code?: number | null, signalName?: string) => {
    progress.ended ??= exitCodeOf(code, signalName) === undefined ? 'lost' : 'exited';
    notify();
  });
  client.once('close', onConnectionLost);
  signal.addEventListener('abort', notify);
  try {
    for (;;) {
      if (signal.aborted) return;
      const line = lines.shift();
      if (line !== undefined) {
        if (lines.length < HIGH_WATER_LINES / 2) channel.resume();
        yield line;
        continue;
      }
      if (progress.ended) {
        const rest = splitter.rest() + decoder.end();
        if (rest) yield rest;
        if (progress.ended === 'lost') throw connectionLost(host);
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal.removeEventListener('abort', notify);
    client.removeListener('close', onConnectionLost);
    if (!progress.ended) killChannel(channel);
  }
}

function connectionLost(host: string): TransportError {
  return new TransportError('TRANSPORT_CLOSED', host, 'connection lost while the command was running');
}
