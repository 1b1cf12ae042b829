import { type Tree } from '@nx/devkit';
import { insertImport } from '@nx/js';
import {
  type ArrayLiteralExpression,
  createSourceFile,
  forEachChild,
  type FunctionDeclaration,
  isArrayLiteralExpression,
  isFunctionDeclaration,
  isImportDeclaration,
  isMethodDeclaration,
  isObjectLiteralExpression,
  isPropertyAssignment,
  isReturnStatement,
  type MethodDeclaration,
  type Node,
  type ObjectLiteralExpression,
  type PropertyAssignment,
  ScriptTarget,
  type SourceFile,
} from 'typescript';

/**
 * Edits of TypeScript source through its syntax tree, so that a file reformatted or reordered
 * by hand is still edited right, and a file whose shape changed is refused with a clear error
 * rather than edited in the wrong place.
 */
export class TypeScriptFile {
  private constructor(
    private readonly tree: Tree,
    readonly path: string,
  ) {}

  static open(tree: Tree, path: string): TypeScriptFile {
    if (!tree.exists(path)) throw new Error(`${path} is missing`);
    return new TypeScriptFile(tree, path);
  }

  /** Adds `symbol` to the file's import from `from` (or a new import of it). */
  addImport(symbol: string, from: string): this {
    const source = this.source();
    // @nx/js's insertImport adds after the last import, so a file without one gets it first.
    if (source.statements.some(isImportDeclaration)) insertImport(this.tree, source, this.path, symbol, from);
    else this.insert(0, `import { ${symbol} } from '${from}';\n`);
    return this;
  }

  /** Adds `element` first in the array of property `property` of the object `function` returns. */
  addToReturnedArray(functionName: string, property: string, element: string): this {
    const method = this.find(
      (node): node is MethodDeclaration | FunctionDeclaration =>
        (isMethodDeclaration(node) || isFunctionDeclaration(node)) && node.name?.getText() === functionName,
    );
    const returned = method && this.findIn(method, isReturnStatement)?.expression;
    const array =
      returned && isObjectLiteralExpression(returned) ? arrayProperty(returned, property) : undefined;
    if (!array) throw this.shapeError(`${functionName} returning an object with a ${property} array`);
    this.insert(array.getStart() + 1, `${element},`);
    return this;
  }

  private insert(at: number, text: string): void {
    const content = this.text();
    this.tree.write(this.path, content.slice(0, at) + text + content.slice(at));
  }

  private text(): string {
    return this.tree.read(this.path, 'utf8') ?? '';
  }

  private source(): SourceFile {
    return createSourceFile(this.path, this.text(), ScriptTarget.Latest, true);
  }

  private find<T extends Node>(
    is: (node: Node) => node is T,
    and: (node: T) => boolean = () => true,
  ): T | undefined {
    return this.findIn(this.source(), is, and);
  }

  private findIn<T extends Node>(
    root: Node,
    is: (node: Node) => node is T,
    and: (node: T) => boolean = () => true,
  ): T | undefined {
    let found: T | undefined;
    const visit = (node: Node): void => {
      if (found) return;
      if (is(node) && and(node)) found = node;
      else forEachChild(node, visit);
    };
    visit(root);
    return found;
  }

  private shapeError(expected: string): Error {
    return new Error(
      `${this.path} has no ${expected}; wire the new service in by hand (docs/add-a-service.md)`,
    );
  }
}

function arrayProperty(object: ObjectLiteralExpression, name: string): ArrayLiteralExpression | undefined {
  const property = object.properties.find(
    (entry): entry is PropertyAssignment => isPropertyAssignment(entry) && entry.name.getText() === name,
  );
  return property && isArrayLiteralExpression(property.initializer) ? property.initializer : undefined;
}
