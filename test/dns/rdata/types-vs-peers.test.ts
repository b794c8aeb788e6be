// Table tests for the RR types zonedns reads since issue #16 (every type BIND 9.18 or Knot 3.2
// reads as text): each row is presentation text, its wire form, and how it prints (the text of
// `named-checkzone -D`; the input itself when left out). Origin `example.`.
//
// Always: text -> wire -> text -> the same wire, and the wire as RFC 3597 `\\#` data reads back.
// With the peers (each skips visibly when missing, test/support/peers.ts):
// - dnspython (Debian's python3-dnspython) makes the same wire from the same text, for the types
//   it has a text form for (dnspython 2.3 has none for WALLET, RESINFO, DSYNC, ATMA, EID, NIMLOC,
//   SINK, RKEY, TALINK, DOA, HHIT, BRID, MINFO, MB, MG, MR, A6, TA, SIG, NXT);
// - named-checkzone -D prints the row's text from the text, and from our wire written as `\\#`:
//   BIND read the same octets we made.
// A row's `peers` names where a peer differs by design, and why.

import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RRType, typeFromString } from '../../../src/dns/constants.js';
import { parseRdata, rdataToText } from '../../../src/dns/rdata/index.js';
import { debianPython, describeWithDnspython, describeWithPeers, findProgram } from '../../support/peers.js';
import { hex, ORIGIN, tokenize, unhex } from './tokenize.js';

const IPSEC_KEY = 'AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==';
const HIP_KEY =
  'AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D';

/** Peers that read a row differently by design: the reason. */
interface Differs {
  bind?: string;
  py?: string;
}

/** [type, text, wire hex, printed text when it differs from the input, peers that differ]. */
type Row = [string, string, string, (string | undefined)?, Differs?];

