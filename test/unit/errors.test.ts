import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLI_ERROR_CODES,
  CONFIG_ERROR_CODES,
  docsLink,
  ERRORS_DOC,
  IntermissionConfigError,
  IntermissionError,
  STATE_ERROR_CODES,
  SUBSCRIBER_ERROR_CODES,
  WARNING_CODES,
} from '../../src/errors.js';
import { IntermissionError as Exported, StateStoreError } from '../../src/index.js';
import { TemplateError } from '../../src/pages/templates.js';
import { TeaserFileError } from '../../src/teaser/source.js';
import { CliError } from '../../src/cli/errors.js';

const root = new URL('../../', import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** GitHub's heading anchors: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(
      heading!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

const ALL_CODES = [...CONFIG_ERROR_CODES, ...STATE_ERROR_CODES, ...SUBSCRIBER_ERROR_CODES, ...CLI_ERROR_CODES, ...WARNING_CODES];

describe('error codes and docs/errors.md', () => {
  const doc = read('docs/errors.md');
  const anchors = anchorsOf(doc);

  it('lists in src/errors.ts every code the source can emit', () => {
    const emitted = new Set<string>();
    for (const file of sourceFiles('src')) {
      for (const [code] of readFileSync(file, 'utf8').matchAll(/\b(?:ERR|WRN)_INTERMISSION_[A-Z_]+\b/g)) emitted.add(code);
    }
    expect(emitted.size).toBeGreaterThan(20);
    expect([...emitted].sort()).toEqual([...new Set<string>(ALL_CODES)].sort());
  });

  it('has one section per code, where docsLink points', () => {
    for (const code of ALL_CODES) {
      expect(doc.match(new RegExp(`^### ${code}$`, 'gm')), code).toHaveLength(1);
      const link = docsLink(code);
      expect(link.startsWith(`${ERRORS_DOC}#`)).toBe(true);
      expect(anchors, link).toContain(link.slice(link.indexOf('#') + 1));
    }
  });

  it('has no section for a code that does not exist', () => {
    const sections = [...doc.matchAll(/^### ((?:ERR|WRN)_INTERMISSION_[A-Z_]+)$/gm)].map(([, code]) => code);
    expect(sections.sort()).toEqual([...ALL_CODES].sort());
  });

  it('has a heading for every link into it from the docs and the README', () => {
    const links: string[] = [];
    for (const file of [
      'README.md',
      ...readdirSync(join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`),
    ]) {
      for (const [, anchor] of read(file).matchAll(/errors\.md#([\w-]+)/g)) links.push(anchor!);
    }
    for (const anchor of links) expect(anchors, anchor).toContain(anchor);
  });
});

describe('IntermissionError', () => {
  it('carries a code, a link to its section and one prefix', () => {
    const error = new IntermissionError('ERR_INTERMISSION_STORE', 'Intermission: no get(); pass a store');
    expect(error.message).toBe('Intermission: no get(); pass a store');
    expect(new IntermissionError('ERR_INTERMISSION_STORE', 'no get(); pass a store').message).toBe(error.message);
    expect(error.code).toBe('ERR_INTERMISSION_STORE');
    expect(error.docs).toBe('node_modules/intermission/docs/errors.md#err_intermission_store');
    expect(error.name).toBe('IntermissionError');
    expect(Exported).toBe(IntermissionError);
  });

  it('is the base of every error class in the package', () => {
    const errors = [
      new IntermissionConfigError([{ field: 'mode', code: 'ERR_INTERMISSION_INVALID_MODE', message: 'bad; use "off"' }]),
      new StateStoreError('ERR_INTERMISSION_STATE_INVALID', 'state file x is not valid JSON'),
      new TeaserFileError('cannot read the teaser file "x"'),
      new TemplateError('Views directory not found: /x', { file: '/x' }),
    ];
    const names = ['IntermissionConfigError', 'StateStoreError', 'TeaserFileError', 'TemplateError'];
    errors.forEach((error, index) => {
      expect(error).toBeInstanceOf(IntermissionError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(names[index]);
      expect(error.message).toMatch(/^Intermission: (?!Intermission: )/);
      expect(error.docs).toBe(docsLink(error.code));
    });
  });

  it('leaves the CLI error without the prefix, which the CLI prints itself', () => {
    const error = new CliError(2, 'ERR_INTERMISSION_USAGE', 'unknown command "donw"; did you mean "down"?');
    expect(error).toBeInstanceOf(IntermissionError);
    expect(error.message).toBe('unknown command "donw"; did you mean "down"?');
    expect(error.docs).toBe(docsLink('ERR_INTERMISSION_USAGE'));
  });

  it('lists every issue of a config error once, without borrowed prefixes, and links their sections', () => {
    const error = new IntermissionConfigError([
      { field: 'teaser.file', code: 'ERR_INTERMISSION_TEASER_FILE', message: 'Intermission: cannot read the teaser file "x"' },
      { field: 'mode', code: 'ERR_INTERMISSION_INVALID_MODE', message: 'bad; use "off"' },
    ]);
    expect(error.message).toBe(
      'Intermission: invalid configuration (2 problems):\n' +
        '  - teaser.file: cannot read the teaser file "x" [ERR_INTERMISSION_TEASER_FILE]\n' +
        '  - mode: bad; use "off" [ERR_INTERMISSION_INVALID_MODE]\n' +
        `See ${docsLink('ERR_INTERMISSION_TEASER_FILE')}, ${docsLink('ERR_INTERMISSION_INVALID_MODE')}`,
    );
    expect(error.issues[0]?.message).toBe('cannot read the teaser file "x"');
    expect(error.code).toBe('ERR_INTERMISSION_TEASER_FILE');
    expect(() => new IntermissionConfigError([])).toThrow(TypeError);
  });
});
