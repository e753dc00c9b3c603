import { randomUUID } from 'node:crypto';

/** WS-Management replies shaped like a Windows Server 2019 listener's. */
const NAMESPACES =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
  'xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" ' +
  'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"';

export function reply(action: string, relatesTo: string, body: string): string {
  return (
    `<s:Envelope xml:lang="en-US" ${NAMESPACES}><s:Header>` +
    `<a:Action>${action}</a:Action><a:MessageID>uuid:${randomUUID().toUpperCase()}</a:MessageID>` +
    `<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>${relatesTo}</a:RelatesTo>` +
    `</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

export function createdBody(address: string, shellId: string): string {
  return (
    `<x:ResourceCreated><a:Address>${address}</a:Address><a:ReferenceParameters>` +
    `<w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>` +
    `<w:SelectorSet><w:Selector Name="ShellId">${shellId}</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>` +
    `<rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:ShellId>${shellId}</rsp:ShellId>` +
    `<rsp:ResourceUri>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</rsp:ResourceUri><rsp:State>Connected</rsp:State>` +
    `<rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>`
  );
}

export function commandResponseBody(commandId: string): string {
  return `<rsp:CommandResponse><rsp:CommandId>${commandId}</rsp:CommandId></rsp:CommandResponse>`;
}

export function receiveResponseBody(commandId: string, stdout: Buffer, stderr: Buffer, exitCode: number | undefined): string {
  const stream = (name: string, data: Buffer, end: boolean) =>
    data.length
      ? `<rsp:Stream Name="${name}" CommandId="${commandId}">${data.toString('base64')}</rsp:Stream>` + (end ? `<rsp:Stream Name="${name}" CommandId="${commandId}" End="true"></rsp:Stream>` : '')
      : end ? `<rsp:Stream Name="${name}" CommandId="${commandId}" End="true"></rsp:Stream>` : '';
  const done = exitCode !== undefined;
  const state = done
    ? `<rsp:CommandState CommandId="${commandId}" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>${exitCode}</rsp:ExitCode></rsp:CommandState>`
    : `<rsp:CommandState CommandId="${commandId}" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"></rsp:CommandState>`;
  return `<rsp:ReceiveResponse>${stream('stdout', stdout, done)}${stream('stderr', stderr, done)}${state}</rsp:ReceiveResponse>`;
}

export function faultBody(subcode: string, wsmanCode: number, message: string): string {
  return (
    `<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:${subcode}</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="en-US">${message}</s:Text></s:Reason>` +
    `<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="${wsmanCode}" Machine="winrm-test">` +
    `<f:Message>${message}</f:Message></f:WSManFault></s:Detail></s:Fault>`
  );
}

export const FAULTS = {
  timedOut: () => faultBody('TimedOut', 2150858793, 'The WS-Management service cannot complete the operation within the time specified in OperationTimeout.'),
  /** MaxShellsPerUser (default 30, learn.microsoft.com "Installation and configuration for Windows Remote Management", Winrs quotas). */
  quota: (limit: number) =>
    faultBody('QuotaLimit', 2150859173, `The WS-Management service cannot process the request. This user is allowed a maximum number of ${limit} concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user.`),
  /** MaxConcurrentOperationsPerUser (default 1500, same page). */
  operationsQuota: (limit: number) =>
    faultBody('QuotaLimit', 2150859174, `The WS-Management service cannot process the request. This user is allowed a maximum number of ${limit} concurrent operations, which has been exceeded. Close existing operations for this user, or raise the quota for this user.`),
  shellNotFound: (id: string) => faultBody('InvalidSelectors', 2150858843, `The request for the Windows Remote Shell with ShellId ${id} failed because the shell was not found on the server.`),
};
