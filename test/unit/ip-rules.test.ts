import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { admittedSpace, checkIpRule } from '../../src/bypass/ip-rule-parse.js';
import { compileIpRules } from '../../src/bypass/ip-rules.js';
import { IntermissionConfigError, intermission } from '../../src/index.js';
import { mulberry32 } from '../support/random.mjs';

function matcherOf(rules: string[], cacheLimit?: number) {
  const { matcher, errors } = compileIpRules(rules, cacheLimit === undefined ? {} : { cacheLimit });
  expect(errors).toEqual([]);
  return matcher;
}

describe('compileIpRules: valid rules', () => {
  it.each([
    '10.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '10.0.0.0/8',
    '0.0.0.0/0',
    '192.168.1.7/32',
    '::',
    '::1',
    '::/0',
    '2001:db8::/32',
    '2001:DB8::/32',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '2001:db8::1/128',
    'fe80::/10',
    '::ffff:10.0.0.0/104',
    '::ffff:0:0/96',
    '::ffff:1.2.3.4',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:1.2.3.4',
    '  10.0.0.1  ', // surrounding whitespace (comma-separated env lists) is trimmed
  ])('accepts %j', (rule) => {
    const { matcher, errors } = compileIpRules([rule]);
    expect(errors).toEqual([]);
    expect(matcher.size).toBe(1);
    expect(checkIpRule(rule)).toBeUndefined();
  });
});

