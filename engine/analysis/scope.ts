// Scope resolution on the syntax tree alone: which identifiers a piece of code reads that are not
// declared inside it. Works on half-typed code (the parser always yields a tree), costs one walk,
// and needs no type checker. The checker's getSymbolAtLocation is the oracle in the tests.
import ts from "typescript";

export interface FreeReference {
  name: string;
  start: number;
  end: number;
  /** The reference sits in a parameter default of the root function (it becomes part of the arguments). */
  inDefault: boolean;
}

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent?: Scope) {}
  resolves(name: string): boolean {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.names.has(name)) return true;
    return false;
  }
}

export function declareBindingName(name: ts.BindingName | undefined, into: Set<string>): void {
  if (!name) return;
  if (ts.isIdentifier(name)) {
    if (name.text) into.add(name.text);
    return;
  }
  for (const element of name.elements) {
    if (ts.isBindingElement(element)) declareBindingName(element.name, into);
  }
}

/** Declarations a block makes visible throughout itself: let/const/class/function/enum/namespace. */
function declareBlockScoped(statements: readonly ts.Statement[], scope: Scope): void {
  for (const statement of statements) {
    if (ts.isVariableStatement(statement)) {
      if (statement.declarationList.flags & ts.NodeFlags.BlockScoped) {
        for (const d of statement.declarationList.declarations) declareBindingName(d.name, scope.names);
      }
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      scope.names.add(statement.name.text);
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      scope.names.add(statement.name.text);
    }
  }
}

/** `var` declarations hoist to the enclosing function, through blocks but not into nested functions. */
function hoistVars(node: ts.Node, scope: Scope): void {
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isVariableDeclarationList(n) && !(n.flags & ts.NodeFlags.BlockScoped)) {
      for (const d of n.declarations) declareBindingName(d.name, scope.names);
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(node, visit);
}

