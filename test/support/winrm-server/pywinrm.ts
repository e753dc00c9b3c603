import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface PywinrmOp {
  readonly kind: 'cmd' | 'ps';
  readonly command?: string;
  readonly args?: readonly string[];
  readonly script?: string;
}

export type PywinrmResult = { stdout: string; stderr: string; status: number } | { error: string };

const DRIVER = fileURLToPath(new URL('./pywinrm_drive.py', import.meta.url));
const OPENSSL_CONF = fileURLToPath(new URL('./openssl-legacy.cnf', import.meta.url));

/** Runs pywinrm (Debian's python3-winrm, under /usr/bin/python3) against an endpoint. */
export function runPywinrm(job: {
  endpoint: string;
  transport: 'basic' | 'ntlm' | 'kerberos';
  /** Kerberos: the host part of the listener's SPN (HTTP/<this>), when the URL's host is not it. */
  kerberos_hostname_override?: string;
  user: string;
  password: string;
  encryption?: 'auto' | 'always' | 'never';
  timeouts?: { operation_timeout_sec: number; read_timeout_sec: number };
  /** PEM file pywinrm trusts for HTTPS (the test server's self-signed certificate). */
  ca_trust_path?: string;
  ops: readonly PywinrmOp[];
}, extraEnv: Record<string, string> = {}): Promise<PywinrmResult[]> {
  return new Promise((resolve, reject) => {
    // Loopback only: no proxy from the environment may take the request elsewhere.
    const env = { ...process.env, ...extraEnv, OPENSSL_CONF, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' };
    const child = execFile('/usr/bin/python3', [DRIVER], { timeout: 60_000, env }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`pywinrm driver failed: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as PywinrmResult[]);
    });
    child.stdin!.end(JSON.stringify(job));
  });
}
