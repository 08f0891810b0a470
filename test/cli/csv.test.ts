import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvField, csvRecord } from '../../src/cli/commands/subscribers/csv.js';

describe('csvField: RFC 4180 quoting and formula defusing', () => {
  it.each([
    ['ada@example.com', 'ada@example.com'],
    ['', ''],
    // Formula starters get a leading quote (OWASP CSV injection).
    ['=cmd@example.com', "'=cmd@example.com"],
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+1@example.com', "'+1@example.com"],
    ['-2+3@example.com', "'-2+3@example.com"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    // Only the first character counts: an inner = or @ is data.
    ['a=b@example.com', 'a=b@example.com'],
    // Quoting: quotes doubled, commas and line breaks enclosed.
    ['a"b', '"a""b"'],
    ['a,b', '"a,b"'],
    ['a\nb', '"a\nb"'],
    ['a\r\nb', '"a\r\nb"'],
    ["'already", "'already"],
  ])('%j -> %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});

describe('csvRecord', () => {
  it('writes the four columns in header order, CRLF-terminated, lang empty when unknown', () => {
    expect(CSV_HEADER).toBe('email,subscribedAt,consent,lang\r\n');
    expect(csvRecord({ email: 'ada@example.com', subscribedAt: '2030-01-01T00:00:00.000Z', consent: true, lang: 'pt-BR' })).toBe(
      'ada@example.com,2030-01-01T00:00:00.000Z,true,pt-BR\r\n',
    );
    expect(csvRecord({ email: '-x@example.com', subscribedAt: '2030-01-01T00:00:00.000Z', consent: false })).toBe(
      "'-x@example.com,2030-01-01T00:00:00.000Z,false,\r\n",
    );
  });
});
