// Normalized source: the token text of a syntax tree, so that comments, whitespace and the
// choices a formatter makes (quote style, optional semicolons, trailing commas) never change a hash,
// while every edit that changes the program does. Token *text* is hashed, never SyntaxKind numbers
// (they differ between TypeScript versions).
import ts from "typescript";
import { sha256 } from "../hash";

const SEPARATOR = "\u0001";

function isJsDoc(node: ts.Node): boolean {
  return node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode;
}

/** Statement-like nodes get one terminator token, whether or not the source wrote a `;` (ASI). */
function needsTerminator(node: ts.Node): boolean {
  return (
    ts.isStatement(node) && !ts.isBlock(node) && !ts.isFunctionDeclaration(node) && !ts.isClassDeclaration(node)
  ) || ts.isPropertyDeclaration(node) || ts.isPropertySignature(node);
}

export function normalizedTokens(node: ts.Node, sourceFile: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (isJsDoc(n)) return;
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) {
      // 'a' and "a" are the same program; a template without substitutions is kept apart.
      out.push((ts.isStringLiteral(n) ? "s" : "`") + JSON.stringify(n.text));
      return;
    }
    const children = n.getChildren(sourceFile);
    if (children.length === 0) {
      if (n.kind === ts.SyntaxKind.SemicolonToken || n.kind === ts.SyntaxKind.EndOfFileToken) return;
      const text = n.getText(sourceFile);
      if (text.length > 0) out.push(text);
      return;
    }
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      // A trailing comma in a list (`f(a, b,)`) is formatting, not meaning.
      if (child.kind === ts.SyntaxKind.CommaToken && n.kind === ts.SyntaxKind.SyntaxList && i === children.length - 1) continue;
      visit(child);
    }
    if (needsTerminator(n)) out.push(";");
  };
  visit(node);
  return out;
}

export function normalizedSource(node: ts.Node, sourceFile: ts.SourceFile): string {
  return normalizedTokens(node, sourceFile).join(SEPARATOR);
}

export function normalizedHash(node: ts.Node, sourceFile: ts.SourceFile): string {
  return sha256(normalizedSource(node, sourceFile));
}
