// Dispatch table: type number -> presentation codec. Every type BIND 9.18 or Knot 3.2 reads as
// text is here except NULL (RFC 1035 §3.3.10 gives it no text form: BIND and Knot read it only as
// RFC 3597 `\#` data) and BIND's private KEYDATA (65533), which BIND itself prints as `\#`.
// Types missing here accept only `\#` data and print that way.

import { RRType } from '../constants.js';
import { aaaaCodec, aCodec } from './address.js';
import { aplCodec } from './apl.js';
import { caaCodec } from './caa.js';
import { certCodec } from './cert.js';
import type { RdataCodec } from './codec.js';
import { dnskeyCodec, dsCodec, rrsigCodec, sigCodec } from './dnssec.js';
import { doaCodec } from './doa.js';
import { dsyncCodec } from './dsync.js';
import { eui48Codec, eui64Codec } from './eui.js';
import { amtrelayCodec, ipseckeyCodec } from './gateway.js';
import { hipCodec } from './hip.js';
import { a6Codec, atmaCodec, hexCodec, nsapCodec, nxtCodec, sinkCodec, wksCodec } from './historic.js';
import { l32Codec, l64Codec, lpCodec, nidCodec } from './ilnp.js';
import { base64Codec, openpgpkeyCodec, sshfpCodec, tlsaCodec } from './keys.js';
import { locCodec } from './loc.js';
import { naptrCodec } from './naptr.js';
import { numberNameCodec, pxCodec, singleNameCodec, srvCodec, twoNamesCodec } from './names.js';
import { csyncCodec, nsec3Codec, nsec3paramCodec, nsecCodec } from './nsec.js';
import { soaCodec } from './soa.js';
import { svcbCodec } from './svcb.js';
import { gposCodec, hinfoCodec, isdnCodec, txtCodec, x25Codec } from './text.js';
import { uriCodec } from './uri.js';
import { zonemdCodec } from './zonemd.js';

export const codecs: ReadonlyMap<number, RdataCodec> = new Map<number, RdataCodec>([
  [RRType.A, aCodec],
  [RRType.NS, singleNameCodec('NS', 'nameserver')],
  [RRType.MD, singleNameCodec('MD', 'host')],
  [RRType.MF, singleNameCodec('MF', 'host')],
  [RRType.CNAME, singleNameCodec('CNAME', 'target')],
  [RRType.SOA, soaCodec],
  [RRType.MB, singleNameCodec('MB', 'host')],
  [RRType.MG, singleNameCodec('MG', 'mailbox')],
  [RRType.MR, singleNameCodec('MR', 'mailbox')],
  [RRType.WKS, wksCodec],
  [RRType.PTR, singleNameCodec('PTR', 'target')],
  [RRType.HINFO, hinfoCodec],
  [RRType.MINFO, twoNamesCodec('MINFO', 'rmailbx', 'emailbx')],
  [RRType.MX, numberNameCodec('MX', 'preference', 'exchange')],
  [RRType.TXT, txtCodec('TXT')],
  [RRType.RP, twoNamesCodec('RP', 'mbox', 'txt')],
  [RRType.AFSDB, numberNameCodec('AFSDB', 'subtype', 'hostname')],
  [RRType.X25, x25Codec],
  [RRType.ISDN, isdnCodec],
  [RRType.RT, numberNameCodec('RT', 'preference', 'intermediate host')],
  [RRType.NSAP, nsapCodec],
  [RRType['NSAP-PTR'], singleNameCodec('NSAP-PTR', 'target')],
  [RRType.SIG, sigCodec('SIG')],
  [RRType.KEY, dnskeyCodec('KEY')],
  [RRType.PX, pxCodec],
  [RRType.GPOS, gposCodec],
  [RRType.AAAA, aaaaCodec],
  [RRType.LOC, locCodec],
  [RRType.NXT, nxtCodec],
  [RRType.EID, hexCodec('EID', 'endpoint identifier')],
  [RRType.NIMLOC, hexCodec('NIMLOC', 'locator')],
  [RRType.SRV, srvCodec],
  [RRType.ATMA, atmaCodec],
  [RRType.NAPTR, naptrCodec],
  [RRType.KX, numberNameCodec('KX', 'preference', 'exchanger')],
  [RRType.CERT, certCodec],
  [RRType.A6, a6Codec],
  [RRType.DNAME, singleNameCodec('DNAME', 'target')],
  [RRType.SINK, sinkCodec],
  [RRType.APL, aplCodec],
  [RRType.DS, dsCodec('DS')],
  [RRType.SSHFP, sshfpCodec],
  [RRType.IPSECKEY, ipseckeyCodec],
  [RRType.RRSIG, rrsigCodec],
  [RRType.NSEC, nsecCodec],
  [RRType.DNSKEY, dnskeyCodec('DNSKEY')],
  [RRType.DHCID, base64Codec('DHCID', 'identifier')],
  [RRType.NSEC3, nsec3Codec],
  [RRType.NSEC3PARAM, nsec3paramCodec],
  [RRType.TLSA, tlsaCodec('TLSA')],
  [RRType.SMIMEA, tlsaCodec('SMIMEA')],
  [RRType.HIP, hipCodec],
  [RRType.NINFO, txtCodec('NINFO')],
  [RRType.RKEY, dnskeyCodec('RKEY')],
  [RRType.TALINK, twoNamesCodec('TALINK', 'previous', 'next')],
  [RRType.CDS, dsCodec('CDS')],
  [RRType.CDNSKEY, dnskeyCodec('CDNSKEY')],
  [RRType.OPENPGPKEY, openpgpkeyCodec],
  [RRType.CSYNC, csyncCodec],
  [RRType.ZONEMD, zonemdCodec],
  [RRType.SVCB, svcbCodec('SVCB')],
  [RRType.HTTPS, svcbCodec('HTTPS')],
  [RRType.DSYNC, dsyncCodec],
  [RRType.HHIT, base64Codec('HHIT', 'data')],
  [RRType.BRID, base64Codec('BRID', 'data')],
  [RRType.SPF, txtCodec('SPF')],
  [RRType.NID, nidCodec],
  [RRType.L32, l32Codec],
  [RRType.L64, l64Codec],
  [RRType.LP, lpCodec],
  [RRType.EUI48, eui48Codec],
  [RRType.EUI64, eui64Codec],
  [RRType.URI, uriCodec],
  [RRType.CAA, caaCodec],
  [RRType.AVC, txtCodec('AVC')],
  [RRType.DOA, doaCodec],
  [RRType.AMTRELAY, amtrelayCodec],
  [RRType.RESINFO, txtCodec('RESINFO')],
  [RRType.WALLET, txtCodec('WALLET')],
  [RRType.TA, dsCodec('TA')],
  [RRType.DLV, dsCodec('DLV')],
]);
