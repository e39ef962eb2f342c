/**
 * Password hashing with scrypt at OWASP's recommended cost (N=2^17, r=8, p=1), stored as a
 * PHC-style string so the parameters travel with the hash and can be raised later without
 * breaking old accounts: `$scrypt$ln=17,r=8,p=1$<salt>$<key>` (unpadded base64).
 *
 * Each hash takes ~128 MiB and a few hundred ms of a libuv thread, so at most
 * `MAX_CONCURRENT_HASHES` run at once and the waiting line is bounded.
 */
import crypto from 'node:crypto'
import { promisify } from 'node:util'

const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number
  r: number
  p: number
}

export const CURRENT_PARAMS: ScryptParams = { ln: 17, r: 8, p: 1 }
const SALT_BYTES = 16
const KEY_BYTES = 64
const MAX_CONCURRENT_HASHES = 2
const MAX_WAITING_HASHES = 64

/** Thrown when too many hashes are already waiting: the caller answers "try again later". */
export class PasswordHasherBusyError extends Error {
  constructor() {
    super('too many password checks in progress')
    this.name = 'PasswordHasherBusyError'
  }
}

let running = 0
const waiting: (() => void)[] = []

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) {
    if (waiting.length >= MAX_WAITING_HASHES) throw new PasswordHasherBusyError()
    await new Promise<void>((resolve) => waiting.push(resolve))
  } else {
    running++
  }
  try {
    return await work()
  } finally {
    // hand the slot straight to the next in line, or give it back
    const next = waiting.shift()
    if (next) next()
    else running--
  }
}

function derive(password: string, salt: Buffer, keyBytes: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln
  return withHashSlot(() =>
    scrypt(password, salt, keyBytes, { N, r: params.r, p: params.p, maxmem: 2 * 128 * N * params.r * params.p }),
  )
}

const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '')

export async function hashPassword(password: string, params: ScryptParams = CURRENT_PARAMS): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES)
  const key = await derive(password, salt, KEY_BYTES, params)
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`
}

interface ParsedHash {
  params: ScryptParams
  salt: Buffer
  key: Buffer
}

const PHC_RE = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/

/** Bounds keep a corrupted row from asking for gigabytes. */
function parseHash(encoded: string): ParsedHash | null {
  const m = PHC_RE.exec(encoded)
  if (!m) return null
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) }
  if (params.ln < 10 || params.ln > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return null
  const salt = Buffer.from(m[4]!, 'base64')
  const key = Buffer.from(m[5]!, 'base64')
  if (salt.length < 16 || key.length < 32 || key.length > 128) return null
  return { params, salt, key }
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded)
  if (!parsed) throw new Error('unreadable password hash')
  const candidate = await derive(password, parsed.salt, parsed.key.length, parsed.params)
  return crypto.timingSafeEqual(candidate, parsed.key)
}

/**
 * A well-formed hash of nothing: verifying against it costs the same as a real check, so
 * "no such user" and "wrong password" take the same time.
 */
export const UNMATCHABLE_HASH = `$scrypt$ln=${CURRENT_PARAMS.ln},r=${CURRENT_PARAMS.r},p=${CURRENT_PARAMS.p}$${b64(
  crypto.randomBytes(SALT_BYTES),
)}$${b64(crypto.randomBytes(KEY_BYTES))}`
