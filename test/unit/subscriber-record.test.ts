import { describe, expect, it } from 'vitest';
import { checkSubscriberStore, SubscriberStoreError } from '../../src/signup/subscriber.js';
import {
  checkEmail,
  checkSubscriber,
  encodeAdd,
  encodeRecord,
  encodeRemove,
  parseEvent,
  parseRecord,
} from '../../src/signup/stores/record.js';

const valid = { email: 'a@example.com', subscribedAt: '2030-01-01T12:00:00Z', consent: true, lang: 'en' };

function invalidError(run: () => unknown): SubscriberStoreError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SubscriberStoreError);
    expect((error as SubscriberStoreError).code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
    return error as SubscriberStoreError;
  }
  throw new Error('expected a SubscriberStoreError');
}

describe('checkSubscriber', () => {
  it('keeps the four allowed fields and nothing else', () => {
    const withExtras = { ...valid, ip: '203.0.113.9', userAgent: 'curl/8', name: 'Ann', __proto__: { inherited: 1 } };
    expect(checkSubscriber(withExtras)).toEqual({
      email: 'a@example.com',
      subscribedAt: '2030-01-01T12:00:00.000Z',
      consent: true,
      lang: 'en',
    });
    expect(Object.keys(checkSubscriber(withExtras))).toEqual(['email', 'subscribedAt', 'consent', 'lang']);
  });

  it('writes the date in UTC with milliseconds, one spelling per instant', () => {
    expect(checkSubscriber({ ...valid, subscribedAt: '2030-01-01T13:00:00+01:00' }).subscribedAt).toBe('2030-01-01T12:00:00.000Z');
  });

  it('leaves lang out when it is absent', () => {
    expect('lang' in checkSubscriber({ ...valid, lang: undefined })).toBe(false);
    expect('lang' in checkSubscriber({ email: valid.email, subscribedAt: valid.subscribedAt, consent: false })).toBe(false);
  });

  it.each([
    ['not an object', 'a@example.com', 'expected an object'],
    ['null', null, 'expected an object'],
    ['an array', [valid], 'expected an object'],
    ['an address not normalised', { ...valid, email: 'a@EXAMPLE.com' }, '`email`'],
    ['an address with spaces around', { ...valid, email: ' a@example.com' }, '`email`'],
    ['a non-address', { ...valid, email: 'nope' }, '`email`'],
    ['a number as date', { ...valid, subscribedAt: 1_900_000_000_000 }, '`subscribedAt`'],
    ['a date without zone', { ...valid, subscribedAt: '2030-01-01T12:00:00' }, '`subscribedAt`'],
    ['a day that does not exist', { ...valid, subscribedAt: '2030-02-30T12:00:00Z' }, '`subscribedAt`'],
    ['consent as a string', { ...valid, consent: 'yes' }, '`consent`'],
    ['consent missing', { email: valid.email, subscribedAt: valid.subscribedAt }, '`consent`'],
    ['lang with a space', { ...valid, lang: 'en US' }, '`lang`'],
    ['lang too long', { ...valid, lang: `en-${'a'.repeat(40)}` }, '`lang`'],
    ['lang starting with a digit', { ...valid, lang: '1en' }, '`lang`'],
    ['lang with an empty subtag', { ...valid, lang: 'en--US' }, '`lang`'],
    ['lang with markup', { ...valid, lang: '<script>' }, '`lang`'],
    ['lang as a number', { ...valid, lang: 7 }, '`lang`'],
  ])('refuses %s, naming the field', (_name, value, field) => {
    expect(invalidError(() => checkSubscriber(value)).message).toContain(field);
  });

  it.each(['en', 'pt-BR', 'zh-Hant-TW', 'sr-Latn-RS', 'de-CH-1996', 'x-klingon'])('accepts the language tag %j', (lang) => {
    expect(checkSubscriber({ ...valid, lang }).lang).toBe(lang);
  });
});

describe('checkEmail', () => {
  it('normalises, or throws the invalid code with the reason', () => {
    expect(checkEmail(' A@Example.COM ')).toBe('A@example.com');
    expect(invalidError(() => checkEmail('a@@example.com')).message).toContain('multiple-at');
  });
});

describe('log events', () => {
  it('round-trips an add and a remove', () => {
    const subscriber = checkSubscriber(valid);
    expect(encodeAdd(subscriber)).toBe(
      '{"op":"add","email":"a@example.com","subscribedAt":"2030-01-01T12:00:00.000Z","consent":true,"lang":"en"}\n',
    );
    expect(parseEvent(encodeAdd(subscriber).trim())).toEqual({ op: 'add', subscriber });
    expect(parseEvent(encodeRemove('a@example.com').trim())).toEqual({ op: 'remove', email: 'a@example.com' });
  });

  it.each([
    ['a torn line', '{"op":"add","email":"a@exam'],
    ['an empty object', '{}'],
    ['an unknown op', '{"op":"update","email":"a@example.com"}'],
    ['a remove of a non-address', '{"op":"remove","email":"nope"}'],
    ['a remove of an address not normalised', '{"op":"remove","email":"a@EXAMPLE.com"}'],
    ['an add without consent', '{"op":"add","email":"a@example.com","subscribedAt":"2030-01-01T12:00:00Z"}'],
    ['JSON that is not an object', '["add"]'],
    ['null', 'null'],
    ['not JSON', 'hello'],
  ])('returns undefined for %s', (_name, line) => {
    expect(parseEvent(line)).toBeUndefined();
  });

  it('drops fields a hand edit added to a line', () => {
    const event = parseEvent(
      '{"op":"add","email":"a@example.com","subscribedAt":"2030-01-01T12:00:00Z","consent":false,"ip":"203.0.113.9"}',
    );
    expect(event).toEqual({ op: 'add', subscriber: { email: 'a@example.com', subscribedAt: '2030-01-01T12:00:00.000Z', consent: false } });
  });
});

describe('Redis records', () => {
  it('stores no address in the record and reads it back with one', () => {
    const subscriber = checkSubscriber(valid);
    const json = encodeRecord(subscriber);
    expect(json).not.toContain('a@example.com');
    expect(parseRecord('a@example.com', json)).toEqual(subscriber);
  });

  it('refuses a record for an address that is not normalised, or a broken record', () => {
    expect(parseRecord('A@EXAMPLE.COM', encodeRecord(checkSubscriber(valid)))).toBeUndefined();
    expect(parseRecord('a@example.com', '{"subscribedAt":"x","consent":true}')).toBeUndefined();
    expect(parseRecord('a@example.com', 'not json')).toBeUndefined();
  });
});

describe('checkSubscriberStore', () => {
  const store = { add: () => 'added', remove: () => true, count: () => 0, list: async function* () {} };

  it('accepts a store with the four required methods, sync or async', () => {
    expect(checkSubscriberStore(store)).toBe(store);
  });

  it.each([
    ['nothing', undefined, 'must be a SubscriberStore'],
    ['a function', () => {}, 'must be a SubscriberStore'],
    ['a store without list', { ...store, list: undefined }, 'no list method'],
    ['a store without add and count', { remove: store.remove, list: store.list }, 'no add, count method'],
    ['a store whose close is not a function', { ...store, close: true }, 'close must be a function'],
  ])('refuses %s with a TypeError naming what is missing', (_name, value, message) => {
    expect(() => checkSubscriberStore(value, 'signup.store')).toThrow(TypeError);
    expect(() => checkSubscriberStore(value, 'signup.store')).toThrow(message);
  });
});
