// Named invalid cases: each must throw an RdataError whose message contains the given text and
// whose token index points at the offending field (undefined when a field is missing).

import { describe, expect, test } from '@jest/globals';
import { typeFromString } from '../../../src/dns/constants.js';
import { parseRdata, RdataError } from '../../../src/dns/rdata/index.js';
import { ORIGIN, tokenize } from './tokenize.js';

interface Bad {
  name: string;
  type: string;
  text: string;
  message: string;
  token: number | undefined;
}

const bad = (name: string, type: string, text: string, message: string, token: number | undefined): Bad => ({ name, type, text, message, token });

const cases: Bad[] = [
  // A: exactly four decimal octets 0-255, no leading zeros (BIND: "bad dotted quad").
  bad('A octet over 255', 'A', '999.1.1.1', 'bad IPv4 address "999.1.1.1"', 0),
  bad('A with three octets', 'A', '1.2.3', 'bad IPv4 address "1.2.3"', 0),
  bad('A with trailing dot', 'A', '1.2.3.4.', 'bad IPv4 address', 0),
  bad('A with leading zero', 'A', '01.2.3.4', 'bad IPv4 address "01.2.3.4"', 0),
  bad('A with hex', 'A', '0x1.2.3.4', 'bad IPv4 address', 0),
  bad('A trailing data', 'A', '1.2.3.4 x', 'trailing data "x"', 1),
  bad('A missing', 'A', '', 'missing field: address', undefined),
  // AAAA
  bad('AAAA two ::', 'AAAA', '1::2::3', 'bad IPv6 address "1::2::3"', 0),
  bad('AAAA nine groups', 'AAAA', '1:2:3:4:5:6:7:8:9', 'bad IPv6 address', 0),
  bad('AAAA five hex digits', 'AAAA', '12345::', 'bad IPv6 address', 0),
  bad('AAAA seven groups no ::', 'AAAA', '1:2:3:4:5:6:7', 'bad IPv6 address', 0),
  bad('AAAA leading single colon', 'AAAA', ':1::', 'bad IPv6 address', 0),
  bad('AAAA trailing single colon', 'AAAA', '1::2:', 'bad IPv6 address', 0),
  bad('AAAA embedded IPv4 leading zero', 'AAAA', '::ffff:1.2.3.04', 'bad IPv6 address', 0),
  bad('AAAA embedded IPv4 not last', 'AAAA', '::1.2.3.4:1', 'bad IPv6 address', 0),
  bad('AAAA zone index', 'AAAA', 'fe80::1%eth0', 'bad IPv6 address', 0),
  bad('AAAA IPv4 only', 'AAAA', '1.2.3.4', 'bad IPv6 address', 0),
  // Names
  bad('NS empty label', 'NS', 'a..b', 'bad NS nameserver "a..b": empty label', 0),
  bad('CNAME quoted', 'CNAME', '"foo"', 'must be a domain name, not a quoted string', 0),
  bad('CNAME label too long', 'CNAME', `${'a'.repeat(64)}.example.`, 'longer than 63', 0),
  bad('PTR trailing', 'PTR', 'a. b.', 'trailing data "b."', 1),
  bad('MX preference too big', 'MX', '70000 mail', 'MX preference "70000" is not 0-65535', 0),
  bad('MX preference negative', 'MX', '-1 mail', 'MX preference "-1" is not a number', 0),
  bad('MX missing exchange', 'MX', '10', 'missing field: exchange', undefined),
  bad('SRV port too big', 'SRV', '1 2 65536 .', 'SRV port "65536" is not 0-65535', 2),
  bad('RP missing txt', 'RP', 'admin.example.', 'missing field: txt', undefined),
  bad('AFSDB subtype word', 'AFSDB', 'one afs', 'AFSDB subtype "one" is not a number', 0),
  // SOA
  bad('SOA serial over 32 bits', 'SOA', 'ns hm 4294967296 1 1 1 1', 'SOA serial "4294967296" is not 0-4294967295', 2),
  bad('SOA bad unit', 'SOA', 'ns hm 1 1x 1 1 1', 'SOA refresh "1x" is not a duration', 3),
  bad('SOA number after unit', 'SOA', 'ns hm 1 1h1 1 1 1', 'SOA refresh "1h1"', 3),
  bad('SOA timer overflow', 'SOA', 'ns hm 1 1 1 7102w 1', 'SOA expire "7102w"', 5),
  bad('SOA missing minimum', 'SOA', 'ns hm 1 1 1 1', 'missing field: minimum', undefined),
  bad('SOA trailing', 'SOA', 'ns hm 1 1 1 1 1 1', 'trailing data "1"', 7),
  // Character-strings
  bad('TXT string over 255 octets', 'TXT', `"${'k'.repeat(256)}"`, 'split it into several quoted strings', 0),
  bad('SPF string over 255 octets', 'SPF', `"a" "${'k'.repeat(300)}"`, 'SPF string is 300 octets', 1),
  bad('TXT two-digit escape', 'TXT', '"\\12a"', 'bad \\DDD escape', 0),
  bad('TXT escape over 255', 'TXT', '"\\256"', '\\256 is not an octet', 0),
  bad('TXT dangling backslash', 'TXT', 'abc\\', 'dangling backslash', 0),
  bad('TXT non-octet character', 'TXT', '"price €"', 'is not an octet', 0),
  bad('TXT empty', 'TXT', '', 'missing field: text', undefined),
  bad('HINFO missing os', 'HINFO', '"PC"', 'missing field: os', undefined),
  bad('HINFO cpu too long', 'HINFO', `${'c'.repeat(256)} x`, 'HINFO cpu is 256 octets', 0),
  bad('HINFO three strings', 'HINFO', '"PC" "Linux" "x"', 'trailing data "x"', 2),
  bad('NAPTR flags too long', 'NAPTR', `1 1 "${'f'.repeat(256)}" "" "" .`, 'NAPTR flags is 256 octets', 2),
  bad('NAPTR missing replacement', 'NAPTR', '1 1 "S" "SIP" ""', 'missing field: replacement', undefined),
  // CAA
  bad('CAA flags over 255', 'CAA', '256 issue "x"', 'CAA flags "256" is not 0-255', 0),
  bad('CAA tag with hyphen', 'CAA', '0 is-sue "x"', 'CAA tag "is-sue" must be letters and digits only', 1),
  bad('CAA quoted empty tag', 'CAA', '0 "" "x"', 'CAA tag is empty', 1),
  bad('CAA missing value', 'CAA', '0 issue', 'missing field: value', undefined),
  bad('CAA two values', 'CAA', '0 issue "x" "y"', 'trailing data "y"', 3),
  // URI
  bad('URI missing target', 'URI', '10 1', 'missing field: target', undefined),
  // LOC
  bad('LOC latitude over 90', 'LOC', '91 N 0 E 0', 'LOC latitude degrees "91" is not 0-90', 0),
  bad('LOC 91 degrees', 'LOC', '91 N 0 E 0', 'LOC latitude degrees "91" is not 0-90', 0),
  bad('LOC size over 90000000m', 'LOC', '0 N 0 E 0 90000000.01m', 'LOC size "90000000.01m" is not 0-90000000m', 5),
  bad('LOC minutes 60', 'LOC', '0 60 N 0 E 0', 'LOC latitude minutes "60"', 1),
  bad('LOC four decimals', 'LOC', '42 21 54.1234 N 71 6 18 W 0', 'LOC latitude seconds "54.1234"', 2),
  bad('LOC lower-case hemisphere', 'LOC', '42 21 54 n 71 6 18 w 0', 'LOC latitude direction "n" is not N or S', 3),
  bad('LOC longitude over 180', 'LOC', '0 N 181 E 0', 'LOC longitude degrees "181" is not 0-180', 2),
  bad('LOC bad longitude direction', 'LOC', '0 N 1 2 3 N 0', 'LOC longitude direction "N" is not E or W', 5),
  bad('LOC missing altitude', 'LOC', '42 21 54 N 71 6 18 W', 'missing field: altitude', undefined),
  bad('LOC altitude too low', 'LOC', '0 N 0 E -100000.01m', 'LOC altitude "-100000.01m"', 4),
  bad('LOC altitude too high', 'LOC', '0 N 0 E 42849672.96m', 'LOC altitude "42849672.96m"', 4),
  bad('LOC altitude three decimals', 'LOC', '0 N 0 E 1.234m', 'LOC altitude "1.234m"', 4),
  bad('LOC size too big', 'LOC', '0 N 0 E 0 90000001', 'LOC size "90000001" is not 0-90000000m', 5),
  bad('LOC horizontal precision word', 'LOC', '0 N 0 E 0 1m big', 'LOC horizontal precision "big"', 6),
  bad('LOC trailing', 'LOC', '0 N 0 E 0 1 2 3 4', 'trailing data "4"', 8),
  // Hex and base64
  bad('SSHFP odd hex', 'SSHFP', '1 1 abc', 'bad hex in SSHFP fingerprint "abc"', 2),
  bad('SSHFP dash', 'SSHFP', '1 1 -', 'bad hex in SSHFP fingerprint', 2),
  bad('SSHFP missing fingerprint', 'SSHFP', '1 1', 'missing field: fingerprint', undefined),
  bad('TLSA bad hex', 'TLSA', '3 1 1 zz', 'bad hex in TLSA certificate association data', 3),
  bad('SMIMEA missing data', 'SMIMEA', '3 1 1', 'missing field: certificate association data', undefined),
  bad('DS short SHA-1 digest', 'DS', '1 5 1 00', 'DS digest is 1 octets; digest type 1 needs 20', 3),
  bad('DS SHA-256 digest length', 'DS', `1 8 2 ${'00'.repeat(20)}`, 'digest type 2 needs 32', 3),
  bad('DS unknown algorithm mnemonic', 'DS', '1 RSAFOO 1 00', 'DS algorithm "RSAFOO" is not a number or a known mnemonic', 1),
  bad('DS key tag too big', 'DS', '65536 5 1 00', 'DS key tag "65536" is not 0-65535', 0),
  bad('CDS missing digest', 'CDS', '0 0 0', 'missing field: digest', undefined),
  bad('DNSKEY unpadded base64', 'DNSKEY', '256 3 8 AwEAAQ', 'bad base64 in DNSKEY public key "AwEAAQ"', 3),
  bad('DNSKEY padding only', 'DNSKEY', '256 3 8 =', 'bad base64', 3),
  bad('DNSKEY bad character', 'DNSKEY', '256 3 8 AwE*AQ==', 'bad base64', 3),
  bad('DNSKEY padding in the middle', 'DNSKEY', '256 3 8 AA== AA==', 'bad base64', 3),
  bad('CDNSKEY protocol over 255', 'CDNSKEY', '0 256 0 AA==', 'CDNSKEY protocol "256" is not 0-255', 1),
  bad('OPENPGPKEY empty', 'OPENPGPKEY', '', 'missing field: public key', undefined),
  // RRSIG
  bad('RRSIG unknown type covered', 'RRSIG', 'FOO 8 2 300 20300201000000 20240101000000 1 example. AA==', 'RRSIG type covered "FOO"', 0),
  bad('RRSIG TTL with units', 'RRSIG', 'A 8 2 1h 20300201000000 20240101000000 1 example. AA==', 'RRSIG original TTL "1h" is not a number', 3),
  bad('RRSIG labels over 255', 'RRSIG', 'A 8 256 300 20300201000000 20240101000000 1 example. AA==', 'RRSIG labels "256" is not 0-255', 2),
  bad('RRSIG 13-digit time', 'RRSIG', 'A 8 2 300 20300201000000 2024010100000 1 example. AA==', 'RRSIG inception "2024010100000"', 5),
  bad('RRSIG month 13', 'RRSIG', 'A 8 2 300 20301301000000 20240101000000 1 example. AA==', 'RRSIG expiration "20301301000000"', 4),
  bad('RRSIG February 30', 'RRSIG', 'A 8 2 300 20300230000000 20240101000000 1 example. AA==', 'RRSIG expiration "20300230000000"', 4),
  bad('RRSIG February 29 in a common year', 'RRSIG', 'A 8 2 300 20230229000000 20240101000000 1 example. AA==', 'RRSIG expiration', 4),
  bad('RRSIG seconds over 32 bits', 'RRSIG', 'A 8 2 300 4294967296 0 1 example. AA==', 'RRSIG expiration "4294967296"', 4),
  bad('RRSIG missing signature', 'RRSIG', 'A 8 2 300 20300201000000 20240101000000 1 example.', 'missing field: signature', undefined),
  // NSEC family
  bad('NSEC unknown type', 'NSEC', 'host.example. A FOO', 'NSEC type bitmap: unknown type "FOO"', 2),
  bad('NSEC3 padded hash', 'NSEC3', '1 1 12 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s=', 'bad NSEC3 next hashed owner', 4),
  bad('NSEC3 non-base32hex digit', 'NSEC3', '1 1 12 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3w', 'bad NSEC3 next hashed owner', 4),
  bad('NSEC3 non-zero trailing bits', 'NSEC3', '1 1 12 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3', 'bad NSEC3 next hashed owner', 4),
  bad('NSEC3 SHA-1 hash of wrong length', 'NSEC3', '1 1 12 - 00000000', 'SHA-1 hashes are 20', 4),
  bad('NSEC3 odd salt', 'NSEC3', '1 1 12 aabbccd 2vptu5timamqttgl4luu9kg21e0aor3s', 'bad NSEC3 salt "aabbccd"', 3),
  bad('NSEC3 iterations over 65535', 'NSEC3', '1 1 65536 - 2vptu5timamqttgl4luu9kg21e0aor3s', 'NSEC3 iterations "65536" is not 0-65535', 2),
  bad('NSEC3PARAM missing salt', 'NSEC3PARAM', '1 0 0', 'missing field: salt', undefined),
  bad('NSEC3PARAM salt in two fields', 'NSEC3PARAM', '1 0 0 aa bb', 'trailing data "bb"', 4),
  // ZONEMD
  bad('ZONEMD SHA-384 digest too short', 'ZONEMD', '1 1 1 ABCDEF', 'ZONEMD digest is 3 octets; hash algorithm 1 needs 48', 3),
  bad('ZONEMD private digest under 12 octets', 'ZONEMD', '1 1 241 ABCDEF0123456789012345', 'the minimum is 12', 3),
  // SVCB / HTTPS
  bad('SVCB priority over 65535', 'SVCB', '65536 foo', 'SVCB priority "65536" is not 0-65535', 0),
  bad('HTTPS duplicate key', 'HTTPS', '1 . port=80 port=81', 'HTTPS SvcParamKey port appears twice', 3),
  bad('HTTPS duplicate via keyNNNNN', 'HTTPS', '1 . port=80 key3=81', 'appears twice', 3),
  bad('HTTPS alpn without value', 'HTTPS', '1 . alpn', 'HTTPS alpn needs a value', 2),
  bad('HTTPS empty alpn id', 'HTTPS', '1 . alpn=h2,,h3', 'empty protocol id', 2),
  bad('HTTPS bad alpn escape', 'HTTPS', '1 . alpn=h2\\\\x', 'must escape', 2),
  bad('HTTPS unknown key', 'HTTPS', '1 . foo=bar', 'unknown HTTPS SvcParamKey "foo"', 2),
  bad('HTTPS upper-case key', 'HTTPS', '1 . PORT=1', 'unknown HTTPS SvcParamKey "PORT"', 2),
  bad('HTTPS keyNNNNN leading zero', 'HTTPS', '1 . key01=x', 'unknown HTTPS SvcParamKey "key01"', 2),
  bad('HTTPS keyNNNNN over 65535', 'HTTPS', '1 . key65536=x', 'unknown HTTPS SvcParamKey "key65536"', 2),
  bad('HTTPS port over 65535', 'HTTPS', '1 . port=65536', 'HTTPS port "65536" is not 0-65535', 2),
  bad('HTTPS port in hex', 'HTTPS', '1 . port=0x1', 'HTTPS port "0x1" is not a number', 2),
  bad('HTTPS bad ipv4hint', 'HTTPS', '1 . ipv4hint=192.0.2.1,192.0.2', 'bad IPv4 address "192.0.2"', 2),
  bad('HTTPS empty ipv4hint', 'HTTPS', '1 . ipv4hint=', 'HTTPS ipv4hint needs a value', 2),
  bad('HTTPS bad ipv6hint', 'HTTPS', '1 . ipv6hint=::1,::g', 'bad IPv6 address "::g"', 2),
  bad('HTTPS bad ech', 'HTTPS', '1 . ech=AEP+DQA', 'HTTPS ech: bad base64', 2),
  bad('HTTPS no-default-alpn with value', 'HTTPS', '1 . alpn=h2 no-default-alpn=x', 'no-default-alpn takes no value', 3),
  bad('HTTPS no-default-alpn without alpn', 'HTTPS', '1 . no-default-alpn', 'no-default-alpn needs an alpn parameter', 2),
  bad('HTTPS mandatory key absent', 'HTTPS', '1 . mandatory=port', 'mandatory lists port, which is not present', 2),
  bad('HTTPS mandatory lists itself', 'HTTPS', '1 . mandatory=mandatory', 'must not list mandatory itself', 2),
  bad('HTTPS mandatory lists a key twice', 'HTTPS', '1 . alpn=h2 mandatory=alpn,alpn', 'lists "alpn" twice', 3),
  bad('HTTPS unterminated quoted value', 'HTTPS', '1 . alpn="h2', 'unterminated quoted value', 2),
  bad('HTTPS quoted param', 'HTTPS', '1 . "alpn=h2"', 'must be key=value, not a quoted string', 2),
  // RFC 3597
  bad('unknown type in presentation form', 'TYPE65534', 'abc', 'unknown type TYPE65534 needs RFC 3597 \\# syntax', 0),
  bad('NULL in text', 'NULL', 'abc', 'NULL RDATA has no text form (RFC 1035 §3.3.10): it needs RFC 3597 \\# syntax', 0),
  bad('generic length mismatch', 'TYPE65534', '\\# 3 abcd', '\\# data is 2 octets but its length field says 3', 2),
  bad('generic data after \\# 0', 'TYPE65534', '\\# 0 00', 'trailing data "00" after \\# 0', 2),
  bad('generic missing length', 'A', '\\#', 'missing field: length', undefined),
  bad('generic missing data', 'TYPE65534', '\\# 2', 'missing field: hex data', undefined),
  bad('generic bad hex', 'TYPE65534', '\\# 1 zz', 'bad hex in \\# data "zz"', 2),
  bad('generic length over 65535', 'TYPE65534', '\\# 65536 00', '\\# length "65536" is not 0-65535', 1),
  bad('generic A of 3 octets', 'A', '\\# 3 010203', '\\# data is not valid A RDATA', 2),
  bad('generic MX with compression pointer', 'MX', '\\# 3 000AC0', '\\# data is not valid MX RDATA', 2),
  bad('generic empty TXT', 'TXT', '\\# 0', '\\# data is not valid TXT RDATA: TXT RDATA is empty', 2),
  bad('generic NSEC with zero trailing octet', 'NSEC', '\\# 4 00000100', 'ends in a zero octet', 2),
];

describe('invalid RDATA', () => {
  test.each(cases)('$name', ({ type, text, message, token }) => {
    const t = typeFromString(type)!;
    let err: unknown;
    try {
      parseRdata(t, tokenize(text), ORIGIN);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RdataError);
    const e = err as RdataError;
    expect(e.message).toContain(message);
    expect(e.token).toBe(token);
  });

  test('RDATA over 65535 octets is refused', () => {
    const strings = Array.from({ length: 260 }, () => `"${'x'.repeat(255)}"`).join(' ');
    expect(() => parseRdata(16, tokenize(strings), ORIGIN)).toThrow('TXT RDATA is 66560 octets; the limit is 65535');
  });
});
