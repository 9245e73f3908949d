/**
 * The dependency rules of ../shared/ARCHITECTURE.md, enforced by `npm run check:deps` (part of `npm test`).
 * Change a rule only together with the architecture page.
 */
const SRC = '^src/';
const room = (name) => `^src/${name}/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'No import cycles anywhere.', from: {}, to: { circular: true } },
    {
      name: 'engine-is-pure',
      severity: 'error',
      comment: 'engine imports only codec, generated and its own files.',
      from: { path: room('engine') },
      to: { path: SRC, pathNot: [room('engine'), room('codec'), room('generated')] },
    },
    {
      name: 'generated-imports-only-codec',
      severity: 'error',
      from: { path: [room('generated'), '^test/generated/'] },
      to: { path: ['^src/', '^test/', '^codegen/'], pathNot: [room('codec'), room('generated'), '^test/generated/'] },
    },
    {
      name: 'session-not-engine-or-settlement',
      severity: 'error',
      from: { path: room('session') },
      to: { path: [room('engine'), room('settlement')] },
    },
    {
      name: 'fix-session-not-native',
      severity: 'error',
      from: { path: [room('fix'), room('session')] },
      to: { path: room('native') },
    },
    {
      name: 'src-never-imports-codegen',
      severity: 'error',
      from: { path: SRC },
      to: { path: '^codegen/' },
    },
    {
      name: 'codegen-is-standalone',
      severity: 'error',
      comment: 'codegen reads schemas and writes files; it never imports the product.',
      from: { path: '^codegen/' },
      to: { path: ['^src/', '^test/', '^perf/'] },
    },
    {
      name: 'only-gateway-wires',
      severity: 'error',
      comment: 'Only gateway/ (and its CLI) composes the parts; nothing in src imports gateway.',
      from: { path: SRC, pathNot: room('gateway') },
      to: { path: room('gateway') },
    },
    {
      name: 'product-not-tests',
      severity: 'error',
      from: { path: ['^src/', '^codegen/'] },
      to: { path: ['^test/', '^perf/'] },
    },
    {
      name: 'dev-oracles-not-in-product',
      severity: 'error',
      comment: 'fixparser (proprietary) and jspurefix are dev-time oracles and benchmark peers only.',
      from: { path: ['^src/', '^codegen/'] },
      to: { path: 'node_modules/(fixparser|jspurefix)/' },
    },
    {
      name: 'transport-not-session-or-engine',
      severity: 'error',
      comment: 'transport moves bytes and frames; it knows nothing of sessions or clearing.',
      from: { path: room('transport') },
      to: { path: [room('session'), room('engine'), room('settlement'), room('journal')] },
    },
    {
      name: 'transport-not-native',
      severity: 'error',
      comment: 'transport is the interface (and the pure-Node fallback); native implements it, never the reverse.',
      from: { path: room('transport') },
      to: { path: room('native') },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^build'] }, // node_modules is not excluded (only not followed): rules must see imports of packages
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
    },
  },
};
