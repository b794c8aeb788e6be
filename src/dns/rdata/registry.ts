// Dispatch table: type number -> presentation codec. Types missing here accept only RFC 3597
// `\#` data and print that way.

import { RRType } from '../constants.js';
import { aaaaCodec, aCodec } from './address.js';
import { caaCodec } from './caa.js';
import type { RdataCodec } from './codec.js';
import { dnskeyCodec, dsCodec, rrsigCodec } from './dnssec.js';
import { openpgpkeyCodec, sshfpCodec, tlsaCodec } from './keys.js';
import { locCodec } from './loc.js';
import { naptrCodec } from './naptr.js';
import { numberNameCodec, singleNameCodec, srvCodec, twoNamesCodec } from './names.js';
import { csyncCodec, nsec3Codec, nsec3paramCodec, nsecCodec } from './nsec.js';
import { soaCodec } from './soa.js';
import { svcbCodec } from './svcb.js';
import { hinfoCodec, txtCodec } from './text.js';
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
  [RRType.PTR, singleNameCodec('PTR', 'target')],
  [RRType.HINFO, hinfoCodec],
  [RRType.MINFO, twoNamesCodec('MINFO', 'rmailbx', 'emailbx')],
  [RRType.MX, numberNameCodec('MX', 'preference', 'exchange')],
  [RRType.TXT, txtCodec('TXT')],
  [RRType.RP, twoNamesCodec('RP', 'mbox', 'txt')],
  [RRType.AFSDB, numberNameCodec('AFSDB', 'subtype', 'hostname')],
  [RRType.RT, numberNameCodec('RT', 'preference', 'intermediate host')],
  [RRType.KEY, dnskeyCodec('KEY')],
  [RRType.AAAA, aaaaCodec],
  [RRType.LOC, locCodec],
  [RRType.SRV, srvCodec],
  [RRType.NAPTR, naptrCodec],
  [RRType.KX, numberNameCodec('KX', 'preference', 'exchanger')],
  [RRType.DNAME, singleNameCodec('DNAME', 'target')],
  [RRType.DS, dsCodec('DS')],
  [RRType.SSHFP, sshfpCodec],
  [RRType.RRSIG, rrsigCodec],
  [RRType.NSEC, nsecCodec],
  [RRType.DNSKEY, dnskeyCodec('DNSKEY')],
  [RRType.NSEC3, nsec3Codec],
  [RRType.NSEC3PARAM, nsec3paramCodec],
  [RRType.TLSA, tlsaCodec('TLSA')],
  [RRType.SMIMEA, tlsaCodec('SMIMEA')],
  [RRType.CDS, dsCodec('CDS')],
  [RRType.CDNSKEY, dnskeyCodec('CDNSKEY')],
  [RRType.OPENPGPKEY, openpgpkeyCodec],
  [RRType.CSYNC, csyncCodec],
  [RRType.ZONEMD, zonemdCodec],
  [RRType.SVCB, svcbCodec('SVCB')],
  [RRType.HTTPS, svcbCodec('HTTPS')],
  [RRType.SPF, txtCodec('SPF')],
  [RRType.URI, uriCodec],
  [RRType.CAA, caaCodec],
  [RRType.DLV, dsCodec('DLV')],
]);
