import { analyzeJs, analyzeTsx, sampleComponent, sampleModule, shortenLocals, tokenCount } from '../lib/syntax';
import { seeded } from '../lib/random';

const SEED = 1;
const SCALE = 1;

describe('source analysis', () => {
  const random = seeded(SEED);
  const modules = Array.from({ length: 4 }, () => sampleModule(random, 12 * SCALE));

  test('finds the imports of a module', () => {
    const facts = analyzeJs(modules[0]);
    expect(facts.imports).toHaveLength(2);
    expect(facts.imports[0]).toMatch(/^\.\//);
  });

  test('lists every exported function and the table', () => {
    const facts = analyzeJs(modules[1]);
    expect(facts.exports).toHaveLength(12 * SCALE + 1);
    expect(facts.exports[facts.exports.length - 1]).toBe('table');
  });

  test('counts node types', () => {
    const facts = analyzeJs(modules[2]);
    expect(facts.nodeTypes.FunctionDeclaration).toBe(12 * SCALE);
    expect(facts.nodeTypes.ArrowFunctionExpression).toBe(2 * 12 * SCALE);
    expect(facts.identifiers).toBeGreaterThan(50);
  });

  test('shortened code parses to the same shape', () => {
    const short = shortenLocals(modules[3]);
    expect(short.length).toBeLessThan(modules[3].length);
    const before = analyzeJs(modules[3]).nodeTypes;
    const after = analyzeJs(short).nodeTypes;
    expect(after).toEqual(before);
  });

  test('tokenizes a module', () => {
    const count = tokenCount(modules[0]);
    expect(count).toBeGreaterThan(100 * SCALE);
  });

  test('parses TSX components', () => {
    const source = sampleComponent(random, 8);
    const facts = analyzeTsx(source);
    expect(facts.interfaces).toHaveLength(1);
    expect(facts.jsxElements).toBe(9);
    expect(facts.exports).toEqual(['ExportNamedDeclaration', 'ExportNamedDeclaration', 'ExportDefaultDeclaration']);
  });

  test('parses many components', () => {
    const total = Array.from({ length: 20 * SCALE }, (_, i) => analyzeTsx(sampleComponent(random, 2 + (i % 10)))).reduce((n, f) => n + f.nodeCount, 0);
    expect(total).toBeGreaterThan(1000 * SCALE);
  });

  test('reports a syntax error with its position', () => {
    expect(() => analyzeJs(`${modules[0]}\nexport function (`)).toThrow(/\(\d+:\d+\)/);
  });

  test('acorn and babel agree on the number of functions', () => {
    const acornCount = analyzeJs(modules[1]).nodeTypes.FunctionDeclaration;
    const babelCount = analyzeTsx(modules[1]).exports.length - 1;
    expect(babelCount).toBe(acornCount);
  });

  test('analyzes a large bundle', () => {
    const bundle = sampleModule(random, 150 * SCALE);
    const facts = analyzeJs(bundle);
    expect(facts.exports).toHaveLength(150 * SCALE + 1);
  });

  test('keeps the node type counts of a small module stable', () => {
    expect(analyzeJs(sampleModule(seeded(SEED), 1)).nodeTypes).toMatchSnapshot();
  });
});
