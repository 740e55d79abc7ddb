// The TypeScript compiler API, as code generators and doc tools use it: transpiling snippets, and
// type-checking small in-memory programs against the standard library (lib files parsed once per
// module instance, as a language service keeps them).
import * as ts from 'typescript';
import { int, Random, word } from './random';

export function transpile(source: string, target = ts.ScriptTarget.ES2019): { code: string; map: string } {
  const out = ts.transpileModule(source, {
    compilerOptions: { target, module: ts.ModuleKind.CommonJS, sourceMap: true, strict: true, jsx: ts.JsxEmit.React },
    fileName: 'snippet.tsx',
    reportDiagnostics: false,
  });
  return { code: out.outputText, map: out.sourceMapText ?? '' };
}

export function sampleTypedModule(random: Random, declarations: number, withError = false): string {
  const lines: string[] = [];
  for (let d = 0; d < declarations; d++) {
    const name = `${word(random)[0].toUpperCase()}${word(random)}${d}`;
    lines.push(`export interface ${name} { id: number; name: string; tags: readonly string[]; score?: number }`);
    lines.push(`export function make${name}(id: number, name: string): ${name} { return { id, name, tags: [name.slice(0, ${int(random, 1, 4)})] }; }`);
    lines.push(`export const all${name}: ${name}[] = [${Array.from({ length: int(random, 1, 4) }, (_, i) => `make${name}(${i}, '${word(random)}')`).join(', ')}];`);
    lines.push(`export const total${d} = all${name}.reduce((sum, item) => sum + item.id + (item.score ?? 0), 0);`);
    lines.push(`export const byName${d} = new Map(all${name}.map((item) => [item.name, item] as const));`);
  }
  if (withError) lines.push(`export const broken: number = 'not a number';`);
  return lines.join('\n');
}

const libCache = new Map<string, ts.SourceFile>();
const OPTIONS: ts.CompilerOptions = { target: ts.ScriptTarget.ES2020, lib: ['lib.es2020.d.ts'], strict: true, noEmit: true, types: [] };

/** Type-checks in-memory files; returns the diagnostics as `file(line,col): message`. */
export function typeCheck(files: Record<string, string>): string[] {
  const host = ts.createCompilerHost(OPTIONS);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError) => {
    if (fileName in files) return ts.createSourceFile(fileName, files[fileName], languageVersion, true);
    let file = libCache.get(fileName);
    if (!file) {
      file = getSourceFile(fileName, languageVersion, onError);
      if (file) libCache.set(fileName, file);
    }
    return file;
  };
  host.fileExists = (fileName) => fileName in files || ts.sys.fileExists(fileName);
  host.readFile = (fileName) => files[fileName] ?? ts.sys.readFile(fileName);
  const program = ts.createProgram(Object.keys(files), OPTIONS, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    return where ? `${d.file!.fileName}(${where.line + 1},${where.character + 1}): ${message}` : message;
  });
}

/** The exported names and their kinds, from a parse without a program (what a doc tool lists). */
export function exportedDeclarations(source: string): { name: string; kind: string }[] {
  const file = ts.createSourceFile('module.ts', source, ts.ScriptTarget.Latest, true);
  const out: { name: string; kind: string }[] = [];
  file.forEachChild((node) => {
    const exported = ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) return;
    if (ts.isInterfaceDeclaration(node) || ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) {
      out.push({ name: node.name?.text ?? 'default', kind: ts.SyntaxKind[node.kind] });
    } else if (ts.isVariableStatement(node)) {
      for (const declaration of node.declarationList.declarations) out.push({ name: declaration.name.getText(file), kind: 'VariableDeclaration' });
    }
  });
  return out;
}

/** Prints a generated AST: what a code generator does with the factory. */
export function generateEnum(name: string, members: string[]): string {
  const f = ts.factory;
  const declaration = f.createEnumDeclaration(
    [f.createModifier(ts.SyntaxKind.ExportKeyword)],
    name,
    members.map((member, i) => f.createEnumMember(member, f.createNumericLiteral(i))),
  );
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  return printer.printNode(ts.EmitHint.Unspecified, declaration, ts.createSourceFile('out.ts', '', ts.ScriptTarget.Latest));
}