function isTypeOnly(node: ts.Node): boolean {
  return (
    ts.isTypeNode(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isTypeParameterDeclaration(node) ||
    (ts.isHeritageClause(node) && node.token === ts.SyntaxKind.ImplementsKeyword)
  );
}

/**
 * The identifiers `root` reads that it does not declare itself, in source order. `root` is a
 * function, a class, or an expression; its own name (for a named function or class expression)
 * counts as declared inside it.
 */
export function freeReferences(root: ts.Node): FreeReference[] {
  const found: FreeReference[] = [];
  const rootIsFunction = ts.isFunctionLike(root);

  const reference = (id: ts.Identifier, scope: Scope, inDefault: boolean): void => {
    const name = id.text;
    if (!name || scope.resolves(name)) return; // "" is a missing identifier from parser recovery
    found.push({ name, start: id.getStart(), end: id.getEnd(), inDefault });
  };

  const visitBindingName = (name: ts.BindingName, scope: Scope, inDefault: boolean): void => {
    if (ts.isIdentifier(name)) return;
    for (const element of name.elements) {
      if (!ts.isBindingElement(element)) continue;
      if (element.propertyName && ts.isComputedPropertyName(element.propertyName)) visit(element.propertyName.expression, scope, inDefault);
      visitBindingName(element.name, scope, inDefault);
      if (element.initializer) visit(element.initializer, scope, inDefault);
    }
  };

  const visitPropertyName = (name: ts.PropertyName | undefined, scope: Scope, inDefault: boolean): void => {
    if (name && ts.isComputedPropertyName(name)) visit(name.expression, scope, inDefault);
  };

  const visitFunction = (fn: ts.SignatureDeclaration, scope: Scope, inDefault: boolean, isRoot: boolean): void => {
    if (!ts.isFunctionDeclaration(fn) && !ts.isFunctionExpression(fn) && !ts.isArrowFunction(fn)) {
      visitPropertyName(fn.name as ts.PropertyName | undefined, scope, inDefault);
    }
    const paramScope = new Scope(scope);
    if ((ts.isFunctionExpression(fn) || (isRoot && ts.isFunctionDeclaration(fn))) && fn.name) paramScope.names.add(fn.name.text);
    if (!ts.isArrowFunction(fn)) paramScope.names.add("arguments");
    for (const p of fn.parameters) declareBindingName(p.name, paramScope.names);
    for (const p of fn.parameters) {
      const defaults = inDefault || isRoot;
      visitBindingName(p.name, paramScope, defaults);
      if (p.initializer) visit(p.initializer, paramScope, defaults);
      for (const d of ts.getDecorators(p) ?? []) visit(d.expression, scope, inDefault);
    }
    const body = (fn as ts.FunctionLikeDeclaration).body;
    if (!body) return;
    const bodyScope = new Scope(paramScope);
    if (ts.isBlock(body)) {
      hoistVars(body, bodyScope);
      declareBlockScoped(body.statements, bodyScope);
      for (const s of body.statements) visit(s, bodyScope, inDefault);
    } else {
      visit(body, bodyScope, inDefault);
    }
  };

  const visitClass = (cls: ts.ClassLikeDeclaration, scope: Scope, inDefault: boolean): void => {
    const inner = new Scope(scope);
    if (cls.name) inner.names.add(cls.name.text);
    for (const d of ts.getDecorators(cls) ?? []) visit(d.expression, scope, inDefault);
    for (const clause of cls.heritageClauses ?? []) {
      if (clause.token === ts.SyntaxKind.ExtendsKeyword) for (const t of clause.types) visit(t.expression, inner, inDefault);
    }
    for (const member of cls.members) {
      for (const d of ts.canHaveDecorators(member) ? ts.getDecorators(member) ?? [] : []) visit(d.expression, inner, inDefault);
      if (ts.isPropertyDeclaration(member)) {
        visitPropertyName(member.name, inner, inDefault);
        if (member.initializer) visit(member.initializer, inner, inDefault);
      } else if (ts.isClassStaticBlockDeclaration(member)) {
        visit(member.body, inner, inDefault);
      } else if (ts.isFunctionLike(member)) {
        visitFunction(member, inner, inDefault, false);
      } else if (!ts.isSemicolonClassElement(member) && !ts.isIndexSignatureDeclaration(member)) {
        ts.forEachChild(member, (c) => visit(c, inner, inDefault));
      }
    }
  };

  const visit = (node: ts.Node, scope: Scope, inDefault: boolean): void => {
    if (isTypeOnly(node)) return;
    if (ts.isIdentifier(node)) return reference(node, scope, inDefault);
    if (ts.isFunctionLike(node)) return visitFunction(node, scope, inDefault, node === root);
    if (ts.isClassLike(node)) return visitClass(node, scope, inDefault);
    if (ts.isBlock(node) || ts.isModuleBlock(node) || ts.isCaseBlock(node)) {
      const inner = new Scope(scope);
      const statements = ts.isCaseBlock(node) ? node.clauses.flatMap((c) => [...c.statements]) : node.statements;
      declareBlockScoped(statements, inner);
      ts.forEachChild(node, (c) => visit(c, inner, inDefault));
      return;
    }
    if (ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) {
      const inner = new Scope(scope);
      const init = ts.isForStatement(node) ? node.initializer : node.initializer;
      if (init && ts.isVariableDeclarationList(init) && init.flags & ts.NodeFlags.BlockScoped) {
        for (const d of init.declarations) declareBindingName(d.name, inner.names);
      }
      ts.forEachChild(node, (c) => visit(c, inner, inDefault));
      return;
    }
    if (ts.isCatchClause(node)) {
      const inner = new Scope(scope);
      if (node.variableDeclaration) {
        declareBindingName(node.variableDeclaration.name, inner.names);
        visitBindingName(node.variableDeclaration.name, inner, inDefault);
      }
      visit(node.block, inner, inDefault);
      return;
    }
    if (ts.isVariableDeclaration(node)) {
      visitBindingName(node.name, scope, inDefault);
      if (node.initializer) visit(node.initializer, scope, inDefault);
      return;
    }
    if (ts.isPropertyAccessExpression(node)) return visit(node.expression, scope, inDefault);
    if (ts.isQualifiedName(node)) return;
    if (ts.isPropertyAssignment(node)) {
      visitPropertyName(node.name, scope, inDefault);
      return visit(node.initializer, scope, inDefault);
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      reference(node.name, scope, inDefault);
      if (node.objectAssignmentInitializer) visit(node.objectAssignmentInitializer, scope, inDefault);
      return;
    }
    if (ts.isLabeledStatement(node)) return visit(node.statement, scope, inDefault);
    if (ts.isBreakOrContinueStatement(node)) return;
    if (ts.isMetaProperty(node)) return;
    if (ts.isEnumDeclaration(node)) {
      for (const m of node.members) if (m.initializer) visit(m.initializer, scope, inDefault);
      return;
    }
    if (ts.isModuleDeclaration(node)) {
      if (node.body) visit(node.body, scope, inDefault);
      return;
    }
    if (ts.isJsxAttribute(node)) {
      if (node.initializer) visit(node.initializer, scope, inDefault);
      return;
    }
    if ((ts.isJsxOpeningElement(node) || ts.isJsxSelfClosingElement(node)) && ts.isIdentifier(node.tagName) && /^[a-z]/.test(node.tagName.text)) {
      visit(node.attributes, scope, inDefault);
      return;
    }
    if (ts.isJsxClosingElement(node)) return;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isImportEqualsDeclaration(node)) return;
    ts.forEachChild(node, (c) => visit(c, scope, inDefault));
  };

  if (rootIsFunction) visitFunction(root as ts.SignatureDeclaration, new Scope(), false, true);
  else visit(root, new Scope(), false);
  return found;
}