const rows: Row[] = [
  ['CERT', 'PKIX 1 RSASHA256 AA==', '000100010800'],
  ['CERT', '0 0 0 AA==', '000000000000'],
  ['CERT', '65535 65535 255 Zm9v YmE=', 'FFFFFFFFFF666F6F6261', '65535 65535 255 Zm9vYmE='],
  ['CERT', 'URI 12345 ECDSA256 Zm9vYg==', '00FD30390D666F6F62', 'URI 12345 ECDSAP256SHA256 Zm9vYg==', {py: 'BIND alias ECDSA256'}],
  ['CERT', '254 0 5 AA==', '00FE00000500', 'OID 0 RSASHA1 AA=='],
  ['CERT', 'IPGP 0 NSEC3RSASHA1 AA==', '000600000700', undefined, {py: 'BIND mnemonic'}],
  ['CERT', 'ipkix 7 dsa-nsec3-sha1 AA==', '000400070600', 'IPKIX 7 NSEC3DSA AA==', {bind: 'IANA mnemonic', py: 'lower-case mnemonics'}],
  ['APL', '', ''],
  ['APL', '1:192.168.32.0/21 !1:192.168.38.0/28', '00011503C0A82000011C83C0A826'],
  ['APL', '2:2001:db8::/32 !2:::/0', '0002200420010DB800020080'],
  ['APL', '1:255.255.255.255/30', '00011E04FFFFFFFF'],
  ['APL', '2:FFFF:FFFF:FFFF::/2', '00020206FFFFFFFFFFFF', '2:ffff:ffff:ffff::/2'],
  ['APL', '1:0.0.0.0/0', '00010000'],
  [`IPSECKEY`, '10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==', '0A0102C0000226010351537986ED35533B6064478EEEB27B5BD74DAE149B6E81BA3A0521AF82AB7801'],
  [`IPSECKEY`, '10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==', '0A0002010351537986ED35533B6064478EEEB27B5BD74DAE149B6E81BA3A0521AF82AB7801'],
  [`IPSECKEY`, '10 2 2 2001:0DB8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==', '0A020220010DB8000080020000000020000001010351537986ED35533B6064478EEEB27B5BD74DAE149B6E81BA3A0521AF82AB7801', '10 2 2 2001:db8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ=='],
  [`IPSECKEY`, '10 3 2 mygateway.example.com. AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==', '0A0302096D7967617465776179076578616D706C6503636F6D00010351537986ED35533B6064478EEEB27B5BD74DAE149B6E81BA3A0521AF82AB7801'],
  ['IPSECKEY', '255 3 255 gw AQNR', 'FF03FF026777076578616D706C6500010351', '255 3 255 gw.example. AQNR'],
  ['IPSECKEY', '0 1 0 192.0.2.3', '000100C0000203', undefined, {bind: 'wants a key for algorithm 0', py: 'wants a key for algorithm 0'}],
  ['AMTRELAY', '10 0 1 203.0.113.15', '0A01CB00710F'],
  ['AMTRELAY', '10 1 2 2001:db8::15', '0A8220010DB8000000000000000000000015'],
  ['AMTRELAY', '128 1 3 amtrelays.example.com.', '808309616D7472656C617973076578616D706C6503636F6D00'],
  ['AMTRELAY', '0 0 0 .', '0000'],
  ['HIP', `2 200100107B1A74DF365639CC39F1D578 ${HIP_KEY} rvs.example.com.`, '10020084200100107B1A74DF365639CC39F1D57803010001B771CA136E4AEB5CE44333C53B3D2C13C22243851FC708BCCE29F7E2EB5787B5F56CCAD34F8223ACC10904DDB56B2EC4A6D6232F3B50EA094F0914B3B941BBE529AF582C36BBADEFDAF2ADAF9B4911906F5B2522603C615272B880EC8FB930CC6EE39C444DAA75B1678F005A4B2499D1DA5433F805C7A5AD3237ACC5DD5C5E4303727673076578616D706C6503636F6D00'],
  ['HIP', '2 200100107b1a74df365639cc39f1d578 AwEAAQ==', '10020004200100107B1A74DF365639CC39F1D57803010001', '2 200100107B1A74DF365639CC39F1D578 AwEAAQ=='],
  ['HIP', '1 0102 AwEAAQ== rvs1 rvs2.example.org.', '020100040102030100010472767331076578616D706C65000472767332076578616D706C65036F726700', '1 0102 AwEAAQ== rvs1.example. rvs2.example.org.'],
  ['DHCID', 'AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=', '000201636FC0B8271C82825BB1AC5C41CF5351AA69B4FEBD94E8F17CDB95000DA48C40'],
  ['DHCID', 'AAEBOSD+XR3Os/0LozeXVqcNc7FwCfQdWL3b/NaiUDlW2No=', '0001013920FE5D1DCEB3FD0BA3379756A70D73B17009F41D58BDDBFCD6A2503956D8DA'],
  ['EUI48', '00-00-5e-00-53-2a', '00005E00532A'],
  ['EUI48', 'AA-BB-CC-DD-EE-FF', 'AABBCCDDEEFF', 'aa-bb-cc-dd-ee-ff'],
  ['EUI64', '00-00-5e-ef-10-00-00-2a', '00005EEF1000002A'],
  ['EUI64', 'FF-FF-FF-FF-FF-FF-FF-FF', 'FFFFFFFFFFFFFFFF', 'ff-ff-ff-ff-ff-ff-ff-ff'],
  ['NID', '10 0014:4fff:ff20:ee64', '000A00144FFFFF20EE64', '10 14:4fff:ff20:ee64'],
  ['NID', '20 0015:5fff:fe21:ef65', '001400155FFFFE21EF65', '20 15:5fff:fe21:ef65'],
  ['L32', '10 10.1.2.0', '000A0A010200'],
  ['L32', '65535 255.255.255.255', 'FFFFFFFFFFFF'],
  ['L64', '10 2001:0DB8:1140:1000', '000A20010DB811401000', '10 2001:db8:1140:1000'],
  ['L64', '0 0:0:0:0', '00000000000000000000', undefined, {py: 'wants 4 digits a group'}],
  ['LP', '10 l64-subnet1.example.com.', '000A0B6C36342D7375626E657431076578616D706C6503636F6D00'],
  ['LP', '20 l32', '0014036C3332076578616D706C6500', '20 l32.example.'],
  ['KX', '10 kx.example.com.', '000A026B78076578616D706C6503636F6D00'],
  ['KX', '5 kx', '0005026B78076578616D706C6500', '5 kx.example.'],
  ['AFSDB', '1 afs', '000103616673076578616D706C6500', '1 afs.example.'],
  ['AFSDB', '2 afs.example.net.', '000203616673076578616D706C65036E657400'],
  ['RT', '10 relay', '000A0572656C6179076578616D706C6500', '10 relay.example.'],
  ['SMIMEA', '3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6', '0301010C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6'],
  ['SMIMEA', '0 0 0 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971', '000000D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB106618E971', '0 0 0 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB106618E971'],
  ['OPENPGPKEY', 'mQENBFVHm5sBCACeGqyzkDZ3TC2gWw6YuYDvBeAJ9s/Kpl6h/BbMLsQTyQ8g2QRSmRKFAOj4u0G4Vk6dr1nlU+vz9Jl9Bh5JnCd5', '99010D0455479B9B0108009E1AACB39036774C2DA05B0E98B980EF05E009F6CFCAA65EA1FC16CC2EC413C90F20D9045299128500E8F8BB41B8564E9DAF59E553EBF3F4997D061E499C2779'],
  ['CSYNC', '66 3 A NS AAAA', '000000420003000460000008'],
  ['CSYNC', '0 0', '000000000000'],
  ['CSYNC', '4294967295 65535 TYPE65535', 'FFFFFFFFFFFFFF200000000000000000000000000000000000000000000000000000000000000001'],
  ['X25', '"311061700956"', '0C333131303631373030393536'],
  ['X25', '1234', '0431323334', '"1234"'],
  ['ISDN', '"150862028003217" "004"', '0F31353038363230323830303332313703303034'],
  ['ISDN', '150862028003217', '0F313530383632303238303033323137', '"150862028003217"'],
  ['GPOS', '-32.6882 116.8652 10.0', '082D33322E36383832083131362E383635320431302E30', '"-32.6882" "116.8652" "10.0"'],
  ['GPOS', '"0" "0" "0"', '013001300130'],
  ['MINFO', 'rmailbx emailbx.example.net.', '07726D61696C6278076578616D706C650007656D61696C6278076578616D706C65036E657400', 'rmailbx.example. emailbx.example.net.'],
  ['MB', 'madname', '076D61646E616D65076578616D706C6500', 'madname.example.'],
  ['MG', 'mgmname.example.', '076D676D6E616D65076578616D706C6500'],
  ['MR', 'newname', '076E65776E616D65076578616D706C6500', 'newname.example.'],
  ['NULL', '\\# 3 010203', '010203'],
  ['NULL', '\\# 0', ''],
  ['WALLET', '"BTC" "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"', '034254432A62633171617230737272723778666B7679356C3634336C79646E77397265353967747A7A7766356D6471'],
  ['RESINFO', 'qnamemin exterr=15-17 infourl=https://resolver.example.com/guide', '08716E616D656D696E0C6578746572723D31352D31372A696E666F75726C3D68747470733A2F2F7265736F6C7665722E6578616D706C652E636F6D2F6775696465', '"qnamemin" "exterr=15-17" "infourl=https://resolver.example.com/guide"'],
  ['DSYNC', 'CDS 1 5359 ep.example.', '003B0114EF026570076578616D706C6500', 'CDS NOTIFY 5359 ep.example.'],
  ['DSYNC', 'CSYNC NOTIFY 53 .', '003E01003500'],
  ['DSYNC', 'TYPE65534 2 53 notify', 'FFFE020035066E6F74696679076578616D706C6500', 'TYPE65534 2 53 notify.example.'],
  ['DSYNC', '59 0 0 x', '003B0000000178076578616D706C6500', 'CDS 0 0 x.example.'],
  ['WKS', '192.0.2.1 tcp smtp 80 domain', 'C0000201060000004000000400000080', '192.0.2.1 6 25 53 80'],
  ['WKS', '192.0.2.1 17 53 1023', 'C0000201110000000000000400000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001'],
  ['WKS', '192.0.2.1 6', 'C000020106'],
  ['WKS', '10.0.0.1 UDP DOMAIN', '0A0000011100000000000004', '10.0.0.1 17 53', {py: 'case-sensitive names'}],
  ['NSAP', '0x47.0005.80.005a00.0000.0001.e133.ffffff000161.00', '47000580005A0000000001E133FFFFFF00016100', '0x47000580005a0000000001e133ffffff00016100'],
  ['NSAP', '0X47000580005A0000000001E133FFFFFF00016100', '47000580005A0000000001E133FFFFFF00016100', '0x47000580005a0000000001e133ffffff00016100', {py: 'lower-case 0x only'}],
  ['NSAP-PTR', 'foo.', '03666F6F00'],
  ['NSAP-PTR', 'bar', '03626172076578616D706C6500', 'bar.example.'],
  ['PX', '10 map822 mapx400', '000A066D6170383232076578616D706C6500076D617078343030076578616D706C6500', '10 map822.example. mapx400.example.'],
  ['PX', '65535 net2.it. PRMD-net2.ADMD-p400.C-it.', 'FFFF046E657432026974000950524D442D6E6574320941444D442D7034303004432D697400'],
  ['A6', '0 2001:db8::1', '0020010DB8000000000000000000000001'],
  ['A6', '64 ::1:2:3:4 prefix', '40000100020003000406707265666978076578616D706C6500', '64 ::1:2:3:4 prefix.example.'],
  ['A6', '128 prefix.example.', '8006707265666978076578616D706C6500'],
  ['A6', '65 ::ffff:1:2:3:4 p.example.', '4100010002000300040170076578616D706C6500', '65 ::1:2:3:4 p.example.'],
  ['ATMA', '39246f00e7c9c0312f0000000000000000000000', '0039246F00E7C9C0312F0000000000000000000000'],
  ['ATMA', '+358.400.1234567', '0133353834303031323334353637', '+3584001234567'],
  ['ATMA', '39.246f.00.e7c9c0312f0000.000000000000.00', '0039246F00E7C9C0312F000000000000000000', '39246f00e7c9c0312f000000000000000000'],
  ['EID', '12 89 AB', '1289AB', '1289AB'],
  ['NIMLOC', '32 89 3C', '32893C', '32893C'],
  ['SINK', '1 0 0 AA==', '01000000'],
  ['SINK', '1 0 0', '010000'],
  ['SINK', '255 255 255 Zm9v YmE=', 'FFFFFF666F6F6261', '255 255 255 Zm9vYmE='],
  ['NINFO', '"a" "b"', '01610162'],
  ['RKEY', '0 3 8 AwEAAQ==', '0000030803010001'],
  ['TALINK', 'prev next.example.', '0470726576076578616D706C6500046E657874076578616D706C6500', 'prev.example. next.example.'],
  ['TA', '1 8 1 2BB183AF5F22588179A53B0A98631FAD1A292118', '000108012BB183AF5F22588179A53B0A98631FAD1A292118'],
  ['AVC', '"app-name:WOLFGANG|app-class:OAM"', '1F6170702D6E616D653A574F4C4647414E477C6170702D636C6173733A4F414D'],
  ['DOA', '0 1 2 "" aHR0cHM6Ly93d3cuaXNjLm9yZy8=', '0000000000000001020068747470733A2F2F7777772E6973632E6F72672F'],
  ['DOA', '1234567890 1234567890 1 "image/pnd" -', '499602D2499602D20109696D6167652F706E64'],
  ['SIG', 'A 8 2 300 20300201000000 20240101000000 12345 example. dGVzdA==', '000108020000012C7104B700659200803039076578616D706C650074657374'],
  ['NXT', 'next A MX', '046E657874076578616D706C65004001', 'next.example. A MX'],
  ['NXT', 'next.example. NS SOA 100', '046E657874076578616D706C650022000000000000000000000008', 'next.example. NS SOA UINFO'],
  ['HHIT', 'Zm9vYmFy', '666F6F626172'],
  ['BRID', 'AAAA', '000000'],
];

