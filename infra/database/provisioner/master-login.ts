/**
 * The provisioner's login as the RDS master, waiting out a password change RDS has not applied yet.
 * A rotation writes the master's new password to the instance and then to its secret; RDS applies
 * a master password change asynchronously, so for a while after the update returns the server may
 * still hold the old one and refuse the new one with SQLSTATE 28P01 (invalid password).
 */
import type { Sql } from "../sql";
import { ProvisionError } from "./provision";

/** SQLSTATE of a refused password. */
export const INVALID_PASSWORD = "28P01";

/**
 * The waits between tries: about two minutes in all, which covers RDS applying a master password
 * and leaves the function's five minutes for the provisioning itself.
 */
export const MASTER_LOGIN_WAITS_MS: readonly number[] = [5_000, 10_000, 15_000, 20_000, 30_000, 40_000];

export interface MasterLoginOptions {
  /** The master's user name, for the messages. */
  readonly user: string;
  /** The master secret's ARN, for the messages. */
  readonly secretArn: string;
  readonly waitsMs?: readonly number[];
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

/**
 * `connect()`, tried again after each of `waitsMs` while the server refuses the password; any other
 * failure is thrown at once (an unreachable server is not something waiting mends here).
 */
export async function loginAsMaster(connect: () => Promise<Sql>, options: MasterLoginOptions): Promise<Sql> {
  const waits = options.waitsMs ?? MASTER_LOGIN_WAITS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? (() => undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if ((error as { code?: unknown }).code !== INVALID_PASSWORD) throw error;
      const wait = waits[attempt];
      if (wait === undefined) {
        const waited = waits.reduce((sum, ms) => sum + ms, 0) / 1000;
        throw new ProvisionError(
          `The database refused the password of its master user "${options.user}" (SQLSTATE ${INVALID_PASSWORD}) ${attempt + 1} times over ${waited} seconds: ` +
            `the password in ${options.secretArn} is not the instance's yet. RDS may still be applying it ` +
            "(aws rds describe-db-instances lists it under PendingModifiedValues): wait until it does not, then run pulumi up again.",
        );
      }
      log(`the master login "${options.user}" was refused (SQLSTATE ${INVALID_PASSWORD}): RDS may still be applying a new password; trying again in ${wait / 1000} s`);
      await sleep(wait);
    }
  }
}
