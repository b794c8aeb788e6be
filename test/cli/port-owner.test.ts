// Who holds a port zonedns could not listen on: /proc/net tables and /proc/PID/fd links read
// from a made-up /proc, and the message built from them (the real thing, end to end:
// test/daemon/cli.test.ts "serve: --listen on a port already taken").

import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failedEndpoint, portHolders, portInUseMessage, serveListenAdvice, type PortHolder } from '../../src/cli/port-owner.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n';
const scratch = mkdtempSync(join(tmpdir(), 'zonedns-proc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** avahi-daemon (pid 812, uid 107) on 0.0.0.0:5353 and [::]:5353; a socket of a hidden process on 127.0.0.1:5353/tcp. */
function fakeProc(): string {
  const proc = join(scratch, 'proc');
  mkdirSync(join(proc, 'net'), { recursive: true });
  writeFileSync(join(proc, 'net', 'udp'), HEADER
    + '  412: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000   107        0 20301 2 0000000000000000 0\n'
    + '  413: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 20999 2 0000000000000000 0\n');
  writeFileSync(join(proc, 'net', 'udp6'), HEADER
    + '  412: 00000000000000000000000000000000:14E9 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   107        0 20302 2 0000000000000000 0\n');
  writeFileSync(join(proc, 'net', 'tcp'), HEADER
    + '   0: 0100007F:14E9 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 30001 1 0000000000000000 100 0 0 10 0\n'
    + '   1: 0100007F:14E9 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 30002 1 0000000000000000 100 0 0 10 0\n');
  mkdirSync(join(proc, '812', 'fd'), { recursive: true });
  writeFileSync(join(proc, '812', 'comm'), 'avahi-daemon\n');
  symlinkSync('socket:[20301]', join(proc, '812', 'fd', '12'));
  symlinkSync('socket:[20302]', join(proc, '812', 'fd', '13'));
  symlinkSync('/dev/null', join(proc, '812', 'fd', '0'));
  return proc;
}

describe('portHolders', () => {
  test('finds UDP sockets in any state and listening TCP sockets, with the owners it may see', () => {
    const holders = portHolders(5353, fakeProc());
    expect(holders).toEqual([
      { transport: 'udp', address: '0.0.0.0', uid: 107, pid: 812, command: 'avahi-daemon' },
      { transport: 'udp', address: '::', uid: 107, pid: 812, command: 'avahi-daemon' },
      { transport: 'tcp', address: '127.0.0.1', uid: 1000 },
    ]);
  });

  test('no /proc (macOS): nobody found, no error', () => {
    expect(portHolders(5353, join(scratch, 'absent'))).toEqual([]);
  });
});

describe('portInUseMessage', () => {
  const avahi: PortHolder = { transport: 'udp', address: '0.0.0.0', uid: 107, pid: 812, command: 'avahi-daemon' };

  test('5353: names the holder, says it is the mDNS port, and which flag picks another', () => {
    expect(portInUseMessage('127.0.0.1', 5353, serveListenAdvice(5353), [avahi])).toBe(
      'port 127.0.0.1:5353 is in use (EADDRINUSE): another program holds it: avahi-daemon (pid 812) on 0.0.0.0:5353/udp; '
      + '5353 is the multicast DNS (mDNS) port, which avahi-daemon, systemd-resolved or a browser may hold. '
      + 'Pick another port with --listen, e.g. --listen 127.0.0.1:5354 (with npm start: npm start -- --listen 127.0.0.1:5354)');
  });

  test('a holder this user may not see: its uid, and the command that names it', () => {
    const msg = portInUseMessage('::1', 5300, 'ADVICE', [{ transport: 'tcp', address: '::', uid: 0 }]);
    expect(msg).toBe("port [::1]:5300 is in use (EADDRINUSE): another program holds it: a process of uid 0 on [::]:5300/tcp (`sudo ss -lunpt 'sport = :5300'` names it). ADVICE");
  });

  test('nobody found: how to look', () => {
    expect(portInUseMessage('127.0.0.1', 5300, 'ADVICE', [])).toMatch(/another program holds it \(`ss -lunpt 'sport = :5300'` or `lsof -nP -i :5300` names it\)\. ADVICE$/);
  });
});

test('failedEndpoint reads Node errors and the udp_batch addon\'s message', () => {
  expect(failedEndpoint(Object.assign(new Error('bind EADDRINUSE 127.0.0.1:5353'), { address: '127.0.0.1', port: 5353 }))).toEqual({ host: '127.0.0.1', port: 5353 });
  expect(failedEndpoint(new Error('bind EADDRINUSE ::1:5353'))).toEqual({ host: '::1', port: 5353 });
  expect(failedEndpoint(new Error('bind EADDRINUSE 127.0.0.1:5300'))).toEqual({ host: '127.0.0.1', port: 5300 });
  expect(failedEndpoint(new Error('something else'))).toBeUndefined();
});