const printed = (r: Row): string => r[3] ?? r[1];

describe('new RR types: text -> wire -> text', () => {
  test.each(rows.map((r) => [`${r[0]} ${r[1]}`, r] as const))('%s', (_, r) => {
    const type = typeFromString(r[0])!;
    const wire = parseRdata(type, tokenize(r[1]), ORIGIN);
    expect(hex(wire)).toBe(r[2]);
    expect(rdataToText(type, wire)).toBe(printed(r));
    expect(hex(parseRdata(type, tokenize(printed(r)), ORIGIN))).toBe(r[2]);
    expect(hex(parseRdata(type, tokenize(`\\# ${wire.length} ${hex(wire)}`), ORIGIN))).toBe(r[2]);
  });

  test('every type of issue #16 has rows', () => {
    const want = 'CERT APL IPSECKEY DHCID EUI48 EUI64 NID L32 L64 LP KX HIP SMIMEA OPENPGPKEY CSYNC AMTRELAY AFSDB RT X25 ISDN GPOS MINFO MB MG MR NULL WALLET RESINFO DSYNC';
    const have = new Set(rows.map((r) => r[0]));
    expect(want.split(' ').filter((t) => !have.has(t))).toEqual([]);
  });

  test('\\# 0 (no RDATA) is valid for APL and NULL only, as in BIND', () => {
    const types = [...new Set(rows.map((r) => r[0]))];
    const empty = types.filter((t) => {
      try {
        parseRdata(typeFromString(t)!, tokenize('\\# 0'), ORIGIN);
        return true;
      } catch {
        return false;
      }
    });
    expect(empty).toEqual(['APL', 'NULL']);
    expect(RRType.NULL).toBe(10);
  });
});

