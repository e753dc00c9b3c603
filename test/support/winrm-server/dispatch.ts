import { setTimeout as delay } from 'node:timers/promises';
import { attribute, find, findAll, parseXml } from '../../../harness/transport/winrm/xml.js';
import { commandResponseBody, createdBody, FAULTS, receiveResponseBody, reply } from './replies.js';
import { decodeEncodedCommand } from '../../../harness/transport/winrm/powershell-command.js';
import { HOST_LOOP_TAG } from '../../../harness/transport/winrm/host-protocol.js';
import type { CostModel } from './cost-model.js';
import { EmulatedHost } from './host-emulation.js';
import type { RunningCommand, ShellHost } from './shell-host.js';

/** The machine behind the listener: its CPU, its persistent PowerShell hosts, its WinRM quotas. */
export interface MachineModel {
  readonly cost?: CostModel;
  readonly constrainedLanguage?: boolean;
  /** WinRS IdleTimeout: a shell with no request this long is deleted by the service. */
  readonly idleTimeoutMs?: number;
  /** Running persistent hosts by command id. */
  readonly hosts: Map<string, EmulatedHost>;
  /** When each shell last saw a request. */
  readonly lastUsed: Map<string, number>;
  /** When each process-per-command command finished starting (its CPU spent), by command. */
  readonly started: WeakMap<RunningCommand, { at?: number; ready: Promise<void> }>;
}

export function machineModel(options: Partial<Pick<MachineModel, 'cost' | 'constrainedLanguage' | 'idleTimeoutMs'>> = {}): MachineModel {
  return { ...options, hosts: new Map(), lastUsed: new Map(), started: new WeakMap() };
}

export interface ServerStats {
  requests: number;
  /** Receives answered with the OperationTimeout fault. */
  operationTimeouts: number;
  drops: number;
  encryptedMessages: number;
  plainMessages: number;
}

const RSP = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell';
const TRANSFER = 'http://schemas.xmlsoap.org/ws/2004/09/transfer';

/** Runs one WS-Management request against the simulated shells. */
export async function dispatch(host: ShellHost, xml: string, address: string, maxShells: number | undefined, stats: ServerStats, machine: MachineModel = machineModel()): Promise<{ status: number; xml: string } | 'drop'> {
  const root = parseXml(xml);
  const action = find(root, 'Action')?.text.trim() ?? '';
  const relatesTo = find(root, 'MessageID')?.text.trim() ?? '';
  const shellId = findAll(root, 'Selector').find((s) => attribute(s, 'Name') === 'ShellId')?.text.trim();
  const operationTimeoutMs = Number(/PT([\d.]+)S/.exec(find(root, 'OperationTimeout')?.text ?? '')?.[1] ?? 60) * 1000;
  const ok = (responseAction: string, body: string) => ({ status: 200, xml: reply(responseAction, relatesTo, body) });
  const fault = (body: string) => ({ status: 500, xml: reply('http://schemas.dmtf.org/wbem/wsman/1/wsman/fault', relatesTo, body) });
  expireIdleShells(host, machine);
  if (shellId !== undefined && host.shells.has(shellId)) machine.lastUsed.set(shellId, Date.now());
  const commands = shellId === undefined ? undefined : host.shells.get(shellId);

  switch (action) {
    case `${TRANSFER}/Create`: {
      if (maxShells !== undefined && host.shells.size >= maxShells) return fault(FAULTS.quota(maxShells));
      const created = host.createShell();
      machine.lastUsed.set(created, Date.now());
      return ok(`${TRANSFER}/CreateResponse`, createdBody(address, created));
    }
    case `${TRANSFER}/Delete`:
      if (!commands) return fault(FAULTS.shellNotFound(shellId ?? ''));
      for (const id of commands.keys()) machine.hosts.get(id)?.terminate();
      host.shells.delete(shellId!);
      return ok(`${TRANSFER}/DeleteResponse`, '');
    case `${RSP}/Command`: {
      if (!commands) return fault(FAULTS.shellNotFound(shellId ?? ''));
      const commandLine = [find(root, 'Command')?.text ?? '', ...findAll(root, 'Arguments').map((a) => a.text)].filter(Boolean).join(' ').trim();
      const rule = host.rules.find((r) => r.match.test(commandLine) || r.match.test(decodeEncodedCommand(commandLine) ?? commandLine));
      if (rule?.drop?.on === 'command' && rule.drop.times > 0) {
        rule.drop.times -= 1;
        return 'drop';
      }
      if (rule?.quotaFault) return fault(FAULTS.quota(maxShells ?? 30));
      const command = host.start(shellId!, commandLine);
      if (command.record.script.includes(HOST_LOOP_TAG)) {
        machine.hosts.set(command.id, new EmulatedHost(shellId!, { rules: host.rules, record: (r) => host.recorded.push(r), ...(machine.cost && { cost: machine.cost }), ...(machine.constrainedLanguage && { constrainedLanguage: true }) }));
      } else if (machine.cost) {
        const cost = machine.cost;
        // A command is its own process: cmd.exe always (WinRM's cmd shell), powershell.exe for a script.
        const ready =
          command.record.kind === 'powershell'
            ? cost
                .work(cost.powershellStartCpuMs, 'powershell_start')
                .then(() => cost.work(cost.moduleImportCpuMs, 'module_import'))
                .then(() => cost.work(command.reply.cpuMs ?? cost.scriptCpuMs, 'script'))
            : cost.work(cost.cmdStartCpuMs, 'cmd_start');
        const starting: { at?: number; ready: Promise<void> } = { ready };
        void starting.ready.then(() => (starting.at = Date.now()));
        machine.started.set(command, starting);
      }
      return ok(`${RSP}/CommandResponse`, commandResponseBody(command.id));
    }
    case `${RSP}/Send`: {
      const stream = find(root, 'Stream');
      const commandId = (stream && attribute(stream, 'CommandId')) ?? '';
      if (!commands?.has(commandId)) return fault(FAULTS.shellNotFound(shellId ?? ''));
      machine.hosts.get(commandId)?.send(Buffer.from(stream?.text.trim() ?? '', 'base64'));
      return ok(`${RSP}/SendResponse`, '<rsp:SendResponse/>');
    }
    case `${RSP}/Receive`: {
      const commandId = attribute(find(root, 'DesiredStream') ?? root, 'CommandId') ?? '';
      const command = commands?.get(commandId);
      if (!command) return fault(FAULTS.shellNotFound(shellId ?? ''));
      if (command.rule?.drop?.on === 'receive' && command.rule.drop.times > 0) {
        command.rule.drop.times -= 1;
        return 'drop';
      }
      const emulated = machine.hosts.get(commandId);
      if (emulated) return hostOutput(emulated, commandId, operationTimeoutMs, stats, machine, ok, fault);
      // a script the server really runs (pwsh-executor.ts) has its reply once pwsh is done
      if (command.ready) await command.ready;
      if (command.reply.live) return liveOutput(command, operationTimeoutMs, stats, ok, fault);
      const starting = machine.started.get(command);
      if (starting && starting.at === undefined) {
        const started = await Promise.race([starting.ready.then(() => true), delay(operationTimeoutMs).then(() => false)]);
        if (!started) {
          stats.operationTimeouts += 1;
          return fault(FAULTS.timedOut());
        }
      }
      // Its own work (delayMs) begins once the process has started.
      const finishesAt = starting ? starting.at! + (command.reply.delayMs ?? 0) : command.finishesAt;
      const wait = finishesAt - Date.now();
      if (wait > operationTimeoutMs) {
        await delay(operationTimeoutMs);
        stats.operationTimeouts += 1;
        return fault(FAULTS.timedOut());
      }
      if (wait > 0) await delay(wait);
      return ok(`${RSP}/ReceiveResponse`, nextOutput(command));
    }
    case `${RSP}/Signal`: {
      const signal = find(root, 'Signal');
      const commandId = (signal && attribute(signal, 'CommandId')) ?? '';
      host.signals.push({ shellId: shellId ?? '', commandId, code: find(root, 'Code')?.text.trim() ?? '' });
      const command = commands?.get(commandId);
      if (command) command.terminated = true;
      machine.hosts.get(commandId)?.terminate();
      return ok(`${RSP}/SignalResponse`, '<rsp:SignalResponse/>');
    }
    default:
      return fault(`<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text>unsupported action ${action}</s:Text></s:Reason></s:Fault>`);
  }
}

