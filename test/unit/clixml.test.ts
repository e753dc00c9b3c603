import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeClixml } from '../../harness/transport/clixml.js';

/** What Windows PowerShell 5.1 writes to a redirected stderr when a command fails under -EncodedCommand. */
const FAILED_CHECK = [
  '#< CLIXML',
  '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">',
  '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>',
  '<S S="Error">Get-NetFirewallProfile : Zugriff verweigert &lt;0x80070005&gt; _x000D__x000A_</S>',
  '<S S="Error">At line:3 char:1_x000D__x000A_</S>',
  '<S S="warning">a_x005F_x000D_b</S>',
  '</Objs>',
].join('');

/** Captured from real pwsh by test/fixtures/windows/clixml/capture.sh (the command for each is there). */
const captured = (name: string) => readFileSync(new URL(`../fixtures/windows/clixml/${name}.clixml`, import.meta.url), 'utf8');

describe('decodeClixml', () => {
  it('turns error records into text: _x000D__x000A_ line breaks, XML entities, progress dropped, a warning on its own line', () => {
    expect(decodeClixml(FAILED_CHECK)).toBe('Get-NetFirewallProfile : Zugriff verweigert <0x80070005> \r\nAt line:3 char:1\r\nWARNING: a_x000D_b\n');
  });

  it('keeps text around a block and decodes every block', () => {
    const block = '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">boom_x000A_</S></Objs>';
    expect(decodeClixml(`check failed: x\n${block}${block}`)).toBe('check failed: x\nboom\nboom\n');
  });

  it('leaves plain stderr alone', () => {
    expect(decodeClixml('The input line is too long.\r\n')).toBe('The input line is too long.\r\n');
  });

  it('a block with nothing to say becomes nothing', () => {
    expect(decodeClixml('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"/>')).toBe('');
  });
});

describe('decodeClixml on what real pwsh wrote', () => {
  it('errors, a warning and a progress record in one block', () => {
    expect(decodeClixml(captured('progress-errors'))).toBe('Write-Error: access denied\nWARNING: careful\nWrite-Error: second error\n');
  });

  it('ANSI colours are dropped', () => {
    expect(decodeClixml(captured('colour'))).toBe('Write-Error: access denied\n');
  });

  it('_x000D__x000A_ and _x0009_ inside records; a thrown error', () => {
    expect(decodeClixml(captured('crlf'))).toBe('WARNING: line one\r\nline two\nVERBOSE: tab\there\nException: first\nsecond\n');
  });

  it('a native program\'s stderr between the marker and the block stays, as text', () => {
    expect(decodeClixml(captured('native-text'))).toBe('native complaint\nWrite-Error: before\nWrite-Error: after\n');
  });

  it('a nested PowerShell: two markers, then two <Objs> blocks one after the other', () => {
    const raw = captured('nested');
    expect(raw.match(/<Objs /g)).toHaveLength(2);
    expect(raw).toContain('</Objs><Objs ');
    expect(decodeClixml(raw)).toBe('Write-Error: inner failure\nWrite-Error: outer first\nWrite-Error: outer last\n');
  });

  it('nothing of the serialization is left in any captured fixture', () => {
    for (const name of ['progress-errors', 'colour', 'crlf', 'native-text', 'nested']) {
      expect(decodeClixml(captured(name))).not.toMatch(/CLIXML|<Objs|<\/?S\b|_x[0-9A-F]{4}_|\u001b/);
    }
  });
});
