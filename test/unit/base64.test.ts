import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64ToBytes, bytesToBase64 } from '../../engine/src/index';

test('base64 of file bytes matches the standard encoding (RFC 4648 test vectors and random bytes)', () => {
  const vectors: [string, string][] = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
  for (const [plain, b64] of vectors) {
    const bytes = new TextEncoder().encode(plain);
    assert.equal(bytesToBase64(bytes), b64);
    assert.deepEqual(base64ToBytes(b64), bytes);
  }
  let seed = 7;
  const bytes = Uint8Array.from({ length: 50_001 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255);
  const b64 = bytesToBase64(bytes);
  assert.equal(b64, Buffer.from(bytes).toString('base64'));
  assert.deepEqual(base64ToBytes(b64), bytes);
});

test('base64 text that is not base64 decodes to null', () => {
  assert.equal(base64ToBytes('abc'), null);
  assert.equal(base64ToBytes('ab$='), null);
  assert.equal(base64ToBytes('Zm9v\u00e9mFy'), null);
});
