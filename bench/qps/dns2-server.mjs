// The dns2 peer: what a Node developer gets by picking the `dns2` package (a devDependency) and
// answering from a Map. Reads the zone files gen-zones.mjs writes (one record per line: $ORIGIN,
// $TTL, relative or absolute owners, optional TTL and class, quoted TXT strings; not a general
// zone parser) into name -> type -> records, and answers through dns2's own request path
// (Packet.parse -> handler -> Packet.toBuffer -> socket send), UDP and TCP.
// Answers like an authoritative server: AA, in-zone CNAME chains, NXDOMAIN / NODATA with the SOA
// in the authority section (TTL = min(SOA TTL, MINIMUM), RFC 2308), MX target addresses in the
// additional section, REFUSED outside its zones.
//
//   node bench/qps/dns2-server.mjs PORT ZONEFILE...

import { readFileSync } from 'node:fs';
import dns2 from 'dns2';

const { Packet } = dns2;
const T = Packet.TYPE;
const port = Number(process.argv[2] ?? 5315);
const files = process.argv.slice(3);

function tokens(line) {
  const out = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ';') break;
    if (c === ' ' || c === '\t') i++;
    else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      out.push({ text: line.slice(i + 1, end) });
      i = end + 1;
    } else {
      let j = i;
      while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return out;
}

function loadZone(file) {
  let origin = '';
  let ttl = 3600;
  let owner = '';
  const abs = (n) => (n === '@' ? origin : n.endsWith('.') ? n.slice(0, -1).toLowerCase() : `${n.toLowerCase()}.${origin}`);
  const nodes = new Map(); // name -> Map(type -> [record])
  let soa;
  let count = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const t = tokens(line);
    if (t.length === 0) continue;
    if (t[0] === '$ORIGIN') { origin = t[1].replace(/\.$/, '').toLowerCase(); continue; }
    if (t[0] === '$TTL') { ttl = Number(t[1]); continue; }
    if (line[0] !== ' ' && line[0] !== '\t') owner = abs(t.shift());
    let rttl = ttl;
    if (/^\d+$/.test(t[0])) rttl = Number(t.shift());
    if (t[0] === 'IN') t.shift();
    const type = t.shift();
    const r = { name: owner, type: T[type], class: Packet.CLASS.IN, ttl: rttl };
    switch (type) {
      case 'A': case 'AAAA': r.address = t[0]; break;
      case 'NS': r.ns = abs(t[0]); break;
      case 'CNAME': r.domain = abs(t[0]); break;
      case 'MX': r.priority = Number(t[0]); r.exchange = abs(t[1]); break;
      case 'TXT': r.data = t.map((x) => (typeof x === 'string' ? x : x.text)); break;
      case 'SOA': [r.primary, r.admin] = [abs(t[0]), abs(t[1])]; [r.serial, r.refresh, r.retry, r.expiration, r.minimum] = t.slice(2).map(Number); soa = r; break;
      default: throw new Error(`${file}: type ${type} is not supported by this reader`);
    }
    let node = nodes.get(owner);
    if (!node) nodes.set(owner, (node = new Map()));
    let set = node.get(r.type);
    if (!set) node.set(r.type, (set = []));
    set.push(r);
    count++;
  }
  if (!soa) throw new Error(`${file}: no SOA`);
  return { apex: soa.name, nodes, negative: { ...soa, ttl: Math.min(soa.ttl, soa.minimum) }, count };
}

const t0 = performance.now();
const zones = files.map(loadZone);
process.stderr.write(`dns2-server: ${zones.map((z) => `${z.apex} (${z.count} records)`).join(', ')} loaded in ${(performance.now() - t0).toFixed(0)} ms\n`);

const inZone = (name, z) => name === z.apex || name.endsWith(`.${z.apex}`);
const zoneOf = (name) => {
  let best;
  for (const z of zones) if (inZone(name, z) && (!best || z.apex.length > best.apex.length)) best = z;
  return best;
};

function answer(q, response) {
  let name = q.name.toLowerCase().replace(/\.$/, '');
  const z = zoneOf(name);
  if (!z) {
    response.header.rcode = Packet.RCODE.REFUSED;
    return;
  }
  response.header.aa = 1;
  for (let hops = 0; hops < 8; hops++) {
    const node = z.nodes.get(name);
    if (!node) {
      if (hops === 0) response.header.rcode = Packet.RCODE.NXDOMAIN;
      response.authorities.push(z.negative);
      return;
    }
    const cname = node.get(T.CNAME);
    if (cname && q.type !== T.CNAME) {
      response.answers.push(...cname);
      name = cname[0].domain;
      if (!inZone(name, z)) return;
      continue;
    }
    const set = node.get(q.type);
    if (!set) {
      response.authorities.push(z.negative);
      return;
    }
    response.answers.push(...set);
    if (q.type === T.MX) {
      for (const mx of set) {
        const target = z.nodes.get(mx.exchange);
        if (target) response.additionals.push(...(target.get(T.A) ?? []), ...(target.get(T.AAAA) ?? []));
      }
    }
    return;
  }
}

const server = dns2.createServer({
  udp: true,
  tcp: true,
  handle(request, send) {
    const response = Packet.createResponseFromRequest(request);
    const q = request.questions[0];
    if (!q) response.header.rcode = Packet.RCODE.FORMERR;
    else answer(q, response);
    send(response);
  },
});
server.on('requestError', () => {});
server.on('error', (e) => process.stderr.write(`dns2-server: ${e.message}\n`));
server.on('listening', () => process.stderr.write(`dns2-server listening on 127.0.0.1:${port} (UDP and TCP)\n`));
server.listen({ udp: { port, address: '127.0.0.1' }, tcp: { port, address: '127.0.0.1' } });
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