function nextOutput(command: RunningCommand): string {
  const { reply: scripted } = command;
  const stderr = Buffer.from(scripted.stderr ?? '', 'utf8');
  if (scripted.stdoutChunks) {
    const piece = Buffer.from(scripted.stdoutChunks[command.delivered] ?? '', 'utf8');
    command.delivered += 1;
    const last = command.delivered >= scripted.stdoutChunks.length;
    return receiveResponseBody(command.id, piece, last ? stderr : Buffer.alloc(0), last ? (scripted.exitCode ?? 0) : undefined);
  }
  return receiveResponseBody(command.id, Buffer.from(scripted.stdout ?? '', 'utf8'), stderr, scripted.exitCode ?? 0);
}

type Reply = { status: number; xml: string };

/** Waits up to OperationTimeout for a live command's next output, as Windows holds a Receive open. */
async function liveOutput(command: RunningCommand, operationTimeoutMs: number, stats: ServerStats, ok: (action: string, body: string) => Reply, fault: (body: string) => Reply): Promise<Reply> {
  const deadline = Date.now() + operationTimeoutMs;
  for (;;) {
    const text = command.reply.live!();
    if (text) return ok(`${RSP}/ReceiveResponse`, receiveResponseBody(command.id, Buffer.from(text, 'utf8'), Buffer.alloc(0), undefined));
    if (command.terminated || Date.now() >= deadline) break;
    await delay(25);
  }
  stats.operationTimeouts += 1;
  return fault(FAULTS.timedOut());
}

/** WinRS IdleTimeout: the service deletes a shell nobody used for that long (its commands die with it). */
function expireIdleShells(host: ShellHost, machine: MachineModel): void {
  if (machine.idleTimeoutMs === undefined) return;
  const now = Date.now();
  for (const [shellId, used] of machine.lastUsed) {
    if (now - used < machine.idleTimeoutMs) continue;
    for (const id of host.shells.get(shellId)?.keys() ?? []) machine.hosts.get(id)?.terminate();
    host.shells.delete(shellId);
    machine.lastUsed.delete(shellId);
  }
}

/** A persistent host's output so far, waiting up to OperationTimeout for some (as Windows holds a Receive open). */
async function hostOutput(emulated: EmulatedHost, commandId: string, operationTimeoutMs: number, stats: ServerStats, machine: MachineModel, ok: (action: string, body: string) => Reply, fault: (body: string) => Reply): Promise<Reply> {
  const taken = await emulated.take(operationTimeoutMs);
  if (!taken.stdout && !taken.stderr && taken.exitCode === undefined) {
    stats.operationTimeouts += 1;
    return fault(FAULTS.timedOut());
  }
  if (taken.exitCode !== undefined) machine.hosts.delete(commandId);
  return ok(`${RSP}/ReceiveResponse`, receiveResponseBody(commandId, Buffer.from(taken.stdout, 'utf8'), Buffer.from(taken.stderr, 'utf8'), taken.exitCode));
}
