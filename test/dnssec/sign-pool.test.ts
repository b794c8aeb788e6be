// The signing pool (src/dnssec/sign-pool.ts): batches of data in, 64-octet signatures out, and a
// reply buffer given back (release) is what a worker writes the next batch's signatures into, so
// that reply buffers do not pile up as garbage on the answering thread (they decided the peak RSS
// of signing the 1M-record bench zone).

import { afterAll, describe, expect, test } from '@jest/globals';
import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { SIGNATURE_LENGTH, SigningPool } from '../../src/dnssec/sign-pool.js';
import { zoneFromText } from '../support/zones.js';
import { testKey, ZONE } from './support/signing.js';

const pool = new SigningPool(1);
afterAll(() => pool.close());

describe('SigningPool', () => {
  const key = testKey('ecdsap256sha256', zoneFromText('example.test', ZONE));
  const publicKey = createPublicKey(createPrivateKey({ key: Buffer.from(key.pkcs8), format: 'der', type: 'pkcs8' }));
  const batch = (tag: string) => Array.from({ length: 300 }, (_, i) => `${tag} item ${i} `.padEnd(80, '.'));
  const valid = (items: string[], signatures: Buffer) => items.every((item, i) => verify('sha256', Buffer.from(item, 'latin1'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signatures.subarray(i * SIGNATURE_LENGTH, (i + 1) * SIGNATURE_LENGTH)));

  test('a released reply buffer is handed back and written again, with valid signatures', async () => {
    const first = batch('a');
    const one = await pool.sign(key, first);
    expect(one.length).toBe(300 * SIGNATURE_LENGTH);
    expect(valid(first, one)).toBe(true);
    const memory = one.buffer;
    pool.release(one);
    const second = batch('b');
    const pending = pool.sign(key, second);
    // Handed over with the batch: detached here, its memory now the worker's.
    expect(memory.byteLength).toBe(0);
    const two = await pending;
    expect(valid(second, two)).toBe(true);
    // A batch that needs more room than the buffer given back gets a new one.
    pool.release(two);
    const third = Array.from({ length: 600 }, (_, i) => `c item ${i}`);
    const three = await pool.sign(key, third);
    expect(three.length).toBe(600 * SIGNATURE_LENGTH);
    expect(valid(third, three)).toBe(true);
  });
});
