// src/lib/text.ts: oneLine, the one way free text (an error message, a body line) becomes
// one printable line, and clip, which cuts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clip, oneLine } from '../src/lib/text.js';

test('oneLine folds whitespace and line breaks to one space, escapes the rest, clips', () => {
  assert.equal(oneLine('  a\n\n b\r\n\tc\u2028d  '), 'a b c d');
  assert.equal(oneLine('x\x1b[2Jy'), 'x\\x1b[2Jy');
  assert.equal(oneLine('abcdefgh', 5), 'abcd…');
  assert.equal(clip('abc', 3), 'abc');
});

test('clip cuts at n characters with an ellipsis, and only when needed', () => {
  assert.equal(clip('abcdef', 4), 'abc…');
  assert.equal(clip('abcd', 4), 'abcd');
  assert.equal(clip('', 1), '');
});