describeWithDnspython('new RR types: dnspython makes the same wire', () => {
  const SCRIPT = String.raw`
import sys, json, dns.rdata, dns.rdatatype, dns.name
origin = dns.name.from_text('example.')
out = []
for t, text in json.loads(sys.argv[1]):
    try:
        rt = dns.rdatatype.from_text(t)
    except dns.rdatatype.UnknownRdatatype:
        out.append(None)
        continue
    if dns.rdata.get_rdata_class(1, rt).__name__ == 'GenericRdata' and not text.startswith('\\#'):
        out.append(None)
        continue
    try:
        rd = dns.rdata.from_text(1, rt, text, origin=origin, relativize=False)
        out.append(rd.to_wire(origin=None).hex().upper())
    except Exception as e:
        out.append('dnspython refused it: ' + str(e))
print(json.dumps(out))
`;
  const checked = rows.filter((r) => r[4]?.py === undefined);
  let wires: (string | null)[] | undefined;
  const wiresFor = (): (string | null)[] =>
    (wires ??= JSON.parse(execFileSync(debianPython()!, ['-c', SCRIPT, JSON.stringify(checked.map((r) => [r[0], r[1]]))], { encoding: 'utf8', timeout: 20_000 })) as (string | null)[]);

  test.each(checked.map((r, i) => [`${r[0]} ${r[1]}`, i] as const))('%s', (_, i) => {
    const theirs = wiresFor()[i];
    if (theirs !== null) expect(theirs).toBe(checked[i]![2]);
  });

  test('dnspython has a text form for most of the types (the check above is not empty)', () => {
    expect(wiresFor().filter((w) => w !== null).length).toBeGreaterThan(60);
  });
});

