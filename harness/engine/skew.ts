import type { Clock } from '../core/clock.js';
import { ChaoslabError } from '../core/errors.js';
import type { Transport } from '../transport/transport.js';

export interface SkewMeasurement {
  /** host clock − harness clock, ms */
  readonly skewMs: number;
  /** half the round trip of the best sample: the measurement's own uncertainty */
  readonly uncertaintyMs: number;
}

/**
 * Milliseconds since 1970 in UTC. PowerShell: from DateTime ticks (100 ns since
 * year 1; 621355968000000000 of them before 1970) by arithmetic, because a
 * method call such as ToUnixTimeMilliseconds() is refused under
 * ConstrainedLanguage (WDAC/AppLocker) and property reads are not.
 */
export const CLOCK_COMMAND = {
  posix: 'date +%s%3N',
  powershell: '[long](([DateTime]::UtcNow.Ticks - 621355968000000000) / 10000)',
} as const;

/**
 * Measures the host's clock offset NTP-style: the host's time is compared with
 * the midpoint of the round trip; the sample with the shortest round trip wins.
 */
export async function measureSkew(transport: Transport, clock: Clock, samples = 3, signal?: AbortSignal): Promise<SkewMeasurement> {
  let best: SkewMeasurement | undefined;
  for (let i = 0; i < samples; i += 1) {
    const sentWall = clock.wallNow();
    const sentMono = clock.now();
    const result = await transport.exec(CLOCK_COMMAND[transport.shell], { timeoutMs: 10_000, ...(signal && { signal }) });
    const roundTrip = clock.now() - sentMono;
    const hostMs = Number(result.stdout.trim());
    if (result.exitCode !== 0 || !Number.isFinite(hostMs) || hostMs <= 0) {
      throw new ChaoslabError('TRANSPORT_PROTOCOL', `${transport.host}: cannot read the host clock (exit ${result.exitCode}: ${result.stdout.trim() || result.stderr.trim()})`);
    }
    const sample = { skewMs: Math.round(hostMs - (sentWall + roundTrip / 2)), uncertaintyMs: Math.ceil(roundTrip / 2) };
    if (!best || sample.uncertaintyMs < best.uncertaintyMs) best = sample;
  }
  return best!;
}
