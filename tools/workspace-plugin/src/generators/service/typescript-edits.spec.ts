import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { TypeScriptFile } from './typescript-edits';

describe(TypeScriptFile.name, () => {
  const write = (text: string) => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('list.ts', text);
    return { tree, sut: TypeScriptFile.open(tree, 'list.ts'), read: () => tree.read('list.ts', 'utf8') };
  };

  it('adds to an import from that module, and a new import when none is from it', () => {
    const { sut, read } = write("import { A } from './a';\nexport const LIST = [A];\n");
    sut.addImport('B', './a').addImport('C', './c');
    expect(read()).toContain("import { A, B } from './a';");
    expect(read()).toContain("import { C } from './c';");
  });

  it('adds a first import to a file without one', () => {
    const { sut, read } = write('export const LIST = [];\n');
    sut.addImport('B', './b');
    expect(read()).toBe("import { B } from './b';\nexport const LIST = [];\n");
  });

  it('adds an element first to an array of the object a method returns', () => {
    const { sut, read } = write(
      'class M {\n  static forRoot() {\n    return { module: M, controllers: [A, B] };\n  }\n}\n',
    );
    sut.addToReturnedArray('forRoot', 'controllers', 'C');
    expect(read()).toContain('controllers: [C,A, B]');
  });

  it('refuses, naming the file and what it lacks, when the code has another shape', () => {
    const { sut } = write('function forRoot() { return build(); }\n');
    expect(() => sut.addToReturnedArray('forRoot', 'controllers', 'C')).toThrow(
      'list.ts has no forRoot returning an object with a controllers array',
    );
  });

  it('refuses a file that is missing', () => {
    expect(() => TypeScriptFile.open(createTreeWithEmptyWorkspace(), 'nowhere.ts')).toThrow(
      'nowhere.ts is missing',
    );
  });
});
