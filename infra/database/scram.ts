/**
 * A PostgreSQL SCRAM-SHA-256 password verifier, computed where the password is: `CREATE ROLE …
 * PASSWORD '<verifier>'` stores it as it is, so the plaintext never travels to the server, and
 * cannot land in its logs when a statement fails or is slow.
 *
 * The format is PostgreSQL's (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`,
 * RFC 5802/7677). Passwords are taken as they are: the program's are generated ASCII letters and
 * digits, which SASLprep leaves unchanged.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/** PostgreSQL's default (`scram_iterations`). */
export const SCRAM_ITERATIONS = 4096;

export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new Error("A SCRAM verifier is computed here for printable ASCII passwords only.");
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