describeWithPeers('new RR types: named-checkzone -D prints our text, from the text and from our wire', ['named-checkzone'], () => {
  const checked = rows.filter((r) => r[4]?.bind === undefined);
  const HEAD = '$ORIGIN example.\n$TTL 300\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n';

  /** RDATA text by row index, from `named-checkzone -D` of a zone with one record a row. */
  function bindDump(record: (r: Row) => string): Map<number, string> {
    const dir = mkdtempSync(path.join(tmpdir(), 'zonedns-types-'));
    try {
      const file = path.join(dir, 'types.zone');
      writeFileSync(file, HEAD + checked.map((r, i) => `r${i} ${r[0]} ${record(r)}\n`).join(''), 'latin1');
      const out = execFileSync(findProgram('named-checkzone')!, ['-i', 'none', '-D', '-o', '-', 'example.', file], { encoding: 'latin1', timeout: 20_000 });
      const rdata = new Map<number, string>();
      for (const line of out.split('\n')) {
        const m = /^r(\d+)\.example\.\s+\d+\s+IN\s+\S+\s*(.*)$/.exec(line);
        // BIND cuts long hex and base64 into chunks and pads with blanks: compare without blanks.
        if (m !== null) rdata.set(Number(m[1]), m[2]!.replace(/\s+/g, ''));
      }
      return rdata;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  let dumps: { text: Map<number, string>; wire: Map<number, string> } | undefined;
  const both = () =>
    (dumps ??= {
      text: bindDump((r) => r[1]),
      wire: bindDump((r) => `\\# ${r[2].length / 2} ${r[2]}`),
    });

  test.each(checked.map((r, i) => [`${r[0]} ${r[1]}`, i] as const))('%s', (_, i) => {
    const ours = printed(checked[i]!).replace(/\s+/g, '');
    expect({ fromText: both().text.get(i), fromOurWire: both().wire.get(i) }).toEqual({ fromText: ours, fromOurWire: ours });
  });

  test('unhex round trip of the table itself', () => {
    for (const r of checked) expect(hex(unhex(r[2]))).toBe(r[2]);
  });
});
