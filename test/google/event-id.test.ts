import { describe, expect, it } from 'vitest';
import { googleEventId, isValidGoogleEventId } from '../../src/google/index.js';

describe('deterministic Google event ids', () => {
  it('one appointment of one host always gets the same id, whatever the email case', () => {
    expect(googleEventId('Ava@Example.com', 'appt-1')).toBe(googleEventId('ava@example.com', 'appt-1'));
  });

  it('the id is one Google accepts (base32hex, 5-1024 characters)', () => {
    const id = googleEventId('ava@example.com', 'appt_with-every_char-ZZZ');
    expect(id).toMatch(/^[a-v0-9]{5,1024}$/);
    expect(isValidGoogleEventId(id)).toBe(true);
  });

  it('another appointment, host or generation gets another id', () => {
    const ids = new Set([
      googleEventId('ava@example.com', 'appt-1'),
      googleEventId('ava@example.com', 'appt-2'),
      googleEventId('mateo@example.com', 'appt-1'),
      googleEventId('ava@example.com', 'appt-1', 1),
    ]);
    expect(ids.size).toBe(4);
  });

  it('ids outside Google’s alphabet or length are recognised as invalid', () => {
    expect(['abcd', 'ABCDE', 'abcdw', 'a'.repeat(1025), 'abc_de'].map(isValidGoogleEventId)).toEqual([false, false, false, false, false]);
  });

  it('a negative generation is refused', () => {
    expect(() => googleEventId('ava@example.com', 'appt-1', -1)).toThrow(RangeError);
  });
});
