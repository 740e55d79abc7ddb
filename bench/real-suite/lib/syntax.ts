// Source analysis: JavaScript parsed with acorn (a linter's view: scopes, identifiers, imports) and
// TypeScript/JSX parsed with @babel/parser (a bundler's view: exports, JSX elements).
import { parse as babelParse } from '@babel/parser';
import * as acorn from 'acorn';
import { countBy } from 'lodash';
import { int, pick, Random, word } from './random';

export function sampleModule(random: Random, functions: number): string {
  const lines = [`import { ${word(random)} } from './${word(random)}.js';`, `import ${word(random)}Default from '${word(random)}';`, ''];
  for (let f = 0; f < functions; f++) {
    const name = `${word(random)}${f}`;
    const params = Array.from({ length: int(random, 0, 3) }, (_, i) => `${word(random)}${i}`);
    lines.push(`export function ${name}(${params.join(', ')}) {`);
    lines.push(`  const items = [${Array.from({ length: int(random, 1, 6) }, () => int(random, 0, 99)).join(', ')}];`);
    lines.push(`  let total = 0;`);
    lines.push(`  for (const item of items) { if (item % ${int(random, 2, 5)} === 0) total += item; else total -= ${params[0] ?? 1}; }`);
    lines.push(`  const label = \`${word(random)}-\${total}\`;`);
    lines.push(`  return items.map((x) => ({ x, label, ok: x > ${int(random, 0, 50)} })).filter(({ ok }) => ok);`);
    lines.push('}', '');
  }
  lines.push(`export const table = { ${Array.from({ length: int(random, 3, 10) }, () => `${word(random)}: '${word(random)}'`).join(', ')} };`);
  return lines.join('\n');
}

export function sampleComponent(random: Random, props: number): string {
  const name = `${word(random)[0].toUpperCase()}${word(random)}View`;
  const fields = Array.from({ length: props }, (_, i) => `${word(random)}${i}`);
  return [
    `import React, { useState } from 'react';`,
    `export interface ${name}Props { ${fields.map((f) => `${f}: ${pick(random, ['string', 'number', 'boolean'])};`).join(' ')} }`,
    `export function ${name}({ ${fields.join(', ')} }: ${name}Props): JSX.Element {`,
    `  const [open, setOpen] = useState<boolean>(false);`,
    `  return (<section className="${word(random)}" onClick={() => setOpen(!open)}>`,
    ...fields.map((f) => `    <div data-field="${f}">{String(${f})}</div>`),
    `  </section>);`,
    `}`,
    `export default ${name};`,
  ].join('\n');
}

interface AnyNode {
  type: string;
  [key: string]: unknown;
}

/** Every node of an ESTree/Babel AST, depth first, without a visitor-keys table. */
export function* nodes(root: AnyNode): Generator<AnyNode> {
  const stack: AnyNode[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    yield node;
    for (const key of Object.keys(node)) {
      if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) if (value[i] && typeof value[i].type === 'string') stack.push(value[i]);
      } else if (value && typeof (value as AnyNode).type === 'string') stack.push(value as AnyNode);
    }
  }
}

export interface ModuleFacts {
  imports: string[];
  exports: string[];
  nodeTypes: Record<string, number>;
  identifiers: number;
}

export function analyzeJs(source: string): ModuleFacts {
  const ast = acorn.parse(source, { ecmaVersion: 2022, sourceType: 'module', locations: true }) as unknown as AnyNode;
  const all = [...nodes(ast)];
  return {
    imports: all.filter((n) => n.type === 'ImportDeclaration').map((n) => (n.source as { value: string }).value),
    exports: all
      .filter((n) => n.type === 'ExportNamedDeclaration')
      .map((n) => {
        const declaration = n.declaration as { id?: { name: string }; declarations?: { id: { name: string } }[] };
        return declaration.id?.name ?? declaration.declarations?.[0].id.name ?? '';
      }),
    nodeTypes: countBy(all, 'type'),
    identifiers: all.filter((n) => n.type === 'Identifier').length,
  };
}

export function analyzeTsx(source: string): { exports: string[]; jsxElements: number; interfaces: string[]; nodeCount: number } {
  const file = babelParse(source, { sourceType: 'module', plugins: ['typescript', 'jsx'] }) as unknown as AnyNode;
  const all = [...nodes(file.program as AnyNode)];
  return {
    exports: all.filter((n) => n.type === 'ExportNamedDeclaration' || n.type === 'ExportDefaultDeclaration').map((n) => n.type),
    jsxElements: all.filter((n) => n.type === 'JSXElement').length,
    interfaces: all.filter((n) => n.type === 'TSInterfaceDeclaration').map((n) => (n.id as { name: string }).name),
    nodeCount: all.length,
  };
}

/** A minifier's first step: renames local variables to short names, by token positions. */
export function shortenLocals(source: string): string {
  const ast = acorn.parse(source, { ecmaVersion: 2022, sourceType: 'module' }) as unknown as AnyNode;
  const names = new Map<string, string>();
  for (const node of nodes(ast)) {
    if (node.type !== 'VariableDeclarator') continue;
    const id = node.id as AnyNode & { name?: string; start: number; end: number };
    if (id.type !== 'Identifier' || !id.name) continue;
    if (!names.has(id.name)) names.set(id.name, `_${names.size.toString(36)}`);
  }
  const edits = new Map<number, { end: number; name: string }>();
  for (const node of nodes(ast)) {
    const key = node.key as (AnyNode & { name?: string; start: number; end: number }) | undefined;
    if (node.type === 'Property' && node.shorthand && key?.name && names.has(key.name)) {
      // `{ label }` becomes `{ label: _1 }`: the key stays, the value is renamed
      edits.set(key.start, { end: key.end, name: `${key.name}: ${names.get(key.name)}` });
    }
    const id = node as AnyNode & { name?: string; start: number; end: number };
    if (node.type === 'Identifier' && id.name && names.has(id.name) && !edits.has(id.start)) edits.set(id.start, { end: id.end, name: names.get(id.name)! });
  }
  let out = source;
  for (const [start, edit] of [...edits].sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + edit.name + out.slice(edit.end);
  return out;
}

export function tokenCount(source: string): number {
  let count = 0;
  for (const _ of acorn.tokenizer(source, { ecmaVersion: 2022, sourceType: 'module' })) count++;
  return count;
}
