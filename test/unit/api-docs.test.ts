import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const INDEX = resolve(import.meta.dirname, '../../src/index.ts');

/**
 * Exported names of a module and whether each declaration carries TSDoc, following
 * `export { a } from` and `export * from` (syntax only: a type checker would load the SDK's
 * typings and take seconds).
 */
function exportsOf(file: string): Map<string, boolean> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, boolean>();
  const documented = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).length > 0;
  const target = (spec: ts.Expression) => resolve(dirname(file), (spec as ts.StringLiteral).text.replace(/\.js$/, '.ts'));
  for (const st of source.statements) {
    if (ts.isExportDeclaration(st)) {
      const from = st.moduleSpecifier ? exportsOf(target(st.moduleSpecifier)) : undefined;
      if (!st.exportClause && from) for (const [k, v] of from) out.set(k, v);
      else if (st.exportClause && ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements) out.set(el.name.text, from?.get((el.propertyName ?? el.name).text) ?? false);
      }
      continue;
    }
    const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) out.set(d.name.getText(), documented(st));
    else if ('name' in st && st.name && ts.isIdentifier(st.name as ts.Node)) out.set((st.name as ts.Identifier).text, documented(st));
  }
  return out;
}

describe('public API', () => {
  it('every export of src/index.ts has TSDoc', () => {
    const all = exportsOf(INDEX);
    expect(all.size).toBeGreaterThan(30);
    expect([...all].filter(([, doc]) => !doc).map(([name]) => name)).toEqual([]);
  });
});
