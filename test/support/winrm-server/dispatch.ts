import { setTimeout as delay } from 'node:timers/promises';
import { attribute, find, findAll, parseXml } from '../../../harness/transport/winrm/xml.js';
import { commandResponseBody, createdBody, FAULTS, receiveResponseBody, reply } from './replies.js';
import { decodeEncodedCommand } from '../../../harness/transport/winrm/powershell-command.js';
import type { RunningCommand, ShellHost } from './shell-host.js';

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
export async function dispatch(host: ShellHost, xml: string, address: string, maxShells: number | undefined, stats: ServerStats): Promise<{ status: number; xml: string } | 'drop'> {
  const root = parseXml(xml);
  const action = find(root, 'Action')?.text.trim() ?? '';
  const relatesTo = find(root, 'MessageID')?.text.trim() ?? '';
  const shellId = findAll(root, 'Selector').find((s) => attribute(s, 'Name') === 'ShellId')?.text.trim();
  const operationTimeoutMs = Number(/PT([\d.]+)S/.exec(find(root, 'OperationTimeout')?.text ?? '')?.[1] ?? 60) * 1000;
  const ok = (responseAction: string, body: string) => ({ status: 200, xml: reply(responseAction, relatesTo, body) });
  const fault = (body: string) => ({ status: 500, xml: reply('http://schemas.dmtf.org/wbem/wsman/1/wsman/fault', relatesTo, body) });
  const commands = shellId === undefined ? undefined : host.shells.get(shellId);

  switch (action) {
    case `${TRANSFER}/Create`:
      if (maxShells !== undefined && host.shells.size >= maxShells) return fault(FAULTS.quota());
      return ok(`${TRANSFER}/CreateResponse`, createdBody(address, host.createShell()));
    case `${TRANSFER}/Delete`:
      if (!commands) return fault(FAULTS.shellNotFound(shellId ?? ''));
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
      if (rule?.quotaFault) return fault(FAULTS.quota());
      const command = host.start(shellId!, commandLine);
      return ok(`${RSP}/CommandResponse`, commandResponseBody(command.id));
    }
    case `${RSP}/Receive`: {
      const commandId = attribute(find(root, 'DesiredStream') ?? root, 'CommandId') ?? '';
      const command = commands?.get(commandId);
      if (!command) return fault(FAULTS.shellNotFound(shellId ?? ''));
      if (command.rule?.drop?.on === 'receive' && command.rule.drop.times > 0) {
        command.rule.drop.times -= 1;
        return 'drop';
      }
      if (command.ready) await command.ready;
      if (command.reply.live) return liveOutput(command, operationTimeoutMs, stats, ok, fault);
      const wait = command.finishesAt - Date.now();
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
