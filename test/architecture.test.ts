import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/**
 * The module graph of lib/ and app/, read by dependency-cruiser: no import cycles (type-only
 * imports included, since a cycle of types is still two modules that cannot be read apart), the
 * library never reaches into the app, the scripts or the tests, and the store is a boundary:
 * only the factory knows the local snapshot store, and the store depends on nothing above it.
 */

const RULES: IForbiddenRuleType[] = [
  { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
  { name: 'lib-stands-alone', severity: 'error', from: { path: '^lib/' }, to: { path: '^(app|scripts|test)/' } },
  {
    name: 'snapshot-format-private',
    severity: 'error',
    from: { pathNot: '^lib/store/(local/|open\\.ts$)' },
    to: { path: '^lib/store/local/' },
  },
  {
    name: 'store-below-retrieval',
    severity: 'error',
    from: { path: '^lib/store/' },
    to: { path: '^lib/(retrieve|answer|brief|engines|http|fetch|ai|embed|nlp|library\\.ts|ingest\\.ts)' },
  },
];

// The tsconfig gives the '@/' import alias; without it those imports would resolve to nothing and
// every rule would pass vacuously (the test below checks that each one resolves).
const { output } = await cruise(
  ['lib', 'app'],
  {
    ruleSet: { forbidden: RULES },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|\\.next/' },
    validate: true,
  },
  undefined,
  { tsConfig: extractTSConfig('tsconfig.json') },
);
const result = output as ICruiseResult;

const violations = (rule: string) =>
  result.summary.violations
    .filter((v) => v.rule.name === rule)
    .map((v) => (v.cycle?.length ? [v.from, ...v.cycle.map((c) => c.name)].join(' → ') : `${v.from} → ${v.to}`));

test('the graph covers lib/ and app/', () => {
  const files = result.modules.map((m) => m.source);
  assert.ok(files.some((f) => f.startsWith('lib/answer/')) && files.some((f) => f.startsWith('app/')), `modules found: ${files.length}`);
  assert.ok(files.length > 40);
});

test("every import of lib/ and app/ resolves (the '@/' alias included)", () => {
  const unresolved = result.modules.flatMap((m) => m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} → ${d.module}`));
  assert.deepEqual(unresolved, []);
});

test('no import cycles in lib/ and app/', () => {
  assert.deepEqual(violations('no-cycles'), []);
});

test('lib/ never imports app/, scripts/ or test/', () => {
  assert.deepEqual(violations('lib-stands-alone'), []);
});

test('nothing outside lib/store/local/ (but the store factory) imports the local snapshot store', () => {
  assert.ok(
    result.modules.some((m) => m.source.startsWith('lib/store/local/')),
    'the local store is in the graph',
  );
  assert.deepEqual(violations('snapshot-format-private'), []);
});

test('lib/store/ imports nothing above the store', () => {
  assert.deepEqual(violations('store-below-retrieval'), []);
});
