// The markdown report: one table of medians, the targets from the issue, and per-run details.

/** QPS per server core measured on the reference machine (2 cores, pinned, 2026-11; ±20% noise). */
export const REFERENCE_QPS_PER_CORE = { knot: 231_000, nsd: 133_000, bind: 110_000, dgram: 54_000, dns2: 16_000 };

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const fix = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** Median of a group of dnsperf runs, over the clean ones when there are any. */
export function summarizeRuns(runs) {
  const clean = runs.filter((r) => r.clean);
  const g = clean.length ? clean : runs;
  const qps = median(g.map((r) => r.qps));
  const cpu = median(g.map((r) => r.serverCpuPct));
  return { qps, cpuPct: cpu, qpsPerCore: cpu > 0 ? qps / (cpu / 100) : NaN, clean: clean.length, all: runs.length };
}

function memCell(row) {
  if (!row.mem) return '-';
  // NSD's processes share the zone's pages: its PSS (proportional share) is the fair number.
  if (row.name === 'nsd') return `${fix(row.mem.pss / 1024, 1)} (PSS)`;
  return fix(row.mem.rss / 1024, 1);
}
const memOf = (row) => (row?.mem ? (row.name === 'nsd' ? row.mem.pss : row.mem.rss) : NaN);

function checkCell(row) {
  if (!row.check) return '-';
  if (row.check.exempt) return 'exempt';
  if (row.check.skipped) return 'not checked';
  const bad = row.check.wrong + row.check.noAnswer;
  return bad === 0 ? `ok ${row.check.n}/${row.check.n}` : `**${bad}/${row.check.n} wrong**`;
}

