// `npm run lint` refuses import circles in src/, type-only imports included: a circle is a sign that
// two modules share a job, and it breaks the order in which the bundles initialise.
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circle (type-only imports count): move the shared piece into a module both can import.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
