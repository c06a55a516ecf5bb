// Transpiles a workflow file to CommonJS for the loader, and gives each task call a third argument
// the engine needs: `{ file, site, binder }`. The binder is a function with the task's own
// parameter list, evaluated in the module's scope, that returns the bound arguments with defaults
// applied: JavaScript hides defaults from a caller, and a default that reads a module constant must
// be part of the call's arguments.
import ts from "typescript";
import { FileAnalysis } from "./file";

export interface TranspileResult {
  js: string;
}

function binderFor(f: ts.NodeFactory, fn: ts.FunctionExpression | ts.ArrowFunction): ts.FunctionExpression {
  const names: ts.Expression[] = [];
  const params = fn.parameters.map((p, i) => {
    const name = ts.isIdentifier(p.name) ? f.createIdentifier(p.name.text) : f.createIdentifier(`__tasklens_arg${i}`);
    names.push(p.dotDotDotToken ? f.createSpreadElement(name) : name);
    return f.createParameterDeclaration(undefined, p.dotDotDotToken, name, undefined, undefined, p.initializer);
  });
  return f.createFunctionExpression(undefined, undefined, undefined, undefined, params, undefined, f.createBlock([f.createReturnStatement(f.createArrayLiteralExpression(names))]));
}

export function transpileWorkflow(fileName: string, text: string, analysis: FileAnalysis): TranspileResult {
  const siteByEnd = new Map(analysis.tasks.map((t) => [t.call.end, t.site]));
  const addMeta: ts.TransformerFactory<ts.SourceFile> = (context) => {
    const f = context.factory;
    // Only the way down to task calls is visited: the rest of the tree (a 3,000-string
    // concatenation, say) is emitted as it is, without recursing through it.
    const holdsTaskCall = (node: ts.Node) => analysis.tasks.some((t) => node.pos <= t.call.start && t.call.end <= node.end);
    const visit = (node: ts.Node): ts.Node => {
      if (!holdsTaskCall(node)) return node;
      const visited = ts.visitEachChild(node, visit, context);
      const site = ts.isCallExpression(node) ? siteByEnd.get(node.end) : undefined;
      if (site === undefined || !ts.isCallExpression(visited)) return visited;
      const fn = (node as ts.CallExpression).arguments[0] as ts.FunctionExpression | ts.ArrowFunction;
      const meta = f.createObjectLiteralExpression([
        f.createPropertyAssignment("file", f.createIdentifier("__filename")),
        f.createPropertyAssignment("site", f.createNumericLiteral(site)),
        f.createPropertyAssignment("binder", binderFor(f, fn)),
      ]);
      const args = [...visited.arguments];
      if (args.length < 2) args.push(f.createIdentifier("undefined"));
      return f.updateCallExpression(visited, visited.expression, visited.typeArguments, [...args.slice(0, 2), meta]);
    };
    return (sf) => ts.visitNode(sf, visit) as ts.SourceFile;
  };
  // TypeScript emits ESM for .mts/.mjs whatever `module` says: transpile them under a plain extension.
  const neutralName = fileName.replace(/\.[mc]([jt]s)$/, ".$1");
  const out = ts.transpileModule(text, {
    fileName: neutralName,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
      inlineSources: false,
      allowJs: true,
    },
    transformers: { before: [addMeta] },
    reportDiagnostics: false,
  });
  return { js: neutralName === fileName ? out.outputText : pointSourceMapAt(out.outputText, fileName) };
}

/** Rewrites the inline source map so that stack traces name the real file. */
function pointSourceMapAt(js: string, fileName: string): string {
  const marker = "//# sourceMappingURL=data:application/json;base64,";
  const at = js.lastIndexOf(marker);
  if (at < 0) return js;
  const map = JSON.parse(Buffer.from(js.slice(at + marker.length).trim(), "base64").toString("utf8")) as { sources: string[]; file?: string };
  const base = fileName.split(/[\\/]/).pop()!;
  map.sources = [base];
  map.file = base.replace(/\.[mc]?[jt]s$/, ".js");
  return js.slice(0, at) + marker + Buffer.from(JSON.stringify(map)).toString("base64") + "\n";
}
