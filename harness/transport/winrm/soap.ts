import { randomUUID } from 'node:crypto';
import { attribute, escapeXml, find, findAll, parseXml, type XmlElement } from './xml.js';

/** WS-Management shell messages (MS-WSMV 3.1.4.1 wxf:Create … wxf:Delete). */

export const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  a: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  w: 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
  p: 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd',
  rsp: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
} as const;

export const ACTION = {
  create: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Create',
  delete: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete',
  command: `${NS.rsp}/Command`,
  receive: `${NS.rsp}/Receive`,
  signal: `${NS.rsp}/Signal`,
  send: `${NS.rsp}/Send`,
} as const;

export const SHELL_RESOURCE = `${NS.rsp}/cmd`;
export const COMMAND_DONE = `${NS.rsp}/CommandState/Done`;
export const SIGNAL_TERMINATE = `${NS.rsp}/signal/terminate`;
const ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous';

export interface EnvelopeOptions {
  readonly to: string;
  readonly action: string;
  readonly operationTimeoutMs: number;
  readonly shellId?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly maxEnvelopeSize?: number;
}

function isoSeconds(ms: number): string {
  return `PT${(Math.max(1, ms) / 1000).toFixed(3)}S`;
}

export function envelope(options: EnvelopeOptions): string {
  const optionSet = options.options
    ? `<w:OptionSet>${Object.entries(options.options).map(([name, value]) => `<w:Option Name="${escapeXml(name)}">${escapeXml(value)}</w:Option>`).join('')}</w:OptionSet>`
    : '';
  const selector = options.shellId ? `<w:SelectorSet><w:Selector Name="ShellId">${escapeXml(options.shellId)}</w:Selector></w:SelectorSet>` : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<s:Envelope xmlns:s="${NS.s}" xmlns:a="${NS.a}" xmlns:w="${NS.w}" xmlns:p="${NS.p}" xmlns:rsp="${NS.rsp}">` +
    `<s:Header>` +
    `<a:To>${escapeXml(options.to)}</a:To>` +
    `<a:ReplyTo><a:Address s:mustUnderstand="true">${ANONYMOUS}</a:Address></a:ReplyTo>` +
    `<w:MaxEnvelopeSize s:mustUnderstand="true">${options.maxEnvelopeSize ?? 153600}</w:MaxEnvelopeSize>` +
    `<a:MessageID>uuid:${randomUUID().toUpperCase()}</a:MessageID>` +
    `<w:Locale xml:lang="en-US" s:mustUnderstand="false"/>` +
    `<p:DataLocale xml:lang="en-US" s:mustUnderstand="false"/>` +
    `<w:OperationTimeout>${isoSeconds(options.operationTimeoutMs)}</w:OperationTimeout>` +
    `<w:ResourceURI s:mustUnderstand="true">${SHELL_RESOURCE}</w:ResourceURI>` +
    `<a:Action s:mustUnderstand="true">${options.action}</a:Action>` +
    selector +
    optionSet +
    `</s:Header>` +
    `<s:Body>${options.body ?? ''}</s:Body>` +
    `</s:Envelope>`
  );
}

export function createShellBody(): string {
  return '<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>';
}

export function commandBody(command: string, args: readonly string[] = []): string {
  return `<rsp:CommandLine><rsp:Command>${escapeXml(command)}</rsp:Command>${args.map((arg) => `<rsp:Arguments>${escapeXml(arg)}</rsp:Arguments>`).join('')}</rsp:CommandLine>`;
}

export function receiveBody(commandId: string): string {
  return `<rsp:Receive><rsp:DesiredStream CommandId="${escapeXml(commandId)}">stdout stderr</rsp:DesiredStream></rsp:Receive>`;
}

/** MS-WSMV 3.1.4.12 Send: bytes for a running command's stdin. */
export function sendBody(commandId: string, data: Buffer): string {
  return `<rsp:Send><rsp:Stream Name="stdin" CommandId="${escapeXml(commandId)}">${data.toString('base64')}</rsp:Stream></rsp:Send>`;
}

export function signalBody(commandId: string, code = SIGNAL_TERMINATE): string {
  return `<rsp:Signal CommandId="${escapeXml(commandId)}"><rsp:Code>${code}</rsp:Code></rsp:Signal>`;
}

export class SoapParseError extends Error {}

function bodyOf(xml: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    throw new SoapParseError(`unreadable WS-Management response: ${(error as Error).message}`);
  }
  const body = find(root, 'Body');
  if (!body) throw new SoapParseError('WS-Management response has no s:Body');
  return body;
}

function required(element: XmlElement, local: string, what: string): XmlElement {
  const found = find(element, local);
  if (!found) throw new SoapParseError(`WS-Management response to ${what} has no ${local}`);
  return found;
}

export function parseShellId(xml: string): string {
  const body = bodyOf(xml);
  const selector = findAll(body, 'Selector').find((el) => attribute(el, 'Name') === 'ShellId');
  const id = (selector ?? find(body, 'ShellId'))?.text.trim();
  if (!id) throw new SoapParseError('WS-Management response to Create has no ShellId');
  return id;
}

export function parseCommandId(xml: string): string {
  return required(bodyOf(xml), 'CommandId', 'Command').text.trim();
}

export interface ReceiveChunk {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly done: boolean;
  readonly exitCode: number | null;
}

export function parseReceive(xml: string): ReceiveChunk {
  const body = bodyOf(xml);
  const streams = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  for (const stream of findAll(body, 'Stream')) {
    const name = attribute(stream, 'Name');
    if ((name === 'stdout' || name === 'stderr') && stream.text.trim()) streams[name].push(Buffer.from(stream.text.trim(), 'base64'));
  }
  const state = find(body, 'CommandState');
  const done = state !== undefined && attribute(state, 'State') === COMMAND_DONE;
  const exit = state && find(state, 'ExitCode');
  return {
    stdout: Buffer.concat(streams.stdout),
    stderr: Buffer.concat(streams.stderr),
    done,
    exitCode: exit && /^-?\d+$/.test(exit.text.trim()) ? Number(exit.text.trim()) : null,
  };
}

export interface SoapFault {
  readonly subcode: string;
  readonly wsmanCode?: number;
  readonly reason: string;
}

/** A s:Fault in the body, or undefined. */
export function parseFault(xml: string): SoapFault | undefined {
  let body: XmlElement;
  try {
    body = bodyOf(xml);
  } catch {
    return undefined;
  }
  const fault = find(body, 'Fault');
  if (!fault) return undefined;
  const subcode = find(find(fault, 'Subcode') ?? fault, 'Value')?.text.trim() ?? '';
  const wsman = find(fault, 'WSManFault');
  const code = wsman && attribute(wsman, 'Code');
  const message = (wsman && find(wsman, 'Message')?.text) ?? find(fault, 'Text')?.text ?? 'unknown fault';
  return { subcode: subcode.replace(/^.*:/, ''), ...(code && /^\d+$/.test(code) && { wsmanCode: Number(code) }), reason: message.trim() };
}
