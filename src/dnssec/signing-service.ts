// The server's signing: one pool of signing threads shared by every signed zone, and a ZoneSigner
// (the stage between loading and serving) for each zone whose configuration asks for DNSSEC.

import type { Logger } from '../log.js';
import type { SerialPolicy } from '../reload/serial-policy.js';
import type { ZoneStage } from '../reload/zones.js';
import { SigningPool, type Signer } from './sign-pool.js';
import type { SignPolicy } from './sign-zone.js';
import { ZoneSigner, type SignerClock } from './zone-signer.js';

export interface SigningServiceOptions {
  /** Required for any signed zone (the configuration checks it). */
  stateDir: string | undefined;
  log: Logger;
  /** The server-wide serial policy, for zones without their own. */
  serial: SerialPolicy;
  signer?: Signer;
  clock?: SignerClock;
}

export class SigningService {
  private readonly signers: ZoneSigner[] = [];
  private pool: Signer | undefined;

  constructor(private readonly opts: SigningServiceOptions) {}

  /** The stage for a zone with this policy (undefined or false: served as loaded). */
  stage(policy: SignPolicy | false | undefined, serial?: SerialPolicy): ZoneStage | undefined {
    if (policy === undefined || policy === false) return undefined;
    if (this.opts.stateDir === undefined) throw new Error('a signed zone needs a state directory');
    this.pool ??= this.opts.signer ?? new SigningPool();
    const signer = new ZoneSigner({
      policy, serialPolicy: serial ?? this.opts.serial, stateDir: this.opts.stateDir, signer: this.pool, log: this.opts.log, clock: this.opts.clock,
    });
    this.signers.push(signer);
    return signer;
  }

  /** Stops the refresh timers, finishes writing signed copies, stops the signing threads. */
  async close(): Promise<void> {
    for (const s of this.signers) s.close();
    await Promise.all(this.signers.map((s) => s.flush()));
    if (this.opts.signer === undefined) await this.pool?.close();
  }
}