describe('compileIpRules: invalid rules', () => {
  const IP = 'ERR_INTERMISSION_INVALID_IP';
  const CIDR = 'ERR_INTERMISSION_INVALID_CIDR';
  it.each<[unknown, string, RegExp]>([
    ['010.0.0.1', IP, /leading zeros are ambiguous \(octal\?\); write 10\.0\.0\.1/],
    ['10.0.0.01', IP, /leading zeros.*write 10\.0\.0\.1/],
    ['127.1', IP, /four dotted decimal octets.*write all four, e\.g\. 127\.0\.0\.1/],
    ['127.0.1', IP, /four dotted decimal octets/],
    ['1.2.3.4.', IP, /four dotted decimal octets/],
    ['1..2.3', IP, /octet is empty/],
    ['0x7f.0.0.1', IP, /hexadecimal.*decimal/],
    ['256.1.1.1', IP, /"256" is out of range; each octet is 0 to 255/],
    ['2130706433', IP, /four dotted decimal octets/],
    ['-1.2.3.4', IP, /characters other than digits and dots/],
    ['localhost', IP, /host names are not resolved/],
    ['example.com', IP, /host names are not resolved/],
    ['', IP, /empty rule/],
    ['   ', IP, /empty rule/],
    ['10.0.0.1 10.0.0.2', IP, /whitespace/],
    ['10.0.0.0 /8', CIDR, /whitespace/],
    ['1.2.3.4, 5.6.7.8', IP, /comma; give each address/],
    ['fe80::1%eth0', IP, /zone ids are not allowed in rules; write "fe80::1"/],
    ['fe80::%1/64', CIDR, /zone ids are not allowed.*"fe80::\/64"/],
    ['[::1]', IP, /remove the brackets; write "::1"/],
    ['10.0.0.0/33', CIDR, /\/33 is out of range for IPv4; use \/0 to \/32/],
    ['2001:db8::/129', CIDR, /\/129 is out of range for IPv6; use \/0 to \/128/],
    ['10.0.0.0/08', CIDR, /\/08 has a leading zero; write \/8/],
    ['10.0.0.0/', CIDR, /missing prefix length/],
    ['/8', CIDR, /missing address/],
    ['10.0.0.0/8/8', CIDR, /more than one '\/'/],
    ['10.0.0.0/x', CIDR, /not a decimal number/],
    ['10.0.0.0/-1', CIDR, /not a decimal number/],
    ['10.0.0.0/+8', CIDR, /not a decimal number/],
    ['010.0.0.0/8', CIDR, /leading zeros/],
    ['10.0.0.1/8', CIDR, /host bits are set.*write 10\.0\.0\.0\/8 for the range, or 10\.0\.0\.1\/32 for one address/],
    ['192.168.1.1/24', CIDR, /write 192\.168\.1\.0\/24/],
    ['2001:db8::1/32', CIDR, /host bits.*write 2001:db8::\/32/],
    ['::ffff:10.0.0.1/104', CIDR, /host bits.*write ::ffff:10\.0\.0\.0\/104/],
    ['1::2::3', IP, /'::' may appear only once/],
    ['1:::2', IP, /':::' is not valid/],
    [':1:2:3:4:5:6:7', IP, /starts with a single ':'/],
    ['1:2:3:4:5:6:7:', IP, /ends with a single ':'/],
    ['12345::1', IP, /"12345" has more than four hex digits/],
    ['1:2:3:4:5:6:7:8:9', IP, /has 9 groups/],
    ['1:2:3', IP, /has 3 groups/],
    ['1:2:3:4::5:6:7:8', IP, /'::', which must stand for at least one zero group/],
    ['g::1', IP, /invalid character "g"/],
    ['::ffff:999.1.1.1', IP, /embedded IPv4 part: octet "999" is out of range/],
    ['::ffff:01.1.1.1', IP, /embedded IPv4 part: leading zeros/],
    ['1.2.3.4::', IP, /embedded IPv4 address may only come last/],
    ['::1.2.3.4:5', IP, /embedded IPv4 address may only come last/],
    ['1:2:3:4:5:6:7:1.2.3.4', IP, /groups/],
    ['1'.repeat(50), IP, /too long/],
    [42, IP, /must be a string, got number 42/],
    [null, IP, /must be a string, got null/],
    [undefined, IP, /must be a string, got undefined/],
    [{ ip: '10.0.0.1' }, IP, /must be a string, got an object/],
  ])('rejects %j with %s', (rule, code, reason) => {
    const { matcher, errors } = compileIpRules(['10.9.9.9', rule as string]);
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error).toMatchObject({ index: 1, code });
    expect(error?.reason).toMatch(reason);
    expect(typeof error?.rule).toBe('string');
    // The bad rule is left out and does not widen the matcher.
    expect(matcher.size).toBe(1);
    expect(checkIpRule(rule)).toEqual({ code, reason: error?.reason });
  });

  it('reports every bad rule with its index, keeping the good ones', () => {
    const { matcher, errors } = compileIpRules(['10.0.0.1', '127.1', '10.0.0.0/8', '::1/200']);
    expect(errors.map((error) => [error.index, error.rule, error.code])).toEqual([
      [1, '127.1', 'ERR_INTERMISSION_INVALID_IP'],
      [3, '::1/200', 'ERR_INTERMISSION_INVALID_CIDR'],
    ]);
    expect(matcher.size).toBe(2);
    expect(matcher.matches('10.1.2.3')).toBe(true);
    expect(matcher.matches('127.0.0.1')).toBe(false);
  });

  it('survives a list that is not an array', () => {
    for (const rules of [undefined, null, '10.0.0.1', 42, { 0: '10.0.0.1' }]) {
      const { matcher, errors } = compileIpRules(rules as unknown as string[]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ index: -1, code: 'ERR_INTERMISSION_INVALID_IP' });
      expect(matcher.size).toBe(0);
      expect(matcher.matches('10.0.0.1')).toBe(false);
    }
  });
});

