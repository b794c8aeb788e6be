// Weighted selection, as rotation offsets. An answer rotated by offset i starts with address i
// and goes on with the others in rotated order, so every up address stays in every answer (a
// client that cannot reach the first tries the next) and a weight decides how often an address
// comes first, where most clients connect. With weights w, over each cycle of W = Σw answers
// address i leads exactly w[i] times under `cyclic` rotation, and with probability w[i]/W under
// `random`; weight 0 never leads while another up address weighs more. The cycle is smooth
// weighted round-robin (nginx's upstream algorithm): weights 3 and 1 give a a b a, not a a a b.

/**
 * Offsets in the order they lead, one cycle long; undefined when weights change nothing (all
 * equal, or all 0): plain rotation then, which is the same thing without the table.
 */
export function leaderWheel(weights: readonly number[]): readonly number[] | undefined {
  const n = weights.length;
  if (n < 2 || weights.every((w) => w === weights[0])) return undefined;
  const divisor = weights.reduce((g, w) => gcd(g, w), 0);
  const w = weights.map((x) => x / divisor);
  const total = w.reduce((a, b) => a + b, 0);
  const current = new Array<number>(n).fill(0);
  const wheel = new Array<number>(total);
  for (let k = 0; k < total; k++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      current[i]! += w[i]!;
      if (w[i]! > 0 && (best < 0 || current[i]! > current[best]!)) best = i;
    }
    current[best]! -= total;
    wheel[k] = best;
  }
  return wheel;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
