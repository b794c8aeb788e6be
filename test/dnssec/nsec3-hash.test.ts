// NSEC3 hashes against RFC 5155 Appendix A (salt aabbccdd, 12 iterations) and against a zone
// signed with no salt and no iterations (RFC 9276's recommendation).

import { describe, expect, test } from '@jest/globals';
import { base32HexEncode } from '../../src/dns/rdata/encoding.js';
import { nsec3Hash } from '../../src/dnssec/nsec3-hash.js';
import { name } from '../support/zones.js';

const b32 = (digest: Buffer): string => base32HexEncode(digest.toString('latin1')).toLowerCase();

describe('nsec3Hash', () => {
  test.each([
    ['example', '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom'],
    ['a.example', '35mthgpgcu1qg68fab165klnsnk3dpvl'],
    ['ai.example', 'gjeqe526plbf1g8mklp59enfd789njgi'],
    ['ns1.example', '2t7b4g4vsa5smi47k61mv5bv1a22bojr'],
    ['ns2.example', 'q04jkcevqvmu85r014c7dkba38o0ji5r'],
    ['w.example', 'k8udemvp1j2f7eg6jebps17vp3n8i58h'],
    ['*.w.example', 'r53bq7cc2uvmubfu5ocmm6pers9tk9en'],
    ['x.w.example', 'b4um86eghhds6nea196smvmlo4ors995'],
    ['y.w.example', 'ji6neoaepv8b5o6k4ev33abha8ht9fgc'],
    ['x.y.w.example', '2vptu5timamqttgl4luu9kg21e0aor3s'],
    ['xx.example', 't644ebqk9bibcna874givr6joj62mlhv'],
  ])('RFC 5155 Appendix A: %s', (owner, hashed) => {
    expect(b32(nsec3Hash(name(owner), Buffer.from('aabbccdd', 'hex'), 12))).toBe(hashed);
  });

  test('the salt may be a binary string; the name is hashed in lower case', () => {
    expect(nsec3Hash(name('A.Example'), '\xaa\xbb\xcc\xdd', 12)).toEqual(nsec3Hash(name('a.example'), Buffer.from('aabbccdd', 'hex'), 12));
  });

  test('no salt, no iterations: one SHA-1 of the name (dnssec-signzone -3 - -H 0)', () => {
    // From a zone signed by dnssec-signzone 9.18: sec.test. is 61R5Q5EOC4AL2M46NF940E6PDR5E42AF.
    expect(b32(nsec3Hash(name('sec.test'), '', 0))).toBe('61r5q5eoc4al2m46nf940e6pdr5e42af');
  });
});