describe('IpMatcher.matches', () => {
  it('matches nothing with an empty list, without caching', () => {
    const matcher = matcherOf([]);
    expect(matcher.size).toBe(0);
    for (const address of ['10.0.0.1', '::1', '::ffff:1.2.3.4', '', undefined]) expect(matcher.matches(address)).toBe(false);
    expect(matcher.cacheSize).toBe(0);
  });

  it('matches a single IPv4 address exactly', () => {
    const matcher = matcherOf(['192.0.2.10']);
    expect(matcher.matches('192.0.2.10')).toBe(true);
    expect(matcher.matches('192.0.2.11')).toBe(false);
    expect(matcher.matches('192.0.2.9')).toBe(false);
    expect(matcher.matches('192.0.2.1')).toBe(false);
  });

  it.each<[string, string, string, string, string]>([
    // rule, one below, first, last, one above
    ['10.0.0.0/8', '9.255.255.255', '10.0.0.0', '10.255.255.255', '11.0.0.0'],
    ['192.168.4.0/22', '192.168.3.255', '192.168.4.0', '192.168.7.255', '192.168.8.0'],
    ['192.0.2.7/32', '192.0.2.6', '192.0.2.7', '192.0.2.7', '192.0.2.8'],
    ['2001:db8::/32', '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db9::'],
    ['2001:db8:0:1::/64', '2001:db8::ffff:ffff:ffff:ffff', '2001:db8:0:1::', '2001:db8:0:1:ffff:ffff:ffff:ffff', '2001:db8:0:2::'],
    ['2001:db8::8/125', '2001:db8::7', '2001:db8::8', '2001:db8::f', '2001:db8::10'],
    ['2001:db8::1/128', '2001:db8::', '2001:db8::1', '2001:db8::1', '2001:db8::2'],
    ['::ffff:10.0.0.0/104', '9.255.255.255', '10.0.0.0', '10.255.255.255', '11.0.0.0'],
  ])('%s: edges of the range', (rule, below, first, last, above) => {
    const matcher = matcherOf([rule]);
    expect(matcher.matches(below)).toBe(false);
    expect(matcher.matches(first)).toBe(true);
    expect(matcher.matches(last)).toBe(true);
    expect(matcher.matches(above)).toBe(false);
  });

  it('0.0.0.0/0 matches every IPv4 (also mapped) and no native IPv6', () => {
    const matcher = matcherOf(['0.0.0.0/0']);
    for (const address of ['0.0.0.0', '255.255.255.255', '8.8.8.8', '::ffff:8.8.8.8', '::ffff:0:0'])
      expect(matcher.matches(address)).toBe(true);
    for (const address of ['::1', '::', '2001:db8::1', '::fffe:ffff:ffff', '::1:0:0:0']) expect(matcher.matches(address)).toBe(false);
  });

  it('::/0 matches every address, IPv4 included (one address space)', () => {
    const matcher = matcherOf(['::/0']);
    for (const address of ['0.0.0.0', '8.8.8.8', '::', '::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::1']) {
      expect(matcher.matches(address)).toBe(true);
    }
  });

  it('/32 and /128 match one address', () => {
    const matcher = matcherOf(['203.0.113.5/32', '2001:db8::5/128']);
    expect(matcher.matches('203.0.113.5')).toBe(true);
    expect(matcher.matches('203.0.113.4')).toBe(false);
    expect(matcher.matches('2001:db8::5')).toBe(true);
    expect(matcher.matches('2001:db8::4')).toBe(false);
    expect(matcher.matches('2001:db8::6')).toBe(false);
  });

  it.each([
    '2001:db8::1',
    '2001:DB8::1',
    '2001:0db8::0001',
    '2001:0DB8:0000:0000:0000:0000:0000:0001',
    '2001:db8:0:0:0:0:0:1',
    '2001:db8:0::0:1',
    '2001:db8::0.0.0.1',
  ])('IPv6 text form %s matches the rule 2001:db8::1', (address) => {
    expect(matcherOf(['2001:db8::1']).matches(address)).toBe(true);
    expect(matcherOf(['2001:0DB8:0:0:0:0:0:1']).matches(address)).toBe(true);
  });

  describe('IPv4-mapped IPv6 (decided from the bits)', () => {
    const mappedForms = [
      '::ffff:1.2.3.4',
      '::ffff:102:304',
      '::FFFF:0102:0304',
      '0:0:0:0:0:ffff:1.2.3.4',
      '0000:0000:0000:0000:0000:ffff:0102:0304',
      '::0:ffff:1.2.3.4',
    ];

    it.each(mappedForms)('%s matches the IPv4 rule 1.2.3.0/24 and the address 1.2.3.4', (address) => {
      expect(matcherOf(['1.2.3.0/24']).matches(address)).toBe(true);
      expect(matcherOf(['1.2.3.4']).matches(address)).toBe(true);
      expect(matcherOf(['1.2.3.5']).matches(address)).toBe(false);
    });

    it.each(['::ffff:1.2.3.0/120', '::ffff:102:300/120', '::ffff:0:0/96', '::ffff:1.2.3.4', '::ffff:102:304/128', '::/64'])(
      'the IPv6 rule %s matches the IPv4 address 1.2.3.4 and its mapped form',
      (rule) => {
        const matcher = matcherOf([rule]);
        expect(matcher.matches('1.2.3.4')).toBe(true);
        expect(matcher.matches('::ffff:1.2.3.4')).toBe(true);
      },
    );

    it('a mapped rule is exactly its IPv4 range', () => {
      const matcher = matcherOf(['::ffff:10.0.0.0/104']);
      expect(matcher.matches('10.20.30.40')).toBe(true);
      expect(matcher.matches('11.0.0.0')).toBe(false);
      expect(matcher.matches('::ffff:10.1.1.1')).toBe(true);
    });

    it('IPv4-compatible (::a.b.c.d), NAT64 and other look-alikes are not IPv4', () => {
      const matcher = matcherOf(['1.2.3.4']);
      for (const address of ['::1.2.3.4', '::102:304', '64:ff9b::1.2.3.4', '::fffe:1.2.3.4', '1::ffff:1.2.3.4', '::ffff:0:1.2.3.4']) {
        expect(matcher.matches(address)).toBe(false);
      }
      const v6 = matcherOf(['::102:304']);
      expect(v6.matches('1.2.3.4')).toBe(false);
      expect(v6.matches('::1.2.3.4')).toBe(true);
    });

    it('an IPv6 rule outside ::ffff:0:0/96 never matches IPv4', () => {
      const matcher = matcherOf(['::/81', '::1:0:0:0/80', '2001:db8::/32']);
      expect(matcher.matches('::1')).toBe(true);
      expect(matcher.matches('1.2.3.4')).toBe(false);
      expect(matcher.matches('::ffff:1.2.3.4')).toBe(false);
    });
  });

  describe('zone ids: dropped on link-local addresses, refused elsewhere', () => {
    const matcher = matcherOf(['fe80::1', '2001:db8::/32', '10.0.0.0/8', 'febf::/16']);
    it.each<[string, boolean]>([
      ['fe80::1%eth0', true],
      ['fe80::1%1', true],
      ['FE80::1%en0', true],
      ['fe80::1', true],
      ['fe80::2%eth0', false],
      ['febf::1%eth0', true], // still inside fe80::/10
      ['2001:db8::1%eth0', false], // a global address with a zone is not what Node reports
      ['::ffff:10.0.0.1%eth0', false],
      ['10.0.0.1%eth0', false],
      ['fe80::1%', false],
      ['fe80::1%%eth0', false],
      ['fe80::1%eth 0', false],
      [`fe80::1%${'x'.repeat(33)}`, false],
      ['fe80::1%eth0%eth1', false],
      ['fe80::1%br-1a2b.100', true],
      ['fe80::1%eth0/64', false],
      ['fe80::1%eth0:1', false],
    ])('%j → %s', (address, expected) => {
      expect(matcher.matches(address)).toBe(expected);
    });
  });

  describe('garbage never matches and never throws', () => {
    const matcher = matcherOf(['0.0.0.0/0', '::/0']);
    it.each([
      '',
      ' ',
      '1.2.3.4, 5.6.7.8', // an X-Forwarded-For value
      '1.2.3.4,5.6.7.8',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1.2.3.4\n',
      '1.2.3.4\0',
      '::ffff:999.1.1.1',
      '::ffff:1.2.3',
      '010.0.0.1',
      '127.1',
      '0x7f.0.0.1',
      '2130706433',
      '1.2.3.4/32',
      '::1/128',
      '[::1]',
      '[::1]:80',
      '1.2.3.4:80',
      'localhost',
      '1::2::3',
      '12345::',
      ':::',
      ':',
      '::ffff:1.2.3.4.5',
      '1.2.3.256',
      '１.２.３.４', // full-width digits
      '١.٢.٣.٤',
    ])('%j', (address) => {
      expect(matcher.matches(address)).toBe(false);
    });

    it('absurdly long strings are refused before parsing or caching', () => {
      const matcher = matcherOf(['0.0.0.0/0', '::/0']);
      for (const address of [
        'a'.repeat(100_000),
        '1.'.repeat(50_000),
        `::ffff:${'0'.repeat(10_000)}1.2.3.4`,
        `fe80::1%${'e'.repeat(10_000)}`,
        '1'.repeat(79),
      ]) {
        expect(matcher.matches(address)).toBe(false);
      }
      expect(matcher.cacheSize).toBe(0);
    });

    it('non-strings at run time', () => {
      for (const value of [
        undefined,
        null,
        0,
        16909060,
        1n,
        {},
        [],
        ['1.2.3.4'],
        { toString: () => '1.2.3.4' },
        Symbol('x'),
        () => '1.2.3.4',
      ]) {
        expect(matcher.matches(value as unknown as string)).toBe(false);
      }
      expect(matcher.matches('1.2.3.4')).toBe(true);
    });
  });
});