export function mainTable(rows, { rate }) {
  const z = rows.find((r) => r.name === 'zonedns' && r.udp);
  const out = [
    `| server | QPS | CPU % | QPS/core | QPS/core ÷ zonedns | p50 / p99 ms at ${int(rate)} QPS | TCP QPS | RSS MiB | load s | answers |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const r of rows) {
    if (r.skipped) {
      out.push(`| ${r.label} | skipped: ${r.skipped} |  |  |  |  |  |  |  |  |`);
      continue;
    }
    const u = r.udp;
    const flag = u && u.clean === 0 ? ' !' : '';
    const wrong = r.check && !r.check.exempt && !r.check.skipped && r.check.wrong + r.check.noAnswer > 0;
    const qps = wrong ? `~~${int(u?.qps)}~~` : int(u?.qps);
    const ratio = z && u ? `${fix(u.qpsPerCore / z.udp.qpsPerCore, 2)}×` : '-';
    const lat = r.latency
      ? Number.isFinite(r.latency.p50Ms) ? `${fix(r.latency.p50Ms, 2)} / ${fix(r.latency.p99Ms, 2)}` : `avg ${fix(r.latency.avgLatencyMs, 2)}`
      : '-';
    const tcp = r.tcp ? int(r.tcp.qps) : r.noTcp ? 'n/a' : '-';
    out.push(`| ${r.label} | ${qps}${flag} | ${int(u?.cpuPct)} | ${int(u?.qpsPerCore)} | ${ratio} | ${lat} | ${tcp} | ${memCell(r)} | ${fix(r.loadS, 2)} | ${checkCell(r)} |`);
  }
  return out.join('\n');
}

export function targets(rows) {
  const by = Object.fromEntries(rows.filter((r) => !r.skipped).map((r) => [r.name, r]));
  const z = by.zonedns;
  const out = [];
  const verdict = (ok) => (ok ? 'MET' : 'MISSED');
  const zWrong = z?.check && !z.check.skipped && z.check.wrong + z.check.noAnswer > 0;
  if (!z?.udp) out.push('- zonedns was not measured: no targets to check.');
  else {
    if (zWrong) out.push('- zonedns gave wrong answers in the check: its numbers do not count.');
    const cmp = (peer, factor, what) => {
      const p = by[peer];
      if (!p?.udp) return out.push(`- ${what}: ${peer} not measured.`);
      const ratio = z.udp.qps / p.udp.qps;
      out.push(`- ${what}: zonedns ${int(z.udp.qps)} / ${p.label} ${int(p.udp.qps)} = ${fix(ratio, 2)}× → ${verdict(!zWrong && ratio >= factor)}`);
    };
    cmp('dgram', 0.8, 'QPS ≥ 0.8× the bare Node dgram responder');
    const m = by['zonedns-metrics'];
    if (m?.udp) {
      const ratio = m.udp.qpsPerCore / z.udp.qpsPerCore;
      out.push(`- Counting queries for the metrics costs ≤ 5% of QPS/core: zonedns + metrics ${int(m.udp.qpsPerCore)} / zonedns ${int(z.udp.qpsPerCore)} = ${fix(ratio, 3)}× → ${verdict(ratio >= 0.95)}`);
    }
    cmp('dns2', 3, 'QPS ≥ 3× dns2');
    const h = by['zonedns-health'];
    if (h?.udp) {
      const ratio = h.udp.qpsPerCore / z.udp.qpsPerCore;
      out.push(`- QPS/core with every name health-checked ≥ 0.95× without: ${int(h.udp.qpsPerCore)} / ${int(z.udp.qpsPerCore)} = ${fix(ratio, 2)}× → ${verdict(ratio >= 0.95)}`);
    }
    const zdo = by['zonedns-do'];
    if (zdo?.udp) {
      const ratio = zdo.udp.qpsPerCore / z.udp.qpsPerCore;
      out.push(`- DO=1 on the signed zones, QPS/core ≥ 0.8× DO=0: zonedns DO=1 ${int(zdo.udp.qpsPerCore)} / DO=0 ${int(z.udp.qpsPerCore)} = ${fix(ratio, 2)}× → ${verdict(!zWrong && ratio >= 0.8)}`);
      const kdo = by['knot-do'];
      out.push(`- Signed big.test loaded: zonedns ${fix(zdo.loadS, 2)} s, RSS ${fix(memOf(zdo) / 1024, 1)} MiB` +
        (kdo?.mem ? `; Knot ${fix(kdo.loadS, 2)} s, RSS ${fix(memOf(kdo) / 1024, 1)} MiB (RSS ${fix(memOf(zdo) / memOf(kdo), 2)}× Knot's)` : '; Knot DO=1 not measured') + '.');
    } else if (by['zonedns-do'] === undefined) out.push('- DO=1: zonedns-do not measured (SERVERS).');
    if (by.knot?.mem && z.mem) {
      const ratio = memOf(z) / memOf(by.knot);
      out.push(`- RSS with the 100k zone ≤ 2× Knot's: zonedns ${fix(memOf(z) / 1024, 1)} MiB / Knot ${fix(memOf(by.knot) / 1024, 1)} MiB = ${fix(ratio, 2)}× → ${verdict(ratio <= 2)}`);
    } else out.push("- RSS ≤ 2× Knot's: Knot not measured.");
  }
  // Compares two rows of their own: it needs neither the plain zonedns row nor the peers.
  const on = by['zonedns-limits'];
  const off = by['zonedns-cookie-queries'];
  if (on?.udp && off?.udp) {
    const ratio = on.udp.qpsPerCore / off.udp.qpsPerCore;
    out.push(`- QPS/core with RRL and cookies on ≥ 0.9× with them off (the same queries, each with a client cookie): ${int(on.udp.qpsPerCore)} / ${int(off.udp.qpsPerCore)} = ${fix(ratio, 2)}× (QPS ${fix(on.udp.qps / off.udp.qps, 2)}×) → ${verdict(ratio >= 0.9)}`);
  } else out.push('- RRL and cookies cost: zonedns-limits and zonedns-cookie-queries not both measured.');
  const refs = Object.entries(REFERENCE_QPS_PER_CORE).filter(([n]) => by[n]?.udp);
  if (refs.length) {
    const cells = refs.map(([n, ref]) => {
      const v = by[n].udp.qpsPerCore;
      const off = Math.abs(v / ref - 1) > 0.2;
      return `${by[n].label} ${int(v)} (ref ${int(ref)}${off ? `, ${v > ref ? '+' : ''}${fix((v / ref - 1) * 100, 0)}%` : ', within ±20%'})`;
    });
    out.push(`- Peers' QPS/core next to the reference machine's: ${cells.join('; ')}.`);
  }
  return out.join('\n');
}

export function detailTable(rows) {
  const out = [
    '| server | UDP QPS per run | lost % | server CPU % | dnsperf CPU % | foreign CPU % | TCP QPS per run | latency run: QPS, avg ms, samples | RSS after the runs MiB | response codes (last UDP run) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const list = (runs, f) => runs.map((r) => `${f(r)}${r.clean ? '' : '*'}`).join(', ');
  for (const r of rows) {
    if (r.skipped || !r.udpRuns?.length) continue;
    const l = r.latency;
    out.push(`| ${r.label} | ${list(r.udpRuns, (x) => int(x.qps))} | ${list(r.udpRuns, (x) => fix(x.lostPct, 2))} | ${list(r.udpRuns, (x) => int(x.serverCpuPct))} | ${list(r.udpRuns, (x) => int(x.dnsperfCpuPct))} | ${list(r.udpRuns, (x) => int(x.foreignCpuPct))} | ${r.tcpRuns ? list(r.tcpRuns, (x) => int(x.qps)) : '-'} | ${l ? `${int(l.qps)}, ${fix(l.avgLatencyMs, 3)}, ${int(l.latencySamples)}` : '-'} | ${r.memAfter ? fix((r.name === 'nsd' ? r.memAfter.pss : r.memAfter.rss) / 1024, 1) : '-'} | ${r.udpRuns.at(-1)?.rcodes ?? '-'} |`);
  }
  return out.join('\n');
}
