import type { LabConfig } from '../config/lab-schema.js';

/**
 * The LabProvider contract: brings a lab's hosts up and down.
 * `container` builds hosts from images (dockerode against Docker or Podman);
 * `static` is for machines that already exist (up/down only check them).
 */
export type HostState = 'running' | 'stopped' | 'missing' | 'unhealthy' | 'external';

export interface HostStatus {
  readonly name: string;
  readonly state: HostState;
  readonly detail?: string;
  /** Published endpoints on 127.0.0.1, e.g. { ssh: 40222, healer: 40280 } */
  readonly ports?: Readonly<Record<string, number>>;
}

export interface LabProvider {
  readonly kind: 'container' | 'static';
  /**
   * Creates/starts what the lab needs. Returns the inventory as it is once up
   * (published ports and generated keys filled in).
   */
  up(lab: LabConfig, options?: { signal?: AbortSignal; onProgress?: (message: string) => void }): Promise<LabConfig>;
  /**
   * The inventory as it is reachable now, without creating anything: what
   * `run`, `doctor` and `revert --pending` connect to. CHAOSLAB_LAB_ENGINE when
   * a lab that must be up is not.
   */
  resolve(lab: LabConfig): Promise<LabConfig>;
  /** Removes exactly what `up` made (by label); idempotent. */
  down(lab: LabConfig): Promise<void>;
  status(lab: LabConfig): Promise<readonly HostStatus[]>;
}
