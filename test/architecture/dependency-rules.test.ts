import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

/** Run the project's rules over a throwaway tree; proves each rule can fail. */
function cruise(files: Record<string, string>): { code: number; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deps-'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext' } }));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const roots = ['src', 'codegen'].filter((d) => fs.existsSync(path.join(dir, d)));
  const r = spawnSync(DEPCRUISE, ['--config', CONFIG, ...roots], { cwd: dir, encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const cases: Array<[string, Record<string, string>]> = [
  ['engine-is-pure', { 'src/engine/a.ts': "import '../session/b.js';\n", 'src/session/b.ts': 'export {};\n' }],
  ['session-not-engine-or-settlement', { 'src/session/a.ts': "import '../settlement/b.js';\n", 'src/settlement/b.ts': 'export {};\n' }],
  ['fix-session-not-native', { 'src/fix/a.ts': "import '../native/b.js';\n", 'src/native/b.ts': 'export {};\n' }],
  ['generated-imports-only-codec', { 'src/generated/a.ts': "import '../fix/b.js';\n", 'src/fix/b.ts': 'export {};\n' }],
  ['src-never-imports-codegen', { 'src/codec/a.ts': "import '../../codegen/b.js';\n", 'codegen/b.ts': 'export {};\n' }],
  ['only-gateway-wires', { 'src/engine/a.ts': "import '../gateway/b.js';\n", 'src/gateway/b.ts': 'export {};\n' }],
  ['transport-not-native', { 'src/transport/a.ts': "import '../native/b.js';\n", 'src/native/b.ts': 'export {};\n' }],
  ['transport-not-session-or-engine', { 'src/transport/a.ts': "import '../session/b.js';\n", 'src/session/b.ts': 'export {};\n' }],
  [
    'dev-oracles-not-in-product',
    {
      'src/fix/a.ts': "import 'fixparser';\n",
      'node_modules/fixparser/package.json': '{"name":"fixparser","main":"index.js"}',
      'node_modules/fixparser/index.js': 'module.exports = {};\n',
    },
  ],
  ['no-cycles', { 'src/codec/a.ts': "import './b.js';\n", 'src/codec/b.ts': "import './a.js';\n" }],
];

for (const [rule, files] of cases) {
  test(`dependency rule ${rule} rejects a violation`, (t) => {
    const r = cruise(files);
    t.not(r.code, 0);
    t.true(r.out.includes(rule), r.out);
  });
}

test('a tree that follows the rules passes', (t) => {
  const r = cruise({
    'src/engine/a.ts': "import '../codec/b.js';\nimport '../generated/c.js';\n",
    'src/codec/b.ts': 'export {};\n',
    'src/generated/c.ts': "import '../codec/b.js';\n",
    'src/gateway/d.ts': "import '../engine/a.js';\n",
  });
  t.is(r.code, 0, r.out);
});

test('C core never includes napi.h; only native/src/binding may', (t) => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (path.relative(ROOT, p) !== path.join('native', 'src', 'binding')) walk(p);
      } else if (/\.(c|h|cc|cpp|hpp)$/.test(e.name) && /#\s*include\s*[<"](napi|node_api)[^>"]*\.h/.test(fs.readFileSync(p, 'utf8'))) {
        offenders.push(path.relative(ROOT, p));
      }
    }
  };
  walk(path.join(ROOT, 'native'));
  t.deepEqual(offenders, []);
  t.true(fs.existsSync(path.join(ROOT, 'native')), 'native/ exists');
});