describe('result cache', () => {
  it('stays within its limit under many distinct addresses and keeps answering correctly', () => {
    const matcher = matcherOf(['10.0.0.0/8'], 8);
    for (let i = 0; i < 1000; i++) {
      const inside = i % 2 === 0;
      const address = inside ? `10.0.${i >> 8}.${i & 255}` : `11.0.${i >> 8}.${i & 255}`;
      expect(matcher.matches(address)).toBe(inside);
      expect(matcher.matches(address)).toBe(inside); // second answer comes from the cache
      expect(matcher.cacheSize).toBeLessThanOrEqual(8);
    }
    expect(matcher.cacheSize).toBeGreaterThan(0);
  });

  it('defaults to 4,096 entries', () => {
    const matcher = matcherOf(['10.0.0.0/8']);
    for (let i = 0; i < 25_000; i++) matcher.matches(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(matcher.cacheSize).toBeGreaterThan(0);
    expect(matcher.cacheSize).toBeLessThanOrEqual(4096);
  });

  it('remembers only matches, so a flood of random addresses leaves it alone', () => {
    const matcher = matcherOf(['10.0.0.0/8', '2001:db8::/32'], 16);
    expect(matcher.matches('10.0.0.1')).toBe(true);
    expect(matcher.matches('2001:db8::1')).toBe(true);
    for (let i = 0; i < 10_000; i++) {
      expect(matcher.matches(`11.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)).toBe(false);
      expect(matcher.matches(`2001:db9::${i.toString(16)}`)).toBe(false);
    }
    expect(matcher.cacheSize).toBe(2);
  });

  it('does not cache strings that are rejected before parsing, and can be turned off', () => {
    const matcher = matcherOf(['10.0.0.0/8'], 4);
    matcher.matches('x'.repeat(1000));
    matcher.matches('');
    matcher.matches(undefined);
    expect(matcher.cacheSize).toBe(0);
    const uncached = matcherOf(['10.0.0.0/8'], 0);
    expect(uncached.matches('10.0.0.1')).toBe(true);
    expect(uncached.cacheSize).toBe(0);
  });

  it('ignores a nonsensical limit', () => {
    for (const cacheLimit of [-1, 1.5, Number.NaN, Infinity]) {
      const matcher = matcherOf(['10.0.0.0/8'], cacheLimit);
      expect(matcher.matches('10.0.0.1')).toBe(true);
      expect(matcher.cacheSize).toBe(1);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The fast structure against two slow references over random rules and addresses.

const MAPPED = 0xffffn << 32n;
const MAX_128 = (1n << 128n) - 1n;

function v4Text(v: bigint): string {
  const n = Number(v);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Eight groups, zero-padded: the independent "expanded" form. */
function v6Expanded(v: bigint): string {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((v >> shift) & 0xffffn).toString(16).padStart(4, '0'));
  return groups.join(':');
}

/** WHATWG URL's IPv6 serializer compresses for us, independently of the code under test. */
function v6Compressed(v: bigint): string {
  return new URL(`http://[${v6Expanded(v)}]/`).hostname.slice(1, -1);
}

describe('compiled ranges agree with net.BlockList and a BigInt loop', () => {
  it('1,000 random CIDRs × 10,000 random addresses', () => {
    const random = mulberry32(20240611); // seeded, so a failure can be replayed
    const bits = (n: number): bigint => {
      let value = 0n;
      for (let i = 0; i < n; i += 16) value = (value << 16n) | BigInt(Math.floor(random() * 65536));
      return value & ((1n << BigInt(n)) - 1n);
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    // A few IPv6 roots so that random ranges nest, overlap and touch.
    const roots = [0x20010db8n, 0x2a001450n, 0xfe800000n, 0x00000000n];

    interface Rule {
      text: string;
      start: bigint;
      end: bigint;
    }
    const rules: Rule[] = [];
    while (rules.length < 1000) {
      const kind = random();
      if (kind < 0.6) {
        const prefix = random() < 0.05 ? 8 + Math.floor(random() * 8) : 16 + Math.floor(random() * 17);
        const hostBits = BigInt(32 - prefix);
        const network = (bits(32) >> hostBits) << hostBits;
        rules.push({ text: `${v4Text(network)}/${prefix}`, start: MAPPED + network, end: MAPPED + network + (1n << hostBits) - 1n });
      } else if (kind < 0.7) {
        // An IPv4 range written as a mapped IPv6 rule.
        const prefix = 12 + Math.floor(random() * 21);
        const hostBits = BigInt(32 - prefix);
        const network = (bits(32) >> hostBits) << hostBits;
        rules.push({
          text: `::ffff:${v4Text(network)}/${96 + prefix}`,
          start: MAPPED + network,
          end: MAPPED + network + (1n << hostBits) - 1n,
        });
      } else {
        const prefix = 40 + Math.floor(random() * 89);
        const hostBits = BigInt(128 - prefix);
        const network = (((pick(roots) << 96n) | bits(96)) >> hostBits) << hostBits;
        const text = random() < 0.5 ? v6Compressed(network) : v6Expanded(network).toUpperCase();
        rules.push({ text: `${text}/${prefix}`, start: network, end: network + (1n << hostBits) - 1n });
      }
    }

    const { matcher, errors } = compileIpRules(rules.map((rule) => rule.text));
    expect(errors).toEqual([]);
    expect(matcher.size).toBe(1000);
    const blockList = new BlockList();
    for (const rule of rules) {
      const [address = '', prefix = ''] = rule.text.split('/');
      blockList.addSubnet(address, Number(prefix), address.includes(':') ? 'ipv6' : 'ipv4');
    }

    const addresses: { text: string; value: bigint }[] = [];
    const clamp = (v: bigint, low: bigint, high: bigint) => (v < low ? low : v > high ? high : v);
    while (addresses.length < 10_000) {
      const kind = random();
      const rule = pick(rules);
      // Inside a rule, on its edges or just outside them; else anywhere.
      const near = pick([
        rule.start - 1n,
        rule.start,
        rule.end,
        rule.end + 1n,
        rule.start + ((rule.end - rule.start) * BigInt(Math.floor(random() * 1000))) / 1000n,
      ]);
      let value: bigint;
      if (kind < 0.5) value = near;
      else if (kind < 0.7) value = MAPPED + bits(32);
      else value = (pick(roots) << 96n) | bits(96);
      value = clamp(value, 0n, MAX_128);
      const isV4 = value >= MAPPED && value <= MAPPED + 0xffffffffn;
      let text: string;
      if (isV4) {
        const v4 = value - MAPPED;
        text = pick([
          v4Text(v4),
          v4Text(v4),
          `::ffff:${v4Text(v4)}`,
          v6Compressed(value),
          v6Expanded(value).toUpperCase(),
          `0:0:0:0:0:ffff:${v4Text(v4)}`,
        ]);
      } else {
        text = pick([v6Compressed(value), v6Expanded(value), v6Compressed(value).toUpperCase()]);
      }
      addresses.push({ text, value });
    }

    let inside = 0;
    for (const { text, value } of addresses) {
      const expected = rules.some((rule) => value >= rule.start && value <= rule.end);
      const reference = blockList.check(text, text.includes(':') ? 'ipv6' : 'ipv4');
      expect(reference, `net.BlockList disagrees with the BigInt loop on ${text}`).toBe(expected);
      expect(matcher.matches(text), text).toBe(expected);
      if (expected) inside++;
    }
    // The sample must exercise both answers, not only misses.
    expect(inside).toBeGreaterThan(2000);
    expect(addresses.length - inside).toBeGreaterThan(2000);

    // Same answers again, now served by the cache.
    for (const { text, value } of addresses.slice(0, 2000)) {
      expect(matcher.matches(text)).toBe(rules.some((rule) => value >= rule.start && value <= rule.end));
    }
  });
});

/** The prefixes that together cover everything outside `network/prefix`: one per bit of the prefix, that bit flipped. */
function complementOf(network: bigint, prefix: number): string[] {
  const rules: string[] = [];
  for (let bit = 0; bit < prefix; bit++) {
    const length = bit + 1;
    const hostBits = BigInt(128 - length);
    const flipped = ((network >> hostBits) ^ 1n) << hostBits;
    rules.push(`${v6Expanded(flipped)}/${length}`);
  }
  return rules;
}

describe('admittedSpace: rules that together admit a whole address space', () => {
  it.each([
    [['0.0.0.0/1', '128.0.0.0/1'], 'IPv4'],
    [['128.0.0.0/1', '10.0.0.1', '0.0.0.0/1'], 'IPv4'],
    [['0.0.0.0/1', '128.0.0.0/2', '192.0.0.0/2'], 'IPv4'],
    [['0.0.0.0/2', '64.0.0.0/2', '128.0.0.0/2', '192.0.0.0/2'], 'IPv4'],
    // Mixed notations: a mapped IPv6 half and an IPv4 half.
    [['::ffff:0.0.0.0/97', '128.0.0.0/1'], 'IPv4'],
    [['::ffff:0:0/96'], 'IPv4'],
    [['0.0.0.0/0'], 'IPv4'],
    [['::/1', '8000::/1'], 'IPv6'],
    [['::/0'], 'IPv6'],
    // Every IPv6 client without the IPv4-mapped block (which only IPv4 clients use).
    [complementOf(MAPPED, 96), 'IPv6'],
  ] as const)('%j admits every %s client', (rules, space) => {
    expect(admittedSpace(rules)).toBe(space);
  });

  it.each([
    [['0.0.0.0/1', '128.0.0.0/2']],
    [
      [
        '0.0.0.0/1',
        '128.0.0.0/2',
        '192.0.0.0/3',
        '224.0.0.0/4',
        '240.0.0.0/5',
        '248.0.0.0/6',
        '252.0.0.0/7',
        '254.0.0.0/8',
        '255.0.0.0/9',
        '255.128.0.0/10',
        '255.255.255.254/32',
      ],
    ],
    [['8000::/1', '4000::/2']],
    [complementOf(MAPPED, 96).slice(1)],
    [['0.0.0.0/1', 'not-an-ip', '128.0.0.0/33']],
    [[]],
    ['0.0.0.0/0'],
  ] as const)('%j does not', (rules) => {
    expect(admittedSpace(rules)).toBeUndefined();
  });

  it('is refused at start-up as one issue on allow.ips, in options and in the environment', () => {
    const make = (options: Parameters<typeof intermission>[0]) => () =>
      intermission({ configFile: false, env: {}, logger: false, ...options });
    const cases: [Parameters<typeof intermission>[0], string][] = [
      [{ allow: { ips: ['0.0.0.0/1', '128.0.0.0/1'] } }, 'allow.ips'],
      [{ allow: { ips: complementOf(MAPPED, 96) } }, 'allow.ips'],
      [{ env: { INTERMISSION_ALLOW_IPS: '128.0.0.0/1, 0.0.0.0/1' } }, 'INTERMISSION_ALLOW_IPS'],
    ];
    for (const [options, field] of cases) {
      const error = ((): unknown => {
        try {
          make(options)();
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(IntermissionConfigError);
      const issues = (error as IntermissionConfigError).issues;
      expect(issues).toEqual([
        expect.objectContaining({
          field,
          code: 'ERR_INTERMISSION_INVALID_CIDR',
          message: expect.stringMatching(/together the rules admit every IPv[46] client/),
        }),
      ]);
    }
    // A single rule that admits everyone keeps its own, indexed issue and no second one.
    expect(() => make({ allow: { ips: ['10.0.0.1', '0.0.0.0/0'] } })()).toThrow(/allow\.ips\[1\]/);
    expect(() => make({ allow: { ips: ['0.0.0.0/1', '128.0.0.0/2'] } })()).not.toThrow();
  });
});
