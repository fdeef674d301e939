// Organisers' passwords: argon2id (@node-rs/argon2, OWASP's parameters), and
// the rules a new one must meet.
import { hash, verify } from '@node-rs/argon2';

// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane (also the library's default).
// algorithm 2 is argon2id (the library's default; its enum is a const enum that this build cannot import).
const PARAMETERS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMETERS);
}

// Checked when there is no account or no password, so that an unknown email
// costs the same time as a known one and the answer's timing tells nothing.
const stand_in = hash(`no account ${Math.random()}`, PARAMETERS);

/** True when `password` matches `passwordHash`; for a missing hash, false after the same work. */
export async function passwordMatches(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  const target = passwordHash ?? (await stand_in);
  try {
    const matches = await verify(target, password);
    return matches && passwordHash != null;
  } catch {
    return false; // a malformed stored hash is no match
  }
}

/** Why a new password is refused, or undefined. Length is what matters (NIST SP 800-63B); no composition rules. */
export function passwordProblem(password: string, email: string): 'tooShort' | 'tooLong' | 'isEmail' | undefined {
  if ([...password].length < PASSWORD_MIN_LENGTH) return 'tooShort';
  if (password.length > PASSWORD_MAX_LENGTH) return 'tooLong';
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) return 'isEmail';
  return undefined;
}
