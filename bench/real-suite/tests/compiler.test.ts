import { exportedDeclarations, generateEnum, sampleTypedModule, transpile, typeCheck } from '../lib/compiler';
import { analyzeJs } from '../lib/syntax';
import { seeded } from '../lib/random';

const SEED = 1;
const SCALE = 1;

describe('compiler API', () => {
  const random = seeded(SEED);
  const source = sampleTypedModule(random, 10 * SCALE);

  test('transpiles to CommonJS with a source map', () => {
    const { code, map } = transpile(source);
    expect(code).toContain('exports.');
    expect(JSON.parse(map).version).toBe(3);
  });

  test('transpiled code parses as a script', () => {
    const { code } = transpile(source);
    expect(() => analyzeJs(code.replace(/^\/\/# sourceMappingURL=.*$/m, ''))).not.toThrow();
  });

  test('transpiles JSX', () => {
    const { code } = transpile('export const view = (name: string) => <div className="x">{name}</div>;');
    expect(code).toContain('React.createElement');
  });

  test('lists exported declarations', () => {
    const names = exportedDeclarations(source);
    expect(names.filter((n) => n.kind === 'InterfaceDeclaration')).toHaveLength(10 * SCALE);
    expect(names.filter((n) => n.kind === 'FunctionDeclaration')).toHaveLength(10 * SCALE);
  });

  test('type-checks a valid program', () => {
    expect(typeCheck({ '/app/main.ts': source })).toEqual([]);
  });

  test('reports a type error with its position', () => {
    const diagnostics = typeCheck({ '/app/main.ts': sampleTypedModule(random, 3, true) });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^\/app\/main\.ts\(\d+,\d+\): Type 'string' is not assignable to type 'number'/);
  });

  test('type-checks across files', () => {
    const diagnostics = typeCheck({
      '/app/model.ts': source,
      '/app/use.ts': `import { total0 } from './model';\nexport const doubled: number = total0 * 2;\nexport const wrong: string = total0;`,
    });
    expect(diagnostics).toHaveLength(1);
  });

  test('generates an enum', () => {
    const printed = generateEnum('Color', ['Red', 'Green', 'Blue']);
    expect(printed).toContain('export enum Color');
    expect(typeCheck({ '/app/enum.ts': printed })).toEqual([]);
  });

  test('transpiles many snippets', () => {
    const outputs = Array.from({ length: 30 * SCALE }, () => transpile(sampleTypedModule(random, 2)).code);
    expect(outputs.every((code) => code.includes('"use strict"'))).toBe(true);
  });

  test('targets older syntax', () => {
    const { code } = transpile('export const f = (x?: { y?: number }) => x?.y ?? 0;', 1 /* ES5 */);
    expect(code).not.toContain('?.');
  });

  test('keeps the generated enum stable', () => {
    expect(generateEnum('Size', ['Small', 'Large'])).toMatchSnapshot();
  });
});
