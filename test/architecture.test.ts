import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';

/**
 * The module graph of lib/ and app/, read by dependency-cruiser: no import cycles (type-only
 * imports included, since a cycle of types is still two modules that cannot be read apart), and
 * the library never reaches into the app, the scripts or the tests.
 */

const RULES: IForbiddenRuleType[] = [
  { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
  { name: 'lib-stands-alone', severity: 'error', from: { path: '^lib/' }, to: { path: '^(app|scripts|test)/' } },
];

const { output } = await cruise(['lib', 'app'], {
  ruleSet: { forbidden: RULES },
  tsPreCompilationDeps: true,
  doNotFollow: { path: 'node_modules' },
  exclude: { path: '(^|/)node_modules/|\\.next/' },
  validate: true,
});
const result = output as ICruiseResult;

const violations = (rule: string) =>
  result.summary.violations.filter((v) => v.rule.name === rule).map((v) => (v.cycle?.length ? [v.from, ...v.cycle.map((c) => c.name)].join(' → ') : `${v.from} → ${v.to}`));

test('the graph covers lib/ and app/', () => {
  const files = result.modules.map((m) => m.source);
  assert.ok(files.some((f) => f.startsWith('lib/answer/')) && files.some((f) => f.startsWith('app/')), `modules found: ${files.length}`);
  assert.ok(files.length > 40);
});

test('no import cycles in lib/ and app/', () => {
  assert.deepEqual(violations('no-cycles'), []);
});

test('lib/ never imports app/, scripts/ or test/', () => {
  assert.deepEqual(violations('lib-stands-alone'), []);
});
