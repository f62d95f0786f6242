import { createHmac } from 'node:crypto';

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * The SigV4 signing key depends only on the secret and the scope (date, region, service), so
 * both embedded endpoints derive it once per scope instead of with four HMACs per request, as
 * the SDK's signer caches it.
 */
const signingKeys = new Map<string, Buffer>();
/** Scopes only change with the date; a flood of made-up regions must not grow this forever. */
const MAX_SIGNING_KEYS = 64;

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${date}\n${region}\n${service}\n${secret}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}
